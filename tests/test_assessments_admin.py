"""Assessments as HR runs them through the web pages: new (subjects pasted or a whole section,
rater groups from the settings, the window in the office's zone), edit in 草拟 with its
version check, the steps 草拟 → 进行中 → 已关闭 → 已归档 with what each needs, deleting a draft,
a form posted twice, the list's filters and turnout, the manager's read-only view, the
``flask assessments close`` command and the auto-close (real database, real forms)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import (
    Assessment,
    AssessmentState,
    AuditEvent,
    BallotBox,
    BoxState,
    Cadre,
    Checklist,
)
from cadre_app.services.assessments import checklists, operations, rules
from cadre_app.services.ballots import operations as ballots
from cadre_app.services.ballots.operations import GroupSpec
from cadre_app.services.core import queue
from tests.conftest import count_rows
from tests.factories import CadreFactory

S = AssessmentState


def _form(app, **changes) -> dict[str, str]:
    """A complete new-assessment form (the default checklist, two groups, a window that
    opens tomorrow at 09:00 Beijing time)."""
    with app.app_context():
        default, _made = checklists.ensure_default()
        db.session.commit()
        checklist_id = default.id
    day = (utcnow() + timedelta(days=2)).date()
    data = {
        "title": "2026年度年轻干部政治素质测评",
        "purpose": "年度",
        "subjects": "T0001\n王芳",
        "section": "",
        "opens_at": f"{day.isoformat()}T09:00",
        "closes_at": f"{(day + timedelta(days=7)).isoformat()}T17:30",
        "checklist_id": str(checklist_id),
        "min_group_ballots": "3",
        "talk_threshold": "1/3",
        "note": "",
        "groups-0-name": "领导",
        "groups-0-weight": "40",
        "groups-0-planned": "5",
        "groups-1-name": "同事",
        "groups-1-weight": "60",
        "groups-1-planned": "12",
    }
    for i in range(2, 6):
        data |= {f"groups-{i}-name": "", f"groups-{i}-weight": "", f"groups-{i}-planned": ""}
    return data | changes


def _create(client, app, **changes) -> int:
    response = client.post("/assessments/new", data=_form(app, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _get(app, assessment_id: int) -> dict:
    with app.app_context():
        a = db.session.get(Assessment, assessment_id)
        if a is None:
            return {}
        return {
            "state": a.state,
            "version": a.version,
            "title": a.title,
            "subjects": [s.cadre.staff_no for s in a.subjects],
            "groups": [(g.name, g.weight, g.planned) for g in a.box.groups],
            "opens_at": a.box.opens_at,
            "closes_at": a.box.closes_at,
            "box_state": a.box.state,
            "frozen": a.checklist.frozen_at is not None,
            "checklist_id": a.checklist_id,
        }


def _audit(app, assessment_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.summary)
                .where(
                    AuditEvent.object_type == "assessment",
                    AuditEvent.object_id == str(assessment_id),
                )
                .order_by(AuditEvent.id)
            )
        )


def _step(client, assessment_id: int, target: str, version: int, **extra):
    data = {"target": target, "version": str(version)} | extra
    return client.post(f"/assessments/{assessment_id}/step", data=data)


def _set_window(app, assessment_id: int, opens: datetime, closes: datetime) -> None:
    with app.app_context():
        box = db.session.get(Assessment, assessment_id).box
        box.opens_at, box.closes_at = opens, closes
        db.session.commit()


# --- new -------------------------------------------------------------------------------------


def test_new_form_starts_from_the_settings_and_the_default_checklist(app, hr_client):
    html = hr_client.get("/assessments/new").get_data(as_text=True)
    for name in ("领导", "同事", "下属", "服务对象"):
        assert f'value="{name}"' in html
    assert "政治素质正反向测评表 · v1" in html
    assert 'name="talk_threshold"' in html and 'value="1/3"' in html


def test_hr_creates_a_draft_with_pasted_subjects_groups_and_a_local_window(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    got = _get(app, assessment_id)
    assert got["state"] is S.DRAFT and got["box_state"] is BoxState.DRAFT
    assert got["subjects"] == ["T0001", "T0002"]  # a 工号 and a name, in the order pasted
    assert got["groups"] == [("领导", 40, 5), ("同事", 60, 12)]
    # 09:00 in Beijing is 01:00 UTC, stored naive
    assert (got["opens_at"].hour, got["opens_at"].minute) == (1, 0)
    assert (got["closes_at"].hour, got["closes_at"].minute) == (9, 30)
    page = hr_client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "李晓明" in page and "王芳" in page and "09:00" in page and "17:30" in page
    assert _audit(app, assessment_id) == ["2026年度年轻干部政治素质测评：新建（草拟）"]


def test_names_not_on_the_roster_are_listed_and_nothing_is_written(app, hr_client, users):
    before = count_rows(app, Assessment)
    response = hr_client.post("/assessments/new", data=_form(app, subjects="T0001, 张无名，T9999"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "名册中没有：张无名、T9999。" in html
    assert count_rows(app, Assessment) == before and count_rows(app, BallotBox) == 0


def test_a_shared_name_asks_for_the_staff_number(app, hr_client, users, org):
    with app.app_context():
        CadreFactory(name="王芳", department_id=org["budget"])
        db.session.commit()
    response = hr_client.post("/assessments/new", data=_form(app, subjects="王芳"))
    assert response.status_code == 400
    assert "“王芳”有 2 名同名干部，请改填工号。" in response.get_data(as_text=True)


def test_a_whole_section_adds_its_cadres(app, hr_client, users, org):
    with app.app_context():
        CadreFactory(staff_no="T0003", name="赵强", department_id=org["treasury"])
        db.session.commit()
    assessment_id = _create(hr_client, app, subjects="T0001", section=str(org["treasury"]))
    assert sorted(_get(app, assessment_id)["subjects"]) == ["T0001", "T0002", "T0003"]


def test_bad_input_is_refused_with_chinese_messages(app, hr_client, users):
    form = _form(app)
    cases = [
        ({"closes_at": form["opens_at"]}, "结束时间须晚于开始时间。"),
        ({"opens_at": "明天"}, "时间格式应为 2026-05-01 09:00。"),
        ({"title": "  "}, "请填写测评名称。"),
        ({"purpose": "随便"}, "请选择测评目的。"),
        ({"talk_threshold": "2"}, "谈话提醒比例须为 0 到 1 之间的分数"),
        ({"min_group_ballots": "0"}, "须在 1 到 100 之间"),
        ({"groups-0-weight": "abc"}, "请检查测评组的权重和票数。"),
        ({"groups-1-name": "领导"}, "测评组“领导”重复。"),
        ({"checklist_id": "999999"}, "请选择测评表。"),
    ]
    for change, message in cases:
        response = hr_client.post("/assessments/new", data=form | change)
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    assert count_rows(app, Assessment) == 0 and count_rows(app, BallotBox) == 0


def test_the_same_new_form_posted_twice_makes_one_assessment(app, hr_client, users):
    first = _create(hr_client, app)
    response = hr_client.post("/assessments/new", data=_form(app))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{first}")
    assert count_rows(app, Assessment) == 1 and count_rows(app, BallotBox) == 1


# --- edit ------------------------------------------------------------------------------------


def test_edit_a_draft_and_a_stale_form_gets_409_with_what_changed(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    form = _form(app, title="新名称", subjects="T0001", version="1")
    response = hr_client.post(f"/assessments/{assessment_id}/edit", data=form)
    assert response.status_code == 302
    got = _get(app, assessment_id)
    assert got["title"] == "新名称" and got["subjects"] == ["T0001"] and got["version"] == 2
    with app.app_context():
        assert db.session.get(Assessment, assessment_id).box.title == "新名称"
    # the same form again: already done
    again = hr_client.post(f"/assessments/{assessment_id}/edit", data=form)
    assert again.status_code == 302
    # another form loaded at version 1 that changes something else: 409, nothing saved
    stale = _form(app, title="别的名称", version="1")
    response = hr_client.post(f"/assessments/{assessment_id}/edit", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "这项测评已被他人修改" in html and "新名称" in html
    assert _get(app, assessment_id)["title"] == "新名称"


def test_only_groups_changed_still_moves_the_version(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    form = _form(app, version="1", **{"groups-1-planned": "20"})
    assert hr_client.post(f"/assessments/{assessment_id}/edit", data=form).status_code == 302
    got = _get(app, assessment_id)
    assert got["groups"][1] == ("同事", 60, 20) and got["version"] == 2


# --- the steps -------------------------------------------------------------------------------


def test_opening_needs_subjects_and_a_group_with_codes_and_weight(app, hr_client, users):
    assessment_id = _create(
        hr_client,
        app,
        subjects="",
        **{"groups-0-planned": "0", "groups-1-weight": "0"},
    )
    response = _step(hr_client, assessment_id, "open", 1)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "至少需要一名测评对象。" in html
    assert "至少需要一个权重和票数都大于 0 的测评组。" in html
    assert _get(app, assessment_id)["state"] is S.DRAFT


def test_a_window_already_over_cannot_open(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    now = utcnow()
    _set_window(app, assessment_id, now - timedelta(days=3), now - timedelta(days=1))
    response = _step(hr_client, assessment_id, "open", 1)
    assert response.status_code == 400
    assert "测评结束时间已过" in response.get_data(as_text=True)


def test_open_freezes_subjects_groups_and_checklist(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    response = _step(hr_client, assessment_id, "open", 1)
    assert response.status_code == 302
    got = _get(app, assessment_id)
    assert got["state"] is S.OPEN and got["box_state"] is BoxState.OPEN and got["frozen"]
    # the edit page sends back; an edit posted anyway is refused
    assert hr_client.get(f"/assessments/{assessment_id}/edit").status_code == 302
    form = _form(app, subjects="T0001", version=str(got["version"]))
    response = hr_client.post(f"/assessments/{assessment_id}/edit", data=form)
    assert response.status_code == 400
    assert "已锁定" in response.get_data(as_text=True)
    assert _get(app, assessment_id)["subjects"] == ["T0001", "T0002"]
    # the same open posted twice: done once
    again = _step(hr_client, assessment_id, "open", 1)
    assert again.status_code == 302
    assert [s for s in _audit(app, assessment_id) if "进行中" in s] == [
        "2026年度年轻干部政治素质测评：草拟 → 进行中"
    ]


def test_close_early_needs_confirmation_and_a_reason_then_archive(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    _step(hr_client, assessment_id, "open", 1)
    version = _get(app, assessment_id)["version"]
    unconfirmed = _step(hr_client, assessment_id, "closed", version, reason="人员调整")
    assert unconfirmed.status_code == 400
    assert "请勾选确认后再提前结束测评。" in unconfirmed.get_data(as_text=True)
    no_reason = _step(hr_client, assessment_id, "closed", version, confirm="y")
    assert no_reason.status_code == 400
    assert "提前结束测评须填写原因。" in no_reason.get_data(as_text=True)
    assert _get(app, assessment_id)["state"] is S.OPEN
    done = _step(hr_client, assessment_id, "closed", version, confirm="y", reason="人员调整")
    assert done.status_code == 302
    got = _get(app, assessment_id)
    assert got["state"] is S.CLOSED and got["box_state"] is BoxState.CLOSED
    assert any("提前结束：人员调整" in s for s in _audit(app, assessment_id))
    page = hr_client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "进行中 → 已关闭（提前结束：人员调整）" in page  # the step's history on the page
    # posted twice: once
    again = _step(hr_client, assessment_id, "closed", version, confirm="y", reason="人员调整")
    assert again.status_code == 302
    assert len([s for s in _audit(app, assessment_id) if "已关闭" in s]) == 1
    archived = _step(hr_client, assessment_id, "archived", got["version"])
    assert archived.status_code == 302
    assert _get(app, assessment_id)["state"] is S.ARCHIVED


def test_steps_out_of_order_are_refused(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    response = _step(hr_client, assessment_id, "archived", 1)
    assert response.status_code == 400
    assert "不能转为“已归档”" in response.get_data(as_text=True)
    assert (
        hr_client.post(
            f"/assessments/{assessment_id}/step", data={"target": "draft", "version": "1"}
        ).status_code
        == 400
    )
    assert _step(hr_client, assessment_id, "open", "x").status_code == 400


def test_delete_a_draft_but_not_an_open_one(app, hr_client, users):
    draft = _create(hr_client, app)
    opened = _create(hr_client, app, title="另一项测评")
    _step(hr_client, opened, "open", 1)
    response = hr_client.post(f"/assessments/{draft}/delete", data={"version": "1"})
    assert response.status_code == 302
    assert _get(app, draft) == {} and count_rows(app, BallotBox) == 1
    again = hr_client.post(f"/assessments/{draft}/delete", data={"version": "1"})
    assert again.status_code == 302  # posted twice: already done
    version = _get(app, opened)["version"]
    refused = hr_client.post(f"/assessments/{opened}/delete", data={"version": str(version)})
    assert refused.status_code == 400
    assert "只能删除草拟状态的测评。" in refused.get_data(as_text=True)
    assert _get(app, opened)["state"] is S.OPEN


# --- the one closing: CLI and the auto-close -------------------------------------------------


def _opened(app, *, closes_in: timedelta, title: str = "自动关闭测评") -> int:
    now = utcnow()
    with app.test_request_context():
        default, _made = checklists.ensure_default()
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "T0001"))
        assessment = operations.create(
            operations.Details(
                title=title,
                purpose="专项",
                cadre_ids=(cadre.id,),
                groups=(GroupSpec("同事", 100, 5),),
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=1),
                checklist_id=default.id,
            ),
            actor="seed",
        )
        operations.open_assessment(assessment, expected_version=assessment.version, actor="seed")
        assessment.box.closes_at = now + closes_in
        db.session.commit()
        return assessment.id


def test_auto_close_closes_only_what_has_ended(app, users):
    ended = _opened(app, closes_in=timedelta(minutes=-1), title="已到期")
    running = _opened(app, closes_in=timedelta(hours=1), title="未到期")
    with app.app_context():
        assert operations.close_due() == [ended]
        db.session.commit()
        assert operations.close_due() == []  # a second run finds nothing
    assert _get(app, ended)["state"] is S.CLOSED
    assert _get(app, ended)["box_state"] is BoxState.CLOSED
    assert _get(app, running)["state"] is S.OPEN
    assert any("自动关闭" in s for s in _audit(app, ended))


def test_the_periodic_task_runs_the_auto_close(app, users):
    ended = _opened(app, closes_in=timedelta(seconds=-5))
    queue.bind(app)
    operations.auto_close_assessments.call_local()  # what the consumer runs every minute
    assert "auto_close_assessments" in {t.__name__ for t in queue.huey._registry._periodic_tasks}
    assert _get(app, ended)["state"] is S.CLOSED


def test_cli_close(app, runner, users):
    running = _opened(app, closes_in=timedelta(hours=1))
    early = runner.invoke(args=["assessments", "close", str(running)])
    assert early.exit_code == 1 and "提前结束测评须填写原因。" in early.output
    result = runner.invoke(args=["assessments", "close", str(running), "--reason", "提前完成"])
    assert result.exit_code == 0, result.output
    assert _get(app, running)["state"] is S.CLOSED
    again = runner.invoke(args=["assessments", "close", str(running)])
    assert again.exit_code == 0 and "already closed" in again.output
    assert runner.invoke(args=["assessments", "close", "999999"]).exit_code == 1


def test_closing_runs_the_results_hook_inside_the_transaction(app, users, monkeypatch):
    calls = []
    from cadre_app.services.assessments import results

    monkeypatch.setattr(
        results, "on_close", lambda a, *, actor, today: calls.append((a.state, actor))
    )
    ended = _opened(app, closes_in=timedelta(seconds=-5))
    with app.app_context():
        operations.close_due(actor="system")
        db.session.commit()
    assert calls == [(S.CLOSED, "system")]
    assert _get(app, ended)["state"] is S.CLOSED


# --- the list, turnout, and who sees what ----------------------------------------------------


def _cast(app, assessment_id: int, n: int) -> None:
    with app.test_request_context():
        a = db.session.get(Assessment, assessment_id)
        group = a.box.groups[0]
        codes = ballots.issue_codes(group, n, actor="seed")
        for code in codes:
            answers = rules.encode(rules.Answers((0,) * 15, (False,) * 22, 0))
            ballots.cast(code, {a.subjects[0].cadre_id: answers})
        db.session.commit()


def test_list_filters_and_turnout_while_open(app, hr_client, users):
    draft = _create(hr_client, app, purpose="考察", title="考察测评")
    running = _opened(app, closes_in=timedelta(hours=2), title="进行中测评")
    _cast(app, running, 2)
    html = hr_client.get("/assessments/").get_data(as_text=True)
    assert "考察测评" in html and "进行中测评" in html
    assert "2 / 5" in html  # cast / planned
    only_open = hr_client.get("/assessments/?state=open").get_data(as_text=True)
    assert "进行中测评" in only_open and "考察测评" not in only_open
    by_purpose = hr_client.get("/assessments/?purpose=考察").get_data(as_text=True)
    assert "考察测评" in by_purpose and "进行中测评" not in by_purpose
    year = _get(app, draft)["opens_at"].year
    assert "考察测评" in hr_client.get(f"/assessments/?year={year}").get_data(as_text=True)
    assert "考察测评" not in hr_client.get("/assessments/?year=1999").get_data(as_text=True)
    for bad in ("state=gone", "purpose=x", "year=abc", "year=99999"):
        assert hr_client.get(f"/assessments/?{bad}").status_code == 400
    page = hr_client.get(f"/assessments/{running}").get_data(as_text=True)
    assert 'data-testid="cast">2<' in page


def test_manager_reads_only_assessments_of_their_sections(app, hr_client, login_as, users):
    own = _create(hr_client, app, title="含本处室", subjects="T0001\nT0002")
    other = _create(hr_client, app, title="仅国库处", subjects="T0002")
    manager = login_as("manager")
    html = manager.get("/assessments/").get_data(as_text=True)
    assert "含本处室" in html and "仅国库处" not in html and "新建测评" not in html
    page = manager.get(f"/assessments/{own}").get_data(as_text=True)
    assert "李晓明" in page and "王芳" not in page  # only their section's subjects
    assert 'data-testid="step-open"' not in page and "编辑" not in page
    assert manager.get(f"/assessments/{other}").status_code == 404
    assert manager.post(f"/assessments/{own}/step", data={"target": "open"}).status_code == 403
    assert manager.get(f"/assessments/{own}/edit").status_code == 403
    assert _get(app, own)["state"] is S.DRAFT


def test_every_step_is_audited(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    _step(hr_client, assessment_id, "open", 1)
    version = _get(app, assessment_id)["version"]
    _step(hr_client, assessment_id, "closed", version, confirm="y", reason="提前完成")
    _step(hr_client, assessment_id, "archived", _get(app, assessment_id)["version"])
    summaries = _audit(app, assessment_id)
    assert [s.split("：", 1)[1].split("（")[0] for s in summaries] == [
        "新建",
        "草拟 → 进行中",
        "进行中 → 已关闭",
        "已关闭 → 已归档",
    ]
    with app.app_context():
        checklist = db.session.get(Checklist, _get(app, assessment_id)["checklist_id"])
        assert checklist.frozen_at is not None


# --- the other parts' sections, stale steps, CSRF --------------------------------------------


def test_the_page_includes_each_parts_section_in_order(app, hr_client, users, monkeypatch):
    from types import SimpleNamespace

    from jinja2 import ChoiceLoader, DictLoader

    from cadre_app.blueprints import assessments as package

    assessment_id = _create(hr_client, app)
    monkeypatch.setattr(
        app.jinja_env,
        "loader",
        ChoiceLoader(
            [
                DictLoader(
                    {
                        "t/second.html": '<p id="p2">{{ section.word }}</p>',
                        "t/first.html": '<p id="p1">{{ section.word }} {{ assessment.id }}</p>',
                    }
                ),
                app.jinja_env.loader,
            ]
        ),
    )
    parts = (
        *package.PARTS,
        SimpleNamespace(
            PAGE_SECTION=("t/second.html", 20), page_section=lambda a, u: {"word": "B"}
        ),
        SimpleNamespace(PAGE_SECTION=("t/first.html", 10), page_section=lambda a, u: {"word": "A"}),
        SimpleNamespace(PAGE_SECTION=("t/none.html", 5), page_section=lambda a, u: None),
    )
    monkeypatch.setattr(package, "PARTS", parts)
    html = hr_client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert f'<p id="p1">A {assessment_id}</p>' in html and '<p id="p2">B</p>' in html
    assert html.index('id="p1"') < html.index('id="p2"')


def test_a_step_from_a_stale_page_gets_409(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    form = _form(app, title="已被改名", version="1")
    assert hr_client.post(f"/assessments/{assessment_id}/edit", data=form).status_code == 302
    response = _step(hr_client, assessment_id, "open", 1)  # the page showed version 1
    assert response.status_code == 409
    assert "这项测评已被他人修改" in response.get_data(as_text=True)
    assert _get(app, assessment_id)["state"] is S.DRAFT


def test_steps_need_the_csrf_token(app, hr_client, users):
    assessment_id = _create(hr_client, app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _step(hr_client, assessment_id, "open", 1).status_code == 400
        deleted = hr_client.post(f"/assessments/{assessment_id}/delete", data={"version": "1"})
        assert deleted.status_code == 400
        assert hr_client.post("/assessments/new", data=_form(app)).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _get(app, assessment_id)["state"] is S.DRAFT and count_rows(app, Assessment) == 1


def test_deleting_an_assessment_that_never_was_is_404(app, hr_client, users):
    assert hr_client.post("/assessments/999999/delete", data={"version": "1"}).status_code == 404


def test_hrs_dashboard_lists_the_assessments_under_way(app, hr_client, login_as, users):
    assert 'data-testid="assessments-open-panel"' not in hr_client.get("/").get_data(as_text=True)
    running = _opened(app, closes_in=timedelta(hours=2), title="进行中测评")
    _cast(app, running, 1)
    html = hr_client.get("/").get_data(as_text=True)
    assert 'data-testid="assessments-open-panel"' in html
    assert "进行中测评" in html and "已投票 1 / 5" in html
    manager = login_as("manager")
    assert "assessments-open-panel" not in manager.get("/").get_data(as_text=True)


def test_one_assessment_that_cannot_close_does_not_hold_the_others(app, users, monkeypatch):
    from cadre_app.services.assessments import results

    broken = _opened(app, closes_in=timedelta(seconds=-10), title="出错的测评")
    fine = _opened(app, closes_in=timedelta(seconds=-10), title="正常的测评")

    def on_close(assessment, *, actor, today):
        if assessment.id == broken:
            raise RuntimeError("results part failed")

    monkeypatch.setattr(results, "on_close", on_close)
    queue.bind(app)
    operations.auto_close_assessments.call_local()
    assert _get(app, broken)["state"] is S.OPEN  # rolled back, tried again next minute
    assert _get(app, broken)["box_state"] is BoxState.OPEN
    assert _get(app, fine)["state"] is S.CLOSED
