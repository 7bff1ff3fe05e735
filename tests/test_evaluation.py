"""The annual evaluation procedure against a real database: scores, ranking, confirmation
under the quota, reminder talks for exactly the bottom-ranked, publicity, decision."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import (
    AuditEvent,
    Cadre,
    CycleState,
    Department,
    Evaluation,
    EvaluationCycle,
    Talk,
    TalkState,
)
from cadre_app.services.evaluations import operations as evaluation
from tests.factories import CadreFactory

TODAY = date(2026, 1, 15)


@pytest.fixture
def sections(app, org):
    """预算处 (led by the test manager) gets 6 cadres, 国库处 4; the first of each is head."""
    with app.app_context():
        budget = db.session.get(Department, org["budget"])
        treasury = db.session.get(Department, org["treasury"])
        made = {"budget": [], "treasury": []}
        for key, section, count in (("budget", budget, 6), ("treasury", treasury, 4)):
            for i in range(count):
                cadre = CadreFactory(
                    staff_no=f"{key[0].upper()}{i:02d}",
                    name=f"{section.name}{i}号",
                    birth_date=date(1985 + i, 1, 1),
                    department=section,
                )
                made[key].append(cadre)
        budget.head = made["budget"][0]
        treasury.head = made["treasury"][0]
        db.session.commit()
        return {k: [c.id for c in v] for k, v in made.items()}


def score(app, year, cadre_ids, values, grades=None):
    """values: list of (o, d, l) per cadre; grades: list of proposed grades."""
    with app.app_context():
        cycle, _ = evaluation.ensure_cycle(year, actor="test")
        for i, cadre_id in enumerate(cadre_ids):
            o, d, l_ = values[i]
            evaluation.set_scores(
                cycle,
                db.session.get(Cadre, cadre_id),
                ordinary=o,
                democratic=d,
                leader=l_,
                proposed_grade=(grades[i] if grades else "称职"),
                actor="test",
            )
        db.session.commit()


def _cycle(app, year):
    with app.app_context():
        return db.session.scalar(sa.select(EvaluationCycle).where(EvaluationCycle.year == year))


def test_confirm_opens_talks_for_exactly_the_flagged(app, sections):
    budget, treasury = sections["budget"], sections["treasury"]
    score(
        app,
        2025,
        budget,
        [(90 - i, 90 - i, 90 - i) for i in range(6)],
        ["优秀", "称职", "称职", "称职", "称职", "称职"],
    )
    score(app, 2025, treasury, [(80, 80, 80)] * 4, ["称职", "称职", "基本称职", "称职"])
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        result = evaluation.confirm_cycle(cycle, actor="hr", today=TODAY)
        db.session.commit()
        assert result.quota.ok and result.talks_opened == 2
        talks = db.session.scalars(sa.select(Talk)).all()
        subjects = {t.subject_id for t in talks}
        # budget's last (6 evaluated) by rank; treasury (only 4) just the 基本称职 one
        assert subjects == {budget[5], treasury[2]}
        by_subject = {t.subject_id: t for t in talks}
        assert by_subject[budget[5]].conductor_id == budget[0]  # the section head
        assert by_subject[treasury[2]].conductor_id == treasury[0]
        assert all(t.kind == "提醒谈话" and t.state is TalkState.TRIGGERED for t in talks)
        assert all(t.due_date == date(2026, 2, 16) for t in talks)  # 14 Feb is a Saturday
        assert cycle.state is CycleState.CONFIRMED
        flagged = db.session.scalars(
            sa.select(Evaluation.cadre_id).where(Evaluation.bottom.is_(True))
        ).all()
        assert set(flagged) == subjects
        versions = set(db.session.scalars(sa.select(Evaluation.settings_version)))
        assert versions == {cycle.settings_version}


def test_quota_refusal_changes_nothing(app, sections):
    ids = sections["budget"] + sections["treasury"]  # 10 evaluated: at most 2 优秀
    score(app, 2025, ids, [(85, 85, 85)] * 10, ["优秀"] * 3 + ["称职"] * 7)
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        with pytest.raises(evaluation.QuotaExceeded) as refused:
            evaluation.confirm_cycle(cycle, actor="hr", today=TODAY)
        db.session.rollback()
        message = str(refused.value)
        assert "20%" in message and "最多 2 人" in message and "现有 3 人" in message
        assert "须调整 1 人" in message
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Talk)) == 0
        assert evaluation.get_cycle(2025).state is CycleState.COLLECTING


def test_quota_exactly_at_twenty_percent_is_confirmed(app, sections):
    ids = sections["budget"] + sections["treasury"]
    score(app, 2025, ids, [(85, 85, 85)] * 10, ["优秀"] * 2 + ["称职"] * 8)
    with app.app_context():
        evaluation.confirm_cycle(evaluation.get_cycle(2025), actor="hr", today=TODAY)
        db.session.commit()
        assert evaluation.get_cycle(2025).state is CycleState.CONFIRMED


def test_raised_quota_needs_a_reason(app, sections):
    score(app, 2025, sections["budget"], [(85, 85, 85)] * 6)
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        with pytest.raises(evaluation.EvaluationError, match="批准"):
            evaluation.update_settings(
                cycle,
                weights=(40, 30, 30),
                quota_pct=25,
                approval_reason="",
                min_section_size=5,
                bottom_grades=["基本称职"],
                actor="hr",
            )
        with pytest.raises(evaluation.EvaluationError, match="25"):
            evaluation.update_settings(
                cycle,
                weights=(40, 30, 30),
                quota_pct=30,
                approval_reason="x",
                min_section_size=5,
                bottom_grades=[],
                actor="hr",
            )
        evaluation.update_settings(
            cycle,
            weights=(40, 30, 30),
            quota_pct=25,
            approval_reason="局党组 2025-12-20 会议批准",
            min_section_size=5,
            bottom_grades=["基本称职", "不称职"],
            actor="hr",
        )
        db.session.commit()
        assert cycle.settings_version == 2 and cycle.quota_approved_by == "hr"


def test_incomplete_scores_block_confirmation(app, sections):
    score(app, 2025, sections["budget"], [(85, 85, 85)] * 5 + [(85, None, 85)])
    with app.app_context(), pytest.raises(evaluation.EvaluationError, match="成绩不全"):
        evaluation.confirm_cycle(evaluation.get_cycle(2025), actor="hr", today=TODAY)


def test_scores_are_validated_and_corrections_need_a_reason(app, sections):
    score(app, 2025, sections["budget"][:1], [(85, 85, 85)])
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        cadre = db.session.get(Cadre, sections["budget"][0])
        with pytest.raises(evaluation.EvaluationError, match="0 至 100"):
            evaluation.set_scores(cycle, cadre, ordinary=101, democratic=80, leader=80, actor="hr")
        with pytest.raises(evaluation.EvaluationError, match="更正理由"):
            evaluation.set_scores(cycle, cadre, ordinary=86, democratic=85, leader=85, actor="hr")
        evaluation.set_scores(
            cycle,
            cadre,
            ordinary=86,
            democratic=85,
            leader=85,
            reason="平时考核录入错误",
            actor="hr",
        )
        db.session.commit()
        event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert "平时考核录入错误" in event.summary
        assert event.before["ordinary"] == 85 and event.after["ordinary"] == 86


def test_rerunning_the_ranking_gives_the_same_result(app, sections):
    ids = sections["budget"] + sections["treasury"]
    score(app, 2025, ids, [(70 + i % 4, 80, 90 - i % 3) for i in range(10)])
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        evaluation.rank_cycle(cycle, actor="hr")
        first = db.session.execute(
            sa.select(
                Evaluation.cadre_id,
                Evaluation.total,
                Evaluation.section_rank,
                Evaluation.overall_rank,
                Evaluation.bottom,
            ).order_by(Evaluation.cadre_id)
        ).all()
        evaluation.rank_cycle(cycle, actor="hr")
        second = db.session.execute(
            sa.select(
                Evaluation.cadre_id,
                Evaluation.total,
                Evaluation.section_rank,
                Evaluation.overall_rank,
                Evaluation.bottom,
            ).order_by(Evaluation.cadre_id)
        ).all()
        assert first == second


def test_publicity_decision_and_consequences(app, sections):
    ids = sections["budget"]
    for year in (2023, 2024, 2025):
        score(
            app,
            year,
            ids,
            [(90 - i, 90, 90) for i in range(6)],
            ["优秀", "称职", "称职", "称职", "称职", "不称职"],
        )
        with app.app_context():
            cycle = evaluation.get_cycle(year)
            evaluation.confirm_cycle(cycle, actor="hr", today=date(year + 1, 1, 5))
            with pytest.raises(evaluation.EvaluationError, match="公示"):
                evaluation.decide_cycle(cycle, actor="hr", today=date(year + 1, 1, 20))
            evaluation.start_publicity(cycle, start=date(year + 1, 1, 6), actor="hr")
            with pytest.raises(evaluation.EvaluationError, match="期满"):
                evaluation.decide_cycle(cycle, actor="hr", today=cycle.publicity_end)
            evaluation.decide_cycle(cycle, actor="hr", today=date(year + 1, 2, 1))
            db.session.commit()
    with app.app_context():
        latest = {
            e.cadre_id: e
            for e in db.session.scalars(
                sa.select(Evaluation).join(EvaluationCycle).where(EvaluationCycle.year == 2025)
            )
        }
        assert "连续三年优秀：记三等功，优先晋升" in latest[ids[0]].consequences
        assert any("辞退" in c for c in latest[ids[5]].consequences)
        assert latest[ids[0]].final_grade == "优秀"


def test_editing_a_confirmed_cycle_is_refused(app, sections):
    score(app, 2025, sections["budget"], [(85, 85, 85)] * 6)
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        evaluation.confirm_cycle(cycle, actor="hr", today=TODAY)
        db.session.commit()
        with pytest.raises(evaluation.EvaluationError, match="不能再修改"):
            evaluation.set_scores(
                cycle,
                db.session.get(Cadre, sections["budget"][0]),
                ordinary=1,
                democratic=1,
                leader=1,
                reason="x",
                actor="hr",
            )
