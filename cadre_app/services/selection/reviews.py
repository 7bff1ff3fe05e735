"""The shortlist of a round and the managers' review of it (issue 14, points 3 and 10).

- HR curates: ``add_candidate`` (by hand, with a reason; the score computed then),
  ``remove_candidate`` (with a reason; the row is kept and shown struck), ``rescore``;
  ``set_reviewers`` assigns the managers who review the round (manager accounts only): the
  shortlist is shared with them.
- An assigned manager records ``record_view``: 同意 / 不同意 / 暂缓 with a reason, and whether
  they recommend the candidate. One view per manager and candidate (``uq_reviewer_view``),
  changed in place; two concurrent first saves meet at the constraint and the second becomes
  an update. Every change is audited (object type ``selection_round``).

Stage rules (pure): the shortlist is curated until 确定考察对象 (``CURATING``); views are
recorded until 讨论决定 (``REVIEWING``). Services flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Role, User
from cadre_app.models.selection import (
    EligibilityRun,
    ReviewerView,
    RoundCandidate,
    SelectionRound,
    Stage,
    round_reviewer,
)
from cadre_app.services.core import audit
from cadre_app.services.selection import eligibility, shortlist

VIEWS = ("同意", "不同意", "暂缓")
REASON_LIMIT = 2000
CURATING = (Stage.MOTION, Stage.RECOMMENDATION, Stage.CANDIDATES)
REVIEWING = (Stage.MOTION, Stage.RECOMMENDATION, Stage.CANDIDATES, Stage.INSPECTION, Stage.DECISION)
SEARCH_LIMIT = 20


class ShortlistError(ValueError):
    """Refused input: (field or None, message) pairs, shown on the form."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("; ".join(m for _f, m in errors))
        self.errors = errors


class Conflict(Exception):
    """Someone changed the candidate since the form was loaded."""


# --- pure rules -------------------------------------------------------------------------------


def may_curate(stage: Stage) -> bool:
    return stage in CURATING


def may_review(stage: Stage) -> bool:
    return stage in REVIEWING


def check_reason(reason: str | None, field: str = "reason") -> list[tuple[str | None, str]]:
    text = (reason or "").strip()
    if not text:
        return [(field, _("请填写理由。"))]
    if len(text) > REASON_LIMIT:
        return [(field, _("理由不能超过 %(n)d 字。", n=REASON_LIMIT))]
    return []


def check_view(view: str | None, reason: str | None) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    if view not in VIEWS:
        errors.append(("view", _("请选择意见：同意、不同意或暂缓。")))
    return errors + check_reason(reason)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateRow:
    id: int
    cadre_id: int
    staff_no: str
    name: str
    department: str
    post: str | None
    rank: str | None
    birth_date: date | None
    score: dict[str, Any] | None
    added_reason: str | None
    removed_reason: str | None
    removed_at: Any
    version: int
    views: tuple[dict[str, Any], ...] = ()
    my_view: dict[str, Any] | None = None

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


def candidate_rows(round_: SelectionRound, *, viewer_id: int | None = None) -> list[CandidateRow]:
    """The round's shortlist, by score (highest first, ties by 工号), the removed ones last;
    each with every manager's view (HR) or the viewer's own (a manager)."""
    stmt = (
        sa.select(RoundCandidate, Cadre, Department.name)
        .join(Cadre, Cadre.id == RoundCandidate.cadre_id)
        .outerjoin(Department, Department.id == Cadre.department_id)
        .where(RoundCandidate.round_id == round_.id)
    )
    found = db.session.execute(stmt).all()
    ids = [c.id for c, _cadre, _d in found]
    views: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for v, user in db.session.execute(
            sa.select(ReviewerView, User)
            .join(User, User.id == ReviewerView.user_id)
            .where(ReviewerView.candidate_id.in_(ids))
            .order_by(ReviewerView.at)
        ):
            views.setdefault(v.candidate_id, []).append(
                {
                    "user_id": user.id,
                    "who": user.real_name or user.username,
                    "view": v.view,
                    "reason": v.reason,
                    "recommended": v.recommended,
                    "at": v.at,
                }
            )
    rows = []
    for c, cadre, dept in found:
        mine = next((v for v in views.get(c.id, ()) if v["user_id"] == viewer_id), None)
        rows.append(
            CandidateRow(
                id=c.id,
                cadre_id=cadre.id,
                staff_no=cadre.staff_no,
                name=cadre.name,
                department=dept or "",
                post=cadre.position_title,
                rank=cadre.rank,
                birth_date=cadre.birth_date,
                score=c.score,
                added_reason=c.added_reason,
                removed_reason=c.removed_reason,
                removed_at=c.removed_at,
                version=c.version,
                views=tuple(views.get(c.id, ())),
                my_view=mine,
            )
        )
    active = shortlist.ordered(r for r in rows if not r.removed)
    removed = sorted((r for r in rows if r.removed), key=lambda r: r.staff_no)
    return active + removed


def assigned_rounds(user_id: int) -> list[SelectionRound]:
    """The rounds a manager is assigned to review, newest first."""
    return list(
        db.session.scalars(
            sa.select(SelectionRound)
            .join(round_reviewer, round_reviewer.c.round_id == SelectionRound.id)
            .where(round_reviewer.c.user_id == user_id)
            .order_by(SelectionRound.id.desc())
        )
    )


def is_reviewer(round_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(round_reviewer)
            .where(round_reviewer.c.round_id == round_id, round_reviewer.c.user_id == user_id)
        )
        or 0
    ) > 0


def pending_count(round_id: int, user_id: int) -> int:
    """Candidates on the round's shortlist the manager has not given a view of yet."""
    mine = sa.select(ReviewerView.candidate_id).where(ReviewerView.user_id == user_id)
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RoundCandidate)
            .where(
                RoundCandidate.round_id == round_id,
                RoundCandidate.removed_at.is_(None),
                RoundCandidate.id.not_in(mine),
            )
        )
        or 0
    )


def manager_choices() -> list[tuple[int, str]]:
    """Enabled manager accounts, for the reviewers' form."""
    rows = db.session.execute(
        sa.select(User.id, User.username, User.real_name)
        .where(User.role == Role.MANAGER, User.is_enabled.is_(True))
        .order_by(User.username)
    )
    return [(r.id, f"{r.real_name} ({r.username})" if r.real_name else r.username) for r in rows]


def search_cadres(term: str | None, *, exclude: Iterable[int] = ()) -> list[Cadre]:
    """Cadres whose 姓名 contains, or 工号 starts with, ``term`` (at most ``SEARCH_LIMIT``)."""
    text = (term or "").strip()
    if not text:
        return []
    stmt = (
        sa.select(Cadre)
        .where(
            sa.or_(
                Cadre.name.contains(text, autoescape=True),
                Cadre.staff_no.startswith(text, autoescape=True),
            )
        )
        .order_by(Cadre.staff_no)
        .limit(SEARCH_LIMIT)
    )
    skip = set(exclude)
    return [c for c in db.session.scalars(stmt) if c.id not in skip]


def latest_run(round_: SelectionRound) -> EligibilityRun | None:
    """The newest eligibility run of the round's position (None when none was computed)."""
    return db.session.scalar(
        sa.select(EligibilityRun)
        .where(EligibilityRun.position_id == round_.position_id)
        .order_by(EligibilityRun.computed_at.desc(), EligibilityRun.id.desc())
        .limit(1)
    )


def eligible_ids(run: EligibilityRun | None) -> list[int]:
    """The cadres a run found eligible (services.selection.eligibility reads its results)."""
    return eligibility.eligible_ids(run) if run is not None else []


def eligible_offer(round_: SelectionRound) -> tuple[EligibilityRun | None, list[Cadre]]:
    """The latest run and its eligible cadres not on the shortlist (removed ones included:
    HR struck them off by hand, so they come back only by hand)."""
    run = latest_run(round_)
    on_list = {c.cadre_id for c in round_.candidates}
    ids = [i for i in eligible_ids(run) if i not in on_list]
    if not ids:
        return run, []
    cadres = db.session.scalars(sa.select(Cadre).where(Cadre.id.in_(ids)).order_by(Cadre.staff_no))
    return run, list(cadres)


# --- HR's curation ----------------------------------------------------------------------------


def _label(round_: SelectionRound, cadre: Cadre | None = None) -> str:
    return f"{round_.title}" + (f"：{cadre.name}（{cadre.staff_no}）" if cadre else "")


def _require_curating(round_: SelectionRound) -> None:
    if not may_curate(round_.stage):
        raise ShortlistError(
            [(None, _("本轮已进入“%(stage)s”阶段，名单不能再调整。", stage=round_.stage.label))]
        )


def add_candidate(
    round_: SelectionRound,
    cadre_id: int,
    reason: str | None,
    *,
    actor: str | None,
    today: date,
) -> RoundCandidate:
    """Put a cadre on the shortlist with a reason and their score; a removed one comes back
    (the audit log keeps the removal)."""
    _require_curating(round_)
    errors = check_reason(reason)
    cadre = db.session.get(Cadre, cadre_id)
    if cadre is None:
        errors.append(("cadre_id", _("找不到该干部。")))
    if errors:
        raise ShortlistError(errors)
    assert cadre is not None
    found = db.session.scalar(
        sa.select(RoundCandidate).where(
            RoundCandidate.round_id == round_.id, RoundCandidate.cadre_id == cadre_id
        )
    )
    if found is not None and found.removed_at is None:
        raise ShortlistError([("cadre_id", _("%(name)s 已在名单中。", name=cadre.name))])
    score = shortlist.scores_for([cadre_id], today=today)[cadre_id].as_json()
    text = (reason or "").strip()
    before = None
    if found is None:
        found = RoundCandidate(round_id=round_.id, cadre_id=cadre_id)
        db.session.add(found)
    else:
        before = {"removed_reason": found.removed_reason}
        found.removed_reason = None
        found.removed_at = None
    found.added_reason = text
    found.score = score
    db.session.flush()
    audit.record(
        "update",
        object_type="selection_round",
        object_id=round_.id,
        summary=f"{_label(round_, cadre)} 列入名单",
        before=before,
        after={"cadre": cadre.staff_no, "added_reason": text, "score": score["total"]},
        actor_name=actor,
    )
    return found


def add_eligible(
    round_: SelectionRound, cadre_ids: Sequence[int], *, actor: str | None, today: date
) -> list[RoundCandidate]:
    """Put cadres the latest eligibility run found eligible on the shortlist, with their
    scores; no reason is asked (``added_reason`` None: listed as eligible). Every id must be
    eligible in that run and not on the list yet; nothing is written otherwise."""
    _require_curating(round_)
    run = latest_run(round_)
    allowed = set(eligible_ids(run))
    on_list = {c.cadre_id for c in round_.candidates}
    wanted = list(dict.fromkeys(cadre_ids))
    if not wanted:
        raise ShortlistError([("cadre_id", _("请选择要列入名单的干部。"))])
    if any(i not in allowed for i in wanted):
        raise ShortlistError([("cadre_id", _("所选干部不在最新一次资格审查的符合条件名单中。"))])
    if any(i in on_list for i in wanted):
        raise ShortlistError([("cadre_id", _("所选干部已在名单中。"))])
    scores = shortlist.scores_for(wanted, today=today)
    added = []
    for cadre_id in wanted:
        candidate = RoundCandidate(cadre_id=cadre_id, score=scores[cadre_id].as_json())
        round_.candidates.append(candidate)
        added.append(candidate)
    db.session.flush()
    staff = db.session.scalars(sa.select(Cadre.staff_no).where(Cadre.id.in_(wanted))).all()
    audit.record(
        "update",
        object_type="selection_round",
        object_id=round_.id,
        summary=f"{_label(round_)} 按资格审查结果列入 {len(added)} 人",
        after={"cadres": "、".join(sorted(staff)), "eligibility_run": run.id if run else None},
        actor_name=actor,
    )
    return added


def remove_candidate(
    candidate: RoundCandidate, reason: str | None, *, expected_version: int, actor: str | None
) -> bool:
    """Strike a candidate off with a reason (kept and shown struck). False when already
    removed (the form posted twice)."""
    round_ = candidate.round
    _require_curating(round_)
    errors = check_reason(reason)
    if errors:
        raise ShortlistError(errors)
    if candidate.removed_at is not None:
        return False
    if candidate.version != expected_version:
        raise Conflict()
    candidate.removed_reason = (reason or "").strip()
    candidate.removed_at = utcnow()
    db.session.flush()  # a concurrent change surfaces as StaleDataError
    audit.record(
        "update",
        object_type="selection_round",
        object_id=round_.id,
        summary=f"{_label(round_, candidate.cadre)} 移出名单",
        after={"cadre": candidate.cadre.staff_no, "removed_reason": candidate.removed_reason},
        actor_name=actor,
    )
    return True


def rescore(round_: SelectionRound, *, actor: str | None, today: date) -> int:
    """Recompute the scores of the candidates still listed (after new evaluations or
    settings); returns how many."""
    _require_curating(round_)
    active = [c for c in round_.candidates if c.removed_at is None]
    scores = shortlist.scores_for([c.cadre_id for c in active], today=today)
    for c in active:
        c.score = scores[c.cadre_id].as_json()
    db.session.flush()
    if active:
        audit.record(
            "update",
            object_type="selection_round",
            object_id=round_.id,
            summary=f"{_label(round_)} 重新计算得分",
            after={"scored": len(active)},
            actor_name=actor,
        )
    return len(active)


def set_reviewers(round_: SelectionRound, user_ids: Sequence[int], *, actor: str | None) -> bool:
    """Assign exactly these managers to review the round. Only enabled manager accounts.
    False when nothing changed."""
    wanted = set(user_ids)
    users = list(db.session.scalars(sa.select(User).where(User.id.in_(wanted)))) if wanted else []
    bad = [u for u in users if u.role is not Role.MANAGER or not u.is_enabled]
    if bad or len(users) != len(wanted):
        raise ShortlistError([("reviewers", _("只能指定启用中的领导（manager）账户审阅。"))])
    standing = {c.cadre_id for c in round_.candidates if c.removed_at is None}
    recused = [u for u in users if u.cadre_id is not None and u.cadre_id in standing]
    if recused:  # 回避: nobody judges a list they stand on
        names = "、".join(u.display_name for u in recused)
        raise ShortlistError(
            [("reviewers", _("%(names)s 是本轮候选人，应当回避，不能审阅。", names=names))]
        )
    before = sorted(u.username for u in round_.reviewers)
    after = sorted(u.username for u in users)
    if before == after:
        return False
    round_.reviewers = sorted(users, key=lambda u: u.username)
    db.session.flush()
    audit.record(
        "update",
        object_type="selection_round",
        object_id=round_.id,
        summary=f"{_label(round_)} 指定审阅领导",
        before={"reviewers": "、".join(before)},
        after={"reviewers": "、".join(after)},
        actor_name=actor,
    )
    return True


# --- the manager's view -----------------------------------------------------------------------


def record_view(
    candidate: RoundCandidate,
    user: User,
    view: str | None,
    reason: str | None,
    recommended: bool,
    *,
    actor: str | None,
) -> bool:
    """Record or change the manager's view of a candidate. The view has checked the manager
    is assigned to the round. False when the same view was posted again."""
    round_ = candidate.round
    if not may_review(round_.stage):
        raise ShortlistError(
            [(None, _("本轮已进入“%(stage)s”阶段，不再记录审阅意见。", stage=round_.stage.label))]
        )
    if candidate.removed_at is not None:
        raise ShortlistError([(None, _("该人选已移出名单。"))])
    errors = check_view(view, reason)
    if errors:
        raise ShortlistError(errors)
    assert view is not None
    text = (reason or "").strip()
    wanted = {"view": view, "reason": text, "recommended": bool(recommended)}
    existing = _view_of(candidate.id, user.id)
    before = None
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(ReviewerView(candidate_id=candidate.id, user_id=user.id, **wanted))
        except sa.exc.IntegrityError:  # a concurrent first save won: update it
            existing = _view_of(candidate.id, user.id)
            if existing is None:
                raise
    if existing is not None:
        before = {k: getattr(existing, k) for k in wanted}
        if before == wanted:
            return False
        for key, value in wanted.items():
            setattr(existing, key, value)
        existing.at = utcnow()
    db.session.flush()
    audit.record(
        "update",
        object_type="selection_round",
        object_id=round_.id,
        summary=f"{_label(round_, candidate.cadre)} 审阅意见",
        before=before,
        after=wanted,
        actor_name=actor,
    )
    return True


def _view_of(candidate_id: int, user_id: int) -> ReviewerView | None:
    return db.session.scalar(
        sa.select(ReviewerView)
        .where(ReviewerView.candidate_id == candidate_id, ReviewerView.user_id == user_id)
        .execution_options(populate_existing=True)
    )
