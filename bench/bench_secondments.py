"""Secondments at 5,000 records on 20,000 cadres (issue 12): the pages HR opens, through the
in-process test client, each beside a bare twin (a plain Flask app on the same database doing
the same queries with SQLAlchemy Core and rendering the same rows with a minimal template),
requested alternately so a busy machine slows both alike:

- GET /secondments/ (the list, first page);
- GET /secondments/overview (this year's timeline: its first 200 cadres drawn as SVG, the
  counts by host type of five years, the warnings);
- GET / (HR's dashboard with the secondments' warnings panel; no twin);
- and the overview's three service calls on their own.

    .venv/bin/python bench/bench_secondments.py [--secondments 5000] [--cadres 20000] [--repeat 30]
    .venv/bin/python bench/bench_secondments.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Target (issue 12): list and timeline ≤ 50 ms median; DESIGN: within 1.5 x the bare twin.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, os.path.dirname(__file__))

#: A timeline row per cadre, as the app draws it (the same geometry, simplest template).
BARE_TIMELINE = """<!doctype html><html><head><title>timeline</title>
<link rel="stylesheet" href="/static/bootstrap.min.css"></head><body><main class="container">
<h1>{{ year }}</h1>
<table class="table table-sm">{% for r in warnings %}<tr><td>{{ r[2] }}</td><td>{{ r[3] }}</td>
<td>{{ r[4] }}</td></tr>{% endfor %}</table>
<p>{{ cadres }} / {{ total }}</p>
<svg width="960" height="{{ height }}" viewBox="0 0 960 {{ height }}"
 xmlns="http://www.w3.org/2000/svg">
{% for x, label in months %}<line x1="{{ x }}" y1="22" x2="{{ x }}" y2="{{ height }}"
 stroke="#dee2e6"/><text x="{{ x }}" y="18">{{ label }}</text>{% endfor %}
{% for row in rows %}<a href="/cadres/{{ row.cadre_id }}"><text x="4" y="{{ row.y + 17 }}">
{{ row.name }}</text></a>{% for b in row.bars %}<a href="/s/{{ b.id }}">
<g data-secondment-id="{{ b.id }}"><rect x="{{ b.x }}" y="{{ row.y + 4 }}" width="{{ b.w }}"
 height="16" fill="{{ b.colour }}"><title>{{ row.name }} {{ b.host }} {{ b.start }} {{ b.end }}
</title></rect><text x="{{ b.x + 3 }}" y="{{ row.y + 16 }}">{{ b.host }}</text></g></a>
{% endfor %}{% endfor %}
</svg>
<table class="table table-sm">{% for t, y, n in counts %}<tr><td>{{ t }}</td><td>{{ y }}</td>
<td>{{ n }}</td></tr>{% endfor %}</table></main></body></html>"""
BARE_LIST = """<!doctype html><html><head><title>list</title>
<link rel="stylesheet" href="/static/bootstrap.min.css"></head><body><main class="container">
<p>{% for k, n in counts.items() %}{{ k }} {{ n }} {% endfor %} {{ years }}</p>
<table class="table table-sm">{% for r in rows %}<tr><td>{{ r.staff_no }} {{ r.name }}</td>
<td>{{ r.department }}</td><td>{{ r.kind }} {{ r.host_type }}</td>
<td>{{ r.host_unit }} {{ r.post }}</td>
<td>{{ r.start_date }}</td><td>{{ r.actual_end or r.planned_end }}</td><td>{{ r.state }}</td>
<td>{{ r.grade or "" }}</td></tr>{% endfor %}
</table></main></body></html>"""

HOSTS = (
    ("下派", "青山县财政局", "基层单位"),
    ("驻村", "桃源镇石桥村", "基层单位"),
    ("岗位实践锻炼", "江城财经大学", "高校"),
    ("下派", "江城农村商业银行", "国有金融企业"),
    ("上挂", "省财政厅预算处", "上级机关"),
    ("外派", "西岭县发展改革局", "其他"),
)


def insert_secondments(count: int, today: date, *, seed: int = 12) -> None:
    """``count`` secondments of as many cadres (so no two of one cadre are active), begun over
    the five years to today and the next two months, 6 to 24 months long; the state follows
    from the dates: to come (拟派 / 已审批), on post (some extended, some ending within 30
    days), recalled, in 期满鉴定 (some overdue), archived, a few cancelled."""
    from cadre_app.extensions import db
    from cadre_app.models import Cadre, Secondment, SecondmentState

    S = SecondmentState
    rng = random.Random(seed)
    cadre_ids = db.session.scalars(sa.select(Cadre.id).order_by(Cadre.id)).all()
    chosen = rng.sample(cadre_ids, count)
    first = today - timedelta(days=5 * 365)
    rows = []
    for i, cadre_id in enumerate(chosen):
        start = first + timedelta(days=rng.randrange(0, 5 * 365 + 60))
        end = start + timedelta(days=rng.choice((182, 273, 365, 548, 730)) - 1)
        actual = None
        if start > today:
            state = rng.choice((S.PROPOSED, S.APPROVED))
        elif i % 50 == 0:
            state = S.CANCELLED
        elif end >= today:
            state = S.EXTENDED if i % 7 == 0 else S.ON_POST
            if i % 11 == 0:
                state, actual = S.RECALLED, today - timedelta(days=rng.randrange(1, 20))
        elif end >= today - timedelta(days=90):
            state, actual = S.APPRAISAL, end
        else:
            state, actual = S.ARCHIVED, end
        kind, host, host_type = HOSTS[i % len(HOSTS)]
        rows.append(
            {
                "cadre_id": cadre_id,
                "kind": kind,
                "host_unit": host,
                "host_type": host_type,
                "post": "副局长",
                "start_date": start,
                "planned_end": end,
                "actual_end": actual,
                "state": state,
                "grade": "称职" if state is S.ARCHIVED else None,
                "version": 1,
            }
        )
    db.session.execute(sa.insert(Secondment), rows)
    db.session.commit()


def bare_app(url: str) -> Flask:
    """The bare twins: /list and /timeline on ``url``, the pages' statements in plain Core,
    DictLoader templates (compiled once, as file templates are)."""
    from flask import render_template
    from jinja2 import DictLoader

    from cadre_app.models import Cadre, Department, Secondment

    bare = Flask("bare")
    bare.jinja_loader = DictLoader({"timeline.html": BARE_TIMELINE, "list.html": BARE_LIST})
    engine = sa.create_engine(url)
    colours = {
        "proposed": "#cfd8dc",
        "approved": "#90caf9",
        "on_post": "#81c784",
        "extended": "#ffb74d",
        "recalled": "#e57373",
        "appraisal": "#ce93d8",
        "archived": "#bdbdbd",
    }
    end = sa.func.coalesce(Secondment.actual_end, Secondment.planned_end)

    @bare.route("/list")
    def list_page() -> str:
        # The list's three statements (services.secondments.queries.list_secondments): the
        # counts by state, the first page with cadre and section, the years the periods span.
        with engine.connect() as conn:
            counts = dict(
                conn.execute(
                    sa.select(Secondment.state, sa.func.count())
                    .select_from(Secondment)
                    .group_by(Secondment.state)
                ).all()
            )
            rows = conn.execute(
                sa.select(
                    Secondment.id,
                    Secondment.kind,
                    Secondment.host_unit,
                    Secondment.host_type,
                    Secondment.post,
                    Secondment.start_date,
                    Secondment.planned_end,
                    Secondment.actual_end,
                    Secondment.state,
                    Secondment.grade,
                    Cadre.id.label("cadre_id"),
                    Cadre.staff_no,
                    Cadre.name,
                    Department.name.label("department"),
                )
                .join(Cadre, Cadre.id == Secondment.cadre_id)
                .join(Department, Department.id == Cadre.department_id)
                .order_by(Secondment.start_date.desc(), Secondment.id.desc())
                .limit(50)
            ).all()
            low, high = conn.execute(
                sa.select(
                    sa.select(sa.func.min(Secondment.start_date)).scalar_subquery(),
                    sa.select(sa.func.max(end)).scalar_subquery(),
                )
            ).one()
        return render_template("list.html", rows=rows, counts=counts, years=(low, high))

    @bare.route("/timeline")
    def timeline_page() -> str:
        today = date.today()
        year = today.year
        a, b = date(year, 1, 1), date(year, 12, 31)
        start = sa.func.coalesce(Secondment.start_date, Secondment.start_date)  # a table scan
        where = sa.and_(Secondment.state != "cancelled", start <= b, end >= a)
        with engine.connect() as conn:
            first: dict[int, str] = {}
            pairs = conn.execute(
                sa.select(
                    Secondment.cadre_id, sa.type_coerce(Secondment.start_date, sa.String)
                ).where(where)
            ).all()
            for cadre_id, began_on in pairs:
                first[cadre_id] = min(began_on, first.get(cadre_id, began_on))
            cadres, total = len(first), len(pairs)
            ids = sorted(first, key=lambda c: (first[c], c))[:200]
            found = conn.execute(
                sa.select(
                    Secondment.id,
                    Secondment.cadre_id,
                    Cadre.name,
                    Secondment.host_unit,
                    Secondment.state,
                    Secondment.start_date,
                    end,
                )
                .join(Cadre, Cadre.id == Secondment.cadre_id)
                .where(where, Secondment.cadre_id.in_(ids))
                .order_by(Secondment.start_date, Secondment.id)
            ).all()
            began = sa.extract("year", Secondment.start_date)
            counts = conn.execute(
                sa.select(Secondment.host_type, began, sa.func.count())
                .where(Secondment.state != "cancelled", start >= date(year - 4, 1, 1), start <= b)
                .group_by(Secondment.host_type, began)
            ).all()
            warnings = conn.execute(
                sa.select(Secondment.id, Secondment.cadre_id, Cadre.name, Department.name, end)
                .join(Cadre, Cadre.id == Secondment.cadre_id)
                .join(Department, Department.id == Cadre.department_id)
                .where(
                    sa.or_(
                        sa.and_(
                            Secondment.state.in_(("on_post", "extended")),
                            end.between(today, today + timedelta(days=30)),
                        ),
                        sa.and_(
                            Secondment.state.in_(("on_post", "extended", "recalled", "appraisal")),
                            end < today - timedelta(days=30),
                        ),
                    )
                )
            ).all()
        days = (b - a).days + 1
        rows = {cid: {"cadre_id": cid, "y": 30 + i * 24, "bars": []} for i, cid in enumerate(ids)}
        for sid, cid, name, host, state, start, stop in found:
            x = 150 + (max(start, a) - a).days * 800 / days
            w = ((min(stop, b) - max(start, a)).days + 1) * 800 / days
            rows[cid]["name"] = name
            rows[cid]["bars"].append(
                {
                    "id": sid,
                    "x": round(x, 1),
                    "w": round(w, 1),
                    "host": host,
                    "colour": colours[getattr(state, "value", state)],
                    "start": start,
                    "end": stop,
                }
            )
        months = [(150 + (date(year, m, 1) - a).days * 800 / days, m) for m in range(1, 13)]
        return render_template(
            "timeline.html",
            year=year,
            rows=list(rows.values()),
            months=months,
            height=30 + 24 * len(rows) + 8,
            counts=counts,
            warnings=warnings,
            cadres=cadres,
            total=total,
        )

    return bare


def alternate(
    client: FlaskClient,
    plain: FlaskClient,
    url: str,
    bare_url: str | None,
    repeat: int,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[list[float], list[float]]:
    """Milliseconds of ``repeat`` requests of each, alternating, after two warm-up rounds;
    ``clock``: the wall clock, or ``time.thread_time`` (this thread's CPU time: the database
    is SQLite, in process, so its work counts; steadier on a machine others load)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(repeat + 2):
        pairs = [(client, url, samples[0])]
        if bare_url:
            pairs.append((plain, bare_url, samples[1]))
        for c, u, into in pairs:
            start = clock()
            response = c.get(u)
            elapsed = (clock() - start) * 1000
            assert response.status_code == 200, (u, response.status_code)
            if i >= 2:
                into.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--secondments", type=int, default=5_000)
    parser.add_argument("--cadres", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from common import HR_PASSWORD, bench_app, describe, insert_cadres, timed

    from cadre_app import clock
    from cadre_app.extensions import db
    from cadre_app.services.secondments import operations, overview

    app = bench_app("bench-secondments-")
    with app.app_context():
        began = time.perf_counter()
        insert_cadres(args.cadres, 40)
        today = clock.today()
        insert_secondments(args.secondments, today)
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(
            f"built {args.cadres} cadres, {args.secondments} secondments on {dialect} "
            f"in {time.perf_counter() - began:.1f} s"
        )
        line = overview.timeline(today.year, visible_departments=None, today=today)
        conf = operations.current_settings()
        found = overview.warnings(visible_departments=None, today=today, settings=conf)
        print(
            f"  {today.year}: {line.cadres} cadres away, {line.secondments} secondments, "
            f"{line.pages} pages of {overview.PER_PAGE}; {len(found.ending_soon)} ending soon, "
            f"{len(found.overdue)} appraisals overdue"
        )
        service = {
            "overview.timeline (page 1)": timed(
                lambda: overview.timeline(today.year, visible_departments=None, today=today),
                args.repeat,
            ),
            "overview.counts (5 years)": timed(
                lambda: overview.counts(today.year, visible_departments=None), args.repeat
            ),
            "overview.warnings": timed(
                lambda: overview.warnings(visible_departments=None, today=today, settings=conf),
                args.repeat,
            ),
        }
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
    for label, samples in service.items():
        print(describe(label, samples))
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    plain = bare_app(url).test_client()
    clock, kind = (time.thread_time, "CPU time") if args.cpu else (time.perf_counter, "wall time")
    print(f"\nin process (test client), {kind}, {args.repeat} requests each, alternating")
    print(f"  {'page':<40} {'app':>9} {'bare':>9} {'ratio':>6}")
    medians = {}
    for label, page, bare_page in (
        ("GET /secondments/ (list)", "/secondments/", "/list"),
        ("GET /secondments/overview (timeline)", "/secondments/overview", "/timeline"),
        ("GET / (HR dashboard, warnings panel)", "/", None),
    ):
        app_ms, bare_ms = alternate(client, plain, page, bare_page, args.repeat, clock)
        ms = statistics.median(app_ms)
        medians[label] = ms
        if bare_ms:
            twin = statistics.median(bare_ms)
            print(f"  {label:<40} {ms:7.1f}ms {twin:7.1f}ms {ms / twin:5.2f}x")
        else:
            print(f"  {label:<40} {ms:7.1f}ms")
    print("  medians: " + ", ".join(f"{k} {v:.1f} ms" for k, v in medians.items()))


if __name__ == "__main__":
    main()
