"""The managers' review (issue 14, points 3 and 10): an assigned manager sees the rounds they
review, each shortlist with the score's parts (not the roster), and records a view of each
candidate with a reason and their recommendation: one view per manager and candidate,
changed in place, audited. A round they are not assigned to: 404; cadres: 403 for the
managers' page, 404 for a round."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Role, User
from cadre_app.models.selection import ReviewerView, RoundCandidate, SelectionRound, Stage
from cadre_app.services.selection import reviews
from tests.test_selection_shortlist_web import add, candidates, make_round


@pytest.fixture
def shared(app, org, users, hr_client):
    """A round with both test cadres listed (one removed later where needed), reviewed by
    the matrix manager."""
    round_id = make_round(app, org)
    add(hr_client, round_id, org["own_cadre"])
    add(hr_client, round_id, org["other_cadre"])
    hr_client.post(
        f"/selection/rounds/{round_id}/reviewers", data={"reviewers": [str(users["manager"].id)]}
    )
    got = candidates(app, round_id)
    return {"round": round_id, "own": got[org["own_cadre"]].id, "other": got[org["other_cadre"]].id}


def views(app) -> list[tuple[int, int, str, str, bool]]:
    with app.app_context():
        return [
            (v.candidate_id, v.user_id, v.view, v.reason, v.recommended)
            for v in db.session.scalars(sa.select(ReviewerView).order_by(ReviewerView.id))
        ]


def test_the_manager_sees_the_assigned_shortlist_with_its_parts(shared, manager_client):
    page = manager_client.get("/selection/reviews").get_data(as_text=True)
    assert 'data-testid="review-round"' in page and "预算处副处长选任" in page
    assert "李晓明" in page and "王芳" in page  # 王芳 is in 国库处, outside the manager's section
    assert "年度考核" in page and "近3年无光荣榜表彰" in page
    assert "2 名人选待您提出意见" in page
    dash = manager_client.get("/").get_data(as_text=True)
    assert 'data-testid="selection-review-panel"' in dash and 'href="/selection/reviews"' in dash


def test_a_removed_candidate_is_not_shown_to_managers(app, shared, hr_client, manager_client):
    c = candidates(app, shared["round"])
    other = next(x for x in c.values() if x.id == shared["other"])
    hr_client.post(
        f"/selection/rounds/{shared['round']}/shortlist/{other.id}/remove",
        data={"reason": "不符合条件", "version": str(other.version)},
    )
    page = manager_client.get("/selection/reviews").get_data(as_text=True)
    assert "王芳" not in page and "不符合条件" not in page
    response = manager_client.post(
        f"/selection/reviews/{shared['other']}", data={"view": "同意", "reason": "x"}
    )
    assert response.status_code == 400 and "已移出名单" in response.get_data(as_text=True)


def test_a_view_is_recorded_then_changed_in_place_and_audited(app, shared, users, manager_client):
    url = f"/selection/reviews/{shared['own']}"
    response = manager_client.post(
        url, data={"view": "同意", "reason": "工作扎实", "recommended": "y"}
    )
    assert response.status_code == 302
    assert views(app) == [(shared["own"], users["manager"].id, "同意", "工作扎实", True)]
    page = manager_client.get("/selection/reviews").get_data(as_text=True)
    assert 'data-testid="my-view"' in page and "工作扎实" in page and "修改意见" in page
    assert manager_client.post(url, data={"view": "暂缓", "reason": "再观察"}).status_code == 302
    assert views(app) == [(shared["own"], users["manager"].id, "暂缓", "再观察", False)]
    # the same view again: nothing new in the log
    manager_client.post(url, data={"view": "暂缓", "reason": "再观察"})
    with app.app_context():
        logged = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.summary.contains("审阅意见"))
            .order_by(AuditEvent.id)
        ).all()
        assert [e.after["view"] for e in logged] == ["同意", "暂缓"]
        assert logged[1].before["view"] == "同意"


def test_a_view_needs_a_choice_and_a_reason(app, shared, manager_client):
    url = f"/selection/reviews/{shared['own']}"
    response = manager_client.post(url, data={"view": "同意", "reason": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "请填写理由" in html
    assert 'value="同意" checked' in html  # what was posted is kept
    response = manager_client.post(url, data={"view": "也许", "reason": "理由"})
    assert response.status_code == 400 and "请选择意见" in response.get_data(as_text=True)
    assert views(app) == []


def test_views_close_after_the_decision_stage(app, shared, manager_client):
    with app.app_context():
        db.session.get(SelectionRound, shared["round"]).stage = Stage.PUBLICITY
        db.session.commit()
    response = manager_client.post(
        f"/selection/reviews/{shared['own']}", data={"view": "同意", "reason": "x"}
    )
    assert response.status_code == 400 and "不再记录审阅意见" in response.get_data(as_text=True)
    page = manager_client.get("/selection/reviews").get_data(as_text=True)
    assert 'data-testid="view-form"' not in page and "本轮已过审阅阶段" in page
    assert 'data-testid="selection-review-panel"' not in manager_client.get("/").get_data(
        as_text=True
    )


def test_a_manager_not_assigned_gets_404_and_sees_nothing(app, org, shared, make_user):
    make_user("manager2", Role.MANAGER, section_ids=(org["treasury"],))
    from tests.conftest import login

    client = app.test_client()
    login(client, "manager2")
    page = client.get("/selection/reviews").get_data(as_text=True)
    assert "预算处副处长选任" not in page and 'data-testid="no-rounds"' in page
    response = client.post(
        f"/selection/reviews/{shared['own']}", data={"view": "同意", "reason": "x"}
    )
    assert response.status_code == 404
    assert client.post("/selection/reviews/999999", data={}).status_code == 404
    assert views(app) == []


def test_cadres_never_see_a_round(shared, cadre_client):
    """李晓明 is on the shortlist; their own account learns nothing of it."""
    assert cadre_client.get("/selection/reviews").status_code == 403
    assert cadre_client.post(f"/selection/reviews/{shared['own']}", data={}).status_code == 403
    assert cadre_client.get(f"/selection/rounds/{shared['round']}/shortlist").status_code == 404
    for url in ("/", "/me"):
        html = cadre_client.get(url).get_data(as_text=True)
        assert "预算处副处长选任" not in html and "候选人" not in html


def test_hr_sees_every_managers_view(app, shared, hr_client, manager_client):
    manager_client.post(
        f"/selection/reviews/{shared['own']}", data={"view": "不同意", "reason": "经验不足"}
    )
    page = hr_client.get(f"/selection/rounds/{shared['round']}/shortlist").get_data(as_text=True)
    assert "经验不足" in page and "不同意" in page


def test_two_first_saves_at_once_make_one_view(app, shared, users, monkeypatch):
    """Two first saves at once: the other one's row is written after this save looked for
    it; the unique constraint refuses the second insert, which becomes an update."""
    with app.app_context():
        candidate = db.session.get(RoundCandidate, shared["own"])
        user = db.session.get(User, users["manager"].id)
        db.session.add(
            ReviewerView(candidate_id=candidate.id, user_id=user.id, view="同意", reason="先到")
        )
        db.session.flush()
        looks = []
        real = reviews._view_of

        def first_look_misses(candidate_id, user_id):
            looks.append(1)
            return None if len(looks) == 1 else real(candidate_id, user_id)

        monkeypatch.setattr(reviews, "_view_of", first_look_misses)
        assert reviews.record_view(candidate, user, "暂缓", "后到", False, actor="m") is True
        db.session.commit()
        assert len(looks) == 2  # the insert was refused, then the row was read and updated
    assert views(app) == [(shared["own"], users["manager"].id, "暂缓", "后到", False)]
