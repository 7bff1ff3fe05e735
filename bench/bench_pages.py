"""The pages people use most, each side by side with a bare Flask page doing the same query
and a Jinja render of the same rows, in the same run (issue 10, item 21; DESIGN: every page
within 1.5 x such a bare page).

- the year's ranking of one 200-cadre section (/evaluations/<year>/ranking?section=ID);
- the roster's first page (/cadres/, 50 rows);
- one cadre's profile (/cadres/<id>, the 基本信息 tab).

The bare pages (``bare_app``) are a plain ``Flask`` app with a SQLAlchemy engine on the same
database: the same SELECTs as the app's queries (less the session's), rendering the same HTML
as the app's page for HR (layout and menu written out by hand in ``bare_templates``), with no
login, no translation, no ``url_for``; the run prints both pages' sizes and stops if they
differ by 5 % or more.

The app is measured twice: with its pages kept while nothing is written (``KEEP_PAGES``, the
default: a page seen again) and rendered anew on every request (``KEEP_PAGES`` off: as the first
look after any write). Measured two ways:

1. in process, through each app's test client (HR signed in for the app), median of
   ``--repeat`` requests after a warm-up, the three requested in turn;
2. under gunicorn, 2 workers each (three servers), with ``wrk`` (``apt-get install wrk``; a
   Python load loop of the same length when wrk is missing): requests per second over
   ``--seconds``.

    .venv/bin/python bench/bench_pages.py [--cadres 2000] [--repeat 100] [--seconds 8] [--cpu]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB \
        .venv/bin/python bench/bench_pages.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from common import BENCH_KEYS, HR_PASSWORD, ROOT, bench_app, insert_cadres
from flask import Flask, render_template

from cadre_app.extensions import db
from cadre_app.models import (
    Cadre,
    Department,
    Evaluation,
    EvaluationCycle,
    FamilyMember,
    ResumeEntry,
    Setting,
    Talk,
)
from cadre_app.services.evaluations import operations as evaluation

YEAR = 2025

# --- the bare pages (templates in bench/bare_templates) --------------------------------------


def bare_app(url: str | None = None) -> Flask:
    """The bare pages on ``url`` (default ``DATABASE_URL``): /ranking/<section>, /roster,
    /profile/<id>. Each renders the same HTML as the app's page for HR (its layout and menu
    written out in ``bare_templates/layout.html``), from the same SELECTs, with no session, no
    translation and no ``url_for``; ``main`` prints both sizes."""
    bare = Flask("bare", template_folder=str(ROOT / "bench" / "bare_templates"))
    bare.config.update(BENCH_KEYS)  # the profile's row holds the encrypted numbers, as the app's
    engine = sa.create_engine(url or os.environ["DATABASE_URL"])
    talk_state = (
        sa.select(Talk.state)
        .where(Talk.evaluation_id == Evaluation.id, Talk.kind == "提醒谈话")
        .limit(1)
        .scalar_subquery()
    )

    def earlier_total(name: str) -> Any:
        earlier, earlier_cycle = so.aliased(Evaluation), so.aliased(EvaluationCycle)
        return (
            sa.select(earlier.total)
            .join(earlier_cycle, earlier_cycle.id == earlier.cycle_id)
            .where(earlier.cadre_id == Evaluation.cadre_id)
            .where(earlier_cycle.year == sa.bindparam(name))
            .scalar_subquery()
        )

    ranking = (
        sa.select(
            Evaluation.id,
            Evaluation.cadre_id,
            Cadre.staff_no,
            Cadre.name,
            Department.name.label("department"),
            Evaluation.department_id,
            Evaluation.ordinary,
            Evaluation.democratic,
            Evaluation.leader,
            Evaluation.total,
            Evaluation.section_rank,
            Evaluation.overall_rank,
            Evaluation.proposed_grade,
            Evaluation.final_grade,
            Evaluation.no_grade,
            Evaluation.bottom,
            Evaluation.bottom_reason,
            Evaluation.settings_version,
            talk_state.label("talk_state"),
            earlier_total("y1").label("before"),
            earlier_total("y2").label("two_before"),
        )
        .join(Cadre, Cadre.id == Evaluation.cadre_id)
        .join(Department, Department.id == Evaluation.department_id)
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .order_by(Evaluation.overall_rank.is_(None), Evaluation.overall_rank, Cadre.staff_no)
    )
    roster_columns = [
        Cadre.id,
        Cadre.staff_no,
        Cadre.name,
        Cadre.gender,
        Cadre.birth_date,
        Cadre.political_status,
        Cadre.position_title,
        Cadre.rank,
        Cadre.leadership_level,
        Department.name.label("department"),
    ]
    departments = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    age_lines = (
        sa.select(Setting.value)
        .where(Setting.key == "young_cadre_age_lines")
        .order_by(Setting.id.desc())
        .limit(1)
    )
    grades = (("优秀", "#2e7d32"), ("称职", "#1565c0"), ("基本称职", "#ef6c00"),
              ("不称职", "#c62828"), ("不定等次", "#757575"), ("未定", "#bdbdbd"))  # fmt: skip
    ranks = ("二级科员", "一级科员", "四级主任科员", "三级主任科员", "二级主任科员",
             "一级主任科员", "四级调研员", "三级调研员", "二级调研员", "一级调研员",
             "二级巡视员", "一级巡视员")  # fmt: skip
    statuses = ("中共党员", "中共预备党员", "共青团员", "民革党员", "民盟盟员", "民建会员",
                "民进会员", "农工党党员", "致公党党员", "九三学社社员", "台盟盟员",
                "无党派人士", "群众")  # fmt: skip

    def age(born: date, on: date) -> int:
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def young(born: date, rank: str | None, lines: dict[str, int], on: date) -> bool:
        senior = rank and ("调研员" in rank or "巡视员" in rank)
        line = lines["县处级"] if senior else lines["乡科级"]
        return age(born, on) <= line

    @bare.route("/ranking/<int:section>")
    def ranking_page(section: int) -> str:
        with engine.connect() as conn:
            cycle = conn.execute(
                sa.select(EvaluationCycle).where(EvaluationCycle.year == YEAR)
            ).one()
            stmt = ranking.where(EvaluationCycle.year == YEAR, Evaluation.department_id == section)
            rows = conn.execute(stmt, {"y1": YEAR - 1, "y2": YEAR - 2}).all()
            sections = conn.execute(departments).all()
        attention = {
            r.cadre_id
            for r in rows
            if r.before is not None and r.two_before is not None
            and r.two_before > r.before > (r.total or 0)
        }  # fmt: skip
        tally = dict.fromkeys([g for g, _colour in grades], 0)
        for r in rows:
            grade = r.final_grade or r.proposed_grade or ("不定等次" if r.no_grade else "未定")
            tally[grade] += 1
        counts = [(g, tally[g], colour) for g, colour in grades]
        return render_template(
            "ranking.html", rows=rows, year=YEAR, cycle=cycle, section=section,
            departments=sections, attention=attention, counts=counts,
            most=max(tally.values()) or 1, excellent=tally["优秀"], today=date.today(),
            active="/evaluations/", talk_labels=TALK_LABELS,
        )  # fmt: skip

    @bare.route("/roster")
    def roster_page() -> str:
        today = date.today()
        with engine.connect() as conn:
            total = conn.scalar(sa.select(sa.func.count(Cadre.id)))
            found = conn.execute(
                sa.select(*roster_columns)
                .join(Department, Department.id == Cadre.department_id)
                .order_by(Department.sort_order, Department.name, Cadre.staff_no)
                .limit(50)
            ).all()
            lines = conn.scalar(age_lines) or {"乡科级": 35, "县处级": 40}
            sections = conn.execute(departments).all()
        rows = [
            dict(r._mapping, age=age(r.birth_date, today),
                 young=young(r.birth_date, r.rank, lines, today))
            for r in found
        ]  # fmt: skip
        return render_template(
            "roster.html", rows=rows, total=total, pages=-(-total // 50), today=today,
            departments=sections, ranks=ranks, statuses=statuses, active="/cadres/",
        )  # fmt: skip

    @bare.route("/profile/<int:cadre_id>")
    def profile_page(cadre_id: int) -> str:
        today = date.today()
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(Cadre, Department.name.label("department"))
                .join(Department, Department.id == Cadre.department_id)
                .where(Cadre.id == cadre_id)
            ).one()
            lines = conn.scalar(age_lines) or {"乡科级": 35, "县处级": 40}
        c = row._asdict()
        c["has_photo"] = False
        number = c["id_number"] or ""
        return render_template(
            "profile.html", c=c, fields=PROFILE_FIELDS, today=today, lines=lines,
            age=age(c["birth_date"], today), young=young(c["birth_date"], c["rank"], lines, today),
            masked=number[:6] + "*" * 8 + number[-4:] if number else "—", active="/cadres/",
        )  # fmt: skip

    return bare


#: The reminder talk's states as the ranking shows them.
TALK_LABELS = {"triggered": "待安排", "planned": "已约谈", "approved": "已审批", "held": "已谈话",
               "awaiting_reply": "待回复", "follow_up": "整改中", "closed": "已办结",
               "escalated": "已升级处理"}  # fmt: skip
#: The profile's fields as the app lists them (key, label, kind).
PROFILE_FIELDS = [
    ("staff_no", "工号", "text"), ("name", "姓名", "text"), ("gender", "性别", "choice"),
    ("ethnicity", "民族", "text"), ("birth_date", "出生日期", "date"),
    ("native_place", "籍贯", "text"), ("birthplace", "出生地", "text"),
    ("political_status", "政治面貌", "choice"), ("party_join_date", "入党时间", "date"),
    ("work_start_date", "参加工作时间", "date"), ("health", "健康状况", "text"),
    ("id_number", "身份证号", "id_number"), ("ft_education", "学历", "choice"),
    ("ft_degree", "学位", "degree"), ("ft_school", "毕业院校系及专业", "text"),
    ("pt_education", "在职教育学历", "choice"), ("pt_degree", "在职教育学位", "degree"),
    ("pt_school", "在职教育毕业院校系及专业", "text"),
    ("professional_title", "专业技术职务", "text"), ("expertise", "熟悉专业有何专长", "text"),
    ("department_id", "处室", "department"), ("position_title", "现任职务", "text"),
    ("rank", "职级", "choice"), ("rank_since", "任现职级时间", "date"),
    ("leadership_level", "领导职务", "choice"), ("phone", "手机号", "phone"),
    ("rewards", "奖惩情况", "longtext"),
]  # fmt: skip


# --- data ------------------------------------------------------------------------------------


def populate(app: Flask, cadres: int, sections: int) -> tuple[int, int]:
    """Cadres, the totals of two earlier years and a confirmed year of scores (reminder talks
    for the bottom-ranked), résumé and family of one cadre; returns (a section's id, that
    cadre's id)."""
    rng = random.Random(5)
    with app.app_context():
        section_ids = insert_cadres(cadres, sections)
        rows = db.session.execute(sa.select(Cadre.id, Cadre.department_id)).all()
        for year in (YEAR - 2, YEAR - 1):  # two earlier years: the 关注 mark has data to read
            earlier, _created = evaluation.ensure_cycle(year, actor="bench")
            db.session.execute(
                sa.insert(Evaluation),
                [
                    {
                        "cycle_id": earlier.id,
                        "cadre_id": cadre_id,
                        "department_id": department_id,
                        "total": round(rng.uniform(60, 100), 2),
                    }
                    for cadre_id, department_id in rows
                ],
            )
        cycle, _created = evaluation.ensure_cycle(YEAR, actor="bench")
        db.session.execute(
            sa.insert(Evaluation),
            [
                {
                    "cycle_id": cycle.id,
                    "cadre_id": cadre_id,
                    "department_id": department_id,
                    "ordinary": round(rng.uniform(60, 100), 1),
                    "democratic": round(rng.uniform(60, 100), 1),
                    "leader": round(rng.uniform(60, 100), 1),
                    "proposed_grade": rng.choice(["称职"] * 9 + ["基本称职"]),
                }
                for cadre_id, department_id in rows
            ],
        )
        evaluation.confirm_cycle(cycle, actor="bench", today=date(YEAR + 1, 1, 10))
        section = section_ids[len(section_ids) // 2]
        cadre_id = db.session.scalar(
            sa.select(Cadre.id).where(Cadre.department_id == section).order_by(Cadre.id)
        )
        cadre = db.session.get(Cadre, cadre_id)
        for i in range(8):
            db.session.add(
                ResumeEntry(
                    cadre=cadre,
                    start=date(2008 + 2 * i, 7, 1),
                    end=date(2010 + 2 * i, 6, 1) if i < 7 else None,
                    description=f"某局第{i}处科员",
                )
            )
        for relation in ("父亲", "母亲", "妻子", "儿子"):
            db.session.add(
                FamilyMember(cadre=cadre, relation=relation, name=f"{relation}某", sort_order=0)
            )
        db.session.commit()
        return section, cadre_id


# --- in process ------------------------------------------------------------------------------


def in_process(
    app: Flask, bare: Flask, cases: list[tuple[str, str, str]], repeat: int, *, cpu: bool = False
) -> None:
    """Median server time of each page, kept (``KEEP_PAGES``: the page seen again with
    nothing written since) and rendered anew (``KEEP_PAGES`` off: as the first look after a
    write), and of its bare twin, requested in turn (kept, anew, bare, ...) so that a busy
    machine slows all alike; and the fastest of each. ``cpu``: this thread's CPU time instead
    of the wall clock (the database is SQLite, in process, so its work counts), steadier when
    other processes load the machine."""
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    plain = bare.test_client()
    clock = time.thread_time if cpu else time.perf_counter
    kind = "CPU time" if cpu else "wall time"

    def kept_on(on: bool) -> None:
        app.config["KEEP_PAGES"] = on

    print(f"\nin process (test client), {kind}, median of {repeat} requests each, in turn")
    print(
        f"  {'page':<30} {'kept':>8} {'anew':>8} {'bare':>8}"
        f" {'kept/bare':>9} {'anew/bare':>9}   fastest kept/anew/bare"
    )
    for label, url, bare_url in cases:
        samples: tuple[list[float], list[float], list[float]] = ([], [], [])
        runs = (
            (client, url, samples[0], True),
            (client, url, samples[1], False),
            (plain, bare_url, samples[2], None),
        )
        for i in range(repeat + 2):  # the first rounds warm up
            for c, u, into, keep in runs:
                if keep is not None:
                    kept_on(keep)
                start = clock()
                response = c.get(u)
                elapsed = (clock() - start) * 1000
                assert response.status_code == 200, (u, response.status_code)
                if i >= 2:
                    into.append(elapsed)
        kept_on(True)
        ms_kept, ms_anew, ms_bare = (statistics.median(x) for x in samples)
        low_kept, low_anew, low_bare = (min(x) for x in samples)
        print(
            f"  {label:<30} {ms_kept:6.2f}ms {ms_anew:6.2f}ms {ms_bare:6.2f}ms"
            f" {ms_kept / ms_bare:8.2f}x {ms_anew / ms_bare:8.2f}x"
            f"   {low_kept:.2f} / {low_anew:.2f} / {low_bare:.2f} ms"
        )


# --- under gunicorn --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {port} did not start")


def _gunicorn(target: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--workers", "2", "--bind", f"127.0.0.1:{port}", "--preload"),
            *("--log-level", "warning", target),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait(port)
    return process


def _login(port: int) -> str:
    """Sign in as HR through the real form (CSRF on); the session cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/auth/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert token, "no csrf token on the login page"
    body = f"username=hr&password={HR_PASSWORD}&csrf_token={token.group(1)}"
    conn.request(
        "POST",
        "/auth/login",
        body=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    return response.getheader("Set-Cookie", cookie).split(";", 1)[0]


def _wrk(port: int, path: str, cookie: str | None, seconds: int) -> float:
    command = ["wrk", "-t2", "-c4", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path}: answers other than 2xx\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _python_load(port: int, path: str, cookie: str | None, seconds: int) -> float:
    """Four keep-alive connections in threads for ``seconds``; requests per second."""
    done = [0] * 4
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Cookie": cookie} if cookie else {}
        while time.monotonic() < stop:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def under_gunicorn(app: Flask, cases: list[tuple[str, str, str]], seconds: int) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY="bench-" * 6,
        FLASK_APP="wsgi.py",
        CADRE_TOTP_REQUIRED_ROLES="[]",  # the pages are measured, not the sign-in
    )
    env["CADRE_AUDIT_CHAIN_KEY"] = app.config["AUDIT_CHAIN_KEY"]  # the chain the bench wrote
    env["CADRE_DATA_ENCRYPTION_KEYS"] = json.dumps(BENCH_KEYS["DATA_ENCRYPTION_KEYS"])
    env["CADRE_BLIND_INDEX_KEY"] = BENCH_KEYS["BLIND_INDEX_KEY"]
    env["PYTHONPATH"] = str(ROOT / "bench")
    kept_port, anew_port, bare_port = _free_port(), _free_port(), _free_port()
    load = _wrk if shutil.which("wrk") else _python_load
    tool = "wrk -t2 -c4" if load is _wrk else "a Python loop, 4 connections"
    servers = [
        _gunicorn("wsgi:app", kept_port, env),
        _gunicorn("wsgi:app", anew_port, dict(env, CADRE_KEEP_PAGES="false")),
        _gunicorn("bench_pages:bare_app()", bare_port, env),
    ]
    try:
        kept_cookie, anew_cookie = _login(kept_port), _login(anew_port)
        print(
            f"\nunder gunicorn (2 workers each), {tool}, {seconds} s per page and server, in turn"
        )
        print(
            f"  {'page':<30} {'kept':>8} {'anew':>8} {'bare':>8} {'kept/bare':>9} {'anew/bare':>9}"
        )
        for label, path, bare_path in cases:
            # rounds of a second or two in turn, so that others' load hits all alike
            rounds = max(1, seconds // 2)
            rps = [0.0, 0.0, 0.0]
            for _round in range(rounds):
                for i, (port, where, cookie) in enumerate(
                    (
                        (kept_port, path, kept_cookie),
                        (anew_port, path, anew_cookie),
                        (bare_port, bare_path, None),
                    )
                ):
                    rps[i] += load(port, where, cookie, seconds // rounds) / rounds
            kept_rps, anew_rps, bare_rps = rps
            print(
                f"  {label:<30} {kept_rps:6.0f}/s {anew_rps:6.0f}/s {bare_rps:6.0f}/s"
                f" {bare_rps / kept_rps:8.2f}x {bare_rps / anew_rps:8.2f}x"
            )
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def sizes(app: Flask, bare: Flask, cases: list[tuple[str, str, str]]) -> None:
    """Each page's size beside its twin's: the twin renders the same HTML (within a few per
    cent: its CSRF token and return path differ), or the comparison means nothing."""
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    plain = bare.test_client()
    for label, url, bare_url in cases:
        ours, theirs = len(client.get(url).data), len(plain.get(bare_url).data)
        print(f"  {label:<30} app {ours:7,d} B  bare {theirs:7,d} B  ({theirs / ours:.0%})")
        assert abs(ours - theirs) / ours < 0.05, "the bare twin no longer prints the same page"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=2000)
    parser.add_argument("--sections", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--no-gunicorn", action="store_true")
    parser.add_argument("--cpu", action="store_true", help="in process: CPU time, not wall")
    args = parser.parse_args()
    app = bench_app("bench-pages-")
    section, cadre_id = populate(app, args.cadres, args.sections)
    bare = bare_app(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        backend = db.engine.dialect.name
        size = db.session.scalar(
            sa.select(sa.func.count()).select_from(Cadre).where(Cadre.department_id == section)
        )
    print(f"pages beside bare pages, {args.cadres} cadres, {backend}; ratio = app time / bare")
    cases = [
        (f"ranking, one section of {size}", f"/evaluations/{YEAR}/ranking?section={section}",
         f"/ranking/{section}"),
        ("roster, first page (50 rows)", "/cadres/", "/roster"),
        ("profile (基本信息)", f"/cadres/{cadre_id}", f"/profile/{cadre_id}"),
    ]  # fmt: skip
    sizes(app, bare, cases)
    in_process(app, bare, cases, args.repeat, cpu=args.cpu)
    if not args.no_gunicorn:
        under_gunicorn(app, cases, args.seconds)


if __name__ == "__main__":
    main()
