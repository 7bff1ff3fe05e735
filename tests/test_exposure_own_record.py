"""Issue 16, finding 3: a user's own record (the cadre linked to the account) is always seen
as a cadre sees it, whatever the role: a section head, or an HR officer who is a cadre, never
reads HR's 拟任/拟免 proposal and 任免理由 about themselves (PDF, .lrmx), their own scores and
rank before the results are confirmed, the talks about them, or their own assessment results
through the manager's or HR's pages."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cadre_app.extensions import db
from cadre_app.models import Cadre, CycleState, Department, Role, User
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.talks import operations as talks
from tests.conftest import login
from tests.factories import CadreFactory

PROPOSAL = "预算处副处长（拟）"
REASON = "工作需要，拟提拔"
DRAFT = {
    "proposed_post": PROPOSAL,
    "post_to_remove": "",
    "reason": REASON,
    "reporting_unit": "测试财政局",
    "age_date": "2026-11-26",
    "filled_by": "人事处",
    "fill_date": "2026-11-26",
}


@pytest.fixture
def head_cadre(app, org) -> int:
    """赵明远 (T0003), a cadre of 预算处 and its head."""
    with app.app_context():
        cadre = CadreFactory(
            staff_no="T0003",
            name="赵明远",
            gender="男",
            birth_date=date(1980, 6, 1),
            department=db.session.get(Department, org["budget"]),
            rank="一级调研员",
        )
        db.session.commit()
        return cadre.id


@pytest.fixture
def head(app, make_user, org, users, head_cadre):
    """The head of 预算处, who is the cadre 赵明远 (T0003) of that section: a client."""
    make_user("head1", Role.MANAGER, cadre_id=head_cadre, section_ids=(org["budget"],))
    client = app.test_client()
    assert login(client, "head1").status_code == 302
    return client


@pytest.fixture
def hr_cadre(app, make_user, org, users):
    """An HR officer who is the cadre 王芳 (T0002): a client."""
    make_user("hr2", Role.HR, cadre_id=org["other_cadre"])
    client = app.test_client()
    assert login(client, "hr2").status_code == 302
    return client


def _pdf_text(client, cadre_id: int) -> str:
    response = client.get(f"/records/{cadre_id}/appointment-form.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "")


def test_a_section_head_does_not_see_hrs_proposal_about_themselves(hr_client, head, head_cadre):
    own = head_cadre
    assert hr_client.post(f"/records/{own}/appointment-form", data=DRAFT).status_code == 302
    assert "预算处副处长" in _pdf_text(hr_client, own)
    mine = _pdf_text(head, own)
    assert "预算处副处长" not in mine and "工作需要" not in mine and "赵明远" in mine
    lrmx = head.get(f"/records/{own}/appointment-form.lrmx").data
    assert "预算处副处长".encode() not in lrmx and "工作需要".encode() not in lrmx


def test_an_hr_officer_who_is_a_cadre_sees_their_own_form_as_a_cadre(hr_client, hr_cadre, org):
    own = org["other_cadre"]
    assert hr_client.post(f"/records/{own}/appointment-form", data=DRAFT).status_code == 302
    assert hr_cadre.get(f"/records/{own}/appointment-form").status_code == 404
    assert hr_cadre.post(f"/records/{own}/appointment-form", data=DRAFT).status_code == 404
    mine = _pdf_text(hr_cadre, own)
    assert "预算处副处长" not in mine and "工作需要" not in mine
    assert "预算处副处长".encode() not in hr_cadre.get(f"/records/{own}/appointment-form.lrmx").data
    # another cadre's form is HR's work as before
    assert hr_cadre.get(f"/records/{org['own_cadre']}/appointment-form").status_code == 200


def test_an_hr_officer_who_is_a_cadre_does_not_edit_or_reveal_their_own_file(app, hr_cadre, org):
    """Nobody edits their own roster record, its photo, family or résumé, or reveals their
    own 身份证号 through HR's pages; a colleague's record is HR's work as before."""
    own, other = org["other_cadre"], org["own_cadre"]
    with app.app_context():
        entry = db.session.get(Cadre, own).resume[0].id if db.session.get(Cadre, own).resume else 0
    family = {"relation": "父亲", "name": "王大", "birth_date": "1950-01-01"}
    for method, url, data in (
        ("get", f"/cadres/{own}/edit", None),
        ("post", f"/cadres/{own}/edit", {"name": "王芳芳"}),
        ("post", f"/cadres/{own}/reveal-id", {}),
        ("post", f"/cadres/{own}/photo", {}),
        ("post", f"/cadres/{own}/family", family),
        ("post", f"/cadres/{own}/resume", {"start": "2020-01", "description": "x"}),
        ("get", f"/cadres/{own}/resume/{entry}/edit", None),
    ):
        response = getattr(hr_cadre, method)(url, data=data)
        assert response.status_code == 404, (method, url, response.status_code)
    with app.app_context():
        assert db.session.get(Cadre, own).name == "王芳"
    assert hr_cadre.get(f"/cadres/{own}").status_code == 200  # read, as a cadre reads it
    assert hr_cadre.get(f"/cadres/{other}/edit").status_code == 200
    assert hr_cadre.post(f"/cadres/{other}/reveal-id", data={}).status_code in (200, 302)


@pytest.fixture
def scored(app, org, head_cadre):
    """2025's scores for the three cadres, ranked but not confirmed."""
    with app.app_context():
        cycle, _created = evaluation.ensure_cycle(2025, actor="hr1")
        marks = ((org["own_cadre"], 85.5), (org["other_cadre"], 93.75), (head_cadre, 71.25))
        for cadre_id, scores in marks:
            cadre = db.session.get(Cadre, cadre_id)
            evaluation.set_scores(
                cycle, cadre, ordinary=scores, democratic=scores, leader=scores, actor="hr1"
            )
        evaluation.rank_cycle(cycle, actor="hr1")
        db.session.commit()
        assert cycle.state is CycleState.RANKED
        return cycle.id


def test_a_section_head_does_not_see_their_own_unconfirmed_row(scored, head, manager_client):
    mine = head.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "T0003" not in mine and "71.25" not in mine and "T0001" in mine
    # another manager of the section sees it
    assert "T0003" in manager_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    workbook = head.get("/evaluations/2025/ranking.xlsx")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).active
    staff_nos = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "T0001" in staff_nos and "T0003" not in staff_nos


def test_a_section_head_does_not_see_their_own_unconfirmed_result_on_their_profile(
    scored, head, manager_client, head_cadre
):
    url = f"/cadres/{head_cadre}?tab=evaluation"
    assert "71.25" in manager_client.get(url).get_data(as_text=True)
    mine = head.get(url)
    assert mine.status_code == 200 and "71.25" not in mine.get_data(as_text=True)


def test_an_hr_officer_who_is_a_cadre_does_not_see_or_enter_their_own_scores(scored, hr_cadre, org):
    page = hr_cadre.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "T0002" not in page and "93.75" not in page and "T0001" in page
    assert hr_cadre.get(f"/evaluations/2025/scores/{org['other_cadre']}").status_code == 404
    assert hr_cadre.get(f"/evaluations/2025/scores/{org['own_cadre']}").status_code == 200


def test_once_confirmed_the_own_row_is_shown(app, scored, head):
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        cycle.state = CycleState.CONFIRMED
        db.session.commit()
    assert "T0003" in head.get("/evaluations/2025/ranking").get_data(as_text=True)


def test_an_hr_officer_who_is_a_cadre_does_not_see_the_talks_about_them(app, hr_cadre, org):
    with app.app_context():
        about_me = talks.create_talk(
            {
                "kind": "提醒谈话",
                "source": "信访举报",
                "subject_id": org["other_cadre"],
                "reason": "反映其作风问题",
            },
            actor="hr1",
            today=date(2026, 9, 1),
        )
        other = talks.create_talk(
            {
                "kind": "提醒谈话",
                "source": "信访举报",
                "subject_id": org["own_cadre"],
                "reason": "反映迟到早退",
            },
            actor="hr1",
            today=date(2026, 9, 1),
        )
        db.session.commit()
        about_me_id, other_id = about_me.id, other.id
    listing = hr_cadre.get("/talks/").get_data(as_text=True)
    assert "反映其作风问题" not in listing and "李晓明" in listing
    assert hr_cadre.get(f"/talks/{about_me_id}").status_code == 404
    assert hr_cadre.get(f"/records/talks/{about_me_id}.pdf").status_code == 404
    assert hr_cadre.get(f"/talks/{other_id}").status_code == 200


def test_an_hr_officer_who_is_a_cadre_reads_their_own_results_only_in_their_dossier(
    app, hr_client, hr_cadre
):
    from tests import assessments_results_data as data

    with app.app_context():
        built = data.standard({"own_cadre": _id("T0001"), "other_cadre": _id("T0002")})
    results = f"/assessments/{built.assessment_id}/results"
    assert "王芳" in hr_client.get(results).get_data(as_text=True)
    page = hr_cadre.get(results).get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]  # (the menu names hr2: 王芳)
    assert "李晓明" in main and "王芳" not in main  # 王芳 is hr2's own cadre
    assert hr_cadre.get(f"{results}/{built.subject_ids[1]}").status_code == 404
    assert hr_cadre.get(f"{results}/{built.subject_ids[0]}").status_code == 200


def _id(staff_no: str) -> int:
    return db.session.scalar(sa.select(Cadre.id).where(Cadre.staff_no == staff_no))


def test_an_hr_officer_who_is_a_cadre_does_not_batch_export_their_own_form(
    hr_client, hr_cadre, org
):
    own, other = org["other_cadre"], org["own_cadre"]
    assert hr_client.post(f"/records/{own}/appointment-form", data=DRAFT).status_code == 302
    data = {"kind": "appointment_form", "output": "pdf", "scope": "selected"}
    both = hr_cadre.post("/records/batch", data={**data, "cadre_ids": [str(own), str(other)]})
    assert both.status_code == 200 and both.mimetype == "application/pdf"
    pages = ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(both.data)).pages]
    text = "".join(pages)
    assert "李晓明" in text and "预算处副处长" not in text and "工作需要" not in text
    assert len(pages) == len(
        PdfReader(io.BytesIO(_batch_of(hr_client, data, other).data)).pages
    )  # 李晓明's form alone
    alone = hr_cadre.post("/records/batch", data={**data, "cadre_ids": [str(own)]})
    assert alone.status_code == 400


def _batch_of(client, data, cadre_id):
    return client.post("/records/batch", data={**data, "cadre_ids": [str(cadre_id)]})


def test_a_reviewing_manager_does_not_see_or_judge_their_own_candidacy(
    app, hr_client, head, head_cadre, org, users
):
    from tests.test_selection_shortlist_web import add, candidates, make_round

    round_id = make_round(app, org)
    with app.app_context():
        head_id = db.session.scalar(sa.select(User.id).where(User.username == "head1"))
    url = f"/selection/rounds/{round_id}/reviewers"
    # assigned first, then put on the list: assigning a candidate is refused (回避), but a
    # reviewer's own cadre may join the list later, and must stay out of their sight
    assert hr_client.post(url, data={"reviewers": [str(head_id)]}).status_code == 302
    for cadre_id in (org["own_cadre"], org["other_cadre"], head_cadre):
        assert add(hr_client, round_id, cadre_id).status_code == 302
    assert hr_client.post(url, data={"reviewers": [str(head_id)]}).status_code == 400
    main = head.get("/selection/reviews").get_data(as_text=True).split("<main", 1)[1]
    assert "李晓明" in main and "王芳" in main and "赵明远" not in main
    mine = candidates(app, round_id)[head_cadre]
    saved = head.post(f"/selection/reviews/{mine.id}", data={"view": "同意", "reason": "x"})
    assert saved.status_code == 404
    both = f"round={round_id}&cadre={org['own_cadre']}&cadre={head_cadre}"
    assert head.get(f"/selection/compare?{both}").status_code == 404
    others = f"round={round_id}&cadre={org['own_cadre']}&cadre={org['other_cadre']}"
    assert head.get(f"/selection/compare?{others}").status_code == 200
