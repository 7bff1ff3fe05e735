"""No ballot code in any server log (issue 13, point 5): the request lines of werkzeug's
server and of gunicorn (access and error log) are captured from real requests (the ballot
page, a cast, a refused code, a static file asked with the ballot page as Referer), and no
code, used or not, appears in them: each ``/ballot/<code>`` is logged as
``/ballot/<redacted>``."""

from __future__ import annotations

import contextlib
import http.cookiejar
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from cadre_app.extensions import db
from cadre_app.services.ballots import codes, logfilter
from tests.ballot_support import ballot_form, issue, make_assessment
from tests.conftest import database_url

pytestmark = pytest.mark.committed  # a server in another thread or process reads the rows

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_redact_replaces_every_code_in_a_line():
    line = (
        '127.0.0.1 - - [03/Dec/2026:07:00:00 +0000] "POST /ballot/ABCDEFGHJKMN HTTP/1.1" 303 0 '
        '"http://host/ballot/abcd-efgh-jkmn" "Mozilla" /Ballot/?code=ABCD'
    )
    redacted = logfilter.redact(line)
    assert "ABCDEFGHJKMN" not in redacted and "abcd-efgh-jkmn" not in redacted
    assert "code=ABCD" not in redacted
    assert redacted.count("<redacted>") == 3
    assert logfilter.redact('"GET /ballot/ HTTP/1.1"') == '"GET /ballot/ HTTP/1.1"'
    record = logging.LogRecord("x", logging.INFO, "f", 1, "%s %s", ("GET", "/ballot/XYZ"), None)
    assert logfilter.FILTER.filter(record) and record.getMessage() == "GET /ballot/<redacted>"


@pytest.fixture
def box(app):
    with app.app_context():
        assessment = make_assessment(n_positive=2, n_negative=1)
        plain = issue(assessment, "同事", 3)
        form = ballot_form(assessment)
        db.session.commit()
        return {"codes": plain, "form": form}


def _requests(base: str, box) -> list[int]:
    """The requests a rater's phone makes, and a wrong guess; returns their statuses."""
    opener = urllib.request.build_opener(
        _NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    used, unused = box["codes"][0], box["codes"][1]
    statuses = []
    with opener.open(f"{base}/ballot/{used}", timeout=10) as response:  # noqa: S310
        statuses.append(response.status)
        page = response.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for method, path, data, headers in (
        ("POST", f"/ballot/{used}", dict(box["form"], csrf_token=token), {}),
        ("GET", f"/ballot/{used}", None, {}),  # refused now: used
        ("GET", f"/ballot/{codes.display(unused).lower()}", None, {}),
        ("GET", "/static/css/app.css", None, {"Referer": f"{base}/ballot/{unused}"}),
        ("GET", f"/ballot/?code={unused}", None, {}),
    ):
        body = urllib.parse.urlencode(data).encode() if data else None
        request = urllib.request.Request(  # noqa: S310  (our own server)
            base + path, data=body, headers=headers, method=method
        )
        try:
            with opener.open(request, timeout=10) as response:  # noqa: S310  (our own server)
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _assert_no_code(text: str, box) -> None:
    for code in box["codes"]:
        for form in (code, codes.display(code), code.lower(), codes.display(code).lower()):
            assert form not in text, f"a code in the log: {form}"


def test_werkzeugs_request_log_holds_no_code(app, box):
    captured = StringIO()
    handler = logging.StreamHandler(captured)
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.addHandler(handler)
    level, werkzeug.level = werkzeug.level, logging.INFO
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        statuses = _requests(f"http://127.0.0.1:{server.server_port}", box)
    finally:
        server.shutdown()
        werkzeug.removeHandler(handler)
        werkzeug.setLevel(level)
    assert statuses == [200, 303, 404, 200, 200, 200]
    log = captured.getvalue()
    assert log.count("/ballot/<redacted>") >= 5, log
    _assert_no_code(log, box)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_gunicorns_access_and_error_logs_hold_no_code(app, box, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADRE_")}
    env.update(
        DATABASE_URL=database_url(),
        SECRET_KEY=app.config["SECRET_KEY"],  # the key the codes were hashed under
        CADRE_AUDIT_CHAIN_KEY=app.config["AUDIT_CHAIN_KEY"],  # production start-up needs one
        FLASK_APP="wsgi.py",
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "--error-logfile", "-",
             "--log-level", "debug", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.2)
        statuses = _requests(f"http://127.0.0.1:{port}", box)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert statuses == [200, 303, 404, 200, 200, 200]
    text = log_path.read_text(encoding="utf-8", errors="replace")
    access = [line for line in text.splitlines() if re.search(r'"(GET|POST) /', line)]
    assert len(access) == 6, text
    assert sum("/ballot/<redacted>" in line for line in access) >= 5, text
    _assert_no_code(text, box)
