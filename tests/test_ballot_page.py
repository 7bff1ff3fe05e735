"""The ballot page (issue 13, point 4): no login, type a code or open the slip's URL, every
subject with its items, every positive item and the overall judgement required (errors next
to them, answers kept), cast once, a plain thank-you. Refusals: a wrong and a used code answer
alike (404), a voided code (403), not yet open, closed (403). CSRF, headers, throttling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Ballot, BallotCode, BallotEntry
from cadre_app.services.assessments import rules
from cadre_app.services.ballots import codes, operations
from tests.ballot_support import ballot_form, group, issue, make_assessment

USED_OR_WRONG = "票码无效或已经使用"


@pytest.fixture
def open_box(app):
    """An open assessment (2 subjects, 3 positive and 2 negative items) with 3 codes."""
    with app.app_context():
        assessment = make_assessment(n_positive=3, n_negative=2)
        plain = issue(assessment, "同事", 3)
        db.session.commit()
        return {"id": assessment.id, "codes": plain, "form": ballot_form(assessment)}


def _ballots(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Ballot))


def test_the_code_page_needs_no_login_and_opens_the_ballot(app, client, open_box):
    page = client.get("/ballot/")
    assert page.status_code == 200 and "凭票码投票" in page.get_data(as_text=True)
    typed = codes.display(open_box["codes"][0]).lower().replace("-", " - ")
    response = client.post("/ballot/", data={"code": typed})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/ballot/{open_box['codes'][0]}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026年度政治素质测评" in html
    assert html.count('data-testid="subject-') == 2
    assert html.count('type="radio"') == 2 * (3 + 1) * 4
    assert html.count('type="checkbox"') == 2 * 2
    for text in ("政治忠诚", "好", "较好", "一般", "差", "存在", "总体评价"):
        assert text in html


def test_a_complete_ballot_is_cast_once_and_thanks_without_echo(app, client, open_box):
    code = open_box["codes"][0]
    response = client.post(f"/ballot/{code}", data=open_box["form"])
    assert response.status_code == 303 and response.headers["Location"] == "/ballot/thanks"
    thanks = client.get("/ballot/thanks").get_data(as_text=True)
    assert "感谢您的参与" in thanks
    assert code not in thanks and codes.display(code) not in thanks and "较好" not in thanks
    assert _ballots(app) == 1
    with app.app_context():
        entries = db.session.scalars(sa.select(BallotEntry.answers)).all()
        assert sorted(entries) == ["111|00|1", "111|00|1"]
        assert rules.decode(entries[0]).positive == (0, 0, 0)
    again = client.post(f"/ballot/{code}", data=open_box["form"])
    assert again.status_code == 404 and USED_OR_WRONG in again.get_data(as_text=True)
    assert _ballots(app) == 1


def test_missing_answers_are_shown_next_to_them_and_what_was_given_is_kept(app, client, open_box):
    form = dict(open_box["form"])
    missing = [k for k in form if k.startswith("p-")][1]
    overall = next(k for k in form if k.startswith("o-"))
    del form[missing], form[overall]
    first = next(k for k in form if k.startswith("p-"))
    form[first] = "3"
    negative = next(iter(form)).replace("p-", "n-", 1)
    form[negative] = "1"
    response = client.post(f"/ballot/{open_box['codes'][0]}", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "还有 2 项未填写或有误" in html
    assert f'data-testid="error-{missing}"' in html and f'data-testid="error-{overall}"' in html
    assert re.search(rf'name="{first}" id="{first}-3" value="3" checked', html)
    assert re.search(rf'name="{negative}" id="{negative}" value="1"[^>]*checked', html)
    assert _ballots(app) == 0
    bogus = dict(open_box["form"], **{first: "7"})
    assert client.post(f"/ballot/{open_box['codes'][0]}", data=bogus).status_code == 400
    assert _ballots(app) == 0


def test_wrong_and_used_codes_answer_alike(app, client, open_box):
    code = open_box["codes"][1]
    assert client.post(f"/ballot/{code}", data=open_box["form"]).status_code == 303
    used = client.get(f"/ballot/{code}")
    wrong = client.get("/ballot/" + "23456789ABCD")
    garbage = client.get("/ballot/not-a-code")
    for response in (used, wrong, garbage):
        assert response.status_code == 404
        assert USED_OR_WRONG in response.get_data(as_text=True)
    body = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert body(used) == body(wrong)
    typed = client.post("/ballot/", data={"code": code})
    assert typed.status_code == 404 and USED_OR_WRONG in typed.get_data(as_text=True)


def test_a_voided_code_cannot_vote(app, client, open_box):
    with app.app_context():
        from cadre_app.models import Assessment

        assessment = db.session.get(Assessment, open_box["id"])
        assert operations.void_unused(group(assessment, "同事"), actor="hr") == 3
        db.session.commit()
    code = open_box["codes"][2]
    for response in (
        client.get(f"/ballot/{code}"),
        client.post(f"/ballot/{code}", data=open_box["form"]),
        client.post("/ballot/", data={"code": code}),
    ):
        assert response.status_code == 403
        assert "此票码已作废" in response.get_data(as_text=True)
    assert _ballots(app) == 0


@pytest.mark.parametrize(
    "hours, message",
    [((2, 5), "测评尚未开始"), ((-5, -2), "测评已经结束")],
)
def test_before_the_window_and_after_it_nobody_votes(app, client, hours, message):
    now = utcnow()
    with app.app_context():
        assessment = make_assessment(
            opens_at=now + timedelta(hours=hours[0]),
            closes_at=now + timedelta(hours=hours[1]),
            n_positive=2,
            n_negative=1,
        )
        code = issue(assessment, "领导", 1)[0]
        form = ballot_form(assessment)
        db.session.commit()
    for response in (client.get(f"/ballot/{code}"), client.post(f"/ballot/{code}", data=form)):
        assert response.status_code == 403
        assert message in response.get_data(as_text=True)
    assert _ballots(app) == 0
    with app.app_context():  # the code is still there: refused, not used
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotCode)) == 1


def test_a_closed_box_refuses_even_inside_its_window(app, client, open_box):
    with app.app_context():
        from cadre_app.models import Assessment

        operations.close_box(db.session.get(Assessment, open_box["id"]).box)
        db.session.commit()
    response = client.post(f"/ballot/{open_box['codes'][0]}", data=open_box["form"])
    assert response.status_code == 403 and "测评已经结束" in response.get_data(as_text=True)
    assert _ballots(app) == 0


def test_the_page_is_never_cached_and_sends_no_referrer(client, open_box):
    for response in (
        client.get("/ballot/"),
        client.get(f"/ballot/{open_box['codes'][0]}"),
        client.get("/ballot/23456789ABCD"),
        client.get("/ballot/thanks"),
    ):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_casting_needs_the_csrf_token(app, open_box):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        code = open_box["codes"][0]
        refused = client.post(f"/ballot/{code}", data=open_box["form"])
        assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
        assert _ballots(app) == 0
        html = client.get(f"/ballot/{code}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        cast = client.post(f"/ballot/{code}", data=dict(open_box["form"], csrf_token=token))
        assert cast.status_code == 303
        assert _ballots(app) == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_guessing_is_throttled_but_voting_is_not(app, client, open_box):
    app.config["BALLOT_GUESS_LIMIT"] = "3 per minute"
    try:
        # a room of raters voting from one address: successful lookups and casts never count
        for code in open_box["codes"]:
            assert client.get(f"/ballot/{code}").status_code == 200
            assert client.post("/ballot/", data={"code": code}).status_code == 303
        for code in open_box["codes"][:2]:
            assert client.post(f"/ballot/{code}", data=open_box["form"]).status_code == 303
        assert client.get(f"/ballot/{open_box['codes'][2]}").status_code == 200
        # three refused guesses, then the address waits, even with a good code
        for n in range(3):
            assert client.get(f"/ballot/23456789ABC{n + 2}").status_code == 404
        blocked = client.post("/ballot/", data={"code": "23456789ABCD"})
        assert blocked.status_code == 429 and "尝试次数过多" in blocked.get_data(as_text=True)
        assert client.get(f"/ballot/{open_box['codes'][2]}").status_code == 429
        other = app.test_client()  # another address is not held up
        other_env = {"REMOTE_ADDR": "10.0.0.9"}
        assert (
            client.get(f"/ballot/{open_box['codes'][2]}", environ_base=other_env).status_code == 200
        )
        del other
    finally:
        app.config["BALLOT_GUESS_LIMIT"] = "10 per minute;60 per hour"


def test_an_empty_code_is_asked_for_and_not_counted_as_a_guess(app, client):
    app.config["BALLOT_GUESS_LIMIT"] = "1 per minute"
    try:
        for _ in range(3):
            response = client.post("/ballot/", data={"code": "  "})
            assert response.status_code == 400
            assert "请输入票码" in response.get_data(as_text=True)
    finally:
        app.config["BALLOT_GUESS_LIMIT"] = "10 per minute;60 per hour"


def test_a_signed_in_colleague_who_votes_leaves_no_timestamp_on_their_session(
    app, hr_client, open_box
):
    from datetime import timedelta

    from cadre_app.models import UserSession

    with app.app_context():
        earlier = utcnow() - timedelta(minutes=10)
        db.session.execute(sa.update(UserSession).values(last_seen_at=earlier))
        db.session.commit()
    code = open_box["codes"][0]
    assert hr_client.get(f"/ballot/{code}").status_code == 200
    assert hr_client.post(f"/ballot/{code}", data=open_box["form"]).status_code == 303
    assert hr_client.get("/ballot/thanks").status_code == 200
    with app.app_context():
        seen = db.session.scalars(sa.select(UserSession.last_seen_at)).all()
        assert seen == [earlier]
    hr_client.get("/")  # any other page is activity, as before
    with app.app_context():
        assert db.session.scalars(sa.select(UserSession.last_seen_at)).all() != [earlier]
