"""Dates as people in a personnel office write them.

Accepted: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYY.MM``, ``YYYY-MM``,
``YYYY年MM月``, ``YYYY年MM月DD日`` and ``YYYYMM`` (the .lrmx form). A month without a day
means the first of that month.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _

_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateFormatError(ValueError):
    """Not a date, or not a real one; the message says which (in Chinese)."""


def parse(text: str | None) -> date | None:
    """A date from ``text``, None for empty input; raises DateFormatError otherwise."""
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    if not value:
        return None
    for pattern in (_FULL, _COMPACT_DAY):
        match = pattern.match(value)
        if match:
            year, month, day = (int(g) for g in match.groups())
            break
    else:
        for pattern in (_MONTH, _COMPACT_MONTH):
            match = pattern.match(value)
            if match:
                year, month = (int(g) for g in match.groups())
                day = 1
                break
        else:
            raise DateFormatError(
                _(
                    "“%(value)s”不是可识别的日期"
                    "（可写作 1990-01-31、1990.01、1990.01.31 或 1990年01月）。",
                    value=value,
                )
            )
    try:
        return date(year, month, day)
    except ValueError:
        raise DateFormatError(_("日期“%(value)s”不存在。", value=value)) from None
