"""The Redis the tests may use: ``CADRE_TEST_REDIS_URL`` (CI gives each of its two suites,
which run side by side, a database of its own), else database 15 on this machine. A test
needing it is skipped when no Redis answers, except in CI, where it fails."""

from __future__ import annotations

import os
from typing import Any

import pytest

REDIS_URL = os.environ.get("CADRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_client() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client
