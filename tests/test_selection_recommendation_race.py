"""Two at once, each in a thread with its own app context, session and connection, committing
for real (SQLite and PostgreSQL): HR's early close and the auto-close of one 民主推荐 close it
once (one audit event); the open form posted twice at the same moment makes one box."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import (
    AuditEvent,
    BallotBox,
    BoxState,
    Position,
    RoundCandidate,
    SelectionRound,
    Stage,
)
from cadre_app.services.ballots.operations import GroupSpec
from cadre_app.services.selection import recommendation as service
from tests.factories import CadreFactory

pytestmark = pytest.mark.committed


def _round(app) -> int:
    with app.test_request_context():
        position = Position(title="副处长", post_kind="领导职务", target_level="县处级副职")
        db.session.add(position)
        db.session.flush()
        chosen = SelectionRound(
            position_id=position.id, title="并发", reason="空缺", stage=Stage.RECOMMENDATION
        )
        db.session.add(chosen)
        db.session.flush()
        for n in range(3):
            cadre = CadreFactory(name=f"候选{n}", staff_no=f"R000{n}")
            db.session.add(RoundCandidate(round_id=chosen.id, cadre_id=cadre.id))
        db.session.commit()
        return chosen.id


def _opening() -> service.Opening:
    now = utcnow()
    return service.Opening(
        "并发推荐", now - timedelta(hours=1), now + timedelta(hours=1), (GroupSpec("干部", 100, 5),)
    )


def _race(app, round_id: int, act: Callable[[SelectionRound, str], None]) -> list[str]:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(name: str) -> None:
        with app.test_request_context():
            try:
                chosen = db.session.get(SelectionRound, round_id)
                chosen.position  # noqa: B018 - loaded before the other writes
                start.wait(timeout=10)
                act(chosen, name)
                db.session.commit()
                outcomes.append("done")
            except service.AlreadyDone:
                db.session.rollback()
                outcomes.append("already")
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("hr1", "system")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


def test_two_openings_at_once_make_one_box(app):
    round_id = _round(app)
    outcomes = _race(
        app, round_id, lambda r, name: service.open_recommendation(r, _opening(), actor=name)
    )
    assert outcomes == ["already", "done"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotBox)) == 1


def test_hr_and_the_auto_close_at_once_close_once(app):
    round_id = _round(app)
    with app.test_request_context():
        service.open_recommendation(
            db.session.get(SelectionRound, round_id), _opening(), actor="seed"
        )
        db.session.commit()
    outcomes = _race(
        app,
        round_id,
        lambda r, name: service.close_recommendation(r, actor=name, reason="同时关闭"),
    )
    assert outcomes == ["already", "done"]
    with app.app_context():
        box = db.session.get(BallotBox, db.session.get(SelectionRound, round_id).box_id)
        assert box.state is BoxState.CLOSED
        closings = db.session.scalars(
            sa.select(AuditEvent.summary).where(
                AuditEvent.object_type == "selection_round", AuditEvent.summary.like("%投票结束%")
            )
        ).all()
        assert len(closings) == 1
