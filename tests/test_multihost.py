"""Several hosts, one queue: two gunicorn instances on two ports and one ``flask worker``,
sharing the test database and the Redis running on this machine (DESIGN.md, "Shape").

A 60-form merged batch started on the first instance is followed and downloaded on the
second; the worker is killed (SIGKILL) mid-batch and started again, and the job completes;
the login lockout and the login rate limit hold across both instances (the rate limit only
because Flask-Limiter keeps its counts in the same Redis: with its default in-memory storage
each instance would count alone)."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cadre_app.extensions import db
from cadre_app.models import Cadre, ExportPart, Role
from tests.conftest import AUDIT_CHAIN_KEY, PASSWORD, database_url
from tests.redis_support import REDIS_URL, redis_client

pytestmark = [pytest.mark.slow, pytest.mark.committed]  # other processes read its rows

COUNT = 60
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADRE_")}
    env.update(
        DATABASE_URL=database_url(),
        SECRET_KEY="multihost-test-secret-key-0123456789",
        CADRE_AUDIT_CHAIN_KEY=AUDIT_CHAIN_KEY,  # one chain with the test process's events
        CADRE_REDIS_URL=REDIS_URL,
        CADRE_LOGIN_RATE_LIMIT="8 per minute",
        CADRE_PDF_WORKERS="2",
        CADRE_TOTP_REQUIRED_ROLES="[]",  # signs in with the password, as the suite does
        FLASK_APP="wsgi.py",
    )
    return env


def start_web(port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=environment(), stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def start_worker(log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "flask"), "worker"],
        cwd=ROOT, env=environment(), stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {seconds} s")


def answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


class Browser:
    """Cookies and CSRF tokens, as a browser keeps them; any host of the same site."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def get(self, url: str) -> tuple[int, bytes, dict[str, str]]:
        return self._open(urllib.request.Request(url))  # noqa: S310

    def post(self, url: str, form_url: str, data: dict[str, object]) -> tuple[int, bytes, dict]:
        status, page, _ = self.get(form_url)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, page[:400]
        fields = {**data, "csrf_token": token.group(1).decode()}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(url, data=body, headers={"Referer": form_url})  # noqa: S310
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, bytes, dict[str, str]]:
        try:
            with self.opener.open(request, timeout=30) as response:  # noqa: S310
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def copy_to(self, other: Browser) -> None:
        for cookie in self.jar:
            other.jar.set_cookie(cookie)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002,ANN003
        return None


@pytest.fixture
def hosts(app, make_user, org, tmp_path) -> Iterator[dict]:
    """Two web instances and a worker over the test database and Redis db 15."""
    client = redis_client()
    client.flushdb()
    make_user("hr_multi", Role.HR)
    make_user("victim", Role.HR)
    with app.app_context():
        for i in range(COUNT):
            db.session.add(
                Cadre(
                    staff_no=f"M{i:03d}", name=f"多机{i:02d}号", gender="男",
                    birth_date=date(1990, 1 + i % 12, 1), department_id=org["budget"],
                    rank="一级科员", position_title="预算处科员",
                )
            )  # fmt: skip
        db.session.commit()
    logs = tmp_path
    ports = free_port(), free_port()
    processes = {
        "a": start_web(ports[0], logs / "a.log"),
        "b": start_web(ports[1], logs / "b.log"),
        "worker": start_worker(logs / "worker.log"),
    }
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            wait_until(lambda base=base: answers(base), 60, f"gunicorn at {base}")
        yield {"a": bases[0], "b": bases[1], "processes": processes, "logs": logs}
    finally:
        for process in processes.values():
            with_children = [process.pid, *children(process.pid)]
            for pid in with_children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait(10)
        client.flushdb()


def test_a_batch_started_on_one_host_is_followed_and_downloaded_on_another_through_a_worker_restart(  # noqa: E501
    app, hosts
):
    a, b, logs = hosts["a"], hosts["b"], hosts["logs"]
    on_a = Browser()
    status, _, headers = on_a.post(
        f"{a}/auth/login", f"{a}/auth/login", {"username": "hr_multi", "password": PASSWORD}
    )
    assert status == 302, headers
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Cadre.id).where(Cadre.staff_no.like("M%"))))
    status, page, headers = on_a.post(
        f"{a}/records/batch",
        f"{a}/records/batch",
        {"kind": "appointment_form", "output": "pdf", "scope": "selected", "cadre_ids": ids},
    )
    assert status == 302, page[:600]
    job_path = urllib.parse.urlsplit(headers["Location"]).path
    on_b = Browser()
    on_a.copy_to(on_b)  # the same person, the load balancer sent them elsewhere

    def progress() -> dict:
        status, body, _ = on_b.get(f"{b}{job_path}.json")
        assert status == 200, body[:300]
        return json.loads(body)

    # kill the worker once a part has really started, mid-batch
    wait_until(lambda: progress()["done"] > 0, 120, "first progress")
    assert progress()["state"] == "running" and progress()["done"] < COUNT
    worker = hosts["processes"]["worker"]
    forked = children(worker.pid)
    assert len(forked) >= 2, forked  # the consumer and its two process workers
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    wait_until(lambda: not any(alive(pid) for pid in forked), 20, "workers exit with consumer")
    with app.app_context():
        running = db.session.scalars(
            sa.select(ExportPart).where(ExportPart.state == "running")
        ).all()
        assert running, "the kill left no part running: nothing was interrupted"
    hosts["processes"]["worker"] = start_worker(logs / "worker.log")

    wait_until(lambda: progress()["state"] in ("done", "failed"), 180, "the job to end")
    final = progress()
    assert final["state"] == "done", (final, (logs / "worker.log").read_text()[-3000:])
    assert final["done"] == final["total"] == COUNT
    status, content, headers = on_b.get(f"{b}{final['download_url']}")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(content))
    assert len(reader.pages) == 2 * COUNT
    assert "多机00号" in reader.pages[0].extract_text().replace(" ", "")
    assert "多机59号" in reader.pages[-2].extract_text().replace(" ", "")
    with app.app_context():
        attempts = db.session.scalars(sa.select(ExportPart.attempts)).all()
        assert max(attempts) == 2  # the interrupted part(s) were laid out again


def test_login_lockout_and_rate_limit_hold_across_hosts(hosts):
    a, b = hosts["a"], hosts["b"]

    def attempt(base: str, password: str) -> int:
        browser = Browser()
        form = f"{base}/auth/login"
        return browser.post(form, form, {"username": "victim", "password": password})[0]

    # five failures, alternating hosts, lock the account everywhere (kept in the database)
    assert [attempt((a, b)[i % 2], "wrong-Pass1") for i in range(5)] == [401] * 5
    assert attempt(a, PASSWORD) == 401 and attempt(b, PASSWORD) == 401  # locked: 7 posts
    # eight posts a minute from one address, counted together in Redis: the ninth is refused
    assert attempt(a, "wrong-Pass1") == 401
    assert attempt(b, "wrong-Pass1") == 429
    assert attempt(a, "wrong-Pass1") == 429


def test_a_page_kept_on_one_host_shows_a_write_made_on_the_other(app, hosts):
    """A profile tab kept by the first instance (layout.kept_page) shows, at its next look,
    the relative added through the second: the second's audited write is the newest write
    the first reads with the session."""
    a, b = hosts["a"], hosts["b"]
    on_a = Browser()
    status, _, headers = on_a.post(
        f"{a}/auth/login", f"{a}/auth/login", {"username": "hr_multi", "password": PASSWORD}
    )
    assert status == 302, headers
    with app.app_context():
        cadre_id = db.session.scalar(sa.select(Cadre.id).where(Cadre.staff_no == "M000"))
    tab = f"/cadres/{cadre_id}?tab=family"
    first = on_a.get(f"{a}{tab}")
    assert first[0] == 200 and "多机父亲".encode() not in first[1]
    assert "多机父亲".encode() not in on_a.get(f"{a}{tab}")[1]  # seen again (kept)
    on_b = Browser()
    on_a.copy_to(on_b)  # the same person, sent to the other instance
    status, page, _ = on_b.post(
        f"{b}/cadres/{cadre_id}/family", f"{b}{tab}", {"relation": "父亲", "name": "多机父亲"}
    )
    assert status == 302, page[:600]
    status, page, _ = on_a.get(f"{a}{tab}")
    assert status == 200 and "多机父亲".encode() in page
