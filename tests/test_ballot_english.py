"""The ballot pages and the codes page in English: every word but the data (the title, the
names, the checklist's items, the rater groups) is English (tests/test_english_ui.py's rule;
those pages are not reached by the demo crawl, which starts from the dashboards)."""

from __future__ import annotations

from flask.testing import FlaskClient

from cadre_app.extensions import db
from cadre_app.services.ballots import operations
from tests.ballot_support import ballot_form, group, issue, make_assessment
from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text

#: The foundation's msgids that the assessments part (B) translates: the menu entry.
NOT_OURS = {"政治素质测评"}


def _english(client: FlaskClient) -> FlaskClient:
    client.post("/auth/language", data={"lang": "en", "next": "/ballot/"})
    return client


def test_ballot_and_codes_pages_speak_english_but_the_data(app, login_as):
    with app.app_context():
        assessment = make_assessment(n_positive=3, n_negative=2)
        used, fresh = issue(assessment, "同事", 2)
        voided = issue(assessment, "领导", 1)[0]
        operations.void_unused(group(assessment, "领导"), actor="hr")
        db.session.commit()
        assessment_id, group_id = assessment.id, group(assessment, "同事").id
        form = ballot_form(assessment)
    rater = _english(app.test_client())
    pages = {
        "enter": rater.get("/ballot/"),
        "ballot": rater.get(f"/ballot/{fresh}"),
        "errors": rater.post(f"/ballot/{fresh}", data={}),
        "wrong": rater.post("/ballot/", data={"code": "23456789ABCD"}),
        "voided": rater.get(f"/ballot/{voided}"),
    }
    assert rater.post(f"/ballot/{used}", data=form).status_code == 303
    pages["thanks"] = rater.get("/ballot/thanks")
    hr = _english(login_as("hr"))
    pages["codes"] = hr.get(f"/assessments/{assessment_id}/codes")
    pages["bad count"] = hr.post(
        f"/assessments/{assessment_id}/codes/{group_id}/issue", data={"count": "0"}
    )
    with app.app_context():
        data = stored_text()
    allowed = data | PUNCTUATION | {"中文", app.config["ORGANISATION_NAME"]} | NOT_OURS
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert 'lang="en"' in html, name
        left = chinese_runs(html) - allowed
        assert not left, (name, sorted(left))
    assert "Rate every item" in pages["ballot"].get_data(as_text=True) or "rate every item" in (
        pages["ballot"].get_data(as_text=True)
    )
    assert "not valid or has already been used" in pages["wrong"].get_data(as_text=True)
