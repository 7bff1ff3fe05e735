"""cadre_app: 干部培养考评管理系统.

``create_app`` reads top to bottom: configuration, extensions, blueprints (each package under
``blueprints/`` registers itself), error handlers, security headers, commands.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, request, session
from flask_babel import get_locale, gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from cadre_app.config import DEV_AUDIT_CHAIN_KEY, DEV_SECRET_KEY, Config
from cadre_app.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``test_config`` replaces instance config and environment."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults, then ``instance/config.py``, then the environment (DESIGN.md, Contracts)."""
    app.config.from_object(Config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        app.config.from_prefixed_env("CADRE")
    else:
        app.config.update(test_config)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or (
        f"sqlite:///{Path(app.instance_path) / 'cadre.sqlite'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]  # one limit for all hosts
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    if not (app.debug or app.testing) and app.config["SECRET_KEY"] in (None, "", DEV_SECRET_KEY):
        raise RuntimeError(
            "SECRET_KEY 未设置或仍为开发默认值：请在 instance/config.py 中写入 "
            "SECRET_KEY = '<随机字符串>'，或设置环境变量 SECRET_KEY "
            "（make run 会自动生成）。"
        )
    if not (app.debug or app.testing) and app.config.get("AUDIT_CHAIN_KEY") in (
        None,
        "",
        DEV_AUDIT_CHAIN_KEY,
    ):
        raise RuntimeError(
            "AUDIT_CHAIN_KEY 未设置或仍为开发默认值：审计日志的哈希链需要一个不在数据库中的"
            "密钥。请在 instance/config.py 中写入 AUDIT_CHAIN_KEY = '<随机字符串>'，或设置"
            "环境变量 CADRE_AUDIT_CHAIN_KEY（make setup 会自动生成）。已有审计记录时，"
            "设置后运行 flask db upgrade。"
        )
    from cadre_app.services.core import crypto

    crypto.init_app(app)  # the keys of 身份证号 and 手机号: malformed or (in production) missing
    try:
        ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise RuntimeError(
            f"BABEL_DEFAULT_TIMEZONE 无效（{app.config['BABEL_DEFAULT_TIMEZONE']!r}）："
            "应为 IANA 时区名，例如 Asia/Shanghai。"
        ) from error


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the URL names."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configure_logging(app: Flask) -> None:
    """Log to stderr in gunicorn's format: ``[time] [pid] [LEVEL] logger: message``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "%Y-%m-%d %H:%M:%S %z",
        )
    )
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO if not app.debug else logging.DEBUG)
    from cadre_app.services.ballots import logfilter

    logfilter.install([app.logger, handler])  # no ballot code in any logged URL (README)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys; wait for a lock held by another writer, not fail."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def register_extensions(app: Flask) -> None:
    from cadre_app import (
        layout,
        models,  # noqa: F401  (every table known to Alembic)
    )
    from cadre_app.i18n import localtime, select_locale, template_gettext, term, terms
    from cadre_app.services.accounts import operations as accounts

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["term"] = term  # a stored Chinese value in the UI's language
    app.jinja_env.filters["terms"] = terms
    app.context_processor(template_gettext)  # after babel.init_app: overrides its per-call ones
    layout.register(app)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_message = "请先登录。"  # msgid, translated by localize_callback
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str) -> Any:
        from cadre_app.security import is_passive_request
        from cadre_app.services.core import kept, registry

        user = accounts.load_session(
            token,
            idle_minutes=app.config["IDLE_TIMEOUT_MINUTES"],
            touch=not is_passive_request(),
            extras=registry.current().session_columns,
        )
        if user is None:
            g.session_expired = True
        if db.session.dirty or db.session.deleted:
            # persists last_seen_at or the removal of an idle session; a commit expires the
            # user just loaded, so none when nothing was written (the page would reload it)
            db.session.commit()
        if user is not None:
            kept.note_request_start(user.session_extras)
        return user


def register_blueprints(app: Flask) -> None:
    """Every package under ``cadre_app.blueprints`` registers itself (``register(app)``): its
    blueprint with its URL prefix and commands, menu entries, audit object types and PDF kinds
    (services.core.registry). Packages are taken in name order; the menu has its own order."""
    from cadre_app import blueprints
    from cadre_app.permissions import register_template_helpers
    from cadre_app.services.core import registry

    registry.init_app(app)
    for package in blueprint_packages():
        importlib.import_module(f"{blueprints.__name__}.{package}").register(app)
    register_template_helpers(app)


def blueprint_packages() -> list[str]:
    """The names of the packages under ``cadre_app.blueprints``, sorted."""
    from cadre_app import blueprints

    return sorted(m.name for m in pkgutil.iter_modules(blueprints.__path__) if m.ispkg)


def register_errorhandlers(app: Flask) -> None:
    from cadre_app.errors import register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from cadre_app.security import register

    register(app)

    @app.before_request
    def make_session_permanent() -> None:
        if not session.permanent:  # setting it marks the session modified (a new cookie)
            session.permanent = True  # PERMANENT_SESSION_LIFETIME bounds the cookie too

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        return {"organisation_name": app.config["ORGANISATION_NAME"], "request": request}


def register_commands(app: Flask) -> None:
    from cadre_app.cli import register

    register(app)
