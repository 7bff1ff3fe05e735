"""Demo selection rounds (``flask seed-demo``, issue 14 point 11), seeded once with the demo
organisation, after the evaluations, training, secondments and assessments they read:

- an open round for 预算处副处长 at 确定考察对象: five young cadres on its shortlist, each with
  a reason and the score of ``shortlist.scores_for`` (every part), shared with the demo
  ``manager`` login, who has recorded a view of one of them (the others await theirs);
- a finished round: a deputy post filled about two years ago, every stage recorded from 动议
  to 转正 (RoundEvent rows, dated on working days), the 讨论决定 meeting, the 任前公示 of five
  working days and the appointed cadre (the deputy who holds the post now, appointed on the
  day their 简历 line starts);
- a round in 试用期: a deputy appointed to a first leading post 350 days ago, whose year of
  probation ends within the reminders' 30 days (their 简历 gains the line of the post they
  held before);
- a round in 任前公示: a 职级 promotion whose five working days of publicity end today or on
  the next working day (the reminders' 公示 ending).

Rows are built directly (this domain's own); scores are read through the other domains'
queries. Deterministic: no randomness, the cadres chosen by 工号.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, ResumeEntry, Role, User
from cadre_app.models.selection import (
    Position,
    ReviewerView,
    RoundCandidate,
    RoundEvent,
    SelectionRound,
    Stage,
)
from cadre_app.services.core import workdays
from cadre_app.services.selection import eligibility, shortlist

ACTOR = "seed-demo"
OPEN_TITLE = "2026年预算处副处长选任"
SHORTLIST_SIZE = 5
REASONS = (
    "民主推荐得票较多，近年考核结果较好",
    "业务骨干，牵头完成部门预算编制改革",
    "有基层挂职经历，群众公认度高",
    "综合素质好，处室推荐",
    "年轻干部培养对象，处室推荐",
)


def _at(day: date, hour: int = 10) -> datetime:
    """A stored naive-UTC time on ``day`` (office hours in the office's zone, UTC+8)."""
    return datetime.combine(day, time(hour - 8, 0))


def _workday(day: date) -> date:
    from cadre_app.services import demo as core_demo

    return core_demo.working_day(day, core_demo.national_calendar(day.year))


def _later(day: date, n: int) -> date:
    """``n`` working days after ``day``."""
    from cadre_app.services import demo as core_demo

    calendar = core_demo.national_calendar(day.year) | core_demo.national_calendar(day.year + 1)
    return workdays.add_workdays(day, n, calendar)


def seed(young: Sequence[Cadre], *, own: Cadre | None, today: date) -> SelectionRound | None:
    """Both demo rounds; returns the open one (None when no manager or too few cadres). The
    open round's shortlist is drawn from the young cadres its position's eligibility run (kept,
    as HR would have run it) finds eligible."""
    manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
    budget = db.session.scalar(sa.select(Department).where(Department.name == "预算处"))
    if manager is None or manager.role is not Role.MANAGER:
        return None
    finished = _finished_round(today)
    used = {c.cadre_id for c in finished.candidates} if finished else set()
    _probation_round(today, exclude=used)
    position = _open_position(budget, today)
    eligible = set(eligibility.eligible_ids(eligibility.run(position, today, actor=ACTOR)))
    chosen = sorted(
        (c for c in young if c.id in eligible and (own is None or c.id != own.id)),
        key=lambda c: c.staff_no,
    )[:SHORTLIST_SIZE]
    if len(chosen) < 4:
        return None
    round_ = _open_round(position, chosen, manager, today)
    taken = {c.id for c in chosen} | ({own.id} if own else set())
    _publicity_round([c for c in young if c.id not in taken], today)
    return round_


def _event(
    round_: SelectionRound,
    origin: Stage | None,
    target: Stage,
    day: date,
    outcome: str,
    documents: str | None = None,
) -> None:
    round_.events.append(
        RoundEvent(
            from_stage=origin,
            to_stage=target,
            at=_at(day),
            actor=ACTOR,
            documents=documents,
            outcome=outcome,
        )
    )


def _open_position(budget: Department | None, today: date) -> Position:
    position = Position(
        title="预算处副处长",
        department=budget,
        post_kind="领导职务",
        target_level="县处级副职",
        places=1,
        min_years_work=5,
        max_age=40,
        age_on=today,
        other_conditions="熟悉预算编制和财政政策",
        created_by=ACTOR,
    )
    db.session.add(position)
    db.session.flush()
    return position


def _open_round(
    position: Position, chosen: Sequence[Cadre], manager: User, today: date
) -> SelectionRound:
    motion = _workday(today - timedelta(days=40))
    recommended = _later(motion, 10)
    listed = _later(recommended, 5)
    round_ = SelectionRound(
        position=position,
        title=OPEN_TITLE,
        reason="预算处副处长职位空缺，经分析研判，拟从年轻干部中选拔",
        stage=Stage.CANDIDATES,
        created_at=_at(motion),
        created_by=ACTOR,
    )
    _event(round_, None, Stage.MOTION, motion, "党组会议同意启动选任工作", "党组会议纪要")
    _event(round_, Stage.MOTION, Stage.RECOMMENDATION, recommended, "谈话调研推荐和会议推荐")
    _event(round_, Stage.RECOMMENDATION, Stage.CANDIDATES, listed, "根据推荐情况研究确定初步人选")
    db.session.add(round_)
    scores = shortlist.scores_for([c.id for c in chosen], today=today)
    candidates = []
    for cadre, reason in zip(chosen, REASONS, strict=False):
        candidate = RoundCandidate(
            cadre_id=cadre.id, added_reason=reason, score=scores[cadre.id].as_json()
        )
        round_.candidates.append(candidate)
        candidates.append(candidate)
    round_.reviewers = [manager]
    db.session.flush()
    best = max(candidates, key=lambda c: (c.score or {}).get("total", 0))
    db.session.add(
        ReviewerView(
            candidate_id=best.id,
            user_id=manager.id,
            view="同意",
            reason="工作扎实，考核结果稳定，建议列为考察对象",
            recommended=True,
            at=_at(_later(listed, 2), 15),
        )
    )
    db.session.flush()
    return round_


def _finished_round(today: date) -> SelectionRound | None:
    """A deputy post filled about two years ago, with its history up to 转正."""
    deputies = db.session.scalars(
        sa.select(Cadre).where(Cadre.leadership_level == "县处级副职").order_by(Cadre.staff_no)
    ).all()
    appointed_cadre = None
    for cadre in deputies:
        start = cadre.resume[-1].start if cadre.resume else None
        if start and today - timedelta(days=3 * 365) <= start <= today - timedelta(days=450):
            appointed_cadre = cadre
            break
    if appointed_cadre is None:
        return None
    appointed = _workday(appointed_cadre.resume[-1].start)
    section = appointed_cadre.department
    title = appointed_cadre.position_title or f"{section.name}副处长"
    position = Position(
        title=title,
        department=section,
        post_kind="领导职务",
        target_level="县处级副职",
        places=1,
        min_years_work=5,
        min_education="大学",
        created_by=ACTOR,
    )
    motion = _workday(appointed - timedelta(days=75))
    recommended = _later(motion, 8)
    listed = _later(recommended, 5)
    inspected = _later(listed, 10)
    meeting = _later(inspected, 5)
    publicity_start = _later(meeting, 2)
    publicity_end = _later(publicity_start, 5)
    probation_end = workdays.add_months(appointed, 12)
    confirmed = _workday(probation_end)
    round_ = SelectionRound(
        position=position,
        title=f"{appointed.year}年{title}选任",
        reason=f"{title}职位空缺",
        stage=Stage.CONFIRMED,
        meeting_on=meeting,
        members_entitled=9,
        members_present=8,
        publicity_start=publicity_start,
        publicity_end=publicity_end,
        appointed_on=appointed,
        probation_end=probation_end,
        probation_outcome="转正",
        created_at=_at(motion),
        created_by=ACTOR,
    )
    days = (motion, recommended, listed, inspected, meeting, publicity_start, appointed)
    _steps(
        round_,
        (*days, appointed, confirmed),
        (
            ("党组会议同意启动选任工作", "党组会议纪要"),
            ("会议推荐，发出推荐票 45 张", None),
            ("确定考察对象 1 名", None),
            ("考察组个别谈话 18 人，民主测评", None),
            ("应到 9 人，实到 8 人，同意 7 票", None),
            ("公示期内未收到反映", "任前公示"),
            ("印发任职通知，进行任职谈话", "任职通知"),
            ("试用期一年", None),
            ("试用期满考核称职，予以转正", None),
        ),
    )
    return _with_candidate(
        round_, appointed_cadre.id, "民主推荐得票第一", "政治素质好，业务能力强，群众基础好", 7
    )


def _with_candidate(
    round_: SelectionRound,
    cadre_id: int,
    reason: str,
    notes: str,
    votes: int,
    *,
    appointed: bool = True,
) -> SelectionRound:
    """``round_`` stored with its one candidate, inspected, decided with ``votes`` for."""
    round_.candidates.append(
        RoundCandidate(
            cadre_id=cadre_id,
            added_reason=reason,
            inspected=True,
            inspection_notes=notes,
            integrity_received=True,
            votes_for=votes,
            appointed=appointed,
        )
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def _steps(
    round_: SelectionRound, days: Sequence[date], outcomes: Sequence[tuple[str, str | None]]
) -> None:
    """The procedure's events from 动议 on, one per day in ``days``, in order."""
    order = list(Stage)
    for n, (day, (outcome, documents)) in enumerate(zip(days, outcomes, strict=False)):
        _event(round_, order[n - 1] if n else None, order[n], day, outcome, documents)


_HISTORY = (
    ("党组会议同意启动选任工作", "党组会议纪要"),
    ("会议推荐，发出推荐票 40 张", None),
    ("确定考察对象 1 名", None),
    ("考察组个别谈话 15 人，民主测评", None),
    ("应到 9 人，实到 9 人，同意 8 票", None),
    ("公示期内未收到反映", "任前公示"),
    ("印发任职通知，进行任职谈话", "任职通知"),
    ("试用期一年", None),
)


def _probation_round(today: date, *, exclude: set[int]) -> SelectionRound | None:
    """A deputy whose first leading post began 350 days ago: the round waits in 试用期 for
    the 转正 decision, due within the month. The cadre's last 简历 line is split at the
    appointment: the 职级 they held before, then the post."""
    appointed = _workday(today - timedelta(days=350))
    deputies = db.session.scalars(
        sa.select(Cadre)
        .where(Cadre.leadership_level == "县处级副职", Cadre.id.not_in(exclude or {0}))
        .order_by(Cadre.staff_no)
    ).all()
    year_before = appointed - timedelta(days=365)  # the 职级 line before lasts a year at least
    fitting = [c for c in deputies if c.resume and c.resume[-1].start <= year_before]
    if not fitting:
        return None
    cadre = max(fitting, key=lambda c: c.resume[-1].start)
    post = cadre.resume[-1]
    cadre.resume.insert(
        len(cadre.resume) - 1,
        ResumeEntry(
            start=post.start,
            end=appointed,
            description=f"示例市财政局{cadre.department.name}一级主任科员",
        ),
    )
    post.start = appointed
    motion = _workday(appointed - timedelta(days=70))
    days = [motion]
    for gap in (8, 5, 10, 5, 2, 5):
        days.append(_later(days[-1], gap))
    days += [appointed, appointed]
    title = cadre.position_title or f"{cadre.department.name}副处长"
    position = Position(
        title=title,
        department=cadre.department,
        post_kind="领导职务",
        target_level="县处级副职",
        places=1,
        min_years_work=5,
        created_by=ACTOR,
    )
    round_ = SelectionRound(
        position=position,
        title=f"{appointed.year}年{title}选任",
        reason=f"{title}职位空缺",
        stage=Stage.PROBATION,
        meeting_on=days[4],
        members_entitled=9,
        members_present=9,
        publicity_start=days[5],
        publicity_end=days[6],
        appointed_on=appointed,
        probation_end=workdays.add_months(appointed, 12),
        created_at=_at(motion),
        created_by=ACTOR,
    )
    _steps(round_, [*days[:6], appointed, appointed], _HISTORY)
    return _with_candidate(round_, cadre.id, "民主推荐得票第一", "政治坚定，敢于担当，实绩突出", 8)


def _publicity_round(young: Sequence[Cadre], today: date) -> SelectionRound | None:
    """A 职级 promotion to 一级主任科员 in 任前公示: five working days that end today or on
    the next working day (the reminders' 公示 ending warning)."""
    chosen = next(
        (c for c in sorted(young, key=lambda c: c.staff_no) if c.rank == "二级主任科员"), None
    )
    if chosen is None:
        return None
    start = _workday(today - timedelta(days=10))
    while _later(start, 4) < today:
        start = _later(start, 1)
    end = _later(start, 4)  # five working days, the first one included
    days = [_workday(start - timedelta(days=50))]
    for gap in (8, 5, 10, 5):
        days.append(_later(days[-1], gap))
    days.append(start)
    position = Position(
        title=f"{chosen.department.name}一级主任科员",
        department=chosen.department,
        post_kind="职级",
        target_level="一级主任科员",
        places=1,
        min_rank="二级主任科员",
        min_years_in_rank=2,
        created_by=ACTOR,
    )
    round_ = SelectionRound(
        position=position,
        title=f"{today.year}年{chosen.department.name}一级主任科员晋升",
        reason="一级主任科员职数空缺，按规定开展职级晋升",
        stage=Stage.PUBLICITY,
        meeting_on=days[4],
        members_entitled=9,
        members_present=8,
        publicity_start=start,
        publicity_end=end,
        created_at=_at(days[0]),
        created_by=ACTOR,
    )
    _steps(round_, days, (*_HISTORY[:5], ("在单位内部公示栏和内网公示", "任前公示")))
    return _with_candidate(
        round_,
        chosen.id,
        "任二级主任科员满两年，年度考核均为称职以上",
        "工作认真，业务熟练",
        8,
        appointed=False,
    )
