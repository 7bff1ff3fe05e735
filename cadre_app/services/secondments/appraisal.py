"""期满鉴定 (the appraisal at the end of a secondment) and 归档.

While a secondment is in 期满鉴定, HR records the host unit's opinion (派驻单位鉴定意见), the
grade (优秀 / 称职 / 基本称职 / 不称职), the organisation's conclusion (组织人事部门意见) and
the appraisal date (``save_appraisal``); the cadre writes their own summary (本人总结,
``write_summary``). ``archive`` saves what HR posted with the archive button and moves the
secondment to 归档 through ``operations.transition``, which writes the 简历 line once.

Every write checks the version the form was loaded at (a form posted twice raises
AlreadyDone, a stale one VersionConflict), flushes, never commits, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Secondment, SecondmentState
from cadre_app.models.secondments import APPRAISAL_GRADES
from cadre_app.services.core import audit
from cadre_app.services.roster import operations as roster_operations
from cadre_app.services.secondments import operations
from cadre_app.services.secondments.operations import (
    AlreadyDone,
    Appraisal,
    SecondmentError,
    VersionConflict,
    changes_since,
)
from cadre_app.services.secondments.rules import S, Step

__all__ = [
    "AlreadyDone",
    "Appraisal",
    "SecondmentError",
    "VersionConflict",
    "WrongState",
    "archive",
    "changes_since",
    "check_appraisal",
    "save_appraisal",
    "write_summary",
]

#: The longest text each box takes (the printed 鉴定表 has room for about this much).
OPINION_LIMIT = 2000
SUMMARY_LIMIT = 3000

_APPRAISAL_FIELDS = ("host_opinion", "grade", "hr_conclusion", "appraised_at")


@dataclass(frozen=True)
class AppraisalValues:
    """What HR's appraisal form posts (strings stripped, empty as None)."""

    host_opinion: str | None
    grade: str | None
    conclusion: str | None
    appraised_at: date | None

    def as_appraisal(self) -> Appraisal:
        # Empty strings (not None) so that clearing a box clears the stored value.
        return Appraisal(
            host_opinion=self.host_opinion or "",
            grade=self.grade or "",
            conclusion=self.conclusion or "",
            appraised_at=self.appraised_at,
        )


def _clean(text: str | None) -> str | None:
    text = (text or "").replace("\r\n", "\n").strip()
    return text or None


def values(
    host_opinion: str | None, grade: str | None, conclusion: str | None, appraised_at: date | None
) -> AppraisalValues:
    return AppraisalValues(_clean(host_opinion), _clean(grade), _clean(conclusion), appraised_at)


class WrongState(SecondmentError):
    """The secondment is not in 期满鉴定 (the view answers 409)."""


def _label(secondment: Secondment) -> str:
    cadre = secondment.cadre
    return f"{cadre.staff_no} {cadre.name}：{secondment.host_unit}"


def _require_appraisal_state(secondment: Secondment, what: str) -> None:
    if SecondmentState(secondment.state) is not S.APPRAISAL:
        raise WrongState(
            [
                (
                    None,
                    _(
                        "挂职锻炼处于“%(state)s”状态，只有“期满鉴定”时才能%(what)s。",
                        state=SecondmentState(secondment.state).label,
                        what=what,
                    ),
                )
            ]
        )


def check_appraisal(
    secondment: Secondment, posted: AppraisalValues, *, today: date, archiving: bool = False
) -> list[tuple[str | None, str]]:
    """The problems of ``posted`` as (field, message); archiving also needs the grade and
    HR's conclusion."""
    errors: list[tuple[str | None, str]] = []
    if posted.grade is not None and posted.grade not in APPRAISAL_GRADES:
        errors.append(
            ("grade", _("鉴定等次须为 %(known)s 之一。", known="、".join(APPRAISAL_GRADES)))
        )
    for field, text in (("host_opinion", posted.host_opinion), ("conclusion", posted.conclusion)):
        if text and len(text) > OPINION_LIMIT:
            errors.append((field, _("不能超过 %(n)s 字。", n=OPINION_LIMIT)))
    day = posted.appraised_at
    if day is not None:
        if day < secondment.start_date:
            errors.append(("appraised_at", _("鉴定日期不能早于挂职开始日期。")))
        elif day > today:
            errors.append(("appraised_at", _("鉴定日期不能晚于今天。")))
    if archiving:
        if posted.grade is None:
            errors.append(("grade", _("归档前须填写鉴定等次。")))
        if posted.conclusion is None:
            errors.append(("conclusion", _("归档前须填写组织人事部门意见。")))
    return errors


def _check_version(secondment: Secondment, expected_version: int, unchanged: bool) -> None:
    if secondment.version != expected_version:
        if unchanged:
            raise AlreadyDone()
        raise VersionConflict(secondment, changes_since(secondment.id, expected_version))


def save_appraisal(
    secondment: Secondment,
    posted: AppraisalValues,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> dict[str, tuple[Any, Any]]:
    """Save HR's part of the 期满鉴定. Returns the changes (empty when nothing changed);
    raises SecondmentError (wrong state, bad values), AlreadyDone (the same form posted
    again), VersionConflict (someone saved since the form was loaded)."""
    _require_appraisal_state(secondment, _("填写鉴定"))
    errors = check_appraisal(secondment, posted, today=today)
    if errors:
        raise SecondmentError(errors)
    wanted = {
        "host_opinion": posted.host_opinion,
        "grade": posted.grade,
        "hr_conclusion": posted.conclusion,
        "appraised_at": posted.appraised_at,
    }
    before = {field: getattr(secondment, field) for field in _APPRAISAL_FIELDS}
    changes = {k: (before[k], v) for k, v in wanted.items() if before[k] != v}
    _check_version(secondment, expected_version, unchanged=not changes)
    if not changes:
        return {}
    for field, (_old, new) in changes.items():
        setattr(secondment, field, new)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError
    audit.record(
        "update",
        object_type="secondment",
        object_id=secondment.id,
        summary=f"{_label(secondment)}：期满鉴定",
        before={k: old for k, (old, _new) in changes.items()},
        after={k: new for k, (_old, new) in changes.items()} | {"version": secondment.version},
        actor_name=actor,
    )
    return changes


def write_summary(
    secondment: Secondment, text: str | None, *, expected_version: int, actor: str | None
) -> bool:
    """The cadre's own summary (本人总结). The view has checked that the writer is the
    secondment's cadre. Returns False when the text is what is stored already."""
    _require_appraisal_state(secondment, _("填写本人总结"))
    summary = _clean(text)
    if summary is None:
        raise SecondmentError([("summary", _("请填写本人总结。"))])
    if len(summary) > SUMMARY_LIMIT:
        raise SecondmentError([("summary", _("不能超过 %(n)s 字。", n=SUMMARY_LIMIT))])
    unchanged = summary == secondment.cadre_summary
    _check_version(secondment, expected_version, unchanged=unchanged)
    if unchanged:
        return False
    before = secondment.cadre_summary
    secondment.cadre_summary = summary
    secondment.summary_at = utcnow()
    db.session.flush()
    audit.record(
        "update",
        object_type="secondment",
        object_id=secondment.id,
        summary=f"{_label(secondment)}：本人总结",
        before={"cadre_summary": before},
        after={"cadre_summary": summary, "version": secondment.version},
        actor_name=actor,
    )
    return True


def archive(
    secondment: Secondment,
    posted: AppraisalValues | None,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> None:
    """归档: save what HR posted with the archive button (``posted``; None archives with what
    is saved) and move to 归档, which writes the 简历 line once. A second archive (the form
    posted twice) raises AlreadyDone and writes nothing."""
    if secondment.version != expected_version and SecondmentState(secondment.state) is S.ARCHIVED:
        raise AlreadyDone()
    _require_appraisal_state(secondment, _("办理归档"))
    if posted is not None:
        errors = check_appraisal(secondment, posted, today=today, archiving=True)
        if errors:
            raise SecondmentError(errors)
    appraisal = posted.as_appraisal() if posted is not None else Appraisal()
    if appraisal.appraised_at is None and secondment.appraised_at is None:
        appraisal = Appraisal(
            host_opinion=appraisal.host_opinion,
            grade=appraisal.grade,
            conclusion=appraisal.conclusion,
            appraised_at=today,  # archived without a date: the appraisal is dated today
        )
    try:
        operations.transition(
            secondment,
            S.ARCHIVED,
            Step(),
            expected_version=expected_version,
            actor=actor,
            today=today,
            appraisal=appraisal,
        )
    except roster_operations.RosterError as error:
        # The 简历 line refused by the roster's rules (a start before the birth date):
        # said in the roster's words, nothing archived.
        raise SecondmentError(
            [(None, _("简历未能写入：%(why)s", why=e.message)) for e in error.errors]
        ) from None
