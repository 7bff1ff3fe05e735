"""Checks for /healthz and ``flask doctor``: each returns (ok, detail)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from cadre_app.config import DEV_AUDIT_CHAIN_KEY, DEV_SECRET_KEY
from cadre_app.extensions import db

CJK_FONT_PACKAGE = "fonts-noto-cjk"
HARFBUZZ_SUBSET_PACKAGE = "libharfbuzz-subset0"


def database_ok() -> tuple[bool, str]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        db.session.rollback()
        return False, type(error).__name__
    return True, db.engine.url.render_as_string(hide_password=True)


def migrations_current(app: Flask) -> tuple[bool, str]:
    """Is the database at the newest migration?"""
    from alembic.config import Config as AlembicConfig
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return True, ", ".join(sorted(current))
    return False, f"current {sorted(current) or 'none'}, head {sorted(heads)}"


def cjk_font_families() -> list[str]:
    """Installed font families that cover Chinese, as fontconfig sees them."""
    if shutil.which("fc-list"):
        out = subprocess.run(  # noqa: S603
            ["fc-list", ":lang=zh", "family"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
        return sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})
    found = list(Path("/usr/share/fonts").rglob("*CJK*"))
    return sorted({path.stem for path in found})


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts with HarfBuzz when the library loads, else with slow fontTools."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None


def secret_key_ok(app: Flask) -> bool:
    key = app.config.get("SECRET_KEY")
    return bool(key) and key != DEV_SECRET_KEY and len(str(key)) >= 16


def audit_chain_key_ok(app: Flask) -> bool:
    """Is the audit chain keyed with a real secret (not the development placeholder)?"""
    key = app.config.get("AUDIT_CHAIN_KEY")
    return bool(key) and key != DEV_AUDIT_CHAIN_KEY and len(str(key)) >= 16


def _hide_password(uri: str) -> str:
    try:
        return sa.engine.make_url(uri).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:  # not URL-shaped (memory://)
        return uri


def rate_limit_storage(app: Flask) -> tuple[str, str, str]:
    """("ok" | "warn" | "fail", where the login rate limit counts, what to do). In memory,
    each worker process counts alone: with N web workers an address gets N times the limit."""
    from limits.storage import storage_from_string

    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if uri.startswith("memory://"):
        return (
            "warn",
            "内存",
            (
                "每个 Web 工作进程各自计数，实际上限为设定值乘以进程数；"
                "多进程或多主机时设置 REDIS_URL（CADRE_REDIS_URL），限速即存入 Redis 共用"
            ),
        )
    shown = _hide_password(uri)
    try:
        reachable = storage_from_string(uri).check()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return "fail", shown, f"无法访问（{type(error).__name__}）：登录将出错，检查 Redis"
    if not reachable:
        return "fail", shown, "无法访问：登录将出错，检查 Redis"
    return "ok", shown, "所有进程与主机共用"


def holiday_calendar(year: int) -> tuple[bool, str]:
    """Does the working-day calendar hold ``year``? Without it, deadlines in that year run
    through public holidays. The fix is a sync when the installed chinese_calendar package
    knows the year, else a newer package (after the State Council's notice) or entry by hand."""
    from cadre_app.services.core import holiday_sync

    synced, local = holiday_sync.year_status(year)
    if synced or local:
        return True, f"{synced + local} 天（同步 {synced}，手工 {local}）"
    if year in holiday_sync.known_years():
        return False, f"尚无节假日与调休，期限将不避开假日：运行 flask holidays sync --year {year}"
    return False, (
        f"尚无节假日与调休，{holiday_sync.library_version()} 也还没有 {year} 年的安排"
        "（国务院办公厅通知通常在上一年年底发布）：通知发布后运行 pip install -U chinesecalendar"
        f" 和 flask holidays sync --year {year}，或在“节假日与调休”页面手工登记"
    )
