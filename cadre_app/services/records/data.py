"""Plain data for the printed records other than the 干部任免审批表: the 公务员年度考核登记表 of one
cadre and year, the 谈话记录 of one talk, and the ranking report of a year. Each function turns
ORM rows into dicts of strings and numbers (STYLE.md habit 7); the templates under
``templates/pdf/`` print them and ``services.core.pdf`` turns them into bytes.

The forms are national Chinese documents: keys are the labels the form prints. Values that
are not in the database (the 个人总结, opinions to be written by hand) are left empty so the
printed box can be filled in with a pen.

``PER_CADRE`` is the records that can be printed for many cadres at once (services.records.
batch): a new one plugs in with its template and a function building its data, as a
``CadreRecord`` its blueprint package registers (``registry.add_pdf_kind``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.extensions import db
from cadre_app.models import (
    AppointmentDraft,
    Cadre,
    CycleState,
    Department,
    Evaluation,
    EvaluationCycle,
    Talk,
)
from cadre_app.services.core import charts, names, registry
from cadre_app.services.evaluations import queries as evaluation_query
from cadre_app.services.evaluations import rules as ranking
from cadre_app.services.evaluations.operations import quota_check
from cadre_app.services.records import appointment_form
from cadre_app.services.records.appointment_form import long_date, month, organisation_name

#: States from which a cadre may print their own 年度考核登记表 (ranking and grades fixed).
CONFIRMED_STATES = (
    CycleState.CONFIRMED,
    CycleState.PUBLICISED,
    CycleState.DECIDED,
    CycleState.ARCHIVED,
)
#: States in which the 确定等次 is final and printed as the committee's opinion.
DECIDED_STATES = (CycleState.DECIDED, CycleState.ARCHIVED)

ANNUAL_TITLE = "公务员年度考核登记表"
TALK_TITLE = "谈话记录"
RANKING_TITLE = "年度考核排名表"


def score(value: float | None) -> str:
    """``88.50``; an em dash for a missing score."""
    return f"{value:.2f}" if value is not None else "—"


def minute(moment: datetime | None) -> str:
    """``2026年1月5日 09:30``; empty for none."""
    return f"{long_date(moment.date())} {moment:%H:%M}" if moment else ""


def _paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- 公务员年度考核登记表 ------------------------------------------------------------------


def evaluation_for(cadre_id: int, year: int) -> Evaluation | None:
    """The cadre's evaluation in ``year``, with its cycle, or None."""
    return db.session.scalar(
        sa.select(Evaluation)
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(Evaluation.cadre_id == cadre_id, EvaluationCycle.year == year)
    )


def _rank_of(rank: int | None, size: int) -> str:
    return f"第{rank}名（共{size}人）" if rank else "未排名"


def annual_evaluation_data(evaluation: Evaluation, *, today: date) -> dict[str, Any]:
    """The 公务员年度考核登记表 of one evaluation: the national form's personal fields, the
    proposed grade as the leader's suggestion, the final grade as the committee's opinion once
    decided, and the system's scores and ranks. ``today`` dates the form (填表时间)."""
    cycle, cadre = evaluation.cycle, evaluation.cadre
    sizes = evaluation_query.section_sizes([cycle.id])
    overall = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Evaluation)
        .where(Evaluation.cycle_id == cycle.id, Evaluation.overall_rank.is_not(None))
    )
    quarters = evaluation_query.quarterly_grades(cadre.id, cycle.year)
    decided = cycle.state in DECIDED_STATES
    if evaluation.no_grade:
        suggestion = f"{ranking.NO_GRADE}（{evaluation.no_grade_reason or '未注明原因'}）"
    else:
        suggestion = evaluation.proposed_grade or ""
    final = ""
    if decided:
        final = ranking.NO_GRADE if evaluation.no_grade else (evaluation.final_grade or "")
    post = "，".join(p for p in (cadre.position_title, cadre.rank) if p)
    notes = []
    if evaluation.no_grade:
        notes.append(f"未确定等次原因：{evaluation.no_grade_reason or '未注明'}")
    if evaluation.bottom:
        notes.append(f"排名末位（{evaluation.bottom_reason or '按末位规则'}）")
    return {
        "年度": cycle.year,
        "单位": organisation_name(cadre),
        "姓名": cadre.name,
        "性别": cadre.gender,
        "出生年月": month(cadre.birth_date),
        "政治面貌": cadre.political_status or "",
        "部门": evaluation.department.name,
        "职务职级": post,
        "任现职时间": month(cadre.rank_since),
        "考核等次建议": suggestion,
        "确定等次": final,
        "已决定": decided,
        "备注": notes,
        "成绩": [
            {
                "项目": "平时考核",
                "权重": f"{cycle.weight_ordinary}%",
                "得分": score(evaluation.ordinary),
            },
            {
                "项目": "民主测评",
                "权重": f"{cycle.weight_democratic}%",
                "得分": score(evaluation.democratic),
            },
            {
                "项目": "领导评价",
                "权重": f"{cycle.weight_leader}%",
                "得分": score(evaluation.leader),
            },
        ],
        "总分": score(evaluation.total),
        "部门排名": _rank_of(
            evaluation.section_rank, sizes.get((cycle.id, evaluation.department_id), 0)
        ),
        "全局排名": _rank_of(evaluation.overall_rank, overall or 0),
        "季度等次": [
            {"季度": f"第{'一二三四'[q - 1]}季度", "等次": grade or "—"}
            for q, grade in quarters.items()
        ],
        "设置版本": evaluation.settings_version or cycle.settings_version,
        "考核阶段": cycle.state.label,
        "填表时间": long_date(today),
    }


# --- 谈话记录 ------------------------------------------------------------------------------


def _party(name: str | None, unit: str | None, post: str | None) -> dict[str, str]:
    return {"姓名": name or "", "单位": unit or "", "职务": post or ""}


def talk_record_data(talk: Talk) -> dict[str, Any]:
    """The 谈话记录 of one talk: the parties with unit and post, time and place, 事由, content,
    整改措施, the reply and its date, the follow-up result and the state."""
    subject = talk.subject
    department = subject.department.name if subject.department else ""
    return {
        "谈话类型": talk.kind,
        "触发来源": talk.source,
        "状态": talk.state.label,
        "单位": organisation_name(subject),
        "谈话对象": _party(subject.name, department, subject.position_title or subject.rank),
        "谈话人": _party(talk.conductor_name, talk.conductor_unit, talk.conductor_post),
        "记录人": _party(talk.recorder_name, talk.recorder_unit, talk.recorder_post),
        "谈话时间": minute(talk.held_at)
        or (f"（计划）{minute(talk.scheduled_at)}" if talk.scheduled_at else ""),
        "谈话地点": talk.place or "",
        "事由": _paragraphs(talk.reason),
        "谈话内容": _paragraphs(talk.content),
        "整改措施": _paragraphs(talk.measures),
        "本人回复": _paragraphs(talk.response),
        "回复日期": long_date(talk.response_date),
        "跟踪整改结果": _paragraphs(talk.follow_up_result),
        "编号": f"T{talk.id:06d}",
    }


# --- the ranking report ------------------------------------------------------------------------


#: How the ranking report can list its rows, and how the report says so.
REPORT_ORDERS = {"rank": "按名次排列", "strokes": "按姓氏笔画排列"}


def ranking_report_data(
    cycle: EvaluationCycle,
    *,
    department_ids: list[int] | None,
    section: int | None,
    scope: str,
    organisation: str,
    generated_at: datetime,
    order: str = "rank",
    hidden_cadre_id: int | None = None,
) -> dict[str, Any]:
    """The year's ranking as the page shows it (``department_ids`` None = every section, as for
    HR; a manager's led sections otherwise), with the grade distribution chart, the tie rule,
    the 优秀 quota and the settings version. ``scope`` names the sections printed. ``order``
    "strokes" lists the rows by 姓氏笔画 (for a list that is posted or filed), "rank" by rank.
    ``hidden_cadre_id``: the reader's own row, left out before confirmation."""
    if order not in REPORT_ORDERS:
        raise ValueError(f"unknown order {order!r}")
    rows = evaluation_query.ranking_rows(
        cycle, department_ids=department_ids, section=section, hidden_cadre_id=hidden_cadre_id
    )
    if order == "strokes":
        rows = names.sort_by_strokes(rows, lambda row: row["name"])
    counts = evaluation_query.distribution(rows)
    table = [
        {
            "全局排名": row["overall_rank"] or "—",
            "部门排名": row["section_rank"] or "—",
            "工号": row["staff_no"],
            "姓名": row["name"],
            "部门": row["department"],
            "平时考核": score(row["ordinary"]),
            "民主测评": score(row["democratic"]),
            "领导评价": score(row["leader"]),
            "总分": score(row["total"])
            if row["total"] is not None or row["no_grade"]
            else "成绩不全",
            "等次": row["grade"] or "—",
            "末位": "是" if row["bottom"] else "否",
            "末位原因": row["bottom_reason"] or "",
            "谈话状态": row["talk_state"].label if row["talk_state"] else "",
            "bottom": bool(row["bottom"]),
        }
        for row in rows
    ]
    versions = sorted({row["settings_version"] for row in rows if row["settings_version"]})
    return {
        "年度": cycle.year,
        "单位": organisation,
        "范围": scope,
        "考核阶段": cycle.state.label,
        "权重": (
            f"平时考核 {cycle.weight_ordinary}%，民主测评 {cycle.weight_democratic}%，"
            f"领导评价 {cycle.weight_leader}%"
        ),
        "末位规则": (
            f"参评 {cycle.bottom_min_section_size} 人以上处室的最后一名及等次为"
            f"{'、'.join(cycle.bottom_grades) or '—'}者"
        ),
        "优秀比例": quota_check(cycle).message(),
        "优秀比例批准": cycle.quota_approval_reason or "",
        "名次规则": ranking.TIE_RULE,
        "设置版本": cycle.settings_version,
        "结果设置版本": "、".join(str(v) for v in versions),
        "人数": len(rows),
        "排列": REPORT_ORDERS[order],
        "等次分布": counts,
        "chart": charts.bar_chart(counts, width=520, height=200),
        "rows": table,
        "生成时间": f"{generated_at:%Y-%m-%d %H:%M}",
    }


# --- records printed for many cadres at once ---------------------------------------------------


@dataclass(frozen=True)
class CadreRecord:
    """A per-cadre record that batch export can print for many cadres."""

    code: str
    label: str  # the form's title, also in file names
    template: str  # under templates/pdf/
    build: Callable[[Cadre, dict[str, Any]], dict[str, Any]]  # (cadre, job params) -> data
    options: tuple[Any, ...] = ()  # eager loads of what ``build`` reads

    def filename(self, cadre: Cadre) -> str:
        return f"{cadre.staff_no}_{cadre.name}_{self.label}.pdf"


def _appointment_form(cadre: Cadre, params: dict[str, Any]) -> dict[str, Any]:
    """The 干部任免审批表 with the cadre's saved draft; ``params``: today, filled_by."""
    draft = db.session.get(AppointmentDraft, cadre.id)
    today = date.fromisoformat(params["today"])
    return appointment_form.form_data(cadre, draft, today=today, filled_by=params.get("filled_by"))


#: The 干部任免审批表 as a batch kind; blueprints.records registers it (services.core.registry).
APPOINTMENT_FORM = CadreRecord(
    code="appointment_form",
    label=appointment_form.TITLE,
    template=appointment_form.TEMPLATE,
    build=_appointment_form,
    options=(
        so.selectinload(Cadre.resume),
        so.selectinload(Cadre.family),
        so.selectinload(Cadre.photo),
        so.joinedload(Cadre.department).joinedload(Department.organisation),
    ),
)

#: The per-cadre records of the running app, by code: what the blueprint packages registered.
PER_CADRE: Mapping[str, CadreRecord] = registry.CurrentView("pdf_kinds")
