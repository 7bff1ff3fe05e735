"""Plain data for the 挂职锻炼鉴定表 of one secondment (templates/pdf/secondment_appraisal.html),
turned into bytes by services.core.pdf (which refuses without a CJK font).

The form is a national Chinese document: keys are the labels it prints and are not
translated. What is not recorded yet (the summary, the opinions, their dates) is left empty so
that the printed box can be filled in with a pen: HR may print the form for the host unit
before the secondment ends.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from flask import current_app
from flask_babel import force_locale

from cadre_app import clock
from cadre_app.models import Secondment, SecondmentState
from cadre_app.models.secondments import APPRAISAL_GRADES
from cadre_app.services.records.appointment_form import long_date, month, organisation_name

TITLE = "挂职锻炼鉴定表"
TEMPLATE = "secondment_appraisal.html"
BLANK_DATE = "　　　　年　　月　　日"


def paragraphs(text: str | None) -> list[str]:
    """The text's non-empty lines (each printed as an indented paragraph)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def period(secondment: Secondment) -> str:
    """``2025.03--2026.03`` (the 简历 line's way of writing a period)."""
    return f"{month(secondment.start_date)}--{month(secondment.end_date)}"


def former_post(secondment: Secondment) -> str:
    """原单位及职务: the bureau, the section and the post (else the rank)."""
    cadre = secondment.cadre
    unit = organisation_name(cadre)
    section = cadre.department.name if cadre.department is not None else ""
    post = cadre.position_title or cadre.rank or ""
    if section and not post.startswith(section):  # 现任职务 often names its section already
        unit += section
    return f"{unit}{post}"


def _archived_on(secondment: Secondment) -> date | None:
    for event in reversed(secondment.events):
        if event.to_state is SecondmentState.ARCHIVED:
            return event.at.replace(tzinfo=UTC).astimezone(clock.zone()).date()
    return None


def appraisal_form_data(secondment: Secondment, *, today: date) -> dict[str, Any]:
    """The 挂职锻炼鉴定表 of ``secondment`` as plain values."""
    cadre = secondment.cadre
    summary_day = (
        secondment.summary_at.replace(tzinfo=UTC).astimezone(clock.zone()).date()
        if secondment.summary_at
        else None
    )
    archived = _archived_on(secondment)
    return {
        "标题": TITLE,
        "等次选项": list(APPRAISAL_GRADES),
        "单位": organisation_name(cadre),
        "填表时间": long_date(today),
        "姓名": cadre.name,
        "性别": cadre.gender or "",
        "出生年月": month(cadre.birth_date),
        "政治面貌": cadre.political_status or "",
        "原单位及职务": former_post(secondment),
        "派往单位": secondment.host_unit,
        "单位类型": secondment.host_type,
        "挂任职务": secondment.post or "",
        "挂职时间": period(secondment),
        "类别": secondment.kind,
        "本人总结": paragraphs(secondment.cadre_summary),
        "总结日期": long_date(summary_day) or BLANK_DATE,
        "派驻单位鉴定意见": paragraphs(secondment.host_opinion),
        "鉴定等次": secondment.grade or "",
        "鉴定日期": long_date(secondment.appraised_at) or BLANK_DATE,
        "组织人事部门意见": paragraphs(secondment.hr_conclusion),
        "归档日期": long_date(archived) or BLANK_DATE,
        "状态": _state_in_chinese(secondment),
    }


def _state_in_chinese(secondment: Secondment) -> str:
    """The state's name as the (Chinese) form prints it, whatever the reader's language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return SecondmentState(secondment.state).label
