"""The same code posted twice at the same moment counts once (issue 13, point 4), enforced by
the database: ``operations.cast`` takes the code's row under a lock (``FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), deletes it and inserts the ballot in one
transaction; the second request waits, then finds no code and is refused as a used one.

Two clients of the app, each in a thread of its own with its own session and connection,
committing for real. Both have looked the code up (and found it good) before either casts: a
barrier holds each after its lookup until the other has looked it up too. Run on SQLite and
PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Ballot, BallotCode, BallotEntry
from cadre_app.services.ballots import operations
from tests.ballot_support import ballot_form, issue, make_assessment

pytestmark = pytest.mark.committed


@pytest.fixture
def box(app) -> dict[str, Any]:
    with app.app_context():
        assessment = make_assessment(n_positive=3, n_negative=2)
        plain = issue(assessment, "同事", 2)
        db.session.commit()
        return {"codes": plain, "form": ballot_form(assessment, rating=2, ticked=(1,))}


@pytest.fixture
def looked_up_together(monkeypatch):
    """Each request, having looked its code up, waits (at most a second) for the other."""
    barrier = threading.Barrier(2)
    lookup = operations.lookup

    def lookup_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = lookup(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)
        return found

    monkeypatch.setattr(operations, "lookup", lookup_then_wait)
    return barrier


def _post_together(app, posts: list[tuple[str, dict[str, str]]]) -> list[int]:
    start = threading.Barrier(len(posts))
    statuses: list[int] = []
    errors: list[str] = []

    def voter(url: str, form: dict[str, str]) -> None:
        client = app.test_client()
        try:
            start.wait(timeout=10)
            statuses.append(client.post(url, data=form).status_code)
        except Exception as error:  # noqa: BLE001  (reported by the test)
            errors.append(repr(error))

    threads = [threading.Thread(target=voter, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a request hung"
    assert not errors, errors
    return sorted(statuses)


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        return count(Ballot), count(BallotEntry), count(BallotCode)


def test_one_code_posted_twice_at_once_counts_once(app, box, looked_up_together):
    url = f"/ballot/{box['codes'][0]}"
    statuses = _post_together(app, [(url, box["form"]), (url, box["form"])])
    assert not looked_up_together.broken  # both had found the code good before either cast
    assert statuses == [303, 404], statuses  # one cast, the other told the code is used
    assert _counts(app) == (1, 2, 1)  # one ballot (two subjects), the other code unused


def test_two_codes_at_once_both_count(app, box, looked_up_together):
    posts = [(f"/ballot/{code}", box["form"]) for code in box["codes"]]
    assert _post_together(app, posts) == [303, 303]
    assert _counts(app) == (2, 4, 0)


def test_the_database_refuses_the_second_even_without_the_lock(app, box, monkeypatch):
    """Skip the lock: both read the code, both delete it; only one delete finds the row
    (PostgreSQL waits for the first and deletes nothing; SQLite lets one writer in and the
    other fails to upgrade its lock). Either way one ballot."""
    barrier = threading.Barrier(2)
    find = operations._find

    def find_without_lock(code: str | None, *, lock: bool) -> Any:
        found = find(code, lock=False)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)
        return found

    monkeypatch.setattr(operations, "_find", find_without_lock)
    outcomes: list[str] = []

    def voter() -> None:
        with app.test_request_context():
            try:
                operations.cast(box["codes"][0], {1: "1|0|1"})
                db.session.commit()
                outcomes.append("cast")
            except operations.CodeRefused:
                outcomes.append("refused")
            except sa.exc.OperationalError:  # SQLite: database is locked
                outcomes.append("locked")
            finally:
                db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=voter) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[0] == "cast" and sorted(outcomes)[1] in ("locked", "refused")
    assert outcomes.count("cast") == 1, outcomes
    assert _counts(app)[0] == 1
