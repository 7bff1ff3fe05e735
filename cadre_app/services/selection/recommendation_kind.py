"""民主推荐's kind of ballot (services.ballots.kinds): each ballot names up to the number of
places (``Position.places``) among the listed candidates.

The form lists the round's candidates (``RoundCandidate`` rows not removed) by 姓氏笔画, each
with a checkbox ``c`` whose value is the ``RoundCandidate.id``. A ballot ticks from zero (弃权,
a valid ballot that names nobody) up to ``places`` of them; more is refused with a message
beside the list and the ticks kept. One ``BallotEntry`` per ballot: ``subject`` is the round's
id, ``answers`` the chosen candidate ids ascending, comma-separated (``""`` for 弃权), read
back by ``decode`` (services.selection.recommendation's tally).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import BallotBox, Cadre, Department, RoundCandidate, SelectionRound
from cadre_app.services.core import names

#: The checkbox's name on the ballot page.
FIELD = "c"


def encode(chosen: Collection[int]) -> str:
    """The answers' text: ids ascending, comma-separated; ``""`` names nobody (弃权)."""
    return ",".join(str(i) for i in sorted(set(chosen)))


def decode(text: str) -> list[int]:
    """The candidate ids of an answers' text (ValueError when it is not one)."""
    if not text:
        return []
    ids = [int(part) for part in text.split(",")]
    if ids != sorted(set(ids)):
        raise ValueError(f"not an encoded recommendation: {text!r}")
    return ids


def read_choice(
    listed: Collection[int], places: int, form: Mapping[str, Any]
) -> tuple[list[int] | None, str | None]:
    """The candidates a posted ballot names (pure): ``(ids, None)``, or ``(None, message)``
    when it names more than ``places`` or someone not listed. Naming nobody is 弃权 (valid)."""
    values = form.getlist(FIELD) if hasattr(form, "getlist") else form.get(FIELD) or []
    if isinstance(values, str):
        values = [values]
    chosen: set[int] = set()
    for value in values:
        text = str(value).strip()
        if not text.isdigit() or int(text) not in listed:
            return None, _("所选人员不在候选人名单中，请刷新页面后重新选择。")
        chosen.add(int(text))
    if len(chosen) > places:
        return None, _(
            "最多可推荐 %(most)d 人，您选了 %(n)d 人。请取消多选的人后再提交。",
            most=places,
            n=len(chosen),
        )
    return sorted(chosen), None


def round_of(box: BallotBox) -> SelectionRound:
    found = db.session.scalar(sa.select(SelectionRound).where(SelectionRound.box_id == box.id))
    if found is None:
        raise LookupError(f"ballot box {box.id} belongs to no selection round")
    return found


def listed_candidates(round_id: int) -> list[dict[str, Any]]:
    """The round's candidates not removed, by 姓氏笔画: id (RoundCandidate), name, 处室, post."""
    rows = db.session.execute(
        sa.select(RoundCandidate.id, Cadre.name, Cadre.position_title, Department.name)
        .join(Cadre, Cadre.id == RoundCandidate.cadre_id)
        .outerjoin(Department, Department.id == Cadre.department_id)
        .where(RoundCandidate.round_id == round_id, RoundCandidate.removed_at.is_(None))
        .order_by(RoundCandidate.id)
    )
    listed = [
        {"id": cid, "name": name, "post": post or "", "department": dept or ""}
        for cid, name, post, dept in rows
    ]
    return names.sort_by_strokes(listed, lambda row: row["name"])


class RecommendationBallot:
    key = "recommendation"
    template = "selection/recommendation_form.html"

    def form_context(self, box: BallotBox) -> dict[str, Any]:
        selection_round = round_of(box)
        return {
            "candidates": listed_candidates(selection_round.id),
            "most": selection_round.position.places,
            "position": selection_round.position.title,
            "field": FIELD,
        }

    def read(
        self, box: BallotBox, form: Mapping[str, Any]
    ) -> tuple[dict[int, str], dict[str, str]]:
        selection_round = round_of(box)
        listed = {row["id"] for row in listed_candidates(selection_round.id)}
        chosen, error = read_choice(listed, selection_round.position.places, form)
        if chosen is None:
            return {}, {FIELD: error or ""}
        return {selection_round.id: encode(chosen)}, {}


KIND = RecommendationBallot()
