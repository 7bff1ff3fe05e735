"""Login, lockout, sessions, logout replay, idle timeout, password change."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from cadre_app import create_app
from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Role, User, UserSession
from tests.conftest import PASSWORD, base_config, login

GENERIC_FAILURE = "用户名或密码错误"


def _user(app, username):
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.username == username))


def test_login_page_renders_in_chinese(client):
    page = client.get("/auth/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "登录" in html and 'name="username"' in html and 'name="password"' in html


def test_login_success_opens_a_server_side_session(app, client, users):
    response = login(client, "hr1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 1
    assert client.get("/").status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_message(client, users):
    unknown = login(client, "nobody", "Whatever@1")
    wrong = login(client, "hr1", "Wrong@pass1")
    assert unknown.status_code == wrong.status_code == 401
    unknown_html, wrong_html = unknown.get_data(as_text=True), wrong.get_data(as_text=True)
    assert GENERIC_FAILURE in unknown_html and GENERIC_FAILURE in wrong_html

    # Nothing else on the page differs but the echoed username and the (timed) CSRF tokens.
    def normalise(html: str, username: str) -> str:
        html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
        return html.replace(username, "X")

    assert normalise(unknown_html, "nobody") == normalise(wrong_html, "hr1")


def test_five_failures_lock_the_account_for_thirty_minutes(app, client, users):
    for _ in range(5):
        assert login(client, "hr1", "Wrong@pass1").status_code == 401
    user = _user(app, "hr1")
    assert user.locked_until is not None
    minutes = (user.locked_until - utcnow()).total_seconds() / 60
    assert 29 < minutes <= 30
    # The right password is refused while locked, with the same message.
    locked = login(client, "hr1", PASSWORD)
    assert locked.status_code == 401 and GENERIC_FAILURE in locked.get_data(as_text=True)


def test_four_failures_do_not_lock_and_success_resets_the_count(app, client, users):
    for _ in range(4):
        login(client, "hr1", "Wrong@pass1")
    assert _user(app, "hr1").failed_logins == 4
    assert login(client, "hr1").status_code == 302
    user = _user(app, "hr1")
    assert user.failed_logins == 0 and user.locked_until is None


def test_lockout_is_kept_in_the_database_across_workers(app, users):
    for _ in range(5):
        login(app.test_client(), "hr1", "Wrong@pass1")
    # A second application instance stands for another gunicorn worker.
    other_worker = create_app(base_config())
    assert login(other_worker.test_client(), "hr1").status_code == 401


def test_lock_expires_after_thirty_minutes(app, client, users):
    for _ in range(5):
        login(client, "hr1", "Wrong@pass1")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "hr1"))
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert login(client, "hr1").status_code == 302


def test_admin_can_unlock(app, admin_client, users):
    for _ in range(5):
        login(app.test_client(), "hr1", "Wrong@pass1")
    user = _user(app, "hr1")
    assert admin_client.post(f"/admin/users/{user.id}/unlock").status_code == 302
    assert _user(app, "hr1").locked_until is None
    assert login(app.test_client(), "hr1").status_code == 302


def test_login_rate_limit_answers_429(app, client, users):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [login(client, "nobody", "Wrong@pass1").status_code for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [401, 401, 401, 429]


def test_login_starts_a_new_session(app, client, users):
    client.get("/auth/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker before login"
    login(client, "hr1")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        first_token = sess["_user_id"]
    client.post("/auth/logout")
    login(client, "hr1")
    with client.session_transaction() as sess:
        assert sess["_user_id"] != first_token


def test_replaying_the_cookie_after_logout_does_not_get_back_in(app, users):
    client = app.test_client()
    login(client, "hr1")
    stolen = client.get_cookie("cadre_session").value
    assert client.get("/").status_code == 200
    assert client.post("/auth/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("cadre_session", stolen)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_idle_session_times_out_after_thirty_minutes(app, client, users):
    login(client, "hr1")
    with app.app_context():
        row = db.session.scalar(sa.select(UserSession))
        row.last_seen_at = utcnow() - timedelta(minutes=31)
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_session_active_within_the_idle_window(app, client, users):
    login(client, "hr1")
    with app.app_context():
        row = db.session.scalar(sa.select(UserSession))
        row.last_seen_at = utcnow() - timedelta(minutes=29)
        db.session.commit()
    assert client.get("/").status_code == 200


def test_session_cookie_lifetime_is_thirty_minutes(app):
    assert app.permanent_session_lifetime == timedelta(minutes=30)


def test_disabled_account_cannot_log_in_or_keep_its_session(app, client, users):
    login(client, "hr1")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "hr1"))
        user.is_enabled = False
        db.session.commit()
    assert client.get("/").status_code == 302
    assert login(app.test_client(), "hr1").status_code == 401


def test_forced_password_change_at_first_login(app, make_user, org):
    make_user("newbie", Role.HR, must_change_password=True)
    client = app.test_client()
    login(client, "newbie")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/password"
    bad = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    assert bad.status_code == 400 and "至少需要 8 个字符" in bad.get_data(as_text=True)
    assert client.get("/").status_code == 302
    ok = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "N3w-kettle-Orbit",
            "confirm_password": "N3w-kettle-Orbit",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    assert _user(app, "newbie").must_change_password is False


def test_password_change_ends_other_sessions(app, users):
    first, second = app.test_client(), app.test_client()
    login(first, "hr1")
    login(second, "hr1")
    response = first.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "An0ther-Pass",
            "confirm_password": "An0ther-Pass",
        },
    )
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_password_change_wrong_current_password(hr_client):
    response = hr_client.post(
        "/auth/password",
        data={
            "current_password": "Not-the-one1",
            "new_password": "An0ther-Pass",
            "confirm_password": "An0ther-Pass",
        },
    )
    assert response.status_code == 400
    assert "当前密码不正确" in response.get_data(as_text=True)


def test_logout_is_post_only(hr_client):
    assert hr_client.get("/auth/logout").status_code == 405
    assert hr_client.get("/").status_code == 200


def test_login_sweeps_idle_sessions(app, users):
    stale = app.test_client()
    login(stale, "manager1")
    with app.app_context():
        row = db.session.scalar(sa.select(UserSession))
        row.last_seen_at = utcnow() - timedelta(hours=5)
        db.session.commit()
    login(app.test_client(), "hr1")
    with app.app_context():
        rows = db.session.scalars(sa.select(UserSession)).all()
        assert [r.user.username for r in rows] == ["hr1"]


def test_account_changes_are_audited(app, admin_client, hr_client, users, runner):
    from cadre_app.models import AuditEvent

    for _ in range(5):
        login(app.test_client(), "manager1", "Wrong@pass1")
    manager = _user(app, "manager1")
    admin_client.post(f"/admin/users/{manager.id}/unlock")
    hr_client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "An0ther-Pass",
            "confirm_password": "An0ther-Pass",
        },
    )
    runner.invoke(
        args=["users", "create", "zhao", "--role", "hr", "--password-stdin"], input="Str0ng-Pass\n"
    )
    with app.app_context():
        summaries = [
            (e.actor_name, e.summary)
            for e in db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.object_type == "user")
            )
        ]
    assert ("admin1", "解锁账户 manager1") in summaries
    assert ("hr1", "修改密码") in summaries
    assert any(s == "创建账户 zhao（hr）" and a.startswith("cli:") for a, s in summaries)
