"""Reads of secondments. Every read takes the reader's sections (``visible_departments``:
None for HR, a manager's led sections, ``[]`` for nobody) and never shows a secondment of a
cadre outside them."""

from __future__ import annotations

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Secondment


def scoped(stmt: sa.Select, visible_departments: list[int] | None) -> sa.Select:
    """``stmt`` (which selects from ``Secondment``) limited to the reader's sections."""
    if visible_departments is None:
        return stmt
    return stmt.join(Cadre, Cadre.id == Secondment.cadre_id).where(
        Cadre.department_id.in_(visible_departments or [-1])
    )


def secondment_visible(
    secondment_id: int, visible_departments: list[int] | None
) -> Secondment | None:
    """The secondment if it exists and the reader may see it, else None (the view's 404)."""
    secondment = db.session.get(Secondment, secondment_id)
    if secondment is None or visible_departments is None:
        return secondment
    return secondment if secondment.cadre.department_id in visible_departments else None


def of_cadre(cadre_id: int) -> list[Secondment]:
    """All of one cadre's secondments, newest first (the profile tab, ``/me``)."""
    stmt = (
        sa.select(Secondment)
        .where(Secondment.cadre_id == cadre_id)
        .order_by(Secondment.start_date.desc(), Secondment.id.desc())
    )
    return list(db.session.scalars(stmt))
