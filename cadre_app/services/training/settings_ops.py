"""The training settings (``rules.SETTINGS_KEY``): every value checked, each save a new
version (services.core.settings) with who and when, audited. The admin and HR keep them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Setting
from cadre_app.services.core import audit, settings
from cadre_app.services.training import rules

LABELS: dict[str, str] = {
    "annual_hours": "乡科级及以下每年学时要求",
    "senior_hours": "县处级及以上周期学时要求",
    "senior_window_years": "县处级及以上周期（年）",
    "online_share_pct": "网络培训最多计入比例（百分比）",
    "leave_limit": "请假上限",
    "lecture_speaker_hours": "业务微讲座主讲人学时",
    "lecture_attendee_hours": "业务微讲座听讲人学时",
    "essay_hours": "策论合格及以上学时",
    "behind_warning_from": "学时不足提醒起始日",
    "max_hours_per_day": "每天最多学时",
    "review_interval_months": "培养计划评议间隔（月）",
}
#: key -> (smallest, largest) for the whole-number settings.
INT_RANGES: dict[str, tuple[int, int]] = {
    "senior_window_years": (1, 10),
    "online_share_pct": (0, 100),
    "max_hours_per_day": (1, 24),
    "review_interval_months": (1, 24),
}
#: key -> largest value for the 学时 settings (one decimal allowed, 0 allowed for credits).
HOUR_LIMITS: dict[str, Decimal] = {
    "annual_hours": Decimal(2000),
    "senior_hours": Decimal(10000),
    "lecture_speaker_hours": Decimal(100),
    "lecture_attendee_hours": Decimal(100),
    "essay_hours": Decimal(100),
}
_FRACTION = re.compile(r"^(\d{1,3})\s*/\s*(\d{1,3})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?$")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class SettingsError(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(m for _k, m in errors))
        self.errors = errors


def current() -> tuple[int | None, dict[str, Any]]:
    """(version, settings) in force; a key a stored version lacks takes its default. The one
    reading of the training settings: courses, import, ledger, lectures and essays use it."""
    version, value = settings.current(rules.SETTINGS_KEY)
    return version, {**rules.DEFAULT_SETTINGS, **(value or {})}


def in_force() -> dict[str, Any]:
    """The settings in force (without their version)."""
    return current()[1]


def values_of(version: int | None) -> dict[str, Any]:
    """The settings of ``version`` (a Setting row id), or the built-in defaults for None (a
    record made while no change had ever been saved). Keys a version lacks take defaults."""
    value: Any = None
    if version is not None:
        row = db.session.get(Setting, version)
        if row is not None and row.key == rules.SETTINGS_KEY:
            value = row.value
    return {**rules.DEFAULT_SETTINGS, **(value or {})}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def as_text(key: str, value: Any) -> str:
    """A setting as the form shows it."""
    if key == "leave_limit":
        return f"{value[0]}/{value[1]}"
    if key == "behind_warning_from":
        return f"{int(value[0]):02d}-{int(value[1]):02d}"
    return str(value)


def parse(raw: Mapping[str, str | None]) -> dict[str, Any]:
    """Every setting from the form's text; raises SettingsError with each problem."""
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for key in rules.DEFAULT_SETTINGS:
        text = (raw.get(key) or "").strip()
        label = _(LABELS[key])
        if not text:
            errors.append((key, _("请填写%(label)s。", label=label)))
            continue
        if key in INT_RANGES:
            low, high = INT_RANGES[key]
            if not text.isdigit() or not low <= int(text) <= high:
                errors.append(
                    (
                        key,
                        _(
                            "%(label)s须为 %(low)d 至 %(high)d 的整数。",
                            label=label,
                            low=low,
                            high=high,
                        ),
                    )
                )
            else:
                values[key] = int(text)
        elif key in HOUR_LIMITS:
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = Decimal(-1)
            if (
                not number.is_finite()
                or number < 0
                or number > HOUR_LIMITS[key]
                or number != number.quantize(rules.ONE_PLACE)
                or (key in ("annual_hours", "senior_hours") and number == 0)
            ):
                errors.append(
                    (
                        key,
                        _(
                            "%(label)s须为 0 至 %(high)s 之间的数字（最多一位小数）。",
                            label=label,
                            high=HOUR_LIMITS[key],
                        ),
                    )
                )
            else:
                values[key] = _number(number)
        elif key == "leave_limit":
            match = _FRACTION.match(text)
            if not match or not 0 < int(match.group(1)) < int(match.group(2)):
                errors.append((key, _("请假上限须写成分数，如 1/7（分子小于分母）。")))
            else:
                values[key] = [int(match.group(1)), int(match.group(2))]
        elif key == "behind_warning_from":
            match = _MONTH_DAY.match(text)
            month, day = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
            if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]):
                errors.append((key, _("提醒起始日须为有效的月-日，如 10-01。")))
            else:
                values[key] = [month, day]
    if errors:
        raise SettingsError(errors)
    return values


def save(raw: Mapping[str, str | None], *, actor: str | None) -> Setting | None:
    """Store a new version when any value changed (None when nothing did); audited."""
    values = parse(raw)
    _version, before = current()
    if values == before:
        return None
    row = settings.update(rules.SETTINGS_KEY, values, actor=actor)
    if int(values["senior_window_years"]) != int(before["senior_window_years"]):
        from cadre_app.services.training import ledger  # ledger reads the settings: no cycle

        db.session.flush()
        ledger.rebuild_summary()  # the summary's window rows have the window's length
    changed = [LABELS[k] for k in values if values[k] != before.get(k)]
    audit.record(
        "update",
        object_type="setting",
        object_id=row.id,
        summary=f"教育培训设置（版本 {row.id}）：修改 " + "、".join(changed),
        before={k: before.get(k) for k in values if values[k] != before.get(k)},
        after={k: values[k] for k in values if values[k] != before.get(k)},
        actor_name=actor,
    )
    return row


def history(limit: int = 20) -> list[Setting]:
    """The stored versions, newest first."""
    stmt = (
        sa.select(Setting)
        .where(Setting.key == rules.SETTINGS_KEY)
        .order_by(Setting.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
