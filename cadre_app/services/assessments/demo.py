"""Demo political-quality assessments (``flask seed-demo``), and the builders they use.

- the default checklist (rules.DEFAULT_POSITIVE / DEFAULT_NEGATIVE, 15 + 22 items);
- a closed 年度 assessment of eight young cadres (the demo ``cadre`` login's among them),
  about 20 ballots each from 领导, 同事, 下属 and one 服务对象 (a group too small to be shown
  apart, so its ballot is folded), answers drawn from one seeded ``random.Random``; one
  subject has a negative item ticked by more than a third of the raters, so closing opened a
  提醒谈话; conclusions recorded for most subjects (one 基本合格), two left for HR;
- an open 年度 assessment (from now to 18:00 three days ahead, within the reminders'
  closing warning) of five other young cadres with codes issued and none used: the codes
  are shown once, so ``seed`` returns three of them for the seed command to print
  (``DemoAssessments.codes``).

The builders make rows directly (same domain) and go through the ballot machinery
(``ballots.operations``) for boxes, codes and casting, so the demo's ballots are anonymous
like real ones. Tests use the builders too.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import (
    Assessment,
    AssessmentState,
    AssessmentSubject,
    BallotGroup,
    Cadre,
    Checklist,
    ChecklistItem,
    Polarity,
)
from cadre_app.models.assessments import DEFAULT_POINTS
from cadre_app.services.assessments import results, rules
from cadre_app.services.ballots import operations as ballots

ACTOR = "seed-demo"
#: The negative item (遇到矛盾问题推诿扯皮) half the raters tick for one subject of the closed
#: assessment: above the 1/3 threshold, so closing opens a 提醒谈话.
TALK_ITEM = 9
DEMO_GROUPS = (
    ballots.GroupSpec("领导", 30, 4),
    ballots.GroupSpec("同事", 40, 10),
    ballots.GroupSpec("下属", 30, 5),
    ballots.GroupSpec("服务对象", 0, 1),
)


# --- builders ---------------------------------------------------------------------------------


def default_checklist(*, actor: str | None = ACTOR) -> Checklist:
    """The default checklist's first version, made once."""
    found = db.session.scalar(
        sa.select(Checklist).where(Checklist.family == rules.DEFAULT_FAMILY, Checklist.version == 1)
    )
    if found is not None:
        return found
    checklist = Checklist(
        family=rules.DEFAULT_FAMILY,
        version=1,
        name=rules.DEFAULT_NAME,
        points=dict(DEFAULT_POINTS),
        created_by=actor,
    )
    checklist.items = [
        ChecklistItem(polarity=Polarity.POSITIVE, category=i.category, text=i.text, position=n)
        for n, i in enumerate(rules.DEFAULT_POSITIVE)
    ] + [
        ChecklistItem(polarity=Polarity.NEGATIVE, category=i.category, text=i.text, position=n)
        for n, i in enumerate(rules.DEFAULT_NEGATIVE)
    ]
    db.session.add(checklist)
    db.session.flush()
    return checklist


def build_assessment(
    title: str,
    cadres: Sequence[Cadre],
    *,
    checklist: Checklist,
    opens_at: datetime,
    closes_at: datetime,
    groups: Sequence[ballots.GroupSpec] = DEMO_GROUPS,
    purpose: str = "年度",
    min_group_ballots: int = 3,
    talk_threshold: str = "1/3",
    actor: str | None = ACTOR,
) -> Assessment:
    """A 草拟 assessment of ``cadres`` with its ballot box and rater groups."""
    box = ballots.create_box("assessment", title, opens_at, closes_at)
    ballots.set_groups(box, groups)
    assessment = Assessment(
        title=title,
        purpose=purpose,
        checklist=checklist,
        box=box,
        min_group_ballots=min_group_ballots,
        talk_threshold=talk_threshold,
        created_by=actor,
    )
    assessment.subjects = [
        AssessmentSubject(cadre_id=c.id, position=n) for n, c in enumerate(cadres)
    ]
    db.session.add(assessment)
    db.session.flush()
    return assessment


def open_assessment(assessment: Assessment, *, at: datetime) -> None:
    """草拟 → 进行中: the box opens, the checklist freezes."""
    ballots.open_box(assessment.box)
    assessment.state = AssessmentState.OPEN
    assessment.opened_at = at
    if assessment.checklist.frozen_at is None:
        assessment.checklist.frozen_at = at
    db.session.flush()


def group_named(assessment: Assessment, name: str) -> BallotGroup:
    return next(g for g in assessment.box.groups if g.name == name)


def cast_ballots(
    assessment: Assessment,
    group: str,
    ballots_answers: Sequence[dict[int, str]],
    *,
    now: datetime,
    actor: str | None = ACTOR,
) -> None:
    """Issue one code per ballot to ``group`` and cast each: ``ballots_answers`` holds one
    ``{AssessmentSubject.id: answers text}`` per ballot."""
    codes = ballots.issue_codes(group_named(assessment, group), len(ballots_answers), actor=actor)
    for code, answers in zip(codes, ballots_answers, strict=True):
        ballots.cast(code, answers, now=now)


def close_assessment(
    assessment: Assessment, *, at: datetime, actor: str | None = ACTOR, today: date
) -> None:
    """进行中 → 已关闭, and what closing sets off (results.on_close: the 提醒谈话)."""
    ballots.close_box(assessment.box, at=at)
    assessment.state = AssessmentState.CLOSED
    assessment.closed_at = at
    db.session.flush()
    results.on_close(assessment, actor=actor, today=today)


def answers_text(
    rng: random.Random,
    n_positive: int,
    n_negative: int,
    *,
    level: float = 0.75,
    tick: float = 0.03,
    ticked: Sequence[int] = (),
) -> str:
    """Random answers: each positive rating 好 with about ``level``, else 较好 mostly, rarely
    一般 or 差; each negative item ticked with ``tick`` (items in ``ticked``: always)."""

    def rating() -> int:
        roll = rng.random()
        if roll < level:
            return 0
        if roll < level + (1 - level) * 0.75:
            return 1
        return 2 if roll < 0.995 else 3

    positive = tuple(rating() for _ in range(n_positive))
    negative = tuple(i in ticked or rng.random() < tick for i in range(n_negative))
    overall = min(3, round(sum(positive) / max(1, n_positive)))
    return rules.encode(rules.Answers(positive, negative, overall))


# --- the demo -----------------------------------------------------------------------------------


@dataclass
class DemoAssessments:
    closed: Assessment | None = None
    open: Assessment | None = None
    #: Three unused codes of the open assessment, printed by ``flask seed-demo`` (shown once).
    codes: list[str] = field(default_factory=list)


def _at(day: date, hour: int) -> datetime:
    """A naive-UTC datetime at ``hour`` o'clock office time (UTC+8) on ``day``."""
    return datetime.combine(day, time(hour)) - timedelta(hours=8)


def _workday(day: date) -> date:
    """``day`` or the next day the office is open (the demo's dates are working days)."""
    from cadre_app.services import demo as main_demo

    return main_demo.working_day(day, main_demo.national_calendar(day.year))


def seed(young: Sequence[Cadre], *, own: Cadre, today: date) -> DemoAssessments:
    """The demo's two assessments (see the module docstring). ``young``: young cadres to
    assess; ``own``: the demo ``cadre`` login's cadre, assessed in the closed one."""
    rng = random.Random(1313)
    checklist = default_checklist()
    pool = [c for c in young if c.id != own.id]
    closed_cadres = [own, *pool[:7]]
    open_cadres = pool[7:12]
    n_pos, n_neg = len(rules.DEFAULT_POSITIVE), len(rules.DEFAULT_NEGATIVE)

    opens = _workday(today - timedelta(days=45))
    closes = _workday(today - timedelta(days=31))
    closed = build_assessment(
        f"{today.year - 1}年度年轻干部政治素质考察",
        closed_cadres,
        checklist=checklist,
        opens_at=_at(opens, 9),
        closes_at=_at(closes, 18),
    )
    open_assessment(closed, at=_at(opens, 9))
    subjects = [s.id for s in closed.subjects]
    levels = {sid: rng.uniform(0.35, 0.75) for sid in subjects}
    levels[subjects[3]] = 0.3  # the subject whose result opens a 提醒谈话
    counts = {"领导": 4, "同事": 10, "下属": 5, "服务对象": 1}
    voting = _at(opens + timedelta(days=2), 10)
    raters = 0
    for group, count in counts.items():
        batch = []
        for _ in range(count):
            raters += 1
            batch.append(
                {
                    sid: answers_text(
                        rng,
                        n_pos,
                        n_neg,
                        level=levels[sid],
                        ticked=(TALK_ITEM,) if sid == subjects[3] and raters % 2 == 0 else (),
                    )
                    for sid in subjects
                }
            )
        cast_ballots(closed, group, batch, now=voting)
    close_assessment(closed, at=_at(closes, 18), today=closes)
    concluded_on = _workday(closes + timedelta(days=3))
    verdicts = {
        0: ("合格", "政治立场坚定，测评结果良好。"),
        1: ("合格", None),
        2: ("合格", None),
        3: ("基本合格", "反向测评中“遇到矛盾问题推诿扯皮”勾选较多，已安排提醒谈话，限期整改。"),
        4: ("合格", None),
        5: ("合格", None),
    }
    for index, (conclusion, reason) in verdicts.items():
        subject = closed.subjects[index]
        results.record_conclusion(
            subject,
            conclusion,
            reason,
            expected_version=subject.version,
            actor="hr",
            today=concluded_on,
        )

    now = clock.utcnow()
    current = build_assessment(
        f"{today.year}年度年轻干部政治素质考察",
        open_cadres,
        checklist=checklist,
        opens_at=now - timedelta(minutes=5),
        closes_at=_at(today + timedelta(days=3), 18),  # within the closing warning's days
    )
    open_assessment(current, at=now)
    codes: list[str] = []
    for spec in DEMO_GROUPS:
        issued = ballots.issue_codes(group_named(current, spec.name), spec.planned, actor=ACTOR)
        codes.extend(issued)
    return DemoAssessments(closed=closed, open=current, codes=codes[:3])
