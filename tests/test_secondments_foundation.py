"""The secondment foundation: a secondment goes 拟派 → 审批 → 在岗 → 延期 → 期满鉴定 → 归档
through services.secondments.operations, each step logged, and 归档 writes its 简历 line once;
the database holds one active secondment per cadre even for a writer that skips the checks."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import ResumeEntry, Secondment, SecondmentState
from cadre_app.services.secondments import operations
from cadre_app.services.secondments.rules import Step
from tests.factories import CadreFactory

S = SecondmentState
VALUES = {
    "kind": "下派",
    "host_unit": "示例县财政局",
    "host_type": "基层单位",
    "post": "副局长",
    "start_date": date(2025, 3, 1),
    "planned_end": date(2026, 2, 28),
}


def _step(secondment, target, step=None, **kwargs):
    operations.transition(
        secondment,
        target,
        step or Step(),
        expected_version=secondment.version,
        actor="hr",
        today=date(2026, 3, 2),
        **kwargs,
    )


def test_the_whole_life_logs_each_step_and_writes_the_resume_line_once(app_ctx):
    cadre = CadreFactory()
    secondment = operations.create(cadre, VALUES, actor="hr")
    _step(secondment, S.APPROVED)
    _step(secondment, S.ON_POST)
    _step(secondment, S.EXTENDED, Step(reason="工作需要", new_end=date(2026, 3, 31)))
    _step(secondment, S.APPRAISAL)
    appraisal = operations.Appraisal(host_opinion="表现突出", grade="优秀", conclusion="同意")
    _step(secondment, S.ARCHIVED, appraisal=appraisal)
    db.session.commit()

    assert [e.to_state for e in secondment.events] == [
        S.PROPOSED,
        S.APPROVED,
        S.ON_POST,
        S.EXTENDED,
        S.APPRAISAL,
        S.ARCHIVED,
    ]
    extension = secondment.events[3]
    assert (extension.old_end, extension.new_end, extension.reason) == (
        date(2026, 2, 28),
        date(2026, 3, 31),
        "工作需要",
    )
    lines = db.session.scalars(sa.select(ResumeEntry).where(ResumeEntry.cadre_id == cadre.id))
    assert [e.line.split()[-1] for e in lines if "挂职" in e.description] == [
        "挂职任示例县财政局副局长"
    ]
    assert secondment.resume_entry.line.startswith("2025.03--2026.03")
    with pytest.raises(operations.SecondmentError):
        _step(secondment, S.ARCHIVED, appraisal=appraisal)


def test_the_database_refuses_a_second_active_secondment(app_ctx):
    cadre = CadreFactory()
    operations.create(cadre, VALUES, actor="hr")
    db.session.commit()
    db.session.add(
        Secondment(
            cadre=cadre,
            kind="上挂",
            host_unit="省财政厅",
            host_type="上级机关",
            start_date=date(2027, 1, 1),
            planned_end=date(2027, 6, 30),
            state=S.PROPOSED,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(operations.SecondmentError, match="进行中"):
        operations.create(
            cadre,
            VALUES | {"start_date": date(2027, 1, 1), "planned_end": date(2027, 6, 30)},
            actor="hr",
        )
