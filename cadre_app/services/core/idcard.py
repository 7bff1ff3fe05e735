"""Resident identity card numbers (居民身份证号码, GB 11643-1999): checksum, birth date, sex,
masking.

The 18th character is a check digit: the first 17 digits weighted by 2^(17-i) mod 11, summed,
mod 11, mapped through ``10X98765432``. The 7th to 14th characters are the birth date; the 17th
is odd for men and even for women.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from cadre_app.services.core.dates import MonthDate

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The check character for the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(value: str | None) -> str:
    """Upper-case ``x``, drop spaces; full-width digits become ASCII."""
    if value is None:
        return ""
    table = {ord("０") + i: ord("0") + i for i in range(10)} | {
        ord("Ｘ"): ord("X"),
        ord("ｘ"): ord("X"),
    }
    return "".join(str(value).translate(table).split()).upper()


def problem(number: str) -> str | None:
    """What is wrong with ``number`` (already normalised), or None when it is valid."""
    if len(number) != 18:
        return _("身份证号应为 18 位，现为 %(n)d 位。", n=len(number))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("身份证号前 17 位须为数字，最后一位为数字或 X。")
    if birth_date(number) is None:
        return _("身份证号中的出生日期 %(d)s 不存在。", d=number[6:14])
    expected = check_character(number[:17])
    if number[17] != expected:
        return _(
            "身份证号校验位错误：最后一位应为 %(expected)s，现为 %(actual)s。",
            expected=expected,
            actual=number[17],
        )
    return None


def birth_date(number: str) -> date | None:
    """The birth date encoded in characters 7 to 14, or None if it is not a real date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def agrees_with_birth(number: str, birth: date) -> bool:
    """The ID's birth date and ``birth`` agree: to the month when ``birth`` is known only to the
    month (a ``MonthDate``, whatever day it carries), else to the day. ``number`` is valid."""
    from_id = birth_date(number)
    if from_id is None:
        return False
    if isinstance(birth, MonthDate):
        return (from_id.year, from_id.month) == (birth.year, birth.month)
    return from_id == birth


def completed_birth(number: str | None, birth: date | None) -> date | None:
    """A month-only ``birth`` takes its day from a valid, agreeing ID number (and stays a
    MonthDate, shown to the month as given); anything else is returned unchanged."""
    if not number or not isinstance(birth, MonthDate) or problem(number) is not None:
        return birth
    from_id = birth_date(number)
    if from_id is None or not agrees_with_birth(number, birth):
        return birth
    return MonthDate(from_id.year, from_id.month, from_id.day)


def sex(number: str) -> str:
    """男 when the 17th character is odd, else 女."""
    return "男" if int(number[16]) % 2 else "女"


def mask(number: str | None) -> str:
    """``110105199001010023`` -> ``110105********0023``: region code and last four only."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


_MASKED = re.compile(r"\d{6}\*{8}[\dX]{4}")


def is_masked(number: str | None) -> bool:
    """Whether ``number`` (normalised) is one of our masked numbers (``mask``): what the
    roster workbook and ``.lrmx`` carry unless HR exported full numbers with a reason."""
    return bool(number) and _MASKED.fullmatch(number) is not None


def make(region: str, born: date, sequence: int) -> str:
    """Build a valid number (for demo data and tests): 6-digit region, birth date, a 3-digit
    sequence whose parity gives the sex (odd = 男)."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
