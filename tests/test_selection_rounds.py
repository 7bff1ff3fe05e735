"""Selection rounds on the web (HR): a round's stages in order, going back with a reason,
确定考察对象 and 考察, 讨论决定, 任前公示 with objections, 任职 and 试用期; version checks, forms
posted twice, and nothing half-written on bad input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import AppointmentDraft, AuditEvent, Cadre, ResumeEntry, Talk
from cadre_app.models.selection import (
    Position,
    PublicityObjection,
    RoundCandidate,
    RoundEvent,
    SelectionRound,
    Stage,
)
from cadre_app.services.core import workdays
from cadre_app.services.selection import rounds
from tests.conftest import office_today

MONDAY = date(2026, 3, 2)


def make_round(
    app: Any, org: dict[str, int], *, post_kind: str = "领导职务", level: str = "乡科级副职"
) -> dict[str, int]:
    """A position, a round at 动议 and two candidates on its shortlist (李晓明, 王芳)."""
    with app.app_context():
        position = Position(
            title="预算处副处长",
            department_id=org["budget"],
            post_kind=post_kind,
            target_level=level,
            places=1,
        )
        db.session.add(position)
        db.session.flush()
        round_ = rounds.create(position, "预算处副处长选任", "预算处副处长空缺", actor="hr1")
        own = RoundCandidate(round=round_, cadre_id=org["own_cadre"], added_reason="符合条件")
        other = RoundCandidate(round=round_, cadre_id=org["other_cadre"], added_reason="符合条件")
        db.session.add_all([own, other])
        db.session.commit()
        return {"round": round_.id, "own": own.id, "other": other.id, "position": position.id}


def version(app: Any, round_id: int) -> int:
    with app.app_context():
        return db.session.get(SelectionRound, round_id).version


def stage_of(app: Any, round_id: int) -> Stage:
    with app.app_context():
        return db.session.get(SelectionRound, round_id).stage


def post_step(client: Any, app: Any, round_id: int, target: Stage, **data: Any) -> Any:
    form = {"target": target.value, "version": str(version(app, round_id))} | data
    return client.post(f"/selection/rounds/{round_id}/step", data=form)


def advance_to(client: Any, app: Any, ids: dict[str, int], target: Stage) -> None:
    """Walk the round on to ``target`` through the web, doing what each stage needs."""
    round_id = ids["round"]
    while stage_of(app, round_id) is not target:
        stage = stage_of(app, round_id)
        if stage is Stage.CANDIDATES:
            mark(client, app, ids, "own", inspected=True)
        if stage is Stage.INSPECTION:
            mark(
                client, app, ids, "own", inspected=True, integrity=True, notes="政治坚定，业务扎实"
            )
        if stage is Stage.DECISION:
            meeting(client, app, ids, 9, 6, own=5)
        if stage is Stage.PUBLICITY:
            publicity(client, app, round_id, MONDAY, MONDAY + timedelta(days=4))
        nxt = list(Stage)[list(Stage).index(stage) + 1]
        extra = {"appointed_on": office_today().isoformat()} if nxt is Stage.APPOINTMENT else {}
        if nxt is Stage.CONFIRMED:
            extra = {"probation_outcome": "免去试任职务"}
        response = post_step(client, app, round_id, nxt, documents="组通字〔2026〕1号", **extra)
        assert response.status_code == 302, response.get_data(as_text=True)


def mark(
    client: Any,
    app: Any,
    ids: dict[str, int],
    who: str,
    *,
    inspected: bool,
    integrity: bool = False,
    notes: str = "",
) -> Any:
    data = {"version": str(version(app, ids["round"])), "inspection_notes": notes}
    if inspected:
        data["inspected"] = "y"
    if integrity:
        data["integrity_received"] = "y"
    return client.post(f"/selection/rounds/{ids['round']}/candidates/{ids[who]}", data=data)


def meeting(
    client: Any, app: Any, ids: dict[str, int], entitled: int, present: int, **votes: int
) -> Any:
    data = {
        "version": str(version(app, ids["round"])),
        "meeting_on": MONDAY.isoformat(),
        "members_entitled": str(entitled),
        "members_present": str(present),
    }
    data |= {f"votes_{ids[who]}": str(n) for who, n in votes.items()}
    return client.post(f"/selection/rounds/{ids['round']}/meeting", data=data)


def publicity(client: Any, app: Any, round_id: int, start: date, end: date) -> Any:
    return client.post(
        f"/selection/rounds/{round_id}/publicity",
        data={
            "version": str(version(app, round_id)),
            "publicity_start": start.isoformat(),
            "publicity_end": end.isoformat(),
        },
    )


@pytest.fixture
def ids(app, org, users):
    return make_round(app, org)


# --- list, new, the page ----------------------------------------------------------------------


def test_hr_creates_a_round_at_motion(app, hr_client, org, users):
    with app.app_context():
        position = Position(
            title="国库处处长", department_id=org["treasury"], post_kind="领导职务",
            target_level="乡科级正职", places=1,
        )  # fmt: skip
        db.session.add(position)
        db.session.commit()
        position_id = position.id
    page = hr_client.get("/selection/rounds/new")
    assert page.status_code == 200 and "国库处处长" in page.get_data(as_text=True)
    missing = hr_client.post(
        "/selection/rounds/new", data={"position_id": str(position_id), "title": "国库处处长选任"}
    )
    assert missing.status_code == 400 and "请填写动议理由" in missing.get_data(as_text=True)
    data = {"position_id": str(position_id), "title": "国库处处长选任", "reason": "处长退休"}
    response = hr_client.post("/selection/rounds/new", data=data)
    assert response.status_code == 302
    again = hr_client.post("/selection/rounds/new", data=data)  # posted twice
    assert again.status_code == 302 and again.headers["Location"] == response.headers["Location"]
    with app.app_context():
        made = db.session.scalars(sa.select(SelectionRound)).all()
        assert len(made) == 1 and made[0].stage is Stage.MOTION
        assert db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.object_type == "selection_round")
        )
    html = hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "处长退休" in html and 'data-stage="motion"' in html
    listing = hr_client.get("/selection/rounds/").get_data(as_text=True)
    assert "国库处处长选任" in listing


def test_a_stage_cannot_be_skipped_and_nothing_is_written(app, hr_client, ids):
    response = post_step(hr_client, app, ids["round"], Stage.CANDIDATES)
    assert response.status_code == 400
    assert "不能跳过阶段" in response.get_data(as_text=True)
    assert stage_of(app, ids["round"]) is Stage.MOTION
    with app.app_context():
        assert len(db.session.scalars(sa.select(RoundEvent)).all()) == 1


def test_each_step_is_recorded_with_who_when_documents_outcome(app, hr_client, ids):
    response = post_step(
        hr_client, app, ids["round"], Stage.RECOMMENDATION,
        documents="党组会纪要〔2026〕3号", outcome="同意启动",
    )  # fmt: skip
    assert response.status_code == 302
    html = hr_client.get(f"/selection/rounds/{ids['round']}").get_data(as_text=True)
    assert "党组会纪要〔2026〕3号" in html and "同意启动" in html and "hr1" in html


def test_going_back_needs_a_reason_which_is_recorded(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.CANDIDATES)
    bare = post_step(hr_client, app, ids["round"], Stage.RECOMMENDATION)
    assert bare.status_code == 400 and "退回上一阶段须说明原因" in bare.get_data(as_text=True)
    back = post_step(hr_client, app, ids["round"], Stage.RECOMMENDATION, reason="推荐票数不足")
    assert back.status_code == 302
    assert stage_of(app, ids["round"]) is Stage.RECOMMENDATION
    with app.app_context():
        event = db.session.scalars(sa.select(RoundEvent).order_by(RoundEvent.id.desc())).first()
        assert event.reason == "推荐票数不足" and event.from_stage is Stage.CANDIDATES


def test_a_stale_form_is_a_conflict_and_a_repeat_takes_effect_once(app, hr_client, ids):
    stale = version(app, ids["round"])
    assert post_step(hr_client, app, ids["round"], Stage.RECOMMENDATION).status_code == 302
    form = {"target": Stage.RECOMMENDATION.value, "version": str(stale)}
    repeat = hr_client.post(f"/selection/rounds/{ids['round']}/step", data=form)
    assert repeat.status_code == 302  # the same step again: already done
    with app.app_context():
        assert len(db.session.scalars(sa.select(RoundEvent)).all()) == 2
    form = {"target": Stage.CANDIDATES.value, "version": str(stale)}
    conflict = hr_client.post(f"/selection/rounds/{ids['round']}/step", data=form)
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert 'data-testid="conflict"' in html and "这项选任工作已被他人修改" in html
    assert "民主推荐" in html.split('data-testid="conflict"')[1].split("</table>")[0]
    assert stage_of(app, ids["round"]) is Stage.RECOMMENDATION


# --- 确定考察对象 and 考察 --------------------------------------------------------------------


def test_inspection_needs_a_candidate_and_decision_an_integrity_opinion(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.CANDIDATES)
    refused = post_step(hr_client, app, ids["round"], Stage.INSPECTION)
    assert refused.status_code == 400 and "至少一名考察对象" in refused.get_data(as_text=True)
    assert mark(hr_client, app, ids, "own", inspected=True).status_code == 302
    assert post_step(hr_client, app, ids["round"], Stage.INSPECTION).status_code == 302
    notes = mark(hr_client, app, ids, "own", inspected=True, notes="群众公认度高")
    assert notes.status_code == 302
    refused = post_step(hr_client, app, ids["round"], Stage.DECISION)
    assert refused.status_code == 400
    assert "廉政意见已回复" in refused.get_data(as_text=True)
    assert mark(hr_client, app, ids, "own", inspected=True, integrity=True, notes="群众公认度高")
    assert post_step(hr_client, app, ids["round"], Stage.DECISION).status_code == 302
    with app.app_context():
        candidate = db.session.get(RoundCandidate, ids["own"])
        assert candidate.inspected and candidate.integrity_received
        assert candidate.inspection_notes == "群众公认度高"
        assert not db.session.get(RoundCandidate, ids["other"]).inspected


def test_the_inspection_material_pdf(app, hr_client, ids, tmp_path):
    import subprocess

    advance_to(hr_client, app, ids, Stage.INSPECTION)
    mark(hr_client, app, ids, "own", inspected=True, integrity=True, notes="政治坚定，敢于担当")
    response = hr_client.get(
        f"/selection/rounds/{ids['round']}/candidates/{ids['own']}/inspection.pdf"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "inspection.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "考察材料" in text and "李晓明" in text and "政治坚定" in text and "已回复" in text
    not_inspected = hr_client.get(
        f"/selection/rounds/{ids['round']}/candidates/{ids['other']}/inspection.pdf"
    )
    assert not_inspected.status_code == 404


# --- 讨论决定 -----------------------------------------------------------------------------------


def test_no_quorum_stops_the_round_and_the_page_says_why(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.DECISION)
    assert meeting(hr_client, app, ids, 9, 5, own=5).status_code == 302
    html = hr_client.get(f"/selection/rounds/{ids['round']}").get_data(as_text=True)
    assert "不足应到会成员的三分之二（至少 6 人）" in html
    refused = post_step(hr_client, app, ids["round"], Stage.PUBLICITY)
    assert refused.status_code == 400 and stage_of(app, ids["round"]) is Stage.DECISION


def test_half_of_all_members_is_not_enough(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.DECISION)
    assert meeting(hr_client, app, ids, 8, 8, own=4).status_code == 302
    html = hr_client.get(f"/selection/rounds/{ids['round']}").get_data(as_text=True)
    assert "未超过应到会成员 8 人的半数（至少 5 票），未通过" in html
    refused = post_step(hr_client, app, ids["round"], Stage.PUBLICITY)
    assert refused.status_code == 400
    assert "没有考察对象获得通过" in refused.get_data(as_text=True)


def test_a_passed_candidate_goes_on_with_the_form_prefilled(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.DECISION)
    bad = meeting(hr_client, app, ids, 9, 10, own=5)
    assert bad.status_code == 400 and "实到会成员须在 0 至应到会人数之间" in bad.get_data(
        as_text=True
    )
    assert meeting(hr_client, app, ids, 9, 6, own=5).status_code == 302
    html = hr_client.get(f"/selection/rounds/{ids['round']}").get_data(as_text=True)
    assert "会议有效" in html and "赞成 5 票，超过应到会成员 9 人的半数" in html
    assert post_step(hr_client, app, ids["round"], Stage.PUBLICITY).status_code == 302
    with app.app_context():
        draft = db.session.get(
            AppointmentDraft, db.session.get(RoundCandidate, ids["own"]).cadre_id
        )
        assert draft.proposed_post == "预算处副处长" and draft.reason == "预算处副处长空缺"


# --- 任前公示 -----------------------------------------------------------------------------------


def test_publicity_needs_five_working_days(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.DECISION)
    meeting(hr_client, app, ids, 9, 6, own=5)
    post_step(hr_client, app, ids["round"], Stage.PUBLICITY)
    short = publicity(hr_client, app, ids["round"], MONDAY, MONDAY + timedelta(days=3))
    assert short.status_code == 400
    assert "不少于 5 个工作日" in short.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SelectionRound, ids["round"]).publicity_end is None
    ok = publicity(hr_client, app, ids["round"], MONDAY, MONDAY + timedelta(days=4))
    assert ok.status_code == 302


def test_appointment_refused_before_the_end_and_with_an_open_objection(
    app, hr_client, ids, monkeypatch
):
    advance_to(hr_client, app, ids, Stage.DECISION)
    meeting(hr_client, app, ids, 9, 6, own=5)
    post_step(hr_client, app, ids["round"], Stage.PUBLICITY)
    today = office_today()
    assert (
        publicity(hr_client, app, ids["round"], today, today + timedelta(days=10)).status_code
        == 302
    )
    early = post_step(
        hr_client, app, ids["round"], Stage.APPOINTMENT, appointed_on=today.isoformat()
    )
    assert early.status_code == 400 and "公示期满前不能任职" in early.get_data(as_text=True)
    objection = hr_client.post(
        f"/selection/rounds/{ids['round']}/objections",
        data={
            "version": str(version(app, ids["round"])),
            "received_on": today.isoformat(),
            "candidate_id": str(ids["own"]),
            "content": "反映其工作作风问题",
        },
    )
    assert objection.status_code == 302
    monkeypatch.setattr(clock, "today", lambda: today + timedelta(days=11))
    later = (today + timedelta(days=11)).isoformat()
    refused = post_step(hr_client, app, ids["round"], Stage.APPOINTMENT, appointed_on=later)
    assert refused.status_code == 400 and "未处理完毕" in refused.get_data(as_text=True)
    with app.app_context():
        objection_id = db.session.scalar(sa.select(PublicityObjection.id))
    handled = hr_client.post(
        f"/selection/rounds/{ids['round']}/objections/{objection_id}",
        data={
            "version": str(version(app, ids["round"])),
            "handled_on": later,
            "handling": "经核查，反映问题不属实",
        },
    )
    assert handled.status_code == 302
    ok = post_step(hr_client, app, ids["round"], Stage.APPOINTMENT, appointed_on=later)
    assert ok.status_code == 302, ok.get_data(as_text=True)
    assert stage_of(app, ids["round"]) is Stage.APPOINTMENT


# --- 任职 and 试用期 ---------------------------------------------------------------------------


def test_appointment_updates_the_cadre_and_opens_a_talk(app, hr_client, ids, org):
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        cadre.position_title = "预算处一级科员"
        db.session.add(ResumeEntry(cadre=cadre, start=date(2018, 7, 1), description="预算处科员"))
        db.session.commit()
    advance_to(hr_client, app, ids, Stage.APPOINTMENT)
    today = office_today()
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        assert cadre.position_title == "预算处副处长"
        assert cadre.leadership_level == "乡科级副职"
        lines = sorted(cadre.resume, key=lambda e: e.start)
        assert lines[0].end == today and lines[-1].start == today
        assert lines[-1].description == "预算处副处长" and lines[-1].end is None
        talk = db.session.scalar(sa.select(Talk).where(Talk.subject_id == cadre.id))
        assert talk.kind == "任职谈话"
        round_ = db.session.get(SelectionRound, ids["round"])
        assert round_.probation_end == workdays.add_months(today, 12) - timedelta(days=1)
        assert db.session.get(RoundCandidate, ids["own"]).appointed
        other = db.session.get(Cadre, org["other_cadre"])
        assert other.leadership_level is None  # not passed: unchanged
    html = hr_client.get(f"/selection/rounds/{ids['round']}").get_data(as_text=True)
    assert "试用期一年" in html and "干部任免审批表" in html
    back = post_step(hr_client, app, ids["round"], Stage.PUBLICITY, reason="撤回")
    assert back.status_code == 400 and "任职已生效" in back.get_data(as_text=True)
    assert post_step(hr_client, app, ids["round"], Stage.PROBATION).status_code == 302
    early = post_step(hr_client, app, ids["round"], Stage.CONFIRMED, probation_outcome="转正")
    assert early.status_code == 400 and "届满后才能转正" in early.get_data(as_text=True)
    removed = post_step(
        hr_client, app, ids["round"], Stage.CONFIRMED, probation_outcome="免去试任职务"
    )
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.get(SelectionRound, ids["round"]).probation_outcome == "免去试任职务"


def test_a_rank_position_sets_rank_and_date_and_has_no_probation(app, hr_client, org, users):
    ids = make_round(app, org, post_kind="职级", level="三级主任科员")
    advance_to(hr_client, app, ids, Stage.APPOINTMENT)
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        assert cadre.rank == "三级主任科员" and cadre.rank_since == office_today()
        assert db.session.get(SelectionRound, ids["round"]).probation_end is None
    html = hr_client.get(f"/selection/rounds/{ids['round']}").get_data(as_text=True)
    assert "此次任职不适用试用期" in html and 'data-testid="no-steps"' in html


# --- access ------------------------------------------------------------------------------------


def test_only_hr_sees_rounds(app, ids, login_as, client):
    """Anyone else gets 404 for a round that exists, as for one that does not (issue 14,
    point 10: nobody outside learns of a round nor who was considered)."""
    url = f"/selection/rounds/{ids['round']}"
    for role in ("manager", "cadre", "admin", "auditor"):
        for page in (url, f"{url}/shortlist", f"{url}/recommendation"):
            assert login_as(role).get(page).status_code == 404, (role, page)
    assert login_as("hr").get("/selection/rounds/999999").status_code == 404
    assert login_as("hr").get(url).status_code == 200


# --- English ----------------------------------------------------------------------------------


def test_the_round_page_speaks_english_at_every_stage(app, hr_client, ids):
    from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text, vocabulary

    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})
    pages = [hr_client.get("/selection/rounds/new"), hr_client.get("/selection/rounds/")]
    for target in list(Stage)[1:]:
        if target is Stage.PROBATION:
            break
        advance_to(hr_client, app, ids, target)
        pages.append(hr_client.get(f"/selection/rounds/{ids['round']}"))
        if target is Stage.PUBLICITY:  # an objection, open, on the page
            hr_client.post(
                f"/selection/rounds/{ids['round']}/objections",
                data={
                    "version": str(version(app, ids["round"])),
                    "received_on": MONDAY.isoformat(),
                    "content": "反映",
                },
            )
            pages.append(hr_client.get(f"/selection/rounds/{ids['round']}"))
            with app.app_context():
                objection = db.session.scalar(sa.select(PublicityObjection))
                objection.handled_on, objection.handling = MONDAY, "已核实"
                db.session.commit()
        # a refused step shows its message in English too
        pages.append(post_step(hr_client, app, ids["round"], Stage.MOTION, reason=""))
    with app.app_context():
        allowed = stored_text() | vocabulary() | PUNCTUATION | {"中文"}
        allowed |= set(chinese_runs(app.config["ORGANISATION_NAME"]))
    for response in pages:
        html = response.get_data(as_text=True)
        assert 'lang="en"' in html
        left = chinese_runs(html) - allowed
        assert not left, (response.request.path, left)


def test_the_round_page_includes_each_parts_section(app, hr_client, ids, monkeypatch):
    from cadre_app.blueprints.selection import recommendation_routes, shortlist_routes

    seen = []

    def shortlist_section(round_, user):
        seen.append((round_.id, user.username))
        return {"key": "shortlist", "title": "名单", "lines": [f"共 {len(round_.candidates)} 人"]}

    monkeypatch.setattr(shortlist_routes, "round_section", shortlist_section, raising=False)
    monkeypatch.setattr(
        shortlist_routes, "ROUND_SECTION", ("selection/round_part_note.html", 10), raising=False
    )
    monkeypatch.setattr(recommendation_routes, "round_section", lambda r, u: None, raising=False)
    monkeypatch.setattr(
        recommendation_routes, "ROUND_SECTION", ("selection/round_part_note.html", 20),
        raising=False,
    )  # fmt: skip
    html = hr_client.get(f"/selection/rounds/{ids['round']}").get_data(as_text=True)
    assert seen == [(ids["round"], "hr1")]
    assert 'data-testid="round-part-shortlist"' in html and "共 2 人" in html
    assert html.count("round-part-") == 1  # None: the part shows nothing


def test_hr_is_reminded_when_a_probation_ends(app, hr_client, manager_client, ids):
    advance_to(hr_client, app, ids, Stage.PROBATION)
    assert 'data-testid="probation-panel"' not in hr_client.get("/").get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(SelectionRound, ids["round"])
        round_.probation_end = office_today() + timedelta(days=20)
        db.session.commit()
    html = hr_client.get("/").get_data(as_text=True)
    assert 'data-testid="probation-panel"' in html and "预算处副处长选任" in html
    assert 'data-testid="probation-panel"' not in manager_client.get("/").get_data(as_text=True)


def test_forms_posted_twice_write_once(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.CANDIDATES)
    stale = version(app, ids["round"])
    data = {"version": str(stale), "inspected": "y", "inspection_notes": ""}
    url = f"/selection/rounds/{ids['round']}/candidates/{ids['own']}"
    assert hr_client.post(url, data=data).status_code == 302
    again = hr_client.post(url, data=data, follow_redirects=True)
    assert again.status_code == 200 and "已处理（表单可能提交了两次）" in again.get_data(
        as_text=True
    )
    advance_to(hr_client, app, ids, Stage.PUBLICITY)
    objection = {
        "version": str(version(app, ids["round"])),
        "received_on": MONDAY.isoformat(),
        "content": "来信反映",
    }
    url = f"/selection/rounds/{ids['round']}/objections"
    assert hr_client.post(url, data=objection).status_code == 302
    assert hr_client.post(url, data=objection).status_code == 302
    with app.app_context():
        assert len(db.session.scalars(sa.select(PublicityObjection)).all()) == 1


def test_bad_input_is_refused_in_words_and_nothing_is_written(app, hr_client, ids):
    advance_to(hr_client, app, ids, Stage.DECISION)
    before = version(app, ids["round"])
    bad_date = hr_client.post(
        f"/selection/rounds/{ids['round']}/meeting",
        data={
            "version": str(before),
            "meeting_on": "2026-13-45",
            "members_entitled": "九",
            "members_present": "6",
            f"votes_{ids['own']}": "",
        },
    )
    html = bad_date.get_data(as_text=True)
    assert bad_date.status_code == 400
    assert "须为整数" in html and "赞成票数" in html
    assert version(app, ids["round"]) == before
    with app.app_context():
        assert db.session.get(SelectionRound, ids["round"]).members_entitled is None
    future = meeting(hr_client, app, ids, 9, 6, own=7)
    assert future.status_code == 400 and "赞成票数须在 0 至实到会人数 6 之间" in future.get_data(
        as_text=True
    )
    assert (
        hr_client.post(
            f"/selection/rounds/{ids['round']}/step", data={"target": "nowhere", "version": "1"}
        ).status_code
        == 400
    )


def test_the_audit_log_describes_a_round_in_words(app, hr_client, ids, auditor_client):
    advance_to(hr_client, app, ids, Stage.DECISION)
    meeting(hr_client, app, ids, 9, 6, own=5)
    html = auditor_client.get("/audit/?object_type=selection_round").get_data(as_text=True)
    assert "选任工作" in html and "阶段" in html and "考察 → 讨论决定" in html
    assert "应到会成员" in html and "李晓明 5" not in html  # the field, not the votes
    assert "decision" not in html.split("<tbody", 1)[1]  # the stage by its name
