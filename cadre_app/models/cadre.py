"""The cadre (干部). A first cut: the roster issue adds every field of DOMAIN.md."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.extensions import db
from cadre_app.models.organisation import Department


class Cadre(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    staff_no: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)  # 工号
    name: so.Mapped[str] = so.mapped_column(sa.String(50), index=True)  # 姓名
    gender: so.Mapped[str] = so.mapped_column(sa.String(2))  # 性别: 男 / 女
    birth_date: so.Mapped[date] = so.mapped_column()  # 出生日期
    department_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    position_title: so.Mapped[str | None] = so.mapped_column(sa.String(100))  # 现任职务
    rank: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # 职级

    department: so.Mapped[Department] = so.relationship(back_populates="cadres")

    def __repr__(self) -> str:
        return f"<Cadre {self.staff_no} {self.name}>"
