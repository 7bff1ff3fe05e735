"""HR curates a round's shortlist (issue 14, point 3) on the web: find a cadre by name or
工号, add them with a reason (their score computed and shown part by part), remove one with
a reason (kept and shown struck), order by score, assign the managers who review the round.
Refused input: a Chinese message, 400, nothing written."""

from __future__ import annotations

import re

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.models.selection import Position, RoundCandidate, SelectionRound, Stage
from tests.factories import EvaluationCycleFactory, EvaluationFactory


def make_round(
    app, org, *, stage: Stage = Stage.CANDIDATES, title: str = "预算处副处长选任"
) -> int:
    with app.app_context():
        position = Position(
            title="预算处副处长",
            department_id=org["budget"],
            post_kind="领导职务",
            target_level="县处级副职",
            places=1,
        )
        round_ = SelectionRound(position=position, title=title, reason="职位空缺", stage=stage)
        db.session.add(round_)
        db.session.commit()
        return round_.id


def add(client, round_id: int, cadre_id: int, reason: str = "业绩突出", **extra):
    return client.post(
        f"/selection/rounds/{round_id}/shortlist/add",
        data={"cadre_id": str(cadre_id), "reason": reason, **extra},
    )


def candidates(app, round_id: int) -> dict[int, RoundCandidate]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(RoundCandidate).where(RoundCandidate.round_id == round_id)
        ).all()
        for r in rows:
            db.session.expunge(r)
        return {r.cadre_id: r for r in rows}


def test_hr_finds_adds_and_sees_the_score_parts(app, org, hr_client):
    round_id = make_round(app, org)
    with app.app_context():
        cycle = EvaluationCycleFactory(year=2024, state="decided")
        EvaluationFactory(
            cycle=cycle,
            cadre_id=org["other_cadre"],
            department_id=org["treasury"],
            final_grade="优秀",
            section_rank=1,
        )
        db.session.commit()
    page = hr_client.get(f"/selection/rounds/{round_id}/shortlist?q=王").get_data(as_text=True)
    assert 'data-testid="add-T0002"' in page and "add-T0001" not in page
    by_number = hr_client.get(f"/selection/rounds/{round_id}/shortlist?q=T000").get_data(
        as_text=True
    )
    assert "add-T0001" in by_number and "add-T0002" in by_number
    response = add(
        hr_client, round_id, org["other_cadre"], next=f"/selection/rounds/{round_id}/shortlist"
    )
    assert response.status_code == 302
    add(hr_client, round_id, org["own_cadre"], "群众公认度高")
    got = candidates(app, round_id)
    assert got[org["other_cadre"]].added_reason == "业绩突出"
    assert got[org["other_cadre"]].score["total"] == 40.0  # 优秀 100 × 40%
    page = hr_client.get(f"/selection/rounds/{round_id}/shortlist").get_data(as_text=True)
    order = re.findall(r'data-staff-no="(T\d+)"', page)
    assert order == ["T0002", "T0001"]  # by score
    assert "2024年优秀（处内第1名）" in page and "近3年无光荣榜表彰" in page
    assert "群众公认度高" in page
    # search no longer offers who is listed
    again = hr_client.get(f"/selection/rounds/{round_id}/shortlist?q=T000").get_data(as_text=True)
    assert "add-T0001" not in again and "add-T0002" not in again
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.object_type == "selection_round",
                    AuditEvent.summary.contains("列入名单"),
                )
            )
            == 2
        )


def test_adding_needs_a_reason_and_a_cadre_and_only_once(app, org, hr_client):
    round_id = make_round(app, org)
    response = add(hr_client, round_id, org["own_cadre"], "  ")
    assert response.status_code == 400 and "请填写理由" in response.get_data(as_text=True)
    response = add(hr_client, round_id, 999999)
    assert response.status_code == 400 and "找不到该干部" in response.get_data(as_text=True)
    assert candidates(app, round_id) == {}
    assert add(hr_client, round_id, org["own_cadre"]).status_code == 302
    response = add(hr_client, round_id, org["own_cadre"])
    assert response.status_code == 400 and "已在名单中" in response.get_data(as_text=True)


def test_removing_needs_a_reason_keeps_the_row_struck_and_a_readd_restores(app, org, hr_client):
    round_id = make_round(app, org)
    add(hr_client, round_id, org["own_cadre"])
    c = candidates(app, round_id)[org["own_cadre"]]
    url = f"/selection/rounds/{round_id}/shortlist/{c.id}/remove"
    response = hr_client.post(url, data={"reason": "", "version": str(c.version)})
    assert response.status_code == 400 and "请填写理由" in response.get_data(as_text=True)
    assert candidates(app, round_id)[org["own_cadre"]].removed_at is None
    response = hr_client.post(url, data={"reason": "年龄不符", "version": str(c.version)})
    assert response.status_code == 302
    removed = candidates(app, round_id)[org["own_cadre"]]
    assert removed.removed_reason == "年龄不符" and removed.removed_at is not None
    page = hr_client.get(f"/selection/rounds/{round_id}/shortlist").get_data(as_text=True)
    assert "<del>李晓明</del>" in page and "年龄不符" in page
    # a second post of the same form changes nothing
    assert (
        hr_client.post(url, data={"reason": "再次", "version": str(c.version)}).status_code == 302
    )
    assert candidates(app, round_id)[org["own_cadre"]].removed_reason == "年龄不符"
    assert add(hr_client, round_id, org["own_cadre"], "重新研究后列入").status_code == 302
    back = candidates(app, round_id)[org["own_cadre"]]
    assert back.removed_at is None and back.added_reason == "重新研究后列入"


def test_a_stale_remove_is_refused(app, org, hr_client):
    round_id = make_round(app, org)
    add(hr_client, round_id, org["own_cadre"])
    c = candidates(app, round_id)[org["own_cadre"]]
    url = f"/selection/rounds/{round_id}/shortlist/{c.id}/remove"
    response = hr_client.post(url, data={"reason": "x", "version": str(c.version + 5)})
    assert response.status_code == 409 and "已被他人修改" in response.get_data(as_text=True)
    assert candidates(app, round_id)[org["own_cadre"]].removed_at is None


def test_the_shortlist_is_fixed_after_candidates_are_decided(app, org, hr_client):
    round_id = make_round(app, org, stage=Stage.INSPECTION)
    response = add(hr_client, round_id, org["own_cadre"])
    assert response.status_code == 400 and "名单不能再调整" in response.get_data(as_text=True)
    assert candidates(app, round_id) == {}


def test_only_manager_accounts_may_review(app, org, users, hr_client):
    round_id = make_round(app, org)
    url = f"/selection/rounds/{round_id}/reviewers"
    response = hr_client.post(url, data={"reviewers": [str(users["cadre"].id)]})
    assert response.status_code == 400 and "只能指定" in response.get_data(as_text=True)
    response = hr_client.post(url, data={"reviewers": ["abc"]})
    assert response.status_code == 400
    assert hr_client.post(url, data={"reviewers": [str(users["manager"].id)]}).status_code == 302
    with app.app_context():
        assert [u.username for u in db.session.get(SelectionRound, round_id).reviewers] == [
            "manager1"
        ]
    page = hr_client.get(f"/selection/rounds/{round_id}/shortlist").get_data(as_text=True)
    assert f'<option selected value="{users["manager"].id}">' in page
    assert hr_client.post(url, data={}).status_code == 302  # nobody: unshared
    with app.app_context():
        assert db.session.get(SelectionRound, round_id).reviewers == []


def test_rescore_after_new_evaluations(app, org, hr_client):
    round_id = make_round(app, org)
    add(hr_client, round_id, org["own_cadre"])
    assert candidates(app, round_id)[org["own_cadre"]].score["total"] == 0
    with app.app_context():
        cycle = EvaluationCycleFactory(year=2024, state="decided")
        EvaluationFactory(
            cycle=cycle, cadre_id=org["own_cadre"], department_id=org["budget"], final_grade="称职"
        )
        db.session.commit()
    assert hr_client.post(f"/selection/rounds/{round_id}/shortlist/rescore").status_code == 302
    assert candidates(app, round_id)[org["own_cadre"]].score["total"] == 32.0  # 80 × 40%


def test_the_next_target_stays_on_this_site(app, org, hr_client):
    round_id = make_round(app, org)
    response = add(hr_client, round_id, org["own_cadre"], next="https://evil.example/")
    assert response.headers["Location"].endswith(f"/selection/rounds/{round_id}/shortlist")


def test_unknown_round_and_candidate_are_404(app, org, hr_client):
    round_id = make_round(app, org)
    assert hr_client.get("/selection/rounds/999999/shortlist").status_code == 404
    other = make_round(app, org, title="另一轮")
    add(hr_client, other, org["own_cadre"])
    c = candidates(app, other)[org["own_cadre"]]
    url = f"/selection/rounds/{round_id}/shortlist/{c.id}/remove"
    assert hr_client.post(url, data={"reason": "x", "version": "1"}).status_code == 404


def make_run(app, round_id: int, results: dict[int, bool]) -> int:
    """An eligibility run of the round's position (the eligibility part's table), as its
    stored by the eligibility's own writer (``compact``): cadre id -> eligible."""
    from datetime import date

    from cadre_app.models.selection import EligibilityRun
    from cadre_app.services.selection.eligibility import compact
    from cadre_app.services.selection.rules import Verdict

    with app.app_context():
        round_ = db.session.get(SelectionRound, round_id)
        run = EligibilityRun(
            position_id=round_.position_id,
            on_date=date(2026, 3, 1),
            rules={},
            results=compact([Verdict(k, (), v) for k, v in results.items()])[0],
            eligible_count=sum(results.values()),
        )
        db.session.add(run)
        db.session.commit()
        return run.id


def test_without_a_run_only_search_is_offered(app, org, hr_client):
    round_id = make_round(app, org)
    page = hr_client.get(f"/selection/rounds/{round_id}/shortlist").get_data(as_text=True)
    assert 'data-testid="no-eligibility-run"' in page and "eligible-form" not in page


def test_hr_adds_the_eligible_cadres_of_the_latest_run(app, org, hr_client):
    round_id = make_round(app, org)
    make_run(app, round_id, {org["own_cadre"]: False, org["other_cadre"]: False})
    make_run(app, round_id, {org["own_cadre"]: True, org["other_cadre"]: False})  # the latest
    page = hr_client.get(f"/selection/rounds/{round_id}/shortlist").get_data(as_text=True)
    assert f'id="eligible-{org["own_cadre"]}"' in page
    assert f'id="eligible-{org["other_cadre"]}"' not in page
    url = f"/selection/rounds/{round_id}/shortlist/eligible"
    refused = hr_client.post(url, data={"cadre_id": [str(org["other_cadre"])]})
    assert refused.status_code == 400 and "不在最新一次资格审查" in refused.get_data(as_text=True)
    assert hr_client.post(url, data={}).status_code == 400
    assert candidates(app, round_id) == {}
    assert hr_client.post(url, data={"cadre_id": [str(org["own_cadre"])]}).status_code == 302
    listed = candidates(app, round_id)[org["own_cadre"]]
    assert listed.added_reason is None and listed.score["total"] == 0
    page = hr_client.get(f"/selection/rounds/{round_id}/shortlist").get_data(as_text=True)
    assert "资格审查符合条件" in page and 'data-testid="eligible-none"' in page
    again = hr_client.post(url, data={"cadre_id": [str(org["own_cadre"])]})
    assert again.status_code == 400 and "已在名单中" in again.get_data(as_text=True)


def test_the_shortlist_and_review_pages_speak_english(app, org, users, hr_client, login_as):
    """Chinese left on the pages in English is data (names, sections, reasons, score notes)."""
    from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text, vocabulary

    round_id = make_round(app, org)
    make_run(app, round_id, {org["other_cadre"]: True})
    add(hr_client, round_id, org["own_cadre"])
    hr_client.post(
        f"/selection/rounds/{round_id}/reviewers", data={"reviewers": [str(users["manager"].id)]}
    )
    manager = login_as("manager")
    own = candidates(app, round_id)[org["own_cadre"]]
    manager.post(f"/selection/reviews/{own.id}", data={"view": "暂缓", "reason": "再看看"})
    pages = []
    for client, url in (
        (hr_client, f"/selection/rounds/{round_id}/shortlist?q=T000"),
        (manager, "/selection/reviews"),
        (manager, "/"),
    ):
        client.get("/")  # shows (and drops) the messages flashed in Chinese before the switch
        client.post("/auth/language", data={"lang": "en", "next": "/"})
        pages.append(client.get(url).get_data(as_text=True))
    with app.app_context():
        data = stored_text() | vocabulary() | {app.config["ORGANISATION_NAME"]}
    for html in pages:
        assert 'lang="en"' in html
        left = chinese_runs(html) - data - PUNCTUATION - {"中文"}
        assert not left, left
    assert "Defer" in pages[1] and "Annual evaluation" in pages[1]


def test_after_a_refused_post_the_forms_return_to_a_page(app, org, hr_client):
    round_id = make_round(app, org)
    html = add(hr_client, round_id, org["own_cadre"], " ").get_data(as_text=True)
    html = html.split('data-testid="shortlist-section"')[1].split("</section>")[0]
    targets = set(re.findall(r'name="next" value="([^"]*)"', html))
    assert targets == {f"/selection/rounds/{round_id}/shortlist"}


def test_a_manager_on_the_list_may_not_review_it(app, org, users, hr_client, make_user):
    """回避: a section head who stands on the shortlist is refused as its reviewer; the
    other managers are assigned as before."""
    from cadre_app.models import Role

    round_id = make_round(app, org)
    assert add(hr_client, round_id, org["other_cadre"]).status_code == 302
    head = make_user("head9", Role.MANAGER, cadre_id=org["other_cadre"])
    url = f"/selection/rounds/{round_id}/reviewers"
    response = hr_client.post(url, data={"reviewers": [str(head.id), str(users["manager"].id)]})
    assert response.status_code == 400 and "应当回避" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SelectionRound, round_id).reviewers == []
    assert hr_client.post(url, data={"reviewers": [str(users["manager"].id)]}).status_code == 302
