"""赛道相马 on the demo organisation, in Chinese and in English: six demo cadres with real
histories (three years of evaluations, secondments, training, talks, the assessment) compare
without an error, the PDF renders, and the English page shows Chinese only in the data."""

from __future__ import annotations

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.i18n import TERMS
from cadre_app.models import Cadre, Evaluation, Secondment, Talk
from tests.conftest import login
from tests.test_crawl import DEMO_PASSWORD, demo_data  # noqa: F401
from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text, vocabulary


def _six(app) -> list[int]:
    """Demo cadres with an evaluation, two with a secondment and one with a talk."""
    with app.app_context():
        seconded = list(db.session.scalars(sa.select(Secondment.cadre_id).limit(2)))
        talked = list(db.session.scalars(sa.select(Talk.subject_id).limit(1)))
        evaluated = db.session.scalars(
            sa.select(Cadre.id).join(Evaluation, Evaluation.cadre_id == Cadre.id).limit(20)
        )
        ids = list(dict.fromkeys([*seconded, *talked, *evaluated]))[:6]
    assert len(ids) == 6
    return ids


def test_six_demo_cadres_compare_in_both_languages(app, demo_data):  # noqa: F811
    ids = _six(app)
    query = "&".join(f"cadre={i}" for i in ids)
    client = app.test_client()
    assert login(client, "hr", DEMO_PASSWORD).status_code == 302
    chinese = client.get(f"/selection/compare?{query}")
    assert chinese.status_code == 200
    html = chinese.get_data(as_text=True)
    assert html.count("data-cadre-id=") == 6 and 'data-section="honours"' in html
    assert "光荣榜尚未建立" not in html
    pdf = client.get(f"/selection/compare.pdf?{query}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    client.post("/auth/language", data={"lang": "en", "next": "/"})
    english = client.get(f"/selection/compare?{query}").get_data(as_text=True)
    assert 'lang="en"' in english
    with app.app_context():
        data = stored_text() | vocabulary() | set(chinese_runs(app.config["ORGANISATION_NAME"]))
    translated = {str(term._args[0]) for term in TERMS}  # noqa: SLF001 - the msgids
    allowed = (data - translated) | {"中文"} | PUNCTUATION
    left = chinese_runs(english) - allowed
    assert not left, sorted(left)


def test_the_demo_shortlist_holds_only_cadres_its_position_finds_eligible(app, demo_data):  # noqa: F811
    """The open demo round's candidates come from its position's kept eligibility run (a
    manager's first look at the demo must not show a cadre the post's conditions exclude),
    and nobody is evaluated for a year before they started work."""
    from cadre_app.models import EvaluationCycle
    from cadre_app.models.selection import EligibilityRun, SelectionRound
    from cadre_app.services.selection import eligibility
    from cadre_app.services.selection.demo import OPEN_TITLE

    with app.app_context():
        round_ = db.session.scalar(
            sa.select(SelectionRound).where(SelectionRound.title == OPEN_TITLE)
        )
        stored = db.session.scalar(
            sa.select(EligibilityRun)
            .where(EligibilityRun.position_id == round_.position_id)
            .order_by(EligibilityRun.id.desc())
            .limit(1)
        )
        assert stored is not None
        candidates = [c.cadre_id for c in round_.candidates]
        assert len(candidates) >= 4
        assert all(eligibility.is_eligible(stored, cid) for cid in candidates)
        early = db.session.execute(
            sa.select(Cadre.name, EvaluationCycle.year)
            .join(Evaluation, Evaluation.cadre_id == Cadre.id)
            .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
            .where(sa.extract("year", Cadre.work_start_date) > EvaluationCycle.year)
        ).all()
        assert early == []
