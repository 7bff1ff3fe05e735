"""Two HR staff saving a secondment of one cadre at the same moment: each in a thread of its
own, with its own app context, session and database connection, committing for real.

Both have read the cadre's secondments (none that conflict) before either writes: a barrier
holds each thread after it has read inside ``operations.create`` until the other has read
too, or, when the other is held by the cadre's lock (``operations.lock_cadre``), for a
second. With the lock the second writer decides after the first has committed and is
refused, naming the first; without it both would pass the check (the overlap race writes two
rows, the active race trips the partial unique index). Run on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Secondment, SecondmentState
from cadre_app.services.secondments import operations
from tests.factories import CadreFactory

pytestmark = pytest.mark.committed

S = SecondmentState
BASE = {"kind": "下派", "host_type": "基层单位", "post": "副局长"}


@pytest.fixture
def cadre_id(app) -> int:
    with app.app_context():
        cadre = CadreFactory(name="陈并发", staff_no="R0001")
        db.session.commit()
        return cadre.id


@pytest.fixture
def read_together(monkeypatch):
    """Each writer, having read the cadre's other secondments, waits (at most a second) for
    the other writer to have read them too."""
    barrier = threading.Barrier(2)
    others_of = operations.others_of

    def others_then_wait(*args: Any, **kwargs: Any) -> list[Secondment]:
        found = others_of(*args, **kwargs)
        # the other writer held by the lock: go on alone after a second
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)
        return found

    monkeypatch.setattr(operations, "others_of", others_then_wait)
    return barrier


def _race(app, cadre_id: int, attempts: list[tuple[dict[str, Any], S]]) -> list[tuple]:
    """Run one ``operations.create`` per attempt, each in its own thread and session, all
    started together after each has loaded the cadre; returns (name, outcome, detail)."""
    start = threading.Barrier(len(attempts))
    results: list[tuple] = []

    def writer(name: str, values: dict[str, Any], state: S) -> None:
        with app.test_request_context():
            try:
                cadre = db.session.get(Cadre, cadre_id)
                assert (
                    operations.conflicts_with(
                        cadre_id, values["start_date"], values["planned_end"], active=True
                    )
                    == []
                )  # nothing in the way, as each writer sees it
                start.wait(timeout=10)
                secondment = operations.create(cadre, values, actor=name, state=state)
                db.session.commit()
                results.append((name, "created", secondment.id))
            except operations.SecondmentError as error:
                db.session.rollback()
                results.append((name, "refused", str(error)))
            except Exception as error:  # noqa: BLE001  (reported by the test)
                db.session.rollback()
                results.append((name, "error", repr(error)))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=writer, args=(f"hr{n}", values, state))
        for n, (values, state) in enumerate(attempts, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return sorted(results, key=lambda r: r[1])


def _rows(app, cadre_id: int) -> list[tuple[str, S]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Secondment.host_unit, Secondment.state).where(Secondment.cadre_id == cadre_id)
        )
        return [tuple(r) for r in rows]


def test_two_active_secondments_at_once_one_wins_the_other_names_it(app, cadre_id, read_together):
    first = BASE | {
        "host_unit": "甲县财政局",
        "start_date": date(2026, 3, 1),
        "planned_end": date(2027, 2, 28),
    }
    second = BASE | {
        "host_unit": "乙县财政局",
        "start_date": date(2027, 6, 1),
        "planned_end": date(2028, 5, 31),
    }  # periods apart: only the one-active rule is in the way
    results = _race(app, cadre_id, [(first, S.PROPOSED), (second, S.PROPOSED)])
    assert [r[1] for r in results] == ["created", "refused"], results
    rows = _rows(app, cadre_id)
    assert len(rows) == 1
    winner = rows[0][0]
    message = results[1][2]
    assert "该干部已有进行中的挂职锻炼" in message and winner in message, results


def test_two_overlapping_past_secondments_at_once_one_wins_the_other_names_it(
    app, cadre_id, read_together
):
    first = BASE | {
        "host_unit": "甲县财政局",
        "start_date": date(2023, 3, 1),
        "planned_end": date(2024, 2, 29),
        "actual_end": date(2024, 2, 29),
    }
    second = BASE | {
        "host_unit": "乙县财政局",
        "start_date": date(2024, 1, 1),
        "planned_end": date(2024, 12, 31),
        "actual_end": date(2024, 12, 31),
    }  # neither is active: only the overlap rule, under the lock, is in the way
    results = _race(app, cadre_id, [(first, S.APPRAISAL), (second, S.ARCHIVED)])
    assert [r[1] for r in results] == ["created", "refused"], results
    rows = _rows(app, cadre_id)
    assert len(rows) == 1
    winner = rows[0][0]
    message = results[1][2]
    assert "时间与另一次挂职锻炼重叠" in message and winner in message, results


def test_non_overlapping_past_secondments_at_once_both_are_saved(app, cadre_id, read_together):
    first = BASE | {
        "host_unit": "甲县财政局",
        "start_date": date(2023, 3, 1),
        "planned_end": date(2023, 12, 31),
    }
    second = BASE | {
        "host_unit": "乙县财政局",
        "start_date": date(2024, 1, 1),
        "planned_end": date(2024, 12, 31),
    }  # the day after: the lock serialises them, and both are fine
    results = _race(app, cadre_id, [(first, S.ARCHIVED), (second, S.ARCHIVED)])
    assert [r[1] for r in results] == ["created", "created"], results
    assert sorted(r[0] for r in _rows(app, cadre_id)) == ["乙县财政局", "甲县财政局"]


def test_the_database_holds_one_active_even_for_a_writer_without_the_lock(
    app, cadre_id, read_together, monkeypatch
):
    monkeypatch.setattr(operations, "lock_cadre", lambda cadre_id: None)
    first = BASE | {
        "host_unit": "甲县财政局",
        "start_date": date(2026, 3, 1),
        "planned_end": date(2027, 2, 28),
    }
    second = BASE | {
        "host_unit": "乙县财政局",
        "start_date": date(2027, 6, 1),
        "planned_end": date(2028, 5, 31),
    }
    results = _race(app, cadre_id, [(first, S.PROPOSED), (second, S.APPROVED)])
    assert [r[1] for r in results] == ["created", "refused"], results
    assert "该干部已有进行中的挂职锻炼" in results[1][2]
    assert len(_rows(app, cadre_id)) == 1
