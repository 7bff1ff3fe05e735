"""Casting ballots under load (issue 13's acceptance): 300 ballots cast by 16 concurrent
clients against gunicorn (2 sync workers, ``--preload``, the project's gunicorn.conf.py), on
SQLite (a temporary file) or PostgreSQL (``DATABASE_URL``). As in a meeting room: the raters'
phones first open the ballots of their codes (GET ``/ballot/<code>``, which also gives the
session cookie and the CSRF token; 16 at a time, timed too), then, the ballots filled in, 16
clients cast the 300 ballots (POST, 5 subjects × the default checklist's 15 positive and 22
negative items and the overall judgement). Reports the cast's latency (p50, p95, max) and
checks that none was lost and none counted twice: every POST answered 303, 300 ballots and
1,500 entries stored, no code left.

    .venv/bin/python bench/bench_ballots.py [--ballots 300] [--clients 16] [--subjects 5]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB \
        .venv/bin/python bench/bench_ballots.py
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import sqlalchemy as sa
from common import ROOT, bench_app

from cadre_app.extensions import db
from cadre_app.models import Ballot, BallotCode, BallotEntry

sys.path.insert(0, str(ROOT))
from tests.ballot_support import ballot_form, issue, make_assessment  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
         "--workers", "2", "--bind", f"127.0.0.1:{port}", "--preload",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--subjects", type=int, default=5)
    args = parser.parse_args()
    app = bench_app("bench-ballots-")
    with app.test_request_context():
        assessment = make_assessment(subjects=args.subjects, groups=(("同事", 100, args.ballots),))
        plain = issue(assessment, "同事", args.ballots)
        form = ballot_form(assessment, rating=2, ticked=(3, 7))
        db.session.commit()
        backend = db.engine.dialect.name
        items = len(assessment.checklist.positive), len(assessment.checklist.negative)
    body_fields = list(form.items())

    env = {k: v for k, v in os.environ.items() if not k.startswith("CADRE_")}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],  # the key the codes were hashed under
        FLASK_APP="wsgi.py",
    )
    port = _free_port()
    server = _gunicorn(port, env)
    lock = threading.Lock()
    pages: list[float] = []
    casts: list[float] = []
    statuses: list[int] = []
    failures: list[str] = []
    opened: list[tuple[str, str, str]] = []  # (code, cookie, csrf token)

    def run(work: list, step) -> float:  # noqa: ANN001
        """``step(conn, item)`` for every item, by ``args.clients`` threads; wall seconds."""
        queue = list(work)

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while True:
                with lock:
                    if not queue:
                        break
                    item = queue.pop()
                try:
                    step(conn, item)
                except Exception as error:  # noqa: BLE001  (counted and reported)
                    failures.append(repr(error))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def open_ballot(conn: http.client.HTTPConnection, code: str) -> None:
        """A rater's phone opens the slip's URL: the ballot, its cookie and CSRF token."""
        started = time.perf_counter()
        conn.request("GET", f"/ballot/{code}")
        response = conn.getresponse()
        html = response.read().decode()
        pages.append(time.perf_counter() - started)
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        opened.append((code, cookie, token))

    def cast(conn: http.client.HTTPConnection, item: tuple[str, str, str]) -> None:
        """... and, the ballot filled in, casts it."""
        code, cookie, token = item
        body = urllib.parse.urlencode([*body_fields, ("csrf_token", token)])
        started = time.perf_counter()
        conn.request(
            "POST", f"/ballot/{code}", body=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()
        casts.append(time.perf_counter() - started)
        statuses.append(response.status)

    try:
        open_wall = run(plain, open_ballot)
        wall = run(opened, cast)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    with app.app_context():
        count = lambda m: db.session.scalar(sa.select(sa.func.count()).select_from(m))  # noqa: E731
        ballots, entries, left = count(Ballot), count(BallotEntry), count(BallotCode)
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print(
        f"{backend}: {args.ballots} ballots, {args.clients} clients, gunicorn 2 workers, "
        f"{args.subjects} subjects x ({items[0]} + {items[1]} items); cast in {wall:.1f} s, "
        f"{args.ballots / wall:.0f} ballots/s (pages opened before, in {open_wall:.1f} s)"
    )
    print(
        f"  cast (POST, 16 at once): p50 {ms(statistics.median(casts))}, "
        f"p95 {ms(_percentile(casts, 0.95))}, max {ms(max(casts))}"
    )
    print(
        f"  ballot page (GET, 16 at once): p50 {ms(statistics.median(pages))}, "
        f"p95 {ms(_percentile(pages, 0.95))}, max {ms(max(pages))}"
    )
    answered = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"  answers {answered}, failures {len(failures)}; stored {ballots} ballots, "
          f"{entries} entries, {left} codes left")  # fmt: skip
    ok = (
        not failures
        and answered == {303: args.ballots}
        and ballots == args.ballots
        and entries == args.ballots * args.subjects
        and left == 0
    )
    p95 = _percentile(casts, 0.95)
    print(f"  none lost, none twice: {'yes' if ok else 'NO'}; p95 <= 300 ms: "
          f"{'yes' if p95 <= 0.3 else 'NO'}")  # fmt: skip
    if failures:
        print("  first failure:", failures[0])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
