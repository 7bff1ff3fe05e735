"""民主推荐 by ballot (issue 14, point 5), on the ballot machinery (services.ballots).

- ``open_recommendation``: on a round in stage 民主推荐, HR opens its box (kind
  "recommendation", ``SelectionRound.box_id``) with rater groups (name, weight, codes planned)
  and a window; codes and slips per group are then issued through the machinery.
- ``close_recommendation``: the one way every closing goes (HR, early with a reason; the
  periodic ``auto_close_recommendations`` when the window has ended).
- ``tally`` (pure): per candidate the number of ballots naming them and its share of the
  ballots, for the whole and per rater group, small groups folded exactly as the assessments'
  tally folds them (services.assessments.tally.fold, imported: the same rule, one home), so
  no shown figure can be subtracted from another to reveal a small group. Shown only after
  closing; turnout (counts per group) may be read while the box is open.

Services flush and never commit: the view, command or task owns the transaction.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import BallotBox, BoxState, RoundCandidate, SelectionRound, Stage
from cadre_app.services.assessments import operations as assessments
from cadre_app.services.assessments.tally import Group, fold, weighted
from cadre_app.services.ballots import operations as ballots
from cadre_app.services.ballots.operations import GroupSpec
from cadre_app.services.core import audit, queue
from cadre_app.services.selection import recommendation_kind

log = logging.getLogger(__name__)
Errors = list[tuple[str | None, str]]
KIND = recommendation_kind.KIND.key
GROUP_LIMIT = 8
PLANNED_LIMIT = 5000


class RecommendationError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: Errors):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class AlreadyDone(Exception):
    """The same move was already made (a form posted twice, two closings at once)."""


@dataclass(frozen=True)
class Opening:
    """What HR enters to open a round's 民主推荐."""

    title: str
    opens_at: datetime  # naive UTC
    closes_at: datetime  # naive UTC
    groups: tuple[GroupSpec, ...]


# --- pure rules ------------------------------------------------------------------------------


def open_problems(
    stage: Stage,
    n_candidates: int,
    places: int,
    opening: Opening,
    now: datetime,
) -> Errors:
    """Why 民主推荐 cannot open (pure): the round must be at 民主推荐; more candidates listed
    than places (差额推荐, DOMAIN.md); a title; 1–8 rater groups with distinct names, weights
    0–100 and at least one group with codes planned and a weight; a window that closes after
    it opens and has not ended."""
    errors: Errors = []
    if stage is not Stage.RECOMMENDATION:
        errors.append((None, _("只有处于“民主推荐”阶段的选任工作才能发起民主推荐投票。")))
    if n_candidates <= places:
        errors.append(
            (
                None,
                _(
                    "民主推荐须差额进行：候选人（现有 %(n)d 人）须多于职位数（%(places)d 个）。",
                    n=n_candidates,
                    places=places,
                ),
            )
        )
    title = opening.title.strip()
    if not title:
        errors.append(("title", _("请填写投票名称。")))
    elif len(title) > 200:
        errors.append(("title", _("不能超过 %(n)s 字。", n=200)))
    groups = opening.groups
    if len(groups) > GROUP_LIMIT:
        errors.append(("groups", _("推荐人类别不能超过 %(n)d 个。", n=GROUP_LIMIT)))
    seen: set[str] = set()
    for group in groups:
        if len(group.name) > 32:
            errors.append(("groups", _("推荐人类别名称“%(g)s”过长。", g=group.name[:20])))
        elif group.name in seen:
            errors.append(("groups", _("推荐人类别“%(g)s”重复。", g=group.name)))
        seen.add(group.name)
        if not 0 <= group.weight <= 100:
            errors.append(("groups", _("“%(g)s”的权重须在 0 到 100 之间。", g=group.name)))
        if not 0 <= group.planned <= PLANNED_LIMIT:
            errors.append(
                ("groups", _("“%(g)s”的票数须在 0 到 %(n)d 之间。", g=group.name, n=PLANNED_LIMIT))
            )
    if not any(g.planned > 0 and g.weight > 0 for g in groups):
        errors.append(("groups", _("至少需要一个权重和票数都大于 0 的推荐人类别。")))
    if opening.closes_at <= opening.opens_at:
        errors.append(("closes_at", _("结束时间须晚于开始时间。")))
    elif opening.closes_at <= now:
        errors.append(("closes_at", _("结束时间已过，请重新填写。")))
    return errors


@dataclass
class CandidateFigures:
    """A candidate's figures in a set of ballots: ballots naming them and the share."""

    candidate: int
    votes: int
    share: float


@dataclass
class Bucket:
    """Figures shown apart: one rater group, or several folded together (tally.fold's
    kinds: "group", "pool", "joined")."""

    kind: str
    groups: list[str]
    weight: int
    ballots: int
    abstained: int
    figures: list[CandidateFigures]


@dataclass
class Tally:
    ballots: int
    #: [group name, ballots] for every group, in the groups' order.
    turnout: list[list[Any]]
    #: False with fewer ballots than the minimum: only the counts of ballots are shown.
    shown: bool
    places: int
    abstained: int = 0  # ballots naming nobody (弃权)
    #: The whole, ordered: most votes first, then weighted share, then the list's order.
    whole: list[CandidateFigures] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    #: Per candidate id: Σ weight × bucket share / Σ weights (None without weights).
    weighted: dict[int, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _figures(order: Sequence[int], counts: Counter[int], ballots: int) -> list[CandidateFigures]:
    return [CandidateFigures(c, counts[c], counts[c] / ballots if ballots else 0.0) for c in order]


def tally(
    candidates: Sequence[int],
    places: int,
    groups: Sequence[Group],
    entries: Iterable[tuple[int, int, str]],
    *,
    min_ballots: int = 3,
) -> Tally:
    """The tally (pure). ``candidates``: every candidate id that may be named, in the list's
    order (the tie-break); ``entries``: ``(group_id, subject, answers)`` of the box, one per
    ballot. A ballot naming more than ``places``, someone not in ``candidates``, or of an
    unknown group raises ValueError. A candidate's share is the ballots naming them over all
    ballots (弃权 included). With fewer than ``min_ballots`` ballots in all, only the turnout is
    shown (``shown`` False)."""
    known = set(candidates)
    by_id = {g.id: g for g in groups}
    per_group: dict[int, Counter[int]] = defaultdict(Counter)
    cast: Counter[int] = Counter()
    empty: Counter[int] = Counter()
    for group_id, _subject, answers in entries:
        if group_id not in by_id:
            raise ValueError(f"a ballot of an unknown rater group {group_id}")
        chosen = recommendation_kind.decode(answers)
        if len(chosen) > places or not set(chosen) <= known:
            raise ValueError(f"a ballot that does not fit the list: {answers!r}")
        cast[group_id] += 1
        if not chosen:
            empty[group_id] += 1
        per_group[group_id].update(chosen)
    ordered = sorted(groups, key=lambda g: (g.position, g.id))
    turnout = [(g, cast[g.id]) for g in ordered]
    total = sum(cast.values())
    result = Tally(
        ballots=total,
        turnout=[[g.name, n] for g, n in turnout],
        shown=total >= min_ballots and total > 0,
        places=places,
    )
    if not result.shown:
        return result
    result.abstained = sum(empty.values())
    whole: Counter[int] = Counter()
    for counts in per_group.values():
        whole.update(counts)
    for kind, members in fold(turnout, min_ballots):
        counts: Counter[int] = Counter()
        for g in members:
            counts.update(per_group.get(g.id, Counter()))
        n = sum(cast[g.id] for g in members)
        result.buckets.append(
            Bucket(
                kind=kind,
                groups=[g.name for g in members],
                weight=sum(g.weight for g in members),
                ballots=n,
                abstained=sum(empty[g.id] for g in members),
                figures=_figures(candidates, counts, n),
            )
        )
    for index, candidate in enumerate(candidates):
        result.weighted[candidate] = weighted(
            [(b.weight, b.figures[index].share) for b in result.buckets]
        )
    position = {c: i for i, c in enumerate(candidates)}
    figures = _figures(candidates, whole, total)
    figures.sort(
        key=lambda f: (-f.votes, -(result.weighted[f.candidate] or 0.0), position[f.candidate])
    )
    result.whole = figures
    return result


# --- reading ---------------------------------------------------------------------------------


def box_of(selection_round: SelectionRound) -> BallotBox | None:
    return db.session.get(BallotBox, selection_round.box_id) if selection_round.box_id else None


def listed_count(selection_round: SelectionRound) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RoundCandidate)
            .where(
                RoundCandidate.round_id == selection_round.id, RoundCandidate.removed_at.is_(None)
            )
        )
        or 0
    )


def min_ballots() -> int:
    """The fewest ballots a rater group needs to be shown apart: the assessments' setting
    (one rule for every ballot of the bureau)."""
    return int(assessments.current_settings()["min_group_ballots"])


def round_tally(selection_round: SelectionRound) -> tuple[Tally, dict[int, dict[str, Any]]]:
    """The tally of the round's box (closed or not: the caller decides what to show), and
    the candidates by id (name, 处室, post, removed) for the page: those listed on the ballot
    when it opened, not a candidate added afterwards, nor one removed before."""
    box = box_of(selection_round)
    if box is None:
        raise LookupError("no recommendation ballot")
    removed = db.session.scalars(
        sa.select(RoundCandidate)
        .where(
            RoundCandidate.round_id == selection_round.id, RoundCandidate.removed_at.is_not(None)
        )
        .order_by(RoundCandidate.id)
    ).all()
    on_ballot = selection_round.ballot_candidates
    if on_ballot is None:  # (a box opened before the list was kept: the list could not
        # change while it was open, so those removed since it was made were on it)
        on_ballot = [row["id"] for row in recommendation_kind.listed_candidates(selection_round.id)]
        on_ballot += [c.id for c in removed if c.removed_at >= box.created_at]
    kept = set(on_ballot)
    listed = recommendation_kind.listed_candidates(selection_round.id)
    people = {row["id"]: {**row, "removed": False} for row in listed if row["id"] in kept}
    for candidate in removed:
        if candidate.id not in kept:
            continue  # removed before the ballot opened: never on it
        cadre = candidate.cadre
        people[candidate.id] = {
            "id": candidate.id,
            "name": cadre.name,
            "post": cadre.position_title or "",
            "department": cadre.department.name if cadre.department else "",
            "removed": True,
        }
    groups = [Group(g.id, g.name, g.weight, g.position) for g in box.groups]
    result = tally(
        list(people),
        selection_round.position.places,
        groups,
        ballots.entries_of(box),
        min_ballots=min_ballots(),
    )
    return result, people


def list_locked(selection_round: SelectionRound) -> bool:
    """Whether the round's list of candidates must not change now: its 民主推荐 ballot is
    open (ballots already cast named the list as it was). The shortlist part refuses adding
    or removing a candidate while this is True."""
    box = box_of(selection_round)
    return box is not None and box.state is BoxState.OPEN


def state_of(box: BallotBox | None, now: datetime) -> str:
    """ "none", "draft", "waiting" (open, window not begun), "open", "ended" (window over,
    not yet closed) or "closed"."""
    if box is None:
        return "none"
    if box.state is BoxState.CLOSED:
        return "closed"
    if box.state is BoxState.DRAFT:
        return "draft"
    if now < box.opens_at:
        return "waiting"
    if now >= box.closes_at:
        return "ended"
    return "open"


# --- writing ---------------------------------------------------------------------------------


def lock_round(selection_round: SelectionRound) -> None:
    """Hold the round until this transaction ends, then read it again."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.execute(
            sa.select(SelectionRound.id)
            .where(SelectionRound.id == selection_round.id)
            .with_for_update()
        )
    elif not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    db.session.refresh(selection_round)


def _record(
    selection_round: SelectionRound, summary: str, after: dict[str, Any], actor: str | None
):
    audit.record(
        "update",
        object_type="selection_round",
        object_id=selection_round.id,
        summary=f"{selection_round.title}：{summary}",
        after=after,
        actor_name=actor,
    )


def open_recommendation(
    selection_round: SelectionRound,
    opening: Opening,
    *,
    actor: str | None,
    now: datetime | None = None,
) -> BallotBox:
    """Open the round's 民主推荐 ballot box: checks ``open_problems``, creates the box with
    its groups, opens it (codes may be issued from now; ballots are cast from ``opens_at``).
    AlreadyDone when the round has a box already (the form posted twice)."""
    now = now or clock.utcnow()
    lock_round(selection_round)
    if selection_round.box_id is not None:
        raise AlreadyDone()
    errors = open_problems(
        Stage(selection_round.stage),
        listed_count(selection_round),
        selection_round.position.places,
        opening,
        now,
    )
    if errors:
        raise RecommendationError(errors)
    box = ballots.create_box(KIND, opening.title.strip(), opening.opens_at, opening.closes_at)
    ballots.set_groups(box, [g for g in opening.groups if g.name])
    ballots.open_box(box)
    selection_round.box_id = box.id
    selection_round.ballot_candidates = [
        row["id"] for row in recommendation_kind.listed_candidates(selection_round.id)
    ]
    db.session.flush()
    _record(
        selection_round,
        "发起民主推荐投票",
        {
            "box": box.id,
            "candidates": selection_round.ballot_candidates,
            "groups": [[g.name, g.weight, g.planned] for g in opening.groups],
            "opens_at": opening.opens_at.isoformat(),
            "closes_at": opening.closes_at.isoformat(),
        },
        actor,
    )
    return box


def _lock_box(box: BallotBox) -> None:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.execute(sa.select(BallotBox.id).where(BallotBox.id == box.id).with_for_update())
    elif not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    db.session.refresh(box)


def close_recommendation(
    selection_round: SelectionRound,
    *,
    actor: str | None,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Close the round's box (nothing more is cast; the ballots are re-keyed): HR, early
    only with a reason, or the auto-close once the window has ended. AlreadyDone when it is
    closed already."""
    now = now or clock.utcnow()
    box = box_of(selection_round)
    if box is None:
        raise RecommendationError([(None, _("尚未发起民主推荐投票。"))])
    _lock_box(box)
    if box.state is BoxState.CLOSED:
        raise AlreadyDone()
    reason = (reason or "").strip() or None
    early = now < box.closes_at
    if early and not reason:
        raise RecommendationError([("reason", _("提前结束投票须填写原因。"))])
    if reason and len(reason) > 500:
        raise RecommendationError([("reason", _("不能超过 %(n)s 字。", n=500))])
    ballots.close_box(box, at=now)
    db.session.flush()
    summary = "民主推荐投票结束"
    if early:
        summary += f"（提前结束：{reason}）"
    elif reason:
        summary += f"（{reason}）"
    _record(selection_round, summary, {"box": box.id, "reason": reason}, actor)


def due(now: datetime) -> list[int]:
    """Ids of rounds whose open 民主推荐 box's window has ended."""
    return list(
        db.session.scalars(
            sa.select(SelectionRound.id)
            .join(BallotBox, BallotBox.id == SelectionRound.box_id)
            .where(
                BallotBox.kind == KIND,
                BallotBox.state == BoxState.OPEN,
                BallotBox.closes_at <= now,
            )
            .order_by(SelectionRound.id)
        )
    )


def close_if_due(round_id: int, *, now: datetime, actor: str = "system") -> bool:
    """Close one round's box whose window has ended, in the caller's transaction; False
    when the round is gone or its box was closed meanwhile."""
    selection_round = db.session.get(SelectionRound, round_id)
    if selection_round is None:
        return False
    try:
        close_recommendation(selection_round, actor=actor, reason="投票时间结束，自动关闭", now=now)
    except AlreadyDone:
        return False
    return True


def close_due(*, now: datetime | None = None, actor: str = "system") -> list[int]:
    """Close every 民主推荐 box whose window has ended; the round ids closed now."""
    now = now or clock.utcnow()
    return [i for i in due(now) if close_if_due(i, now=now, actor=actor)]


@queue.periodic(minute="*")
def auto_close_recommendations() -> None:
    """Every minute: close the 民主推荐 boxes whose window has ended, each in its own
    transaction (one that fails is logged and tried again next minute)."""
    now = clock.utcnow()
    for round_id in due(now):
        try:
            close_if_due(round_id, now=now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("recommendation of round %s could not be closed automatically", round_id)
