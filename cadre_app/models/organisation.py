"""Organisation (单位) and its sections (科室), a tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.extensions import db

if TYPE_CHECKING:
    from cadre_app.models.accounts import User
    from cadre_app.models.roster import Cadre

#: Managers (领导) and the sections they lead.
department_manager = sa.Table(
    "department_manager",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "department_id", sa.ForeignKey("department.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Organisation(db.Model):
    """A bureau. One per installation to start; the model allows several."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)

    departments: so.WriteOnlyMapped[Department] = so.relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class Department(db.Model):
    """A section (科室) of an organisation; ``parent`` makes the tree."""

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "name", name="uq_department_org_name"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    sort_order: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # 负责人 and 支部书记: cadres of the roster. use_alter breaks the cadre <-> department cycle.
    head_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="SET NULL", use_alter=True)
    )
    secretary_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="SET NULL", use_alter=True)
    )

    organisation: so.Mapped[Organisation] = so.relationship(back_populates="departments")
    head: so.Mapped[Cadre | None] = so.relationship(foreign_keys=[head_id], post_update=True)
    secretary: so.Mapped[Cadre | None] = so.relationship(
        foreign_keys=[secretary_id], post_update=True
    )
    parent: so.Mapped[Department | None] = so.relationship(remote_side=[id])
    managers: so.Mapped[list[User]] = so.relationship(
        secondary=department_manager, back_populates="led_departments"
    )
    cadres: so.WriteOnlyMapped[Cadre] = so.relationship(
        back_populates="department", foreign_keys="Cadre.department_id"
    )

    def __repr__(self) -> str:
        return f"<Department {self.name}>"
