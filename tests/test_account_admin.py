"""Account administration by the admin (issue 10, item 22): open accounts with a real name and
a one-time temporary password, reset passwords, change roles, deactivate and reactivate,
name 处长 and 分管领导; 三员分立 holds and every change is in the audit log. And the real name
is what the menu shows and the 干部任免审批表 prints as 填表人 (item 17)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Role, SectionHead, User
from cadre_app.services.accounts import rules
from tests.conftest import PASSWORD, login


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is not None:
            user.led_departments  # noqa: B018  (loaded before the session closes)
            db.session.expunge(user)
        return user


def _set(app, username: str, **values) -> None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        for key, value in values.items():
            setattr(user, key, value)
        db.session.commit()


def _user_events(app, user_id: int) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id))
            .order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return events


def _temporary_password(html: str) -> str:
    found = re.search(r'data-testid="temporary-password">([^<]+)<', html)
    assert found, html
    return found.group(1)


def _new(admin_client, **data):
    form = {"username": "zhangwei", "real_name": "张伟", "role": "hr", "cadre_staff_no": ""}
    return admin_client.post("/admin/users/new", data=form | data)


# --- pure rules ---------------------------------------------------------------------------


def test_separated_roles_are_admin_hr_and_auditor():
    assert rules.separation_conflict(Role.AUDITOR, [Role.HR]) is Role.HR
    assert rules.separation_conflict(Role.HR, [Role.MANAGER, Role.AUDITOR]) is Role.AUDITOR
    assert rules.separation_conflict(Role.ADMIN, [Role.AUDITOR]) is Role.AUDITOR
    assert rules.separation_conflict(Role.HR, [Role.HR, Role.MANAGER, Role.CADRE]) is None
    assert rules.separation_conflict(Role.MANAGER, [Role.HR, Role.AUDITOR]) is None


def test_temporary_passwords_meet_the_policy_and_differ(app_ctx):
    from cadre_app.services.accounts.operations import password_problems

    made = {rules.temporary_password() for _ in range(50)}
    assert len(made) == 50
    assert all(password_problems(p) == [] for p in made)


# --- opening an account -------------------------------------------------------------------


def test_admin_opens_an_account_shown_once_and_changed_at_first_login(app, admin_client, users):
    response = _new(admin_client)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "只显示这一次" in html and "张伟" in html
    password = _temporary_password(html)
    assert response.headers["Cache-Control"] == "no-store"
    user = _user(app, "zhangwei")
    assert (user.real_name, user.role, user.must_change_password) == ("张伟", Role.HR, True)
    client = app.test_client()
    assert login(client, "zhangwei", password).status_code == 302
    forced = client.get("/")
    assert forced.status_code == 302 and forced.headers["Location"] == "/auth/password"
    [event] = [e for e in _user_events(app, user.id) if e.action == "create"]
    assert event.actor_name == "admin1"
    assert event.after["role"] == "hr" and event.after["real_name"] == "张伟"
    assert password not in str(event.after) and password not in (event.summary or "")


def test_posting_the_new_account_twice_opens_one(app, admin_client, users):
    assert _new(admin_client).status_code == 200
    again = _new(admin_client)
    assert again.status_code == 400
    assert "用户名 zhangwei 已存在" in again.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(User).where(User.username == "zhangwei")
            )
            == 1
        )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"real_name": ""}, "请填写使用人的真实姓名"),
        ({"username": ""}, "请填写用户名"),
        ({"role": "cadre"}, "干部账户须关联一名干部"),
        ({"role": "root"}, "请选择有效的角色"),
        ({"cadre_staff_no": "X999"}, "找不到工号为 X999 的干部"),
        ({"role": "cadre", "cadre_staff_no": "T0001"}, "已有账户 cadre1"),
        ({"role": "manager", "cadre_staff_no": "T0002", "real_name": "王小芳"}, "不符"),
    ],
)
def test_a_bad_account_is_refused_in_chinese_and_nothing_is_written(
    app, admin_client, users, data, message
):
    response = _new(admin_client, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _user(app, data.get("username", "zhangwei") or "zhangwei") is None


def test_a_cadre_account_links_its_cadre(app, admin_client, users, org):
    response = _new(
        admin_client, username="wangfang", real_name="王芳", role="cadre", cadre_staff_no="T0002"
    )
    assert response.status_code == 200
    assert _user(app, "wangfang").cadre_id == org["other_cadre"]


# --- 三员分立 -----------------------------------------------------------------------------


def test_nobody_holds_the_auditor_role_and_an_hr_role(app, admin_client, users):
    _set(app, "hr1", real_name="郑人和")
    response = _new(admin_client, username="zrh-audit", real_name="郑人和", role="auditor")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "三员分立" in html and "hr1" in html
    assert _user(app, "zrh-audit") is None
    # Nor by changing the role of the person's other account.
    _set(app, "manager1", real_name="郑人和")
    manager = _user(app, "manager1")
    response = admin_client.post(
        f"/admin/users/{manager.id}", data={"real_name": "郑人和", "role": "auditor"}
    )
    assert response.status_code == 400 and "三员分立" in response.get_data(as_text=True)
    assert _user(app, "manager1").role is Role.MANAGER


def test_the_admin_cannot_give_themself_another_separated_role(app, admin_client, users):
    _set(app, "admin1", real_name="周信安")
    for role in ("auditor", "hr"):
        response = _new(admin_client, username=f"zxa-{role}", real_name="周信安", role=role)
        assert response.status_code == 400 and "三员分立" in response.get_data(as_text=True)
    admin = _user(app, "admin1")
    response = admin_client.post(
        f"/admin/users/{admin.id}", data={"real_name": "周信安", "role": "auditor"}
    )
    assert response.status_code == 400
    assert "不能修改自己的角色" in response.get_data(as_text=True)
    assert _user(app, "admin1").role is Role.ADMIN


def test_the_admin_reads_no_personnel_data(admin_client, org):
    assert admin_client.get("/cadres/").status_code == 403
    assert admin_client.get(f"/cadres/{org['own_cadre']}").status_code == 403
    assert admin_client.get("/talks/").status_code == 403


# --- changing an account ------------------------------------------------------------------


def test_a_role_change_is_audited_in_words_and_ends_the_sessions(app, admin_client, users):
    hr_client = app.test_client()
    login(hr_client, "hr1")
    hr = _user(app, "hr1")
    response = admin_client.post(
        f"/admin/users/{hr.id}", data={"real_name": "郑人和", "role": "manager"}
    )
    assert response.status_code == 302
    assert _user(app, "hr1").role is Role.MANAGER
    assert hr_client.get("/").status_code == 302  # signed in again, with the new role
    event = _user_events(app, hr.id)[-1]
    assert event.before == {"real_name": "", "role": "hr"}
    assert event.after == {"real_name": "郑人和", "role": "manager"}


def test_reset_password_gives_a_new_one_time_password(app, admin_client, users):
    signed_in = app.test_client()
    login(signed_in, "hr1")
    hr = _user(app, "hr1")
    response = admin_client.post(f"/admin/users/{hr.id}/reset-password")
    assert response.status_code == 200
    password = _temporary_password(response.get_data(as_text=True))
    assert signed_in.get("/").status_code == 302  # its sessions ended
    assert login(app.test_client(), "hr1", PASSWORD).status_code == 401
    client = app.test_client()
    assert login(client, "hr1", password).status_code == 302
    assert client.get("/").headers["Location"] == "/auth/password"
    assert "重置密码 hr1" in [e.summary for e in _user_events(app, hr.id)]


def test_deactivated_accounts_cannot_sign_in_and_are_never_deleted(app, admin_client, users):
    signed_in = app.test_client()
    login(signed_in, "hr1")
    hr = _user(app, "hr1")
    assert admin_client.post(f"/admin/users/{hr.id}/deactivate").status_code == 302
    assert admin_client.post(f"/admin/users/{hr.id}/deactivate").status_code == 302  # twice
    assert signed_in.get("/").status_code == 302
    assert login(app.test_client(), "hr1").status_code == 401
    assert admin_client.delete(f"/admin/users/{hr.id}").status_code == 405
    events = [e for e in _user_events(app, hr.id) if e.action == "update"]
    assert [(e.before, e.after) for e in events] == [({"is_enabled": True}, {"is_enabled": False})]
    assert admin_client.post(f"/admin/users/{hr.id}/reactivate").status_code == 302
    assert login(app.test_client(), "hr1").status_code == 302


def test_the_admin_cannot_deactivate_themself(app, admin_client, users):
    admin = _user(app, "admin1")
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "不能停用自己的账户" in response.get_data(as_text=True)
    assert _user(app, "admin1").is_enabled


# --- 处长 and 分管领导 -------------------------------------------------------------------------


def test_section_heads_and_overseers_scope_what_a_manager_sees(app, admin_client, users, org):
    manager = _user(app, "manager1")
    response = admin_client.post(
        f"/admin/users/{manager.id}/sections",
        data={"head_of": str(org["treasury"]), "oversees": [str(org["budget"])]},
    )
    assert response.status_code == 302
    with app.app_context():
        head = db.session.get(SectionHead, org["treasury"])
        assert head.user_id == manager.id
    client = app.test_client()
    login(client, "manager1")
    assert client.get(f"/cadres/{org['other_cadre']}").status_code == 200  # 国库处, as 处长
    assert client.get(f"/cadres/{org['own_cadre']}").status_code == 200  # 预算处, 分管
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "处长：国库处" in page and "分管：预算处" in page
    event = [e for e in _user_events(app, manager.id) if e.action == "update"][-1]
    assert (event.before, event.after) == ({"head_of": None}, {"head_of": "国库处"})
    # Only the 预算处 now: the 国库处 is out of sight again.
    admin_client.post(
        f"/admin/users/{manager.id}/sections", data={"oversees": [str(org["budget"])]}
    )
    assert client.get(f"/cadres/{org['other_cadre']}").status_code == 404


def test_a_section_has_one_head_account(app, admin_client, users, make_user, org):
    first = make_user("chief1", Role.MANAGER)
    second = make_user("chief2", Role.MANAGER)
    admin_client.post(f"/admin/users/{first.id}/sections", data={"head_of": str(org["budget"])})
    response = admin_client.post(
        f"/admin/users/{second.id}/sections", data={"head_of": str(org["budget"])}
    )
    assert response.status_code == 400
    assert "预算处 的处长已是账户 chief1" in response.get_data(as_text=True)


def test_only_manager_accounts_lead_sections(app, admin_client, users, org):
    hr = _user(app, "hr1")
    response = admin_client.post(
        f"/admin/users/{hr.id}/sections", data={"head_of": str(org["budget"])}
    )
    assert response.status_code == 400
    assert "只有领导账户" in response.get_data(as_text=True)


def test_a_manager_made_hr_leaves_their_sections(app, admin_client, users, org):
    manager = _user(app, "manager1")
    admin_client.post(f"/admin/users/{manager.id}/sections", data={"head_of": str(org["budget"])})
    admin_client.post(f"/admin/users/{manager.id}", data={"real_name": "钱领导", "role": "hr"})
    assert _user(app, "manager1").led_departments == []
    with app.app_context():
        assert db.session.get(SectionHead, org["budget"]) is None


# --- the real name (item 17) --------------------------------------------------------------


def test_the_menu_shows_the_real_name(app, users, login_as):
    _set(app, "hr1", real_name="郑人和")
    html = login_as("hr").get("/").get_data(as_text=True)
    menu = html.split('data-testid="user-menu"', 1)[1].split("</a>", 1)[0]
    assert "郑人和" in menu and "hr1" not in menu.split(">", 1)[1]


def test_the_appointment_form_is_filled_by_the_real_name(app, users, org, login_as):
    _set(app, "hr1", real_name="郑人和")
    page = login_as("hr").get(f"/records/{org['own_cadre']}/appointment-form")
    html = page.get_data(as_text=True)
    assert 'name="filled_by"' in html
    field = (
        html.split('name="filled_by"', 1)[0].rsplit("<input", 1)[1]
        + html.split('name="filled_by"', 1)[1].split(">", 1)[0]
    )
    assert 'value="郑人和"' in field


def test_cli_create_takes_a_real_name(app, runner, org):
    result = runner.invoke(
        args=["users", "create", "qian", "--role", "auditor", "--real-name", "钱审之"],
        input="Str0ng-Pass\nStr0ng-Pass\n",
    )
    assert result.exit_code == 0, result.output
    assert _user(app, "qian").real_name == "钱审之"
