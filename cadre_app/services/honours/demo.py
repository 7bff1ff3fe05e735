"""Demo honour roll (``flask seed-demo``), seeded once with the demo organisation.

Three published quarters before the last one, each with two sections and three individuals
(the demo ``cadre`` login's cadre among them once, listed in its 奖惩情况), and the last
quarter still being decided: the demo manager's nominations for the section they lead (one
waiting for HR, one returned with a reason) and one of HR's, approved and ready to publish.

Every entry is made through ``operations`` (the rules hold: managers nominate only for their
own sections). Photos are drawn here (plain silhouettes, generated, never real people).
Deterministic: one seeded ``random.Random``.
"""

from __future__ import annotations

import random
from datetime import date
from io import BytesIO

from cadre_app.models import Cadre, HonourEntry, HonourKind, HonourState
from cadre_app.services.honours import operations, rules

HR = operations.Actor("hr", is_hr=True)
#: Backgrounds and clothes of the drawn photos.
COLOURS = ((70, 110, 160), (150, 60, 50), (60, 120, 90), (120, 90, 150), (170, 120, 40))
SECTION_DEEDS = (
    "围绕年度重点任务，科学谋划、周密部署，{what}，各项工作走在全局前列。",
    "坚持以党建引领业务，组织开展专题学习和业务练兵，干部队伍作风扎实、精神面貌好。",
    "主动对接基层需求，优化办事流程，服务对象满意度明显提升，获得上级部门通报表扬。",
)
SECTION_WORK = (
    "高质量完成预算编制和审核工作",
    "按期完成国库集中支付改革任务",
    "牵头完成全局绩效评价试点",
    "圆满完成年度综合协调保障任务",
)
PERSON_DEEDS = (
    "该同志政治立场坚定，工作勤恳踏实，{what}，得到领导和同事的一致好评。",
    "面对任务重、时间紧的情况，主动加班加点，带头攻坚，确保各项工作按时保质完成。",
    "注重学习钻研，积极撰写调研报告和策论文章，提出的意见建议被采纳，发挥了青年干部的示范作用。",
)
PERSON_WORK = (
    "在专项资金清理中摸清底数、提出整改建议",
    "在政府采购项目审核中严格把关、节约资金",
    "在信息系统升级中承担主要测试任务",
    "在基层调研中深入一线、形成高质量报告",
)
PERSON_TITLES = ("先进个人", "先进个人", "攻坚克难标兵", "服务之星")


def portrait(rng: random.Random, *, people: int = 1, size: tuple[int, int] = (300, 400)) -> bytes:
    """A drawn photo: silhouettes on a plain background (a JPEG)."""
    from PIL import Image, ImageDraw

    background = rng.choice(COLOURS)
    image = Image.new("RGB", size, tuple(min(255, c + 90) for c in background))
    draw = ImageDraw.Draw(image)
    width, height = size
    step = width / people
    for i in range(people):
        cx = step * (i + 0.5)
        head = min(step, width / 2.5) * 0.28
        top = height * (0.22 if people == 1 else 0.35)
        clothes = rng.choice(COLOURS)
        draw.ellipse(
            (cx - head * 2, top + head * 2.2, cx + head * 2, top + head * 6.5), fill=clothes
        )
        draw.ellipse((cx - head, top, cx + head, top + head * 2.3), fill=(236, 205, 180))
        draw.chord((cx - head, top - 4, cx + head, top + head * 1.4), 180, 360, fill=(40, 30, 30))
    out = BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _deeds(rng: random.Random, templates: tuple[str, ...], work: tuple[str, ...]) -> str:
    return "\n".join(t.format(what=rng.choice(work)) for t in templates)


def seed(cadres: list[Cadre], *, own: Cadre, today: date) -> None:
    """The demo's honour roll (see the module docstring)."""
    rng = random.Random(2026_15)
    sections = sorted(
        {c.department.id: c.department for c in cadres if c.department}.values(),
        key=lambda d: d.sort_order,
    )
    manager = operations.Actor("manager", is_hr=False, led_department_ids=(own.department_id,))
    last = rules.previous_quarter(*rules.quarter_of(today))
    published = [last]
    for _ in range(3):
        published.append(rules.previous_quarter(*published[-1]))
    published = published[1:][::-1]  # oldest first
    others = [c for c in cadres if c is not own and c.department_id is not None]
    rng.shuffle(others)
    people = iter(others)
    for index, (year, quarter) in enumerate(published):
        honoured_sections = rng.sample(sections, 2)
        chosen = [next(people) for _ in range(3)]
        if index == len(published) - 1:
            chosen[0] = own  # the demo cadre's honour, listed in its 奖惩情况
        for section in honoured_sections:
            _make(
                rng,
                year,
                quarter,
                HonourKind.SECTION,
                title="先进处室",
                section=section,
                photo=portrait(rng, people=5, size=(600, 400)) if rng.random() < 0.7 else None,
                today=today,
            )
        for n, cadre in enumerate(chosen):
            _make(
                rng,
                year,
                quarter,
                HonourKind.INDIVIDUAL,
                title=rng.choice(PERSON_TITLES),
                cadre=cadre,
                photo=portrait(rng) if n != 2 else None,  # one without: the roll shows the initial
                in_rewards=cadre is own or rng.random() < 0.5,
                today=today,
            )
        operations.publish_quarter(year, quarter, actor=HR)
    # The quarter being decided: the demo manager's nominations, and one of HR's.
    year, quarter = last
    managed = [c for c in others if c.department_id == own.department_id]
    _make(
        rng,
        year,
        quarter,
        HonourKind.SECTION,
        title="先进处室",
        section=own.department,
        actor=manager,
        today=today,
        state=None,
    )
    _make(
        rng,
        year,
        quarter,
        HonourKind.INDIVIDUAL,
        title="先进个人",
        cadre=managed[-1],
        photo=portrait(rng),
        actor=manager,
        today=today,
        state=None,
    )
    returned = _make(
        rng,
        year,
        quarter,
        HonourKind.INDIVIDUAL,
        title="服务之星",
        cadre=managed[-2],
        actor=manager,
        today=today,
        state=None,
    )
    operations.step(
        returned,
        HonourState.RETURNED,
        reason="事迹过于笼统，请补充具体事例和成效。",
        expected_version=returned.version,
        actor=HR,
    )
    elsewhere = next(c for c in others if c.department_id != own.department_id)
    _make(
        rng,
        year,
        quarter,
        HonourKind.INDIVIDUAL,
        title="先进个人",
        cadre=elsewhere,
        photo=portrait(rng),
        today=today,
    )


def _make(
    rng: random.Random,
    year: int,
    quarter: int,
    kind: HonourKind,
    *,
    title: str,
    today: date,
    section: object = None,
    cadre: Cadre | None = None,
    photo: bytes | None = None,
    in_rewards: bool = False,
    actor: operations.Actor = HR,
    state: HonourState | None = HonourState.APPROVED,
) -> HonourEntry:
    if kind is HonourKind.SECTION:
        deeds = _deeds(rng, SECTION_DEEDS, SECTION_WORK)
    else:
        deeds = _deeds(rng, PERSON_DEEDS, PERSON_WORK)
    entry = operations.nominate(
        operations.Nomination(
            year=year,
            quarter=quarter,
            kind=kind,
            title=title,
            deeds=deeds,
            department_id=getattr(section, "id", None),
            cadre=cadre,
            in_rewards=in_rewards,
            photo=photo,
        ),
        actor=actor,
        today=today,
    )
    if state is HonourState.APPROVED:
        operations.step(entry, state, reason=None, expected_version=entry.version, actor=HR)
    return entry
