"""Results, conclusions, the 政治素质档案, and the talks a result opens.

- ``setup_of`` and ``subject_tallies``: an assessment's tally (services.assessments.tally) on
  the entries of its ballot box (``ballots.operations.entries_of``), keyed by
  ``AssessmentSubject.id`` (a ballot entry's subject).
- ``on_close``: called by services.assessments.operations inside the closing transaction;
  opens one 提醒谈话 per subject with a negative item at or above the threshold, through the
  talks domain (``talks.operations.open_talks``), and keeps its id on the subject. Never two
  talks for one subject of one assessment.
- ``record_conclusion``: HR's 合格 / 基本合格 / 不合格 with a reason (required for the last
  two), version-checked and audited, with the subject's figures kept as plain JSON
  (``AssessmentSubject.result``): the entry of the cadre's 政治素质档案.
- ``dossier`` and ``political_veto``: the public queries selection reads (the 政治素质档案,
  and the 不合格 in force that vetoes a candidate).

Results are read only once the assessment has closed (``results_ready``); while it is open
only counts of ballots per group are shown (``turnout``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import (
    CONCLUSIONS,
    Assessment,
    AssessmentState,
    AssessmentSubject,
)
from cadre_app.services.assessments import tally
from cadre_app.services.ballots import operations as ballots
from cadre_app.services.core import audit
from cadre_app.services.talks import operations as talks

#: A conclusion that needs a reason.
NEEDS_REASON = ("基本合格", "不合格")
#: The conclusion that vetoes selection.
VETO = "不合格"
REASON_MAX = 1000
TALK_KIND = "提醒谈话"
TALK_SOURCE = "政治素质考察"


class ResultsError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class WrongState(ResultsError):
    """The assessment is not closed (the view answers 409)."""


class VersionConflict(Exception):
    """Someone recorded a conclusion since the form was loaded."""


def results_ready(assessment: Assessment) -> bool:
    """Results may be read once the assessment has closed (已关闭, 已归档)."""
    return assessment.state in (AssessmentState.CLOSED, AssessmentState.ARCHIVED)


# --- the tally of an assessment -------------------------------------------------------------


def setup_of(assessment: Assessment) -> tally.Setup:
    """The tally's setup: the checklist's items in their order, its points, the box's rater
    groups, the assessment's minimum and threshold."""
    checklist = assessment.checklist
    positive = sorted(checklist.positive, key=lambda i: (i.position, i.id))
    negative = sorted(checklist.negative, key=lambda i: (i.position, i.id))
    return tally.Setup(
        positive=[tally.Item(i.category, i.text) for i in positive],
        negative=[tally.Item(i.category, i.text) for i in negative],
        points={k: float(v) for k, v in (checklist.points or {}).items()},
        groups=[tally.Group(g.id, g.name, g.weight, g.position) for g in assessment.box.groups],
        min_ballots=assessment.min_group_ballots,
        threshold=tally.parse_threshold(assessment.talk_threshold),
    )


def subject_tallies(
    assessment: Assessment, subject_ids: list[int] | None = None
) -> dict[int, tally.SubjectTally]:
    """The figures of the assessment's subjects (all, or ``subject_ids``), keyed by
    ``AssessmentSubject.id``; a subject without ballots has a tally with 0 ballots."""
    wanted = subject_ids if subject_ids is not None else [s.id for s in assessment.subjects]
    return tally.tally(setup_of(assessment), ballots.entries_of(assessment.box), subjects=wanted)


def snapshot(assessment: Assessment, figures: tally.SubjectTally) -> dict[str, Any]:
    """A subject's figures as kept with the conclusion: the tally plus what it was computed
    with (items, points, groups, minimum, threshold), so the dossier never recomputes."""
    setup = setup_of(assessment)
    return {
        **figures.as_dict(),
        "checklist": f"{assessment.checklist.name}（第 {assessment.checklist.version} 版）",
        "points": dict(setup.points),
        "positive_items": [[i.category, i.text] for i in setup.positive],
        "negative_items": [[i.category, i.text] for i in setup.negative],
        "groups": [[g.name, g.weight] for g in setup.groups],
        "min_ballots": setup.min_ballots,
        "threshold": assessment.talk_threshold,
    }


# --- closing --------------------------------------------------------------------------------


def talk_reason(assessment: Assessment, flags: list[tally.Flag]) -> str:
    """The 事由 of the 提醒谈话 a result opens (a Chinese record, like the talk itself). Kept
    short, as the talks list shows about 45 characters: the talk's source says 政治素质考察
    and the subject's results page links to the talk."""
    items = "；".join(f"“{f.text}”{f.ticks}/{f.ballots} 人勾选" for f in flags)
    return f"反向测评：{items}，达到 {assessment.talk_threshold} 的提醒标准"


def on_close(assessment: Assessment, *, actor: str | None, today: date) -> list[Any]:
    """What closing an assessment sets off: one 提醒谈话 (talks domain) for each subject
    with a negative item ticked by at least ``talk_threshold`` of its ballots, its id kept
    on the subject. Runs inside the closing transaction (flushes only); a subject that has a
    talk already gets none (idempotent). Returns the talks opened."""
    figures = subject_tallies(assessment)
    due: list[tuple[AssessmentSubject, tally.SubjectTally]] = [
        (s, figures[s.id])
        for s in assessment.subjects
        if s.talk_id is None and s.id in figures and figures[s.id].flagged
    ]
    if not due:
        return []
    opened = talks.open_talks(
        [
            talks.TalkOpening(
                kind=TALK_KIND,
                source=TALK_SOURCE,
                subject_id=subject.cadre_id,
                reason=talk_reason(assessment, result.flagged),
            )
            for subject, result in due
        ],
        actor=actor,
        today=today,
    )
    for (subject, _result), talk in zip(due, opened, strict=True):
        subject.talk_id = talk.id
    db.session.flush()
    return opened


# --- conclusions ----------------------------------------------------------------------------


def check_conclusion(conclusion: str | None, reason: str | None) -> list[tuple[str | None, str]]:
    """The errors of a conclusion as typed (pure)."""
    errors: list[tuple[str | None, str]] = []
    if conclusion not in CONCLUSIONS:
        errors.append(("conclusion", _("请选择结论：合格、基本合格或不合格。")))
    text = (reason or "").strip()
    if conclusion in NEEDS_REASON and not text:
        errors.append(("reason", _("结论为基本合格或不合格时，必须填写理由。")))
    if len(text) > REASON_MAX:
        errors.append(("reason", _("理由不能超过 %(n)d 字。", n=REASON_MAX)))
    return errors


def record_conclusion(
    subject: AssessmentSubject,
    conclusion: str | None,
    reason: str | None,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> bool:
    """Record HR's conclusion on ``subject`` (the assessment closed), with its figures as
    plain JSON, if nobody recorded one since ``expected_version``. The same conclusion and
    reason posted again change nothing (returns False). Raises WrongState, ResultsError,
    VersionConflict. Audited; flushes, the caller commits."""
    assessment = subject.assessment
    if not results_ready(assessment):
        raise WrongState([(None, _("测评尚未关闭，不能记录结论。"))])
    if assessment.state is AssessmentState.ARCHIVED:
        raise WrongState([(None, _("测评已归档，结论不能再修改。"))])
    errors = check_conclusion(conclusion, reason)
    if errors:
        raise ResultsError(errors)
    text = (reason or "").strip() or None
    if subject.conclusion == conclusion and (subject.conclusion_reason or None) == text:
        return False
    if subject.version != expected_version:
        raise VersionConflict()
    before = {"conclusion": subject.conclusion, "reason": subject.conclusion_reason}
    figures = subject_tallies(assessment, [subject.id])[subject.id]
    subject.conclusion = conclusion
    subject.conclusion_reason = text
    subject.concluded_on = today
    subject.concluded_by = actor
    subject.result = snapshot(assessment, figures)
    db.session.flush()
    cadre = subject.cadre
    audit.record(
        "update" if before["conclusion"] else "create",
        object_type="assessment",
        object_id=assessment.id,
        summary=f"{assessment.title} {cadre.staff_no} {cadre.name}：考察结论 {conclusion}",
        before=before,
        after={"conclusion": conclusion, "reason": text},
        actor_name=actor,
    )
    return True


# --- the 政治素质档案 and the veto ------------------------------------------------------------


@dataclass(frozen=True)
class DossierEntry:
    """One entry of a cadre's 政治素质档案: one concluded assessment."""

    assessment_id: int
    subject_id: int
    title: str
    purpose: str
    closed_on: date | None
    conclusion: str
    reason: str | None
    concluded_on: date
    ballots: int
    positive_score: float | None
    weighted_score: float | None
    good_share: float | None
    flagged: tuple[str, ...]
    talk_id: int | None


def _entry(subject: AssessmentSubject, assessment: Assessment) -> DossierEntry:
    result = subject.result or {}
    whole = result.get("whole") or {}
    closed = assessment.closed_at or assessment.box.closes_at
    return DossierEntry(
        assessment_id=assessment.id,
        subject_id=subject.id,
        title=assessment.title,
        purpose=assessment.purpose,
        closed_on=office_day(closed) if closed else None,
        conclusion=subject.conclusion or "",
        reason=subject.conclusion_reason,
        concluded_on=subject.concluded_on or date.min,
        ballots=int(result.get("ballots") or 0),
        positive_score=whole.get("positive_score"),
        weighted_score=result.get("weighted_score"),
        good_share=whole.get("good_share"),
        flagged=tuple(f["text"] for f in result.get("flagged") or ()),
        talk_id=subject.talk_id,
    )


def office_day(moment: datetime) -> date:
    """The office's calendar day of a stored naive-UTC time."""
    return moment.replace(tzinfo=UTC).astimezone(clock.zone()).date()


def dossier(cadre_id: int, *, on: date | None = None) -> list[DossierEntry]:
    """The cadre's 政治素质档案: each concluded assessment (concluded on or before ``on``
    when given), the latest first (by conclusion date, then assessment)."""
    query = (
        sa.select(AssessmentSubject, Assessment)
        .join(Assessment, Assessment.id == AssessmentSubject.assessment_id)
        .where(AssessmentSubject.cadre_id == cadre_id, AssessmentSubject.conclusion.is_not(None))
        .order_by(AssessmentSubject.concluded_on.desc(), Assessment.id.desc())
    )
    if on is not None:
        query = query.where(AssessmentSubject.concluded_on <= on)
    return [_entry(subject, assessment) for subject, assessment in db.session.execute(query)]


@dataclass(frozen=True)
class Conclusion:
    """A dossier entry in short: what the selection comparison shows."""

    title: str
    conclusion: str
    concluded_on: date | None


@functools.cache
def _conclusions_select() -> sa.Select[Any]:
    return (
        sa.select(
            AssessmentSubject.cadre_id,
            Assessment.title,
            AssessmentSubject.conclusion,
            AssessmentSubject.concluded_on,
        )
        .join(Assessment, Assessment.id == AssessmentSubject.assessment_id)
        .where(
            AssessmentSubject.cadre_id.in_(sa.bindparam("ids", expanding=True)),
            AssessmentSubject.conclusion.is_not(None),
        )
        .order_by(AssessmentSubject.concluded_on.desc(), Assessment.id.desc())
    )


def conclusions_of(cadre_ids: list[int]) -> dict[int, list[Conclusion]]:
    """The 政治素质档案 of some cadres in short (title, conclusion, date; latest first, as
    ``dossier`` orders it), in one query without the figures (the selection comparison)."""
    if not cadre_ids:
        return {}
    out: dict[int, list[Conclusion]] = {}
    rows = db.session.connection().execute(_conclusions_select(), {"ids": list(cadre_ids)})
    for cadre_id, title, conclusion, concluded_on in rows:
        out.setdefault(cadre_id, []).append(Conclusion(title, conclusion, concluded_on))
    return out


def political_veto(cadre_id: int, on: date) -> DossierEntry | None:
    """The 不合格 that vetoes the cadre's selection on ``on``: the cadre's latest conclusion
    (concluded on or before ``on``) when it is 不合格; a later 合格 or 基本合格 lifts it.
    None when nothing vetoes."""
    entries = dossier(cadre_id, on=on)
    return entries[0] if entries and entries[0].conclusion == VETO else None


def political_vetoes(on: date) -> dict[int, DossierEntry]:
    """``political_veto`` for every cadre at once (selection's eligibility of the roster):
    the cadres whose latest conclusion on or before ``on`` is 不合格, with that entry."""
    query = (
        sa.select(AssessmentSubject, Assessment)
        .join(Assessment, Assessment.id == AssessmentSubject.assessment_id)
        .where(AssessmentSubject.conclusion.is_not(None), AssessmentSubject.concluded_on <= on)
        .order_by(AssessmentSubject.concluded_on.desc(), Assessment.id.desc())
    )
    latest: dict[int, tuple[AssessmentSubject, Assessment]] = {}
    for subject, assessment in db.session.execute(query):
        latest.setdefault(subject.cadre_id, (subject, assessment))
    return {
        cadre_id: _entry(subject, assessment)
        for cadre_id, (subject, assessment) in latest.items()
        if subject.conclusion == VETO
    }


# --- who reads what -------------------------------------------------------------------------


def visible_subjects(assessment: Assessment, sections: list[int] | None) -> list[AssessmentSubject]:
    """The subjects whose results a reader may see: all for HR (``sections`` None); for a
    manager the concluded subjects of the sections they lead."""
    if sections is None:
        return list(assessment.subjects)
    return [
        s
        for s in assessment.subjects
        if s.conclusion is not None and s.cadre.department_id in sections
    ]


def turnout(assessment: Assessment) -> list[dict[str, Any]]:
    """Ballots cast per rater group, with the codes issued and voided (counts only: they
    may be shown while the assessment is open)."""
    cast = ballots.turnout(assessment.box)
    return [
        {
            "name": g.name,
            "weight": g.weight,
            "planned": g.planned,
            "issued": g.issued,
            "voided": g.voided,
            "cast": cast.get(g.id, 0),
        }
        for g in assessment.box.groups
    ]


# --- labels and rows shared by the pages, the PDFs and the workbook -------------------------


def bucket_label(kind: str, groups: list[str]) -> str:
    """A bucket's name as the records print it (Chinese): 同事; 其他（领导、下属）;
    同事及其他（领导）. The pages compose the same in the reader's language."""
    if kind == "pool":
        return f"其他（{'、'.join(groups)}）"
    if kind == "joined":
        return f"{groups[0]}及其他（{'、'.join(groups[1:])}）"
    return groups[0]


FOLDING_RULE = (
    "评价组投票少于 {n} 票时不单独显示：各小组合并为“其他”；合并后仍少于 {n} 票的，"
    "并入票数最少的单独显示组（如“同事及其他”）；被测评人总票数少于 {n} 票的，只显示票数。"
    "加权得分 = Σ（组权重 × 组正向得分）÷ Σ 组权重，合并组的权重为其各组权重之和。"
)


def folding_rule(min_ballots: int) -> str:
    """The folding and weighting rule in words (Chinese, for the records)."""
    return FOLDING_RULE.format(n=min_ballots)


def summary_rows(
    assessment: Assessment,
    subjects: list[AssessmentSubject],
    figures: dict[int, tally.SubjectTally],
) -> list[dict[str, Any]]:
    """One plain row per subject for the results table, the summary PDF and the workbook."""
    rows = []
    for number, subject in enumerate(subjects, start=1):
        cadre = subject.cadre
        result = figures.get(subject.id)
        whole = result.whole if result is not None else None
        rows.append(
            {
                "number": number,
                "subject_id": subject.id,
                "cadre_id": cadre.id,
                "staff_no": cadre.staff_no,
                "name": cadre.name,
                "department": cadre.department.name if cadre.department else "",
                "post": cadre.position_title or cadre.rank or "",
                "ballots": result.ballots if result is not None else 0,
                "shown": bool(result and result.shown),
                "positive_score": whole.positive_score if whole else None,
                "weighted_score": result.weighted_score if result is not None else None,
                "good_share": whole.good_share if whole else None,
                "overall": list(whole.overall) if whole else None,
                "flagged": [f.text for f in result.flagged] if result is not None else [],
                "conclusion": subject.conclusion,
                "reason": subject.conclusion_reason,
                "concluded_on": subject.concluded_on,
                "talk_id": subject.talk_id,
            }
        )
    return rows


def talk_rule(threshold: str) -> str:
    """The 提醒谈话 rule in words (Chinese, for the records)."""
    return f"反向测评项目勾选“存在”的人数达到有效票数的 {threshold} 及以上的，启动提醒谈话。"
