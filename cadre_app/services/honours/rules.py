"""The honour roll's rules as pure functions (no database, no request): quarters and their
labels, the states and the steps between them, and who may nominate, edit and read what.

States (DOMAIN.md, Honour roll): 已提名 (a manager's or HR's nomination; 草拟 and 已提名 are one
state: a nomination is a draft until HR decides) → 已通过 (HR approved) → 已发布 (HR published the
quarter); HR may return a nomination or an approved entry (已退回, with a reason), and the
nominator submits it again by editing it (→ 已提名). A published entry stays published.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre_app.models.honours import HonourState

S = HonourState

QUARTERS = (1, 2, 3, 4)
#: The quarter's Chinese name, as the roll and the poster print it.
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
FIRST_YEAR = 2000
TITLE_MAX = 50
DEEDS_MAX = 5000
REASON_MAX = 1000

#: The steps HR takes on one entry: from each state, where it may go.
STEPS: dict[HonourState, tuple[HonourState, ...]] = {
    S.NOMINATED: (S.APPROVED, S.RETURNED),
    S.APPROVED: (S.RETURNED,),
    S.RETURNED: (S.NOMINATED,),
    S.PUBLISHED: (),
}
#: A step that needs a reason.
NEEDS_REASON = frozenset({S.RETURNED})


class RuleBroken(ValueError):
    """A rule refused the action; the message says which, in Chinese."""


def quarter_label(year: int, quarter: int) -> str:
    """``2026年第一季度``: the quarter as the Chinese roll and documents print it."""
    return f"{year}年{QUARTER_NAMES[quarter]}"


#: The quarter's name in the reader's language (listed for extraction).
QUARTER_TEXTS = {1: _l("第一季度"), 2: _l("第二季度"), 3: _l("第三季度"), 4: _l("第四季度")}


def quarter_text(year: int, quarter: int) -> str:
    """The quarter in the reader's language: ``2026年第一季度``, ``Q1 2026``."""
    return _("%(year)d年%(quarter)s", year=year, quarter=QUARTER_TEXTS[quarter])


def quarter_of(day: date) -> tuple[int, int]:
    """The (year, quarter) ``day`` falls in."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


_QUARTER_TEXT = re.compile(r"^\s*(\d{4})\s*(?:-|Q|q|年第?)\s*([1-4一二三四])\s*(?:季度)?\s*$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_quarter(text: str | None) -> tuple[int, int] | None:
    """``2026-1``, ``2026Q1`` or ``2026年第一季度`` as (2026, 1); None when unreadable."""
    found = _QUARTER_TEXT.match(text or "")
    if found is None:
        return None
    raw = found.group(2)
    return int(found.group(1)), _CHINESE_DIGITS.get(raw) or int(raw)


def quarter_key(year: int, quarter: int) -> str:
    """The quarter as the forms and links write it: ``2026-1``."""
    return f"{year}-{quarter}"


def check_quarter(year: int, quarter: int, today: date) -> None:
    """A quarter may be honoured once it has begun (not one still to come), from 2000 on."""
    if quarter not in QUARTERS:
        raise RuleBroken(_("季度须为 1 至 4。"))
    if year < FIRST_YEAR:
        raise RuleBroken(_("年度不能早于 %(year)d 年。", year=FIRST_YEAR))
    if quarter_start(year, quarter) > today:
        raise RuleBroken(_("%(quarter)s尚未开始，不能提名。", quarter=quarter_text(year, quarter)))


def may_nominate(*, is_hr: bool, led_department_ids: list[int] | None, department_id: int) -> bool:
    """HR nominates for any section; a manager only for the sections they lead (a section
    entry for the section, an individual entry for a cadre of the section); nobody else."""
    if is_hr:
        return True
    return led_department_ids is not None and department_id in led_department_ids


def may_read(
    state: HonourState, *, is_hr: bool, led_department_ids: list[int], department_id: int
) -> bool:
    """A published entry is read by everyone signed in; before that, by HR and the managers
    of the entry's section only."""
    if state is S.PUBLISHED or is_hr:
        return True
    return department_id in led_department_ids


def may_edit(state: HonourState, *, is_hr: bool, leads_section: bool) -> bool:
    """HR edits any entry (a published one too: a wrong word on the roll is corrected); a
    manager edits the nominations of their sections until HR approves them."""
    if is_hr:
        return True
    return leads_section and state in (S.NOMINATED, S.RETURNED)


def check_step(state: HonourState, target: HonourState, reason: str | None) -> None:
    """Refuse a step the states do not allow, or a return without a reason."""
    if target not in STEPS[state]:
        raise RuleBroken(_("不能从“%(old)s”转为“%(new)s”。", old=state.label, new=target.label))
    if target in NEEDS_REASON and not (reason or "").strip():
        raise RuleBroken(_("退回须写明原因。"))
    if reason and len(reason) > REASON_MAX:
        raise RuleBroken(_("原因不能超过 %(n)d 字。", n=REASON_MAX))


def publishable(states: list[HonourState]) -> int:
    """How many of a quarter's entries publishing it makes public (the approved ones)."""
    return sum(1 for state in states if state is S.APPROVED)


def check_text(title: str | None, deeds: str | None) -> list[tuple[str, str]]:
    """(field, message) for a missing or too long 荣誉称号 or 事迹."""
    errors = []
    if not (title or "").strip():
        errors.append(("title", _("请填写荣誉称号。")))
    elif len(title or "") > TITLE_MAX:
        errors.append(("title", _("荣誉称号不能超过 %(n)d 字。", n=TITLE_MAX)))
    if not (deeds or "").strip():
        errors.append(("deeds", _("请填写事迹。")))
    elif len(deeds or "") > DEEDS_MAX:
        errors.append(("deeds", _("事迹不能超过 %(n)d 字。", n=DEEDS_MAX)))
    return errors


def paragraphs(text: str | None) -> list[str]:
    """The deeds' non-empty lines, each printed as a paragraph."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
