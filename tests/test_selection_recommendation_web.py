"""民主推荐 as HR and the raters live it: HR opens the round's ballot (groups, window), prints
codes as slips, raters cast through the real /ballot/<code> page (up to the places, 弃权
allowed, more refused beside the list), HR closes it (early only with a reason) or the
window's end does, and the tally is shown only then."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import (
    AuditEvent,
    Ballot,
    BallotBox,
    BoxState,
    Position,
    RoundCandidate,
    SelectionRound,
    Stage,
)
from cadre_app.services.ballots import operations as ballots
from cadre_app.services.selection import recommendation as service
from tests.factories import CadreFactory

NAMES = ("张明", "李华", "王强")


@pytest.fixture
def selection_round(app, org) -> dict[str, int]:
    """A round at 民主推荐 for one place, three candidates listed and one removed."""
    with app.app_context():
        position = Position(
            title="预算处副处长",
            department_id=org["budget"],
            post_kind="领导职务",
            target_level="县处级副职",
            places=1,
        )
        db.session.add(position)
        db.session.flush()
        chosen = SelectionRound(
            position_id=position.id,
            title="2026年预算处副处长选任",
            reason="职位空缺",
            stage=Stage.RECOMMENDATION,
        )
        db.session.add(chosen)
        db.session.flush()
        ids = {}
        for name in (*NAMES, "赵敏"):
            cadre = CadreFactory(name=name, department_id=org["budget"])
            candidate = RoundCandidate(round_id=chosen.id, cadre_id=cadre.id)
            db.session.add(candidate)
            db.session.flush()
            ids[name] = candidate.id
        removed = db.session.get(RoundCandidate, ids["赵敏"])
        removed.removed_at, removed.removed_reason = utcnow(), "不符合条件"
        db.session.commit()
        return {"round": chosen.id, **ids}


def open_form(**changes: str) -> dict[str, str]:
    now = utcnow() + timedelta(hours=8)  # the office's wall clock (Asia/Shanghai)
    form = {
        "title": "预算处副处长民主推荐",
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "groups-0-name": "处级领导干部",
        "groups-0-weight": "40",
        "groups-0-planned": "3",
        "groups-1-name": "科级及以下干部",
        "groups-1-weight": "60",
        "groups-1-planned": "10",
        "groups-2-name": "服务对象",
        "groups-2-weight": "0",
        "groups-2-planned": "2",
    }
    return form | changes


def url(rid: int, rest: str = "") -> str:
    return f"/selection/rounds/{rid}/recommendation{rest}"


def opened(app, hr_client, selection_round) -> int:
    """Open the round's recommendation through the form; the box's id."""
    response = hr_client.post(url(selection_round["round"], "/open"), data=open_form())
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        return db.session.get(SelectionRound, selection_round["round"]).box_id


def issue(app, box_id: int, name: str, count: int) -> list[str]:
    with app.test_request_context():
        box = db.session.get(BallotBox, box_id)
        group = next(g for g in box.groups if g.name == name)
        codes = ballots.issue_codes(group, count, actor="test")
        db.session.commit()
        return codes


def test_hr_opens_the_recommendation_of_a_round(app, hr_client, selection_round):
    page = hr_client.get(url(selection_round["round"])).get_data(as_text=True)
    assert "候选人 3 人，职位数 1 个" in page and 'data-testid="open-recommendation"' in page
    with app.app_context():
        box = db.session.get(BallotBox, opened(app, hr_client, selection_round))
        assert box.kind == "recommendation" and box.state is BoxState.OPEN
        assert [g.name for g in box.groups] == ["处级领导干部", "科级及以下干部", "服务对象"]
        assert [g.weight for g in box.groups] == [40, 60, 0]
    page = hr_client.get(url(selection_round["round"])).get_data(as_text=True)
    assert "投票中" in page and 'data-testid="open-recommendation"' not in page
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "selection_round")
        ).one()
        assert "发起民主推荐投票" in event.summary
        listed = [selection_round[n] for n in NAMES]
        assert sorted(event.after["candidates"]) == sorted(listed)  # the list as opened
        assert service.list_locked(db.session.get(SelectionRound, selection_round["round"]))
    # the same form posted again: nothing more is made
    again = hr_client.post(url(selection_round["round"], "/open"), data=open_form())
    assert again.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotBox)) == 1


def test_opening_needs_more_candidates_than_places(app, hr_client, selection_round):
    with app.app_context():
        chosen = db.session.get(SelectionRound, selection_round["round"])
        chosen.position.places = 3
        db.session.commit()
    response = hr_client.post(url(selection_round["round"], "/open"), data=open_form())
    assert response.status_code == 409
    assert "候选人（现有 3 人）须多于职位数（3 个）" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotBox)) == 0


def test_bad_numbers_and_times_are_named_beside_their_fields(app, hr_client, selection_round):
    form = open_form(**{"groups-1-weight": "abc", "closes_at": "明天"})
    response = hr_client.post(url(selection_round["round"], "/open"), data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "权重须为整数。" in html and "时间格式应为 2026-05-01 09:00。" in html
    ended = open_form(closes_at="2020-01-01T09:00", opens_at="2019-12-31T09:00")
    response = hr_client.post(url(selection_round["round"], "/open"), data=ended)
    assert response.status_code == 400 and "结束时间已过" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotBox)) == 0


def test_only_a_round_at_its_recommendation_stage_opens_one(app, hr_client, selection_round):
    with app.app_context():
        db.session.get(SelectionRound, selection_round["round"]).stage = Stage.MOTION
        db.session.commit()
    response = hr_client.post(url(selection_round["round"], "/open"), data=open_form())
    assert response.status_code == 409
    assert "只有处于“民主推荐”阶段" in response.get_data(as_text=True)


def test_codes_are_printed_as_slips(app, hr_client, selection_round):
    box_id = opened(app, hr_client, selection_round)
    with app.app_context():
        group_id = db.session.get(BallotBox, box_id).groups[1].id
    response = hr_client.post(
        url(selection_round["round"], f"/codes/{group_id}/issue"), data={"count": "3"}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    with app.app_context():
        assert db.session.get(BallotBox, box_id).groups[1].issued == 3
    too_many = hr_client.post(
        url(selection_round["round"], f"/codes/{group_id}/issue"), data={"count": "9999"}
    )
    assert too_many.status_code == 400
    void = hr_client.post(url(selection_round["round"], f"/codes/{group_id}/void"))
    assert void.status_code == 303
    with app.app_context():
        assert db.session.get(BallotBox, box_id).groups[1].voided == 3
    other = hr_client.post(url(selection_round["round"], "/codes/999999/issue"), data={"count": 1})
    assert other.status_code == 404


def test_raters_cast_through_the_ballot_page_and_hr_reads_the_tally(
    app, client, hr_client, selection_round
):
    rid = selection_round["round"]
    box_id = opened(app, hr_client, selection_round)
    leaders = issue(app, box_id, "处级领导干部", 3)
    staff = issue(app, box_id, "科级及以下干部", 4)
    one = issue(app, box_id, "服务对象", 1)
    zhang, li, wang = (selection_round[n] for n in NAMES)

    page = client.get(f"/ballot/{leaders[0]}").get_data(as_text=True)
    assert "预算处副处长民主推荐" in page and "最多推荐 1 人" in page
    assert all(name in page for name in NAMES) and "赵敏" not in page  # removed: not listed
    assert "一人都不勾选即为弃权" in page

    too_many = client.post(f"/ballot/{leaders[0]}", data={"c": [str(zhang), str(li)]})
    assert too_many.status_code == 400
    html = too_many.get_data(as_text=True)
    assert "最多可推荐 1 人，您选了 2 人" in html and 'data-testid="error-c"' in html
    assert html.count(" checked") == 2  # what was ticked is kept

    for code, chosen in [
        (leaders[0], [zhang]),
        (leaders[1], [zhang]),
        (leaders[2], [li]),
        (staff[0], [li]),
        (staff[1], [li]),
        (staff[2], [wang]),
        (staff[3], []),  # 弃权
        (one[0], [wang]),
    ]:
        response = client.post(f"/ballot/{code}", data={"c": [str(c) for c in chosen]})
        assert response.status_code == 303, response.get_data(as_text=True)
    assert client.post(f"/ballot/{leaders[0]}", data={"c": [str(li)]}).status_code == 404

    # turnout while open; no results before closing
    page = hr_client.get(url(rid)).get_data(as_text=True)
    assert 'data-testid="cast-total">8<' in page
    assert hr_client.get(url(rid, "/results")).status_code == 409

    early = hr_client.post(url(rid, "/close"), data={"confirm": "y"})
    assert early.status_code == 400 and "提前结束投票须填写原因" in early.get_data(as_text=True)
    closed = hr_client.post(url(rid, "/close"), data={"confirm": "y", "reason": "全部投完"})
    assert closed.status_code == 303
    with app.app_context():
        assert db.session.get(BallotBox, box_id).state is BoxState.CLOSED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 8
    assert client.get(f"/ballot/{staff[0]}").status_code == 404  # used
    results = hr_client.get(url(rid, "/results"))
    html = results.get_data(as_text=True)
    assert results.status_code == 200
    assert "收回有效票 8 张，其中弃权 1 张" in html
    row = html.split(f'data-testid="whole-{li}"')[1].split("</tr>")[0]
    assert 'data-testid="votes">3<' in row and "37.5%" in row
    first = html.split('data-testid="results-whole"')[1].split("<tbody>")[1]
    # 张明 and 王强 have 2 votes each; 王强's weigh more (one from the heavier 科级 group)
    assert first.index("李华") < first.index("王强") < first.index("张明")
    # 服务对象's single ballot is folded into the smallest shown group
    assert "处级领导干部、服务对象" in html


def test_the_window_end_closes_the_box(app, hr_client, selection_round):
    box_id = opened(app, hr_client, selection_round)
    with app.app_context():
        box = db.session.get(BallotBox, box_id)
        later = box.closes_at + timedelta(minutes=1)
        assert service.close_due(now=box.closes_at - timedelta(minutes=1)) == []
        assert service.close_due(now=later) == [selection_round["round"]]
        db.session.commit()
        assert db.session.get(BallotBox, box_id).state is BoxState.CLOSED
        assert service.close_due(now=later) == []  # once
        assert not service.list_locked(db.session.get(SelectionRound, selection_round["round"]))
    page = hr_client.get(url(selection_round["round"])).get_data(as_text=True)
    assert "已结束" in page and 'data-testid="recommendation-results-link"' in page
    results = hr_client.get(url(selection_round["round"], "/results")).get_data(as_text=True)
    assert "票数太少" in results  # no ballots: nothing but the count


def test_the_round_page_section(app, users, selection_round):
    from cadre_app.blueprints.selection import recommendation_routes as part

    with app.test_request_context():
        chosen = db.session.get(SelectionRound, selection_round["round"])
        assert part.round_section(chosen, users["manager"]) is None
        section = part.round_section(chosen, users["hr"])
        assert section["state"] == "none" and section["can_open"]
        html = render_template(part.ROUND_SECTION[0], section=section, round=chosen)
        assert "发起民主推荐投票" in html and "未发起" in html
        chosen.stage = Stage.INSPECTION  # a round past 民主推荐 that held none: no panel
        assert part.round_section(chosen, users["hr"]) is None


def test_the_pages_speak_english_but_the_data(app, login_as, selection_round):
    """The 民主推荐 pages and its ballot in English: every word but the data (names, titles,
    groups) is English (tests/test_english_ui.py's rule; the demo crawl does not reach them)."""
    from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text

    rid = selection_round["round"]
    hr = login_as("hr")
    hr.post("/auth/language", data={"lang": "en", "next": "/"})
    pages = {"before": hr.get(url(rid))}
    pages["refused"] = hr.post(url(rid, "/open"), data=open_form(**{"groups-0-weight": "x"}))
    assert hr.post(url(rid, "/open"), data=open_form()).status_code == 303
    with app.app_context():
        box_id = db.session.get(SelectionRound, rid).box_id
    codes = issue(app, box_id, "处级领导干部", 3)
    rater = app.test_client()
    rater.post("/auth/language", data={"lang": "en", "next": "/ballot/"})
    pages["ballot"] = rater.get(f"/ballot/{codes[0]}")
    ids = [str(selection_round[n]) for n in NAMES[:2]]
    pages["too many"] = rater.post(f"/ballot/{codes[0]}", data={"c": ids})
    for code, chosen in zip(codes, (ids[:1], ids[1:], []), strict=True):
        assert rater.post(f"/ballot/{code}", data={"c": chosen}).status_code == 303
    pages["open"] = hr.get(url(rid))
    pages["early"] = hr.post(url(rid, "/close"), data={"confirm": "y"})
    assert hr.post(url(rid, "/close"), data={"confirm": "y", "reason": "x"}).status_code == 303
    pages["closed"] = hr.get(url(rid))
    pages["results"] = hr.get(url(rid, "/results"))
    with app.app_context():
        data = stored_text()
    allowed = data | PUNCTUATION | {"中文", app.config["ORGANISATION_NAME"]}
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert 'lang="en"' in html, name
        left = chinese_runs(html) - allowed
        assert not left, (name, sorted(left))
    assert "at most 1" in pages["too many"].get_data(as_text=True)
    assert "3 valid ballots, 1 of them abstentions" in pages["results"].get_data(as_text=True)


def test_the_periodic_task_closes_an_ended_window(app, hr_client, selection_round):
    from cadre_app.services.core import queue

    box_id = opened(app, hr_client, selection_round)
    with app.app_context():
        box = db.session.get(BallotBox, box_id)
        box.opens_at, box.closes_at = utcnow() - timedelta(days=2), utcnow() - timedelta(seconds=5)
        db.session.commit()
    queue.bind(app)
    service.auto_close_recommendations.call_local()  # what the consumer runs every minute
    periodic = {t.__name__ for t in queue.huey._registry._periodic_tasks}
    assert "auto_close_recommendations" in periodic
    with app.app_context():
        assert db.session.get(BallotBox, box_id).state is BoxState.CLOSED
        summaries = db.session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.object_type == "selection_round")
        ).all()
        assert any("投票时间结束，自动关闭" in s for s in summaries)
