"""Plain data for the 光荣榜 poster of one published quarter (templates/pdf/honour_poster.html),
turned into bytes by services.core.pdf (which refuses without a CJK font).

A4 portrait by default, A3 on request: the same content, the A3 sheet in larger type and
three columns of individuals instead of two. The poster is a Chinese document: its labels
are not translated. Photos are scaled down to what the print needs (services.core.photos).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cadre_app.models import HonourEntry, HonourKind
from cadre_app.services.core import photos
from cadre_app.services.honours import queries, rules

TEMPLATE = "honour_poster.html"
TITLE = "光荣榜"
SIZES = ("A4", "A3")
PHOTO_MAX_HEIGHT_PX = 480


def _photo(entry: HonourEntry) -> str | None:
    found = queries.photo_of(entry.id)
    if found is None:
        return None
    return photos.data_uri(found[0], found[1], max_height=PHOTO_MAX_HEIGHT_PX)


def poster_data(
    year: int,
    quarter: int,
    entries: list[HonourEntry],
    *,
    organisation: str,
    size: str,
    today: date,
) -> dict[str, Any]:
    """The poster of ``entries`` (a quarter's published roll, in roll order)."""
    if size not in SIZES:
        raise ValueError(f"poster size {size!r}")
    sections, people = [], []
    for entry in entries:
        item = {
            "称号": entry.title,
            "事迹": rules.paragraphs(entry.deeds),
            "照片": _photo(entry),
        }
        if entry.kind is HonourKind.SECTION:
            sections.append(item | {"名称": entry.department.name})
        else:
            assert entry.cadre is not None
            post = entry.cadre.position_title or entry.cadre.rank or ""
            people.append(
                item | {"姓名": entry.cadre.name, "处室": entry.department.name, "职务": post}
            )
    return {
        "标题": TITLE,
        "单位": organisation,
        "季度": rules.quarter_label(year, quarter),
        "先进处室": sections,
        "先进个人": people,
        "纸张": size,
        "日期": f"{today.year}年{today.month}月{today.day}日",
    }
