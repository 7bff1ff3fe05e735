"""Issue 4's story through the commands an office would script: import the roster, import
the year's scores, rank, confirm; the reminder talks open for exactly the flagged cadres."""

from __future__ import annotations

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Evaluation, Talk
from tests import workbooks
from tests.evaluation_workbooks import build_scores, score_row


def test_import_roster_and_scores_rank_confirm(app, runner, tmp_path):
    roster_rows = workbooks.cadre_rows(6, department="预算处") + workbooks.cadre_rows(
        4, start=7, department="国库处"
    )
    roster_file = tmp_path / "roster.xlsx"
    roster_file.write_bytes(workbooks.build(roster_rows))
    sections = ["--create-section", "预算处", "--create-section", "国库处"]  # a new installation
    imported = runner.invoke(args=["roster", "import", str(roster_file), *sections])
    assert imported.exit_code == 0, imported.output
    assert "imported 10, updated 0, rejected 0" in imported.output

    with app.app_context():  # the heads of the two sections conduct the talks
        for name, staff_no in (
            ("预算处", roster_rows[0]["工号"]),
            ("国库处", roster_rows[6]["工号"]),
        ):
            section = db.session.scalar(sa.select(Department).where(Department.name == name))
            section.head = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no))
        db.session.commit()

    scores = [
        score_row(r["工号"], r["姓名"], 90 - i, 88, 86, "优秀" if i == 0 else "称职")
        for i, r in enumerate(roster_rows[:6])
    ] + [
        score_row(r["工号"], r["姓名"], 80, 80, 80, "基本称职" if i == 2 else "称职")
        for i, r in enumerate(roster_rows[6:])
    ]
    scores_file = tmp_path / "scores.xlsx"
    scores_file.write_bytes(build_scores(scores))
    result = runner.invoke(args=["evaluations", "import", str(scores_file), "--year", "2025"])
    assert result.exit_code == 0, result.output

    ranked = runner.invoke(args=["evaluations", "rank", "--year", "2025"])
    assert ranked.exit_code == 0 and "ranked 10" in ranked.output
    again = runner.invoke(args=["evaluations", "rank", "--year", "2025"])
    assert ranked.output == again.output  # same data, same result
    confirmed = runner.invoke(args=["evaluations", "rank", "--year", "2025", "--confirm"])
    assert confirmed.exit_code == 0, confirmed.output
    assert "talks opened 2" in confirmed.output

    with app.app_context():
        flagged = set(
            db.session.scalars(sa.select(Evaluation.cadre_id).where(Evaluation.bottom.is_(True)))
        )
        talked = set(db.session.scalars(sa.select(Talk.subject_id)))
        assert flagged == talked and len(talked) == 2
        staff = dict(db.session.execute(sa.select(Cadre.id, Cadre.staff_no)).all())
        # the last of 预算处 (6 evaluated) and the 基本称职 of 国库处 (only 4: none by rank)
        assert {staff[c] for c in talked} == {roster_rows[5]["工号"], roster_rows[8]["工号"]}
