"""The structure of the cadre pool at 20,000 cadres with five decided years of evaluations
(issue 15): HR's dashboard (the structure panel among the others) and the structure page
through the in-process test client, each beside a bare twin (a plain Flask app on the same
database doing the same GROUP BY queries in SQLAlchemy Core and rendering the rows with a
minimal template), requested alternately so a busy machine slows both alike; then the
干部队伍结构分析报告 PDF of the whole organisation.

    .venv/bin/python bench/bench_structure.py [--cadres 20000] [--repeat 30]
    .venv/bin/python bench/bench_structure.py --database-url postgresql+psycopg://postgres@127.0.0.1/DB

Targets (issue 15): HR's dashboard ≤ 100 ms median server time; the report PDF of 20,000
cadres ≤ 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date

import sqlalchemy as sa
from flask import Flask, render_template_string

sys.path.insert(0, os.path.dirname(__file__))

BARE_PAGE = """<!doctype html><html><head><title>structure</title>
<link rel="stylesheet" href="/static/bootstrap.min.css"></head><body><main class="container">
<p>{{ cadres }} / {{ departments }}</p>
{% for name, rows in tables %}<table class="table table-sm"><caption>{{ name }}</caption>
{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endfor %}
<svg viewBox="0 0 360 200" xmlns="http://www.w3.org/2000/svg">{% for name, rows in tables %}
{% for row in rows %}<rect x="0" y="{{ loop.index * 4 }}" width="{{ loop.index * 3 }}"
height="3" fill="#1565c0"/>{% endfor %}{% endfor %}</svg></main></body></html>"""


def fill_structure(today: date, *, seed: int = 15) -> None:
    """学历 (全日制 and 在职), 领导职务 for some, month-only birth dates for some, and five decided
    years of evaluations for every cadre."""
    from cadre_app.extensions import db
    from cadre_app.models import Cadre, CycleState, Evaluation, EvaluationCycle, enums

    rng = random.Random(seed)
    cadres = db.session.execute(sa.select(Cadre.id, Cadre.department_id)).all()
    table = Cadre.__table__
    db.session.execute(
        table.update()
        .where(table.c.id == sa.bindparam("b_id"))
        .values(
            ft_education=sa.bindparam("ft"),
            pt_education=sa.bindparam("pt"),
            leadership_level=sa.bindparam("lead"),
            birth_date_precision=sa.bindparam("precision"),
        ),
        [
            {
                "b_id": cadre_id,
                "ft": rng.choice(enums.EDUCATION_LEVELS[:4]),
                "pt": rng.choice((None, None, "研究生", "大学本科")),
                "lead": rng.choice((None,) * 6 + enums.LEADERSHIP_LEVELS[:4]),
                "precision": "month" if cadre_id % 11 == 0 else "day",
            }
            for cadre_id, _dept in cadres
        ],
    )
    grades = ("优秀",) * 3 + ("称职",) * 14 + ("基本称职", "不称职")
    for year in range(today.year - 5, today.year):
        cycle = EvaluationCycle(year=year, state=CycleState.DECIDED)
        db.session.add(cycle)
        db.session.flush()
        db.session.execute(
            sa.insert(Evaluation),
            [
                {
                    "cycle_id": cycle.id,
                    "cadre_id": cadre_id,
                    "department_id": dept,
                    "total": 80.0,
                    "final_grade": None if cadre_id % 97 == 0 else rng.choice(grades),
                    "no_grade": cadre_id % 97 == 0,
                    "bottom": False,
                }
                for cadre_id, dept in cadres
            ],
        )
    db.session.commit()


def bare_app(url: str, today: date) -> Flask:
    """A plain Flask app: the structure's queries in Core, written out by hand, and a minimal
    template (no login, no registry, no charts module)."""
    from cadre_app.models import Cadre, Department, Evaluation, EvaluationCycle

    bare = Flask("bare_structure")
    engine = sa.create_engine(url)

    def years_before(n: int) -> date:
        try:
            return today.replace(year=today.year - n)
        except ValueError:
            return today.replace(year=today.year - n, day=28)

    cutoffs = [years_before(n) for n in (31, 36, 41, 46, 51, 56)]
    band = sum((sa.case((Cadre.birth_date <= c, 1), else_=0) for c in cutoffs), sa.literal(0))
    county = sa.or_(
        Cadre.rank.in_(("四级调研员", "三级调研员", "二级调研员", "一级调研员")),
        sa.and_(Cadre.leadership_level.is_not(None), ~Cadre.leadership_level.like("乡科级%")),
    )
    young = sa.case(
        (county, sa.case((Cadre.birth_date > years_before(41), 1), else_=0)),
        else_=sa.case((Cadre.birth_date > years_before(36), 1), else_=0),
    )
    inner = sa.select(
        Cadre.department_id.label("d"),
        Cadre.gender.label("g"),
        band.label("b"),
        young.label("y"),
    ).subquery()
    profile = (
        Cadre.ft_education,
        Cadre.pt_education,
        Cadre.rank,
        Cadre.leadership_level,
        Cadre.political_status,
    )
    statements = {
        "ages": sa.select(inner.c.d, inner.c.g, inner.c.b, inner.c.y, sa.func.count()).group_by(
            inner.c.d, inner.c.g, inner.c.b, inner.c.y
        ),
        "profiles": sa.select(*profile, sa.func.count()).group_by(*profile),
        "sections": sa.select(Department.id, Department.name).order_by(
            Department.sort_order, Department.name
        ),
        "grades": sa.select(
            EvaluationCycle.year, Evaluation.final_grade, Evaluation.no_grade, sa.func.count()
        )
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(EvaluationCycle.year.between(today.year - 5, today.year))
        .group_by(EvaluationCycle.year, Evaluation.final_grade, Evaluation.no_grade),
    }

    @bare.get("/structure")
    def page() -> str:
        with engine.connect() as connection:
            tables = [(k, connection.execute(s).all()) for k, s in statements.items()]
            cadres = connection.scalar(sa.select(sa.func.count()).select_from(Cadre))
            departments = connection.scalar(sa.select(sa.func.count()).select_from(Department))
        return render_template_string(
            BARE_PAGE, tables=tables, cadres=cadres, departments=departments
        )

    return bare


def alternate(client, plain, url, bare_url, repeat):  # type: ignore[no-untyped-def]
    """Wall milliseconds of ``repeat`` requests of each, alternating, after two warm-ups."""
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(repeat + 2):
        for c, u, into in ((client, url, samples[0]), (plain, bare_url, samples[1])):
            start = time.perf_counter()
            response = c.get(u)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, (u, response.status_code)
            if i >= 2:
                into.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cadres", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pdf-repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from common import HR_PASSWORD, bench_app, describe, insert_cadres, timed

    from cadre_app import clock
    from cadre_app.extensions import db
    from cadre_app.services.analytics import queries

    app = bench_app("bench-structure-")
    with app.app_context():
        began = time.perf_counter()
        insert_cadres(args.cadres, 40)
        today = clock.today()
        fill_structure(today)
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(
            f"built {args.cadres} cadres, 5 decided years on {dialect} "
            f"in {time.perf_counter() - began:.1f} s"
        )
        s = queries.structure(today)
        print(
            f"  {s.total} cadres, {s.young} young ({s.young_share}), "
            f"trend {[r['year'] for r in s.trend]}, {len(s.young_by_section)} sections"
        )
        service = timed(lambda: queries.structure(today), args.repeat)
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
    print(describe("queries.structure (organisation)", service))
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    plain = bare_app(url, today).test_client()
    print(f"\nin process (test client), wall time, {args.repeat} requests each, alternating")
    print(f"  {'page':<40} {'app':>9} {'bare':>9} {'ratio':>6}")
    for label, page in (
        ("GET / (HR dashboard, structure panel)", "/"),
        ("GET /analytics/structure", "/analytics/structure"),
    ):
        app_ms, bare_ms = alternate(client, plain, page, "/structure", args.repeat)
        ms, twin = statistics.median(app_ms), statistics.median(bare_ms)
        p90 = sorted(app_ms)[int(len(app_ms) * 0.9)]
        print(f"  {label:<40} {ms:7.1f}ms {twin:7.1f}ms {ms / twin:5.2f}x  (p90 {p90:.1f} ms)")
    pdf_ms = []
    for i in range(args.pdf_repeat + 1):
        start = time.perf_counter()
        response = client.get(f"/analytics/structure.pdf?as_of={today.isoformat()}")
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        if i:  # the first loads WeasyPrint's fonts
            pdf_ms.append(elapsed)
        else:
            print(f"\nPDF first request (cold fonts) {elapsed:.0f} ms, {len(response.data)} bytes")
    print(describe("GET /analytics/structure.pdf (20,000)", pdf_ms))


if __name__ == "__main__":
    main()
