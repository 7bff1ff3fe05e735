"""The slips PDF: one-time codes as cut-out slips (A4, 2 × 4 a page, dashed cut lines).

Each slip carries the box's title, the rater group, the closing time in the office's zone, a
QR code of the ballot URL (``<base URL>/ballot/<code>``, drawn by segno as inline SVG: a
vector WeasyPrint lays out as it is, sharp at any printer resolution, no image file), the
typed code in groups of four in a large monospaced face, and a one-line instruction with the
address to type it at. The codes exist in plain text only here, in this document, this once
(services.ballots.codes: the database keeps their keyed hashes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import segno
from flask import current_app

from cadre_app.i18n import localtime
from cadre_app.models import BallotBox, BallotGroup
from cadre_app.services.ballots import codes
from cadre_app.services.core import pdf

#: Slips per A4 page: 2 columns × 4 rows.
COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
TEMPLATE = "ballot_slips.html"


def ballot_url(base_url: str, code: str) -> str:
    """The URL a slip's QR code holds: ``https://host/ballot/ABCDEFGHJKMN``."""
    return f"{base_url.rstrip('/')}/ballot/{code}"


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline SVG sized by its container (a 4-module quiet
    zone, error correction M: a crumpled slip still scans)."""
    return segno.make(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None
    )


def slips_data(
    box: BallotBox, group: BallotGroup, plain: Sequence[str], *, base_url: str
) -> dict[str, Any]:
    """Plain data of the slips of ``plain`` codes (pages of ``PER_PAGE`` rows of slips)."""
    slips = [
        {
            "code": codes.display(code),
            "qr": qr_svg(ballot_url(base_url, code)),
        }
        for code in plain
    ]
    rows = [slips[i : i + COLUMNS] for i in range(0, len(slips), COLUMNS)]
    pages = [rows[i : i + ROWS] for i in range(0, len(rows), ROWS)]
    return {
        "title": box.title,
        "group": group.name,
        "closes": localtime(box.closes_at),
        "entry_url": f"{base_url.rstrip('/')}/ballot/",
        "pages": pages,
        "count": len(slips),
    }


def render_slips(
    box: BallotBox, group: BallotGroup, plain: Sequence[str], *, base_url: str
) -> bytes:
    """The slips PDF; raises ``pdf.PdfUnavailable`` without a CJK font (views answer 503)."""
    return pdf.render_pdf(
        TEMPLATE,
        slips_data(box, group, plain, base_url=base_url),
        title=f"{box.title} 测评票（{group.name}）",
        author=current_app.config["ORGANISATION_NAME"],
    )
