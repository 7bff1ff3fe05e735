"""The filters of the 学时 table (GET parameters, no CSRF): year, section, 职级, young
cadres, behind, page. A wrong value is left out with a message (the page answers 400 and
keeps the other filters), as on the roster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from cadre_app.models import enums

FIRST_YEAR = 2000
LAST_YEAR = 2100


@dataclass
class HoursQuery:
    year: int
    department_id: int | None = None
    rank: str | None = None
    young: bool | None = None  # True: young cadres only; False: the others
    behind: bool | None = None  # True: behind only
    page: int = 1

    def args(self) -> dict[str, Any]:
        """The filters as URL parameters (for pagination and the workbook link)."""
        out: dict[str, Any] = {"year": self.year}
        if self.department_id is not None:
            out["department"] = self.department_id
        if self.rank:
            out["rank"] = self.rank
        if self.young is not None:
            out["young"] = "1" if self.young else "0"
        if self.behind:
            out["behind"] = "1"
        return out


def _whole(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if raw.isdigit() and len(raw) < 10 and low <= int(raw) <= high:
        return int(raw)
    return None


def parse_query(
    args: Mapping[str, str], sections: Sequence[int], this_year: int
) -> tuple[HoursQuery, list[str]]:
    """The query from ``args``; ``sections``: the section ids the user may choose."""
    problems: list[str] = []
    query = HoursQuery(year=this_year)
    if raw := args.get("year", "").strip():
        year = _whole(raw, FIRST_YEAR, LAST_YEAR)
        if year is None:
            problems.append(_("年度“%(value)s”无效，已按今年统计。", value=raw[:20]))
        else:
            query.year = year
    if raw := args.get("department", "").strip():
        department = _whole(raw, 1, 10**9)
        if department is None or department not in sections:
            problems.append(_("所选处室不在您可查看的范围内，已忽略。"))
        else:
            query.department_id = department
    if raw := args.get("rank", "").strip():
        if raw in enums.RANK_LADDER:
            query.rank = raw
        else:
            problems.append(_("职级“%(value)s”无效，已忽略。", value=raw[:20]))
    young = args.get("young", "").strip()
    if young in ("1", "0"):
        query.young = young == "1"
    if args.get("behind", "").strip() == "1":
        query.behind = True
    if raw := args.get("page", "").strip():
        page = _whole(raw, 1, 10**6)
        if page is None:
            problems.append(_("页码“%(value)s”无效，已显示第 1 页。", value=raw[:20]))
        else:
            query.page = page
    return query, problems
