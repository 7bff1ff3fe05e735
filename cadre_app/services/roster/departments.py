"""Sections (科室): create, rename, order, and name their head (负责人) and party-branch
secretary (支部书记) from the roster. The head conducts the reminder talks of their section."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Organisation, User, department_manager
from cadre_app.services.core import audit


class DepartmentError(ValueError):
    """A rule was broken; the message says which (Chinese)."""


#: How alike two names must be (difflib ratio) for one to be offered as the other's spelling.
NEAREST_MIN_RATIO = 0.5


def nearest_name(name: str, existing: list[str]) -> str | None:
    """The existing section name closest to ``name`` (a misspelt or shortened one: 预算科 ->
    预算处, 国库 -> 国库处), or None when none is alike. Ties go to the earlier name."""
    best, best_ratio = None, NEAREST_MIN_RATIO
    for candidate in existing:
        ratio = SequenceMatcher(None, name, candidate).ratio()
        if name in candidate or candidate in name:
            ratio = max(ratio, 0.75)
        if ratio > best_ratio or (best is None and ratio >= best_ratio):
            best, best_ratio = candidate, ratio
    return best


def overview() -> list[dict[str, Any]]:
    """Every section with its head, secretary, managers and number of cadres."""
    counts = dict(
        db.session.execute(
            sa.select(Cadre.department_id, sa.func.count()).group_by(Cadre.department_id)
        ).all()
    )
    managers: dict[int, list[str]] = {}
    for department_id, username in db.session.execute(
        sa.select(department_manager.c.department_id, User.username)
        .join(User, User.id == department_manager.c.user_id)
        .order_by(User.username)
    ):
        managers.setdefault(department_id, []).append(username)
    rows = []
    for d in db.session.scalars(
        sa.select(Department).order_by(Department.sort_order, Department.name)
    ):
        rows.append(
            {
                "id": d.id,
                "name": d.name,
                "sort_order": d.sort_order,
                "parent": d.parent.name if d.parent else None,
                "head": d.head,
                "secretary": d.secretary,
                "managers": managers.get(d.id, []),
                "cadres": counts.get(d.id, 0),
            }
        )
    return rows


def _cadre_by_staff_no(staff_no: str | None, label: str) -> Cadre | None:
    if not staff_no:
        return None
    cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no.strip()))
    if cadre is None:
        raise DepartmentError(
            _("%(label)s：名册中没有工号为 %(no)s 的干部。", label=label, no=staff_no)
        )
    return cadre


def save(
    department: Department | None,
    *,
    name: str,
    sort_order: int,
    head_staff_no: str | None,
    secretary_staff_no: str | None,
    actor: str | None,
) -> Department:
    """Create a section (``department`` None) or change one. Raises DepartmentError."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DepartmentError(_("处室名称须为 1 至 100 个字符。"))
    organisation = (
        department.organisation
        if department
        else db.session.scalar(sa.select(Organisation).order_by(Organisation.id).limit(1))
    )
    if organisation is None:
        raise DepartmentError(_("尚未建立单位，请先导入干部名册。"))
    clash = db.session.scalar(
        sa.select(Department.id).where(
            Department.organisation_id == organisation.id,
            Department.name == name,
            Department.id != (department.id if department else -1),
        )
    )
    if clash:
        raise DepartmentError(_("处室“%(name)s”已存在。", name=name))
    head = _cadre_by_staff_no(head_staff_no, _("负责人"))
    secretary = _cadre_by_staff_no(secretary_staff_no, _("支部书记"))
    before = None
    if department is None:
        department = Department(organisation=organisation)
        db.session.add(department)
    else:
        before = _snapshot(department)
    department.name = name
    department.sort_order = sort_order
    department.head = head
    department.secretary = secretary
    db.session.flush()
    audit.record(
        "update" if before else "create",
        object_type="department",
        object_id=department.id,
        summary=name,
        before=before,
        after=_snapshot(department),
        actor_name=actor,
    )
    return department


def _snapshot(department: Department) -> dict[str, Any]:
    return {
        "name": department.name,
        "sort_order": department.sort_order,
        "head": department.head.staff_no if department.head else None,
        "secretary": department.secretary.staff_no if department.secretary else None,
    }
