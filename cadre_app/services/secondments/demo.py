"""Demo secondments (``flask seed-demo``), seeded once with the demo organisation.

About 25 young cadres sent a year over the last three years to 基层单位, 高校, 国有金融企业 and
上级机关, in every state: the older ones archived with their appraisal grade and their 简历
line, a recall, extensions, some on post ending within the warning window (one in the demo
manager's section), one appraisal overdue, proposals and approvals still to leave, and
cancelled proposals. The demo ``cadre`` login's cadre is in 期满鉴定, so that cadre can write
the summary on ``/me``.

Every secondment is made through ``operations.create`` and ``operations.transition``, so the
rules hold (one active secondment per cadre, no overlap) and archiving writes the 简历 line.
Dates count from today, so the demo always has secondments ending soon. Deterministic: one
seeded ``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cadre_app.models import Cadre, Secondment, SecondmentState
from cadre_app.services.core import settings
from cadre_app.services.roster.rules import is_young_cadre
from cadre_app.services.secondments import operations
from cadre_app.services.secondments.rules import S, Step, add_years

ACTOR = "seed-demo"

#: (类别, 派往单位, 单位类型, 挂任职务). Generated places, not real ones.
HOSTS = (
    ("下派", "青山县财政局", "基层单位", "副局长"),
    ("下派", "云溪区财政局", "基层单位", "局长助理"),
    ("驻村", "桃源镇石桥村", "基层单位", "第一书记"),
    ("驻村", "柳河乡新田村", "基层单位", "驻村工作队员"),
    ("下派", "东湖街道办事处", "基层单位", "副主任"),
    ("岗位实践锻炼", "江城财经大学财税学院", "高校", "院长助理"),
    ("外派", "北山理工大学", "高校", "财务处副处长"),
    ("下派", "江城农村商业银行", "国有金融企业", "副行长"),
    ("岗位实践锻炼", "江城国有资本投资公司", "国有金融企业", "财务部副经理"),
    ("下派", "江城融资担保有限公司", "国有金融企业", "副总经理"),
    ("上挂", "省财政厅预算处", "上级机关", "副处长"),
    ("跟班学习", "省财政厅国库处", "上级机关", None),
    ("外派", "对口支援西岭县发展改革局", "其他", "副局长"),
)
PURPOSES = (
    "到基层一线熟悉财政资金的使用和管理，提高解决实际问题的能力。",
    "在重大任务中经受锻炼，积累综合协调经验。",
    "学习上级机关的政策制定和统筹工作方法。",
    "参与金融支持实体经济工作，熟悉金融业务。",
)
OPINIONS = (
    "工作积极主动，深入一线，较好完成了挂职期间的各项任务。",
    "政治站位高，业务能力强，在项目推进中发挥了重要作用，群众评价好。",
    "能够尽快熟悉情况，完成分管工作，工作作风有待进一步改进。",
)
CONCLUSIONS = (
    "同意派驻单位鉴定意见，挂职锻炼期满，予以归档。",
    "挂职期间表现良好，经鉴定合格，予以归档。",
)
GRADES = ("优秀", "称职", "称职", "称职", "基本称职")


@dataclass(frozen=True)
class Plan:
    """One demo secondment: its dates and the state it ends in."""

    start: date
    end: date  # planned end when created
    state: SecondmentState
    new_end: date | None = None  # an extension (延期) moves the planned end here
    back: date | None = None  # the day back of a recall (提前召回)
    prefer_section: int | None = None  # a cadre of this section when one is free


def _plans(rng: random.Random, today: date, own_section: int | None) -> list[Plan]:
    """Histories over three years (archived, a few cancelled, a recall), and today's picture:
    on post (some ending within 30 days), extended, recalled, in 期满鉴定 (one overdue),
    proposed and approved."""
    history: list[Plan] = []
    # History: began over the three years up to about ten months ago, 6 to 12 months long,
    # all over at least two months ago.
    first = add_years(today, -3)
    for i in range(52):
        start = first + timedelta(days=i * 15 + rng.randrange(0, 6))
        length = rng.choice((182, 243, 273, 365))
        end = min(start + timedelta(days=length - 1), today - timedelta(days=60))
        if i in (7, 33):
            history.append(Plan(start, end, S.CANCELLED))
        elif i == 20:
            history.append(Plan(start, end, S.ARCHIVED, back=start + timedelta(days=120)))
        elif i in (5, 25):
            history.append(Plan(start, end, S.ARCHIVED, new_end=end + timedelta(days=90)))
        else:
            history.append(Plan(start, end, S.ARCHIVED))

    def on_post(days_left: int, months: int, **kw: object) -> Plan:
        end = today + timedelta(days=days_left)
        return Plan(end - timedelta(days=months * 30), end, S.ON_POST, **kw)  # type: ignore[arg-type]

    # On post: four ending within 30 days (the first in the demo manager's section), one just
    # outside the window, the others later.
    plans = [
        on_post(3, 12, prefer_section=own_section),
        on_post(12, 9),
        on_post(29, 12),
        on_post(45, 10),
        on_post(75, 9),
        on_post(120, 12),
        on_post(160, 10),
        on_post(200, 12),
        on_post(250, 12),
        on_post(300, 12),
    ]
    # Extended: one past its first end and now ending within the window, one later.
    for first_end, new_end in ((-20, 21), (40, 130)):
        was = on_post(first_end, 12)
        plans.append(Plan(was.start, was.end, S.EXTENDED, new_end=today + timedelta(days=new_end)))
    # Recalled ten days ago, before its planned end.
    plans.append(
        Plan(
            today - timedelta(days=200),
            today + timedelta(days=165),
            S.RECALLED,
            back=today - timedelta(days=10),
        )
    )
    # 期满鉴定: ended 6 and 25 days ago (due in time) and one overdue (ended 50 days ago).
    for ended in (6, 25, 50):
        end = today - timedelta(days=ended)
        plans.append(Plan(end - timedelta(days=364), end, S.APPRAISAL))
    # To leave: proposed and approved, starting in the coming weeks.
    for days, state in ((12, S.APPROVED), (30, S.APPROVED), (20, S.PROPOSED), (45, S.PROPOSED)):
        start = today + timedelta(days=days)
        plans.append(Plan(start, start + timedelta(days=364), state))
    plans.append(
        Plan(today + timedelta(days=60), today + timedelta(days=240), S.CANCELLED)
    )  # a proposal withdrawn
    # The one for the manager's section first (it must find a cadre there), then in the
    # order they began: a cadre's earlier secondment is over before the next is made.
    return sorted(plans + history, key=lambda p: (p.prefer_section is None, p.start))


def _final_end(plan: Plan) -> date:
    return plan.back or plan.new_end or plan.end


def _free(periods: list[tuple[date, date, bool]], plan: Plan) -> bool:
    """The cadre can take ``plan``: no period within 30 days of it, and no secondment left
    active (a new one is made 拟派, itself active)."""
    start, end = plan.start - timedelta(days=30), _final_end(plan) + timedelta(days=30)
    for other_start, other_end, other_active in periods:
        if other_active or (other_start <= end and start <= other_end):
            return False
    return True


def seed(cadres: list[Cadre], *, own: Cadre, today: date) -> list[Secondment]:
    """The demo's secondments, made through the operations (see the module docstring).
    ``own`` is the demo ``cadre`` login's cadre (given one in 期满鉴定)."""
    rng = random.Random(1212)
    lines = settings.value("young_cadre_age_lines")
    pool = [
        c
        for c in cadres
        if c is not own
        and is_young_cadre(c.birth_date, c.rank, c.leadership_level, on=today, lines=lines)
    ]
    rng.shuffle(pool)
    busy: dict[int, list[tuple[date, date, bool]]] = {}
    made = []
    own_end = today - timedelta(days=14)
    own_plan = Plan(add_years(own_end, -1) + timedelta(days=1), own_end, S.APPRAISAL)
    made.append(_make(rng, own, own_plan, today))
    turn = 0
    for plan in _plans(rng, today, own.department_id):
        order = pool[turn:] + pool[:turn]
        if plan.prefer_section is not None:
            order.sort(key=lambda c: c.department_id != plan.prefer_section)
        cadre = next((c for c in order if _free(busy.get(c.id, []), plan)), None)
        if cadre is None:
            continue
        turn = (pool.index(cadre) + 1) % len(pool)
        active = plan.state in (S.PROPOSED, S.APPROVED, S.ON_POST, S.EXTENDED)
        busy.setdefault(cadre.id, []).append((plan.start, _final_end(plan), active))
        made.append(_make(rng, cadre, plan, today))
    return made


def _make(rng: random.Random, cadre: Cadre, plan: Plan, today: date) -> Secondment:
    kind, host_unit, host_type, post = rng.choice(HOSTS)
    secondment = operations.create(
        cadre,
        {
            "kind": kind,
            "host_unit": host_unit,
            "host_type": host_type,
            "post": post,
            "start_date": plan.start,
            "planned_end": plan.end,
            "purpose": rng.choice(PURPOSES),
        },
        actor=ACTOR,
    )
    _advance(rng, secondment, plan, today)
    _date_events(secondment, plan, today)
    return secondment


def _advance(rng: random.Random, secondment: Secondment, plan: Plan, today: date) -> None:
    """Move ``secondment`` through the states to ``plan.state``."""

    def step(target: SecondmentState, **kwargs: object) -> None:
        appraisal = kwargs.pop("appraisal", None)
        operations.transition(
            secondment,
            target,
            Step(**kwargs),  # type: ignore[arg-type]
            expected_version=secondment.version,
            actor=ACTOR,
            today=today,
            appraisal=appraisal,  # type: ignore[arg-type]
        )

    if plan.state is S.CANCELLED:
        step(S.CANCELLED, reason="工作安排调整，不再派出")
        return
    if plan.state is S.PROPOSED:
        return
    step(S.APPROVED, reason="经局党组会议研究同意")
    if plan.state is S.APPROVED:
        return
    step(S.ON_POST)
    if plan.new_end is not None:
        step(S.EXTENDED, reason="派驻单位工作需要，申请延期", new_end=plan.new_end)
    if plan.back is not None:
        step(S.RECALLED, reason="工作需要，提前召回", actual_end=plan.back)
    if plan.state in (S.ON_POST, S.EXTENDED, S.RECALLED):
        return
    step(S.APPRAISAL)
    if plan.state is S.APPRAISAL:
        return
    end = secondment.end_date
    step(
        S.ARCHIVED,
        appraisal=operations.Appraisal(
            host_opinion=rng.choice(OPINIONS),
            grade=rng.choice(GRADES),
            conclusion=rng.choice(CONCLUSIONS),
            appraised_at=min(today, end + timedelta(days=rng.randrange(5, 25))),
        ),
    )


def _date_events(secondment: Secondment, plan: Plan, today: date) -> None:
    """Date each logged step when it would have happened (proposed six weeks before the
    start, approved three weeks before, on post at the start, extended a fortnight before the
    old end, recalled on the day back, appraisal at the end, archived on the appraisal's day)
    rather than at the moment of seeding; never after today, never before the step before."""
    day = {
        S.PROPOSED: plan.start - timedelta(days=45),
        S.CANCELLED: plan.start - timedelta(days=20),
        S.APPROVED: plan.start - timedelta(days=25),
        S.ON_POST: plan.start,
        S.RECALLED: plan.back,
        S.APPRAISAL: secondment.actual_end,
        S.ARCHIVED: secondment.appraised_at,
    }
    last = date.min
    for event in secondment.events:
        when = event.old_end - timedelta(days=15) if event.old_end else day[event.to_state]
        when = max(last, min(today, when or today))
        event.at = datetime.combine(when, time(1, 30))  # 09:30 in Beijing, stored as UTC
        last = when
