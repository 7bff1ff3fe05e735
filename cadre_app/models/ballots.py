"""The ballot machinery: anonymous one-time ballots, shared by every kind of vote (政治素质测评
today, 民主推荐 in selection tomorrow). DOMAIN.md, "Anonymity that survives a database dump".

- ``BallotBox``: one vote (an assessment's, a recommendation round's), with its window, its
  rater groups and its ``kind`` (which form the ballot page shows and which tally reads it).
- ``BallotGroup``: a rater group (领导, 同事, 下属, 服务对象 …) with its weight and how many codes
  were issued to it.
- ``BallotCode``: an *unused* or *voided* one-time code, stored only as a keyed hash
  (HMAC-SHA256 under a key that is not in the database). **A used code is deleted** in the
  transaction that inserts its ballot: nothing that remains ties a ballot to a code, and a used
  code answers exactly as a wrong one.
- ``Ballot``: a cast ballot. It holds its box, its group and the *day* it was cast, nothing
  else: no code, account, address or time of day. Its id is random, and on SQLite the table is
  ``WITHOUT ROWID`` (rows stored in id order), so the order of rows says nothing about the
  order of casting.
- ``BallotEntry``: the ballot's answers about one subject (a cadre, a candidate), in a text
  whose format belongs to the ballot's kind (services.ballots.kinds).
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.evaluations import _enum


def random_id() -> str:
    """A ballot's id: 128 random bits, so ids carry no order."""
    return secrets.token_hex(16)


class BoxState(enum.StrEnum):
    DRAFT = "draft"  # 草拟: codes may not be issued, nothing may be cast
    OPEN = "open"  # 进行中: cast between opens_at and closes_at
    CLOSED = "closed"  # 已关闭: results may be read, nothing more is cast


class BallotBox(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))  # services.ballots.kinds key
    title: so.Mapped[str] = so.mapped_column(sa.String(200))  # printed on slips and the page
    opens_at: so.Mapped[datetime] = so.mapped_column()  # naive UTC, as every stored time
    closes_at: so.Mapped[datetime] = so.mapped_column()
    state: so.Mapped[BoxState] = so.mapped_column(
        _enum(BoxState, "ballot_box_state"), default=BoxState.DRAFT
    )
    closed_at: so.Mapped[datetime | None] = so.mapped_column()  # when it was closed
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    groups: so.Mapped[list[BallotGroup]] = so.relationship(
        back_populates="box", cascade="all, delete-orphan", order_by="BallotGroup.position"
    )

    __table_args__ = (sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),)


class BallotGroup(db.Model):
    """A rater group of a box: its figures are shown apart only with enough ballots."""

    __table_args__ = (sa.UniqueConstraint("box_id", "name", name="uq_ballot_group_box_name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    box_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("ballot_box.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(32))  # 领导, 同事, 下属, 服务对象 …
    position: so.Mapped[int] = so.mapped_column(default=0)
    weight: so.Mapped[int] = so.mapped_column(default=1)  # relative weight (percent points)
    planned: so.Mapped[int] = so.mapped_column(default=0)  # codes planned for the group
    issued: so.Mapped[int] = so.mapped_column(default=0)  # codes issued so far (all batches)
    voided: so.Mapped[int] = so.mapped_column(default=0)  # codes voided so far

    box: so.Mapped[BallotBox] = so.relationship(back_populates="groups")


class BallotCode(db.Model):
    """An unused (or voided) code, as its keyed hash; deleted when it is used."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    box_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("ballot_box.id", ondelete="CASCADE"), index=True
    )
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("ballot_group.id", ondelete="CASCADE"), index=True
    )
    batch: so.Mapped[int] = so.mapped_column(default=1)  # the issuing batch within the group
    voided: so.Mapped[bool] = so.mapped_column(default=False)


class Ballot(db.Model):
    """A cast ballot: box, group, day. Nothing else, by design (see the module's docstring)."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True, default=random_id)
    box_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("ballot_box.id", ondelete="CASCADE"), index=True
    )
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("ballot_group.id", ondelete="CASCADE"), index=True
    )
    cast_on: so.Mapped[date] = so.mapped_column()  # the day only

    entries: so.Mapped[list[BallotEntry]] = so.relationship(
        cascade="all, delete-orphan", back_populates="ballot"
    )


class BallotEntry(db.Model):
    """One ballot's answers about one subject, encoded by the ballot's kind."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    ballot_id: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True
    )
    subject: so.Mapped[int] = so.mapped_column(primary_key=True)  # the kind's subject id
    answers: so.Mapped[str] = so.mapped_column(sa.Text)

    ballot: so.Mapped[Ballot] = so.relationship(back_populates="entries")
