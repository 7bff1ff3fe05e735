"""The structure figures from the database: two GROUP BY queries over the roster (ages with
the young-cadre rule; education, rank, post and party) and one over the evaluations, so the
organisation of 20,000 cadres is counted in the database, not row by row in Python."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department
from cadre_app.services.analytics import rules
from cadre_app.services.core import settings
from cadre_app.services.evaluations import queries as evaluations
from cadre_app.services.roster import operations as roster


def sections(department_ids: list[int] | None) -> list[rules.Section]:
    """The sections ``department_ids`` (None: all), in the roster's order."""
    stmt = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name, Department.id
    )
    if department_ids is not None:
        stmt = stmt.where(Department.id.in_(department_ids or [-1]))
    return [rules.Section(i, name) for i, name in db.session.execute(stmt)]


def _scope(department_ids: list[int] | None) -> list[sa.ColumnElement[bool]]:
    if department_ids is None:
        return []
    return [Cadre.department_id.in_(department_ids or [-1])]


def age_groups(
    on: date, lines: dict[str, int], department_ids: list[int] | None
) -> list[rules.AgeGroup]:
    """Cadres per section, gender, age band at ``on`` and young-cadre status (the roster's
    SQL form of ``is_young_cadre``); the band by ``rules.band_cutoffs``: born after the
    first cutoff, band 0; else after the second, band 1; and so on. Counted from the index
    ``ix_cadre_structure``."""
    cutoffs = rules.band_cutoffs(on)  # the oldest band's cutoff is the earliest date
    band = sa.case(
        *((Cadre.birth_date > cutoff, i) for i, cutoff in enumerate(cutoffs)),
        else_=len(cutoffs),
    )
    young = sa.case((roster.young_cadre_condition(on, lines), 1), else_=0)
    inner = (
        sa.select(
            Cadre.department_id.label("department_id"),
            Cadre.gender.label("gender"),
            band.label("band"),
            young.label("young"),
        )
        .where(*_scope(department_ids))
        .subquery()
    )
    stmt = sa.select(
        inner.c.department_id, inner.c.gender, inner.c.band, inner.c.young, sa.func.count()
    ).group_by(inner.c.department_id, inner.c.gender, inner.c.band, inner.c.young)
    return [
        rules.AgeGroup(department, gender, int(b), bool(y), n)
        for department, gender, b, y, n in db.session.execute(stmt)
    ]


def profile_groups(department_ids: list[int] | None) -> list[rules.ProfileGroup]:
    """Cadres per combination of 学历 (全日制, 在职), 职级, 领导职务 and 政治面貌."""
    columns = (
        Cadre.ft_education,
        Cadre.pt_education,
        Cadre.rank,
        Cadre.leadership_level,
        Cadre.political_status,
    )
    stmt = sa.select(*columns, sa.func.count()).where(*_scope(department_ids)).group_by(*columns)
    return [rules.ProfileGroup(*row) for row in db.session.execute(stmt)]


def education_party_groups(department_ids: list[int] | None) -> list[rules.ProfileGroup]:
    """Cadres per 学历 (全日制, 在职) and 政治面貌 only: the dashboard panel shows no ranks or
    posts, and these few groups cost a fraction of ``profile_groups``."""
    columns = (Cadre.ft_education, Cadre.pt_education, Cadre.political_status)
    stmt = sa.select(*columns, sa.func.count()).where(*_scope(department_ids)).group_by(*columns)
    return [
        rules.ProfileGroup(ft, pt, None, None, party, n)
        for ft, pt, party, n in db.session.execute(stmt)
    ]


def structure(
    on: date, department_ids: list[int] | None = None, *, ranks: bool = True
) -> rules.Structure:
    """Every figure for the sections ``department_ids`` (None: the whole organisation) at the
    stated date ``on``, under the young-cadre age lines in force. Without ``ranks`` (the
    dashboard panel) 职级 and 领导职务 are left uncounted (all 未填, all 无领导职务)."""
    lines = dict(settings.value("young_cadre_age_lines"))
    years = evaluations.decided_years(up_to=on.year, count=rules.TREND_YEARS)
    return rules.structure(
        age_groups(on, lines, department_ids),
        profile_groups(department_ids) if ranks else education_party_groups(department_ids),
        sections=sections(department_ids),
        grades=evaluations.grade_counts(years, department_ids=department_ids),
        on=on,
        lines=lines,
    )
