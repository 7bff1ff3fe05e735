"""Boxes, rater groups, codes and casting (models.ballots).

Casting (``cast``) happens in one transaction: the code's row is taken (``FOR UPDATE`` on
PostgreSQL; SQLite's write lock, ``BEGIN IMMEDIATE``), checked, **deleted**, and the ballot
with its entries inserted. Two requests with the same code at the same moment: the second
waits for the first, then finds no code and is refused as a used code. Nothing here writes an
audit event or a log line about a cast ballot; issuing and voiding codes are audited with
counts only.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Ballot, BallotBox, BallotCode, BallotEntry, BallotGroup, BoxState
from cadre_app.models.ballots import random_id
from cadre_app.services.ballots import codes
from cadre_app.services.core import audit, queue

log = logging.getLogger(__name__)


class Refusal(enum.StrEnum):
    INVALID = "invalid"  # no such code: mistyped, never issued, or already used
    VOIDED = "voided"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"


class CodeRefused(Exception):
    """A code that cannot vote now; ``message`` is for the rater, ``status`` for HTTP."""

    def __init__(self, reason: Refusal, box: BallotBox | None = None) -> None:
        self.reason = reason
        self.box = box
        super().__init__(reason.value)

    @property
    def message(self) -> str:
        if self.reason is Refusal.VOIDED:
            return _("此票码已作废，不能投票。如需投票，请向组织人事处领取新的票码。")
        if self.reason is Refusal.NOT_YET_OPEN and self.box is not None:
            return _(
                "测评尚未开始，开始时间：%(opens)s。请届时再来。",
                opens=format_datetime(clock_aware(self.box.opens_at), "yyyy-MM-dd HH:mm"),
            )
        if self.reason is Refusal.CLOSED:
            return _("测评已经结束，不再接受投票。")
        # A wrong code and a used code answer alike: a guess learns nothing.
        return _("票码无效或已经使用。请核对票码上的字符后重试。")

    @property
    def status(self) -> int:
        return 404 if self.reason is Refusal.INVALID else 403


def clock_aware(moment: datetime) -> datetime:
    """A stored naive-UTC time, marked UTC, for Flask-Babel to show in the office's zone."""
    from datetime import UTC

    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class GroupSpec:
    """A rater group as a form gives it: name, weight (relative), codes planned."""

    name: str
    weight: int
    planned: int


def create_box(kind: str, title: str, opens_at: datetime, closes_at: datetime) -> BallotBox:
    box = BallotBox(kind=kind, title=title, opens_at=opens_at, closes_at=closes_at)
    db.session.add(box)
    db.session.flush()
    return box


def set_groups(box: BallotBox, groups: Iterable[GroupSpec]) -> None:
    """Replace the box's rater groups (a draft box only; the caller checks the state)."""
    if box.state is not BoxState.DRAFT:
        raise ValueError("groups are frozen once the box is open")
    box.groups.clear()
    db.session.flush()
    for position, spec in enumerate(groups):
        box.groups.append(
            BallotGroup(name=spec.name, weight=spec.weight, planned=spec.planned, position=position)
        )
    db.session.flush()


def open_box(box: BallotBox) -> None:
    box.state = BoxState.OPEN


def close_box(box: BallotBox, *, at: datetime | None = None) -> None:
    """Close the box: nothing more is cast. Its ballots are re-keyed in the closing
    transaction (``rekey_ballots``); the worker's ``scrub_ballot_storage`` then vacuums."""
    box.state = BoxState.CLOSED
    box.closed_at = at or clock.utcnow()
    rekey_ballots(box)


def rekey_ballots(box: BallotBox) -> int:
    """Give every ballot of ``box`` a new random id, written again in one transaction in the
    order of the new ids: afterwards every ballot row of the box was written by the same
    transaction (PostgreSQL's ``xmin``) and lies in an order that follows no casting. The
    answers, groups and days are unchanged. Returns how many ballots."""
    rows = db.session.execute(
        sa.select(Ballot.id, Ballot.group_id, Ballot.cast_on).where(Ballot.box_id == box.id)
    ).all()
    if not rows:
        return 0
    new_ids = {old: random_id() for old, _group, _day in rows}
    entries = db.session.execute(
        sa.select(BallotEntry.ballot_id, BallotEntry.subject, BallotEntry.answers)
        .join(Ballot, Ballot.id == BallotEntry.ballot_id)
        .where(Ballot.box_id == box.id)
    ).all()
    old_ids = list(new_ids)
    for chunk in range(0, len(old_ids), 500):
        part = old_ids[chunk : chunk + 500]
        db.session.execute(sa.delete(BallotEntry).where(BallotEntry.ballot_id.in_(part)))
        db.session.execute(sa.delete(Ballot).where(Ballot.id.in_(part)))
    ballots = sorted(
        ({"id": new_ids[old], "box_id": box.id, "group_id": g, "cast_on": d} for old, g, d in rows),
        key=lambda row: row["id"],
    )
    db.session.execute(sa.insert(Ballot), ballots)
    moved = sorted(
        ({"ballot_id": new_ids[b], "subject": s, "answers": a} for b, s, a in entries),
        key=lambda row: (row["ballot_id"], row["subject"]),
    )
    if moved:
        db.session.execute(sa.insert(BallotEntry), moved)
    for held in list(db.session.identity_map.values()):  # stale copies; nothing else expired
        if isinstance(held, Ballot | BallotEntry):
            db.session.expunge(held)
    return len(rows)


def scrub_storage(*, lock_timeout_ms: int = 2000) -> bool:
    """After a box has closed (and the closing transaction committed): let the database
    drop what casting left behind. PostgreSQL: ``VACUUM FULL`` of the ballot tables rewrites
    them without the dead rows (the deleted codes, whose ``xmax`` named the transaction of
    each ballot, and the ballots as first written). SQLite: nothing to do (``secure_delete``
    is on while casting; the rollback journal is gone at each commit).

    Runs on a connection of its own in autocommit mode and needs an exclusive lock on the
    three tables (held for milliseconds with thousands of ballots). When another transaction
    holds them past ``lock_timeout_ms`` (a vote being cast, a transaction left open), it
    gives up, logs it and returns False: autovacuum removes the dead rows later, and calling
    it again finishes the job. True when it ran."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return True
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"SET lock_timeout = {int(lock_timeout_ms)}")
            connection.exec_driver_sql("VACUUM FULL ballot, ballot_entry, ballot_code")
    except sa.exc.OperationalError:
        log.warning("ballot tables not vacuumed: locked by another transaction; retry later")
        return False
    return True


BALLOT_TABLES = ("ballot", "ballot_entry", "ballot_code")


def dead_rows() -> int:
    """PostgreSQL: dead rows the statistics count in the ballot tables (what casting and
    closing left behind until ``scrub_storage``); 0 elsewhere."""
    if db.engine.dialect.name != "postgresql":
        return 0
    with db.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables"
                    " WHERE relname IN ('ballot', 'ballot_entry', 'ballot_code')"
                )
            ).scalar_one()
        )


@queue.periodic(minute="*/10")
def scrub_ballot_storage() -> None:
    """Every ten minutes, in the worker: ``scrub_storage`` when the ballot tables hold dead
    rows (after a box has closed, or codes were used), so what casting left in the table
    files is gone within minutes of the closing, without the closing request waiting on it."""
    if dead_rows():
        scrub_storage()


def issue_codes(group: BallotGroup, count: int, *, actor: str | None) -> list[str]:
    """``count`` new codes for ``group``, returned in plain text **this once** (print them
    now: only their hashes are kept). The box must be open (its window may not have begun:
    slips are handed out ahead)."""
    box = group.box
    if box.state is not BoxState.OPEN:
        raise ValueError("codes are issued only while the box is open")
    if count < 1:
        raise ValueError("count must be positive")
    plain = codes.generate(count)
    batch = (
        db.session.scalar(
            sa.select(sa.func.max(BallotCode.batch)).where(BallotCode.group_id == group.id)
        )
        or 0
    ) + 1
    db.session.execute(
        sa.insert(BallotCode),
        [
            {
                "code_hash": codes.hash_code(c),
                "box_id": box.id,
                "group_id": group.id,
                "batch": batch,
                "voided": False,
            }
            for c in plain
        ],
    )
    group.issued += count
    audit.record(
        "issue_codes",
        object_type="ballot_box",
        object_id=box.id,
        summary=f"{box.title}：{group.name} 发放票码 {count} 张",
        after={"group": group.name, "count": count, "batch": batch},
        actor_name=actor,
    )
    return plain


def void_unused(group: BallotGroup, *, actor: str | None) -> int:
    """Void every unused code of ``group``; returns how many. A voided code cannot vote."""
    result = db.session.execute(
        sa.update(BallotCode)
        .where(BallotCode.group_id == group.id, BallotCode.voided.is_(False))
        .values(voided=True)
    )
    count = result.rowcount or 0
    group.voided += count
    audit.record(
        "void_codes",
        object_type="ballot_box",
        object_id=group.box_id,
        summary=f"{group.box.title}：{group.name} 作废未用票码 {count} 张",
        after={"group": group.name, "count": count},
        actor_name=actor,
    )
    return count


def unused_counts(box: BallotBox) -> dict[int, int]:
    """Unused (not voided) codes per group id."""
    rows = db.session.execute(
        sa.select(BallotCode.group_id, sa.func.count())
        .where(BallotCode.box_id == box.id, BallotCode.voided.is_(False))
        .group_by(BallotCode.group_id)
    )
    return {group_id: n for group_id, n in rows}


def turnout(box: BallotBox) -> dict[int, int]:
    """Ballots cast per group id (counts only; may be shown while the box is open)."""
    rows = db.session.execute(
        sa.select(Ballot.group_id, sa.func.count())
        .where(Ballot.box_id == box.id)
        .group_by(Ballot.group_id)
    )
    return {group_id: n for group_id, n in rows}


def codes_summary(box: BallotBox) -> dict[str, Any]:
    """Per rater group of ``box``: codes planned, issued, voided, unused, ballots cast and a
    suggested next batch; with the totals (the codes panels of every kind of vote)."""
    unused = unused_counts(box)
    cast = turnout(box)
    groups = [
        {
            "id": g.id,
            "name": g.name,
            "weight": g.weight,
            "planned": g.planned,
            "issued": g.issued,
            "voided": g.voided,
            "unused": unused.get(g.id, 0),
            "cast": cast.get(g.id, 0),
            "suggested": max(g.planned - g.issued, 1),
        }
        for g in box.groups
    ]
    totals = {
        key: sum(g[key] for g in groups)
        for key in ("planned", "issued", "voided", "unused", "cast")
    }
    return {"groups": groups, "totals": totals}


def entries_of(box: BallotBox) -> list[tuple[int, int, str]]:
    """Every entry of the box's ballots as ``(group_id, subject, answers)``, for a tally.
    Sorted by subject then answers, so not even the order of the result follows the ballots."""
    rows = db.session.execute(
        sa.select(Ballot.group_id, BallotEntry.subject, BallotEntry.answers)
        .join(Ballot, Ballot.id == BallotEntry.ballot_id)
        .where(Ballot.box_id == box.id)
        .order_by(BallotEntry.subject, BallotEntry.answers)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _check_window(box: BallotBox, now: datetime) -> None:
    if box.state is BoxState.CLOSED or now >= box.closes_at:
        raise CodeRefused(Refusal.CLOSED, box)
    if box.state is not BoxState.OPEN or now < box.opens_at:
        raise CodeRefused(Refusal.NOT_YET_OPEN, box)


def _find(code: str | None, *, lock: bool) -> tuple[BallotCode, BallotBox]:
    if code is None:
        raise CodeRefused(Refusal.INVALID)
    query = sa.select(BallotCode).where(BallotCode.code_hash == codes.hash_code(code))
    if lock:
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        elif not connection.connection.driver_connection.in_transaction:
            # the deleted code's bytes are overwritten, not left in a free page
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    row = db.session.scalar(query)
    if row is None:
        raise CodeRefused(Refusal.INVALID)
    box = db.session.get(BallotBox, row.box_id)
    assert box is not None
    if row.voided:
        raise CodeRefused(Refusal.VOIDED, box)
    return row, box


def lookup(typed: str | None, *, now: datetime | None = None) -> BallotBox:
    """The box a typed code may vote in now, or ``CodeRefused`` saying why not."""
    _row, box = _find(codes.normalise(typed), lock=False)
    _check_window(box, now or clock.utcnow())
    return box


def cast(typed: str | None, entries: Mapping[int, str], *, now: datetime | None = None) -> None:
    """Cast the ballot of code ``typed``: delete the code and insert the ballot, in the
    caller's transaction (commit it). Refused with ``CodeRefused`` as ``lookup``; a code
    cast twice at the same moment counts once (the module's docstring)."""
    row, box = _find(codes.normalise(typed), lock=True)
    _check_window(box, now or clock.utcnow())
    deleted = db.session.execute(
        sa.delete(BallotCode).where(
            BallotCode.code_hash == row.code_hash, BallotCode.voided.is_(False)
        )
    )
    if deleted.rowcount != 1:
        raise CodeRefused(Refusal.INVALID)
    group_id = row.group_id
    db.session.expunge(row)
    ballot = Ballot(box_id=box.id, group_id=group_id, cast_on=clock.today())
    ballot.entries = [BallotEntry(subject=s, answers=a) for s, a in entries.items()]
    db.session.add(ballot)
    db.session.flush()
