"""Reading accounts for the admin's pages: no personnel data beyond an account's own name."""

from __future__ import annotations

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Department, SectionHead, User, department_manager


def accounts() -> list[User]:
    """Every account, by role then login name."""
    return list(db.session.scalars(sa.select(User).order_by(User.role, User.username)))


def account_id(username: str) -> int | None:
    """The id of the account called ``username`` (as the login form matches it), or None."""
    return db.session.scalar(sa.select(User.id).where(User.username == username.strip()))


def known_usernames(names: set[str]) -> set[str]:
    """Those of ``names`` that are accounts' usernames."""
    found: set[str] = set()
    wanted = sorted(names)
    for start in range(0, len(wanted), 500):  # a bounded IN list on every database
        chunk = wanted[start : start + 500]
        found.update(db.session.scalars(sa.select(User.username).where(User.username.in_(chunk))))
    return found


def section_choices() -> list[tuple[int, str]]:
    """Every section (处室) as (id, name), in the organisation's order."""
    rows = db.session.execute(
        sa.select(Department.id, Department.name).order_by(Department.sort_order, Department.name)
    )
    return [(row.id, row.name) for row in rows]


def headed_section(user: User) -> int | None:
    """The id of the section ``user`` is 处长 of, if any."""
    return db.session.scalar(
        sa.select(SectionHead.department_id).where(SectionHead.user_id == user.id)
    )


def sections_by_user() -> dict[int, dict[str, list[str]]]:
    """user id -> {"head": [section], "oversees": [sections]} for the account list."""
    heads: dict[int, int] = {
        user_id: department_id
        for user_id, department_id in db.session.execute(
            sa.select(SectionHead.user_id, SectionHead.department_id)
        )
    }
    result: dict[int, dict[str, list[str]]] = {}
    rows = db.session.execute(
        sa.select(department_manager.c.user_id, Department.id, Department.name)
        .join(Department, Department.id == department_manager.c.department_id)
        .order_by(Department.sort_order, Department.name)
    )
    for user_id, department_id, name in rows:
        entry = result.setdefault(user_id, {"head": [], "oversees": []})
        entry["head" if heads.get(user_id) == department_id else "oversees"].append(name)
    return result
