"""Fixtures in the flaskr style: one app per test session, migrated once; every test starts
from empty tables; one logged-in client per role.

The database is ``DATABASE_URL`` when set (CI sets a fresh PostgreSQL database), else a
temporary SQLite file.

Each test runs inside one transaction on one connection, rolled back at its end (Indico's
``db`` fixture): ``db.session`` is bound to that connection for the test, in every app context
the test or its client's requests open, and a ``commit()`` only releases a savepoint. Nothing
is written, so nothing has to be wiped. A test whose data must be seen by another connection
(a thread or process of its own, a live server, ``db.engine.begin()`` in the code under test)
is marked ``committed`` (so is, implicitly, every test using a fixture of COMMITTING_FIXTURES,
such as the browser tests' live server): it commits for real and the tables are emptied after
it, as before.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from cadre_app import create_app
from cadre_app.config import Config
from cadre_app.extensions import db, limiter
from cadre_app.models import Department, Role, User
from cadre_app.services.accounts.operations import hash_password
from cadre_app.services.core import idcard
from tests.factories import CadreFactory, DepartmentFactory, OrganisationFactory
from tests.queue_worker import queue_worker  # noqa: E402,F401  (a fixture for every module)

PASSWORD = "Test@2026pw"
TEST_DATA_KEYS = {"t1": "dGVzdC1kYXRhLWtleS0xLW5vdC1mb3ItcHJvZHVjdCE="}
TEST_BLIND_INDEX_KEY = "dGVzdC1ibGluZC1pbmRleC1rZXktbm90LXByb2QhISE="
_TMP = tempfile.mkdtemp(prefix="cadre-tests-")
AUDIT_CHAIN_KEY = "test-audit-chain-key-not-for-production"
#: The audit anchors' file; removed after every test (its anchors name that test's events).
ANCHOR_PATH = Path(_TMP) / "audit-anchors.jsonl"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{Path(_TMP) / 'test.sqlite'}"


def base_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "WTF_CSRF_ENABLED": False,  # the CSRF tests switch it on; see test_security.py
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SERVER_NAME": None,
        "QUEUE_PATH": str(Path(_TMP) / "queue.sqlite"),
        "AUDIT_CHAIN_KEY": AUDIT_CHAIN_KEY,
        "AUDIT_ANCHOR_PATH": str(ANCHOR_PATH),
        # Two-factor sign-in is optional for every role here, so the suite signs in with the
        # password; tests/test_two_factor.py switches the production rule on.
        "TOTP_REQUIRED_ROLES": [],
        # Fixed test keys for the personal data encrypted at rest (services.core.crypto).
        "DATA_ENCRYPTION_KEYS": dict(TEST_DATA_KEYS),
        "BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    app = create_app(base_config())
    with app.app_context():
        # Start from nothing, then build the schema through the migrations, as production does.
        meta = sa.MetaData()
        meta.reflect(db.engine)
        meta.drop_all(db.engine)
        db.session.remove()
        upgrade()
    yield app


class _JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session chooses the app's engine itself and ignores ``bind``
    (pallets-eco/flask-sqlalchemy#1167). This one sends whatever is meant for the test
    database to the test's connection; an app built against another database (a dead
    server in test_security) keeps its own engine."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):  # type: ignore[override]
        chosen = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        connection = self.bind
        if isinstance(chosen, sa.Engine) and chosen.url == connection.engine.url:
            return connection
        return chosen


#: Fixtures that serve the app from threads of their own (a live server, the task queue's
#: consumer): a test using one commits for real.
COMMITTING_FIXTURES = {"live_server", "queue_worker"}


def _needs_commits(request: pytest.FixtureRequest) -> bool:
    return bool(
        request.node.get_closest_marker("committed")
        or COMMITTING_FIXTURES & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _database(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """A fresh rate-limit window; the test's writes rolled back, or (``committed``) committed
    and then wiped."""
    with app.app_context():
        limiter.reset()
    try:
        if _needs_commits(request):
            yield
            _empty_tables(app)
            return
        with _rolled_back(app):
            yield
    finally:
        ANCHOR_PATH.unlink(missing_ok=True)


@contextmanager
def audit_triggers_off(connection: sa.Connection) -> Iterator[None]:
    """Within the connection's transaction, the database's refusal of UPDATE, DELETE and
    TRUNCATE on audit_event (migration 0022) lifted, and restored after: what an insider
    with the owner's rights can do, and what wiping the tables needs."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
        yield
        connection.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")
        return  # (a failure rolls the transaction back, and the triggers' state with it)
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
    ).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            connection.exec_driver_sql(sql)


@contextmanager
def _rolled_back(app: Flask) -> Iterator[None]:
    """``db.session``, in every app context, joins one outer transaction with a savepoint
    (SQLAlchemy's "Joining a Session into an External Transaction"); the transaction is
    rolled back at the end."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    driver = connection.connection.driver_connection
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # pysqlite's own transaction handling emits no BEGIN before a SAVEPOINT, so the
        # first savepoint would start (and its RELEASE commit) a transaction of its own.
        # On this connection only, SQLAlchemy's recipe: no implicit BEGINs, ours instead.
        isolation_level = driver.isolation_level
        driver.isolation_level = None
    transaction = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    app_session = db.session
    db.session = db._make_scoped_session(
        {"class_": _JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    try:
        yield
    finally:
        joined, db.session = db.session, app_session
        for session in list(joined.registry.registry.values()):
            session.close()  # a session its app context did not remove (none, normally)
        transaction.rollback()
        if sqlite:
            driver.isolation_level = isolation_level
        connection.close()


def _empty_tables(app: Flask) -> None:
    """After a ``committed`` test: delete every row, as the whole suite did before."""
    with app.app_context():
        db.session.rollback()
        tables = db.metadata.sorted_tables
        with audit_triggers_off(db.session.connection()):
            if db.engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                # section heads point at cadres and cadres at sections: check keys at commit
                db.session.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
                for table in reversed(tables):
                    db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@cache
def _password_hash(password: str) -> str:
    return hash_password(password)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Factory: ``make_user("hr", Role.HR, cadre=..., sections=[...])`` -> committed User."""

    def factory(
        username: str,
        role: Role,
        *,
        password: str = PASSWORD,
        cadre_id: int | None = None,
        section_ids: tuple[int, ...] = (),
        must_change_password: bool = False,
    ) -> User:
        with app.app_context():
            user = User(
                username=username,
                role=role,
                password_hash=_password_hash(password),
                cadre_id=cadre_id,
                must_change_password=must_change_password,
            )
            user.led_departments = [db.session.get(Department, i) for i in section_ids]
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def org(app: Flask) -> dict[str, int]:
    """Two sections with one cadre each; returns their ids."""
    with app.app_context():
        organisation = OrganisationFactory(name="测试财政局")
        budget = DepartmentFactory(organisation=organisation, name="预算处", sort_order=1)
        treasury = DepartmentFactory(organisation=organisation, name="国库处", sort_order=2)
        own = CadreFactory(
            staff_no="T0001",
            name="李晓明",
            gender="男",
            birth_date=date(1995, 3, 8),
            id_number=idcard.make("110105", date(1995, 3, 8), 11),
            department=budget,
            rank="一级科员",
        )
        other = CadreFactory(
            staff_no="T0002",
            name="王芳",
            gender="女",
            birth_date=date(1990, 7, 1),
            id_number=idcard.make("120101", date(1990, 7, 1), 22),
            department=treasury,
            rank="四级主任科员",
        )
        db.session.commit()
        return {
            "budget": budget.id,
            "treasury": treasury.id,
            "own_cadre": own.id,
            "other_cadre": other.id,
        }


@pytest.fixture
def users(make_user: Callable[..., User], org: dict[str, int]) -> dict[str, User]:
    """One account per role, the manager leading 预算处 and the cadre linked to 李晓明."""
    return {
        "admin": make_user("admin1", Role.ADMIN),
        "hr": make_user("hr1", Role.HR),
        "manager": make_user("manager1", Role.MANAGER, section_ids=(org["budget"],)),
        "cadre": make_user("cadre1", Role.CADRE, cadre_id=org["own_cadre"]),
        "auditor": make_user("auditor1", Role.AUDITOR),
    }


def office_today() -> date:
    """Today in the office's zone, as the app's clock.today() sees it (the tests' apps keep
    the default zone): the date pages, forms and deadlines are on."""
    return datetime.now(ZoneInfo(Config.BABEL_DEFAULT_TIMEZONE)).date()


def login(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post("/auth/login", data={"username": username, "password": password, **extra})


@pytest.fixture
def login_as(app: Flask, users: dict[str, User]) -> Callable[[str], FlaskClient]:
    """``login_as("hr")`` -> a fresh client signed in through the real login form."""

    def factory(role: str) -> FlaskClient:
        client = app.test_client()
        response = login(client, users[role].username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return factory


@pytest.fixture
def hr_client(login_as: Callable[[str], FlaskClient]) -> FlaskClient:
    return login_as("hr")


@pytest.fixture
def cadre_client(login_as: Callable[[str], FlaskClient]) -> FlaskClient:
    return login_as("cadre")


@pytest.fixture
def manager_client(login_as: Callable[[str], FlaskClient]) -> FlaskClient:
    return login_as("manager")


@pytest.fixture
def admin_client(login_as: Callable[[str], FlaskClient]) -> FlaskClient:
    return login_as("admin")


@pytest.fixture
def auditor_client(login_as: Callable[[str], FlaskClient]) -> FlaskClient:
    return login_as("auditor")


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run while the test runs (after the fixtures' set-up), the tests'
    own savepoints left out."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "SAVEPOINT" not in statement:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def rendered_anew(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page rendered from its queries (``KEEP_PAGES`` off): a kept page runs none of
    its own (tests/test_kept_pages.py), and a test counting a page's statements means them."""
    monkeypatch.setitem(app.config, "KEEP_PAGES", False)


def count_rows(app: Flask, model: Any, *where: Any) -> int:
    """How many rows of ``model`` (matching ``where``) the database holds now."""
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(model)
        for condition in where:
            stmt = stmt.where(condition)
        return int(db.session.scalar(stmt) or 0)
