"""HR closing an assessment early and the auto-close (or ``flask assessments close``) at the
same moment: each in a thread of its own, with its own app context, session and database
connection, committing for real. Both have loaded the open assessment before either writes;
``operations.close`` locks it and reads its state again, so the second closer finds it
closed and answers AlreadyDone: one closing, one audit event, one on_close. Run on SQLite
and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Assessment, AssessmentState, AuditEvent
from cadre_app.services.assessments import checklists, operations, results
from cadre_app.services.ballots.operations import GroupSpec
from tests.factories import CadreFactory

pytestmark = pytest.mark.committed


def _opened(app) -> int:
    now = utcnow()
    with app.test_request_context():
        default, _made = checklists.ensure_default()
        cadre = CadreFactory(name="陈并发", staff_no="R0001")
        db.session.flush()
        assessment = operations.create(
            operations.Details(
                title="并发关闭",
                purpose="专项",
                cadre_ids=(cadre.id,),
                groups=(GroupSpec("同事", 100, 5),),
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(hours=1),
                checklist_id=default.id,
            ),
            actor="seed",
        )
        operations.open_assessment(assessment, expected_version=assessment.version, actor="seed")
        db.session.commit()
        return assessment.id


def test_two_closers_at_once_close_once(app, monkeypatch):
    assessment_id = _opened(app)
    calls: list[str | None] = []
    monkeypatch.setattr(
        results, "on_close", lambda assessment, *, actor, today: calls.append(actor)
    )
    start = threading.Barrier(2)
    outcomes: list[tuple[str, str]] = []

    def closer(name: str) -> None:
        with app.test_request_context():
            try:
                assessment = db.session.get(Assessment, assessment_id)
                assert assessment.state is AssessmentState.OPEN  # as each closer sees it
                start.wait(timeout=10)
                operations.close(assessment, actor=name, reason="同时关闭")
                db.session.commit()
                outcomes.append((name, "closed"))
            except operations.AlreadyDone:
                db.session.rollback()
                outcomes.append((name, "already"))
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes.append((name, repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=closer, args=(n,)) for n in ("hr1", "system")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o for _n, o in outcomes) == ["already", "closed"], outcomes
    assert len(calls) == 1
    with app.app_context():
        assert db.session.get(Assessment, assessment_id).state is AssessmentState.CLOSED
        closings = db.session.scalars(
            sa.select(AuditEvent.summary).where(
                AuditEvent.object_type == "assessment", AuditEvent.summary.like("%已关闭%")
            )
        ).all()
        assert len(closings) == 1
