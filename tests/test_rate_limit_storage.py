"""Where the login rate limit counts (issue 16, point 9): with REDIS_URL set, in Redis, so
that every worker process and host shares one count; ``flask doctor`` says which storage is
in use and warns when it is each process's memory."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from cadre_app import create_app
from cadre_app.extensions import limiter
from tests.conftest import AUDIT_CHAIN_KEY, base_config, login
from tests.redis_support import REDIS_URL, redis_client

ROOT = Path(__file__).resolve().parent.parent

#: A second instance of the app in a process of its own (a second gunicorn worker or host):
#: one login attempt from 127.0.0.1; prints the status.
SECOND_INSTANCE = """
import sys
from cadre_app import create_app
app = create_app({
    "TESTING": True, "SECRET_KEY": "s" * 32, "AUDIT_CHAIN_KEY": sys.argv[3],
    "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2], "WTF_CSRF_ENABLED": False,
    "REDIS_URL": sys.argv[1] or None, "LOGIN_RATE_LIMIT": "3 per minute",
})
client = app.test_client()
try:  # not limited: the view runs, and finds no tables in this empty database
    status = client.post("/auth/login", data={"username": "nobody", "password": "Wrong@pass1"})
    print(status.status_code)
except Exception as error:
    print("reached the view:", type(error).__name__, file=sys.stderr)
    print(0)
"""


@pytest.fixture
def redis_db() -> Iterator[str]:
    """The suite's own Redis database, emptied (CI's two suites each have theirs)."""
    client = redis_client()
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


@pytest.fixture(autouse=True)
def _session_limiter_restored(app: Flask) -> Iterator[None]:
    """The limiter is one per process and takes the storage of the app initialised last:
    give it back to the session's app."""
    yield
    limiter.init_app(app)


def _second_instance(redis_url: str, tmp_path: Path) -> int:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SECOND_INSTANCE, redis_url, str(tmp_path / "other.sqlite"),
         AUDIT_CHAIN_KEY],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-2000:]
    return int(lines[-1])


def test_two_instances_on_redis_share_the_login_limit(users, redis_db, tmp_path):
    first = create_app(base_config(REDIS_URL=redis_db, LOGIN_RATE_LIMIT="3 per minute"))
    assert first.config["RATELIMIT_STORAGE_URI"] == redis_db
    client = first.test_client()
    assert [login(client, "nobody", "Wrong@pass1").status_code for _ in range(3)] == [401] * 3
    # the fourth attempt, on another instance in another process: refused from the shared count
    assert _second_instance(redis_db, tmp_path) == 429


def test_in_memory_each_instance_counts_alone(users, tmp_path):
    """The control: without Redis the second instance has not seen the first's attempts."""
    first = create_app(base_config(LOGIN_RATE_LIMIT="3 per minute"))
    assert first.config["RATELIMIT_STORAGE_URI"] == "memory://"
    client = first.test_client()
    assert [login(client, "nobody", "Wrong@pass1").status_code for _ in range(3)] == [401] * 3
    assert _second_instance("", tmp_path) != 429


def test_doctor_says_where_the_login_limit_counts(redis_db):
    on_redis = create_app(base_config(REDIS_URL=redis_db))
    output = on_redis.test_cli_runner().invoke(args=["doctor"]).output
    assert f"OK   登录限速存储: {redis_db}：所有进程与主机共用" in output

    in_memory = create_app(base_config())
    output = in_memory.test_cli_runner().invoke(args=["doctor"]).output
    assert "WARN 登录限速存储: 内存：每个 Web 工作进程各自计数" in output


def test_doctor_fails_when_the_limits_redis_cannot_be_reached():
    dead = create_app(base_config(RATELIMIT_STORAGE_URI="redis://:secret@127.0.0.1:1/0"))
    result = dead.test_cli_runner().invoke(args=["doctor"])
    assert "FAIL 登录限速存储: redis://:***@127.0.0.1:1/0：无法访问" in result.output
    assert ":secret@" not in result.output  # the password hidden (a migration names "secret")
    assert result.exit_code == 1
