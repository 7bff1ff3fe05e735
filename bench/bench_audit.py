"""The audit log with 100,000 events: ``verify()`` over the whole chain, the first page of
``search`` with and without filters, a deep page, the audit page through the Flask test client,
appending one more event, and the export of the newest 50,000 rows. Medians over several runs.

Events are bulk-inserted with a valid hash chain (same digest as ``services.audit.record``), so
``verify()`` must report nothing.

    .venv/bin/python bench/bench_audit.py [--events 100000] [--repeat 20] [--verify-runs 3]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python bench/bench_audit.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from cadre_app import create_app  # noqa: E402
from cadre_app.extensions import db  # noqa: E402
from cadre_app.models import AuditEvent, Role, User  # noqa: E402
from cadre_app.services.accounts.operations import hash_password  # noqa: E402
from cadre_app.services.audit import queries as audit_query
from cadre_app.services.audit.queries import AuditFilters  # noqa: E402
from cadre_app.services.core import audit  # noqa: E402

ACTORS = [(f"hr{i}", "hr") for i in range(5)] + [(f"manager{i}", "manager") for i in range(20)]
ACTORS += [(f"cadre{i}", "cadre") for i in range(200)] + [("auditor", "auditor")]
START = datetime(2025, 1, 1)


def build(events: int) -> object:
    tmp = tempfile.mkdtemp(prefix="bench-audit-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench" * 4,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "TOTP_REQUIRED_ROLES": [],
        }
    )
    rng = random.Random(7)
    actions = list(audit.ACTIONS)
    weights = [30, 3, 25, 5, 20, 1, 3, 2, 2, 9]
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(db.engine)
        meta.drop_all(db.engine)
        upgrade()
        prev = audit.GENESIS
        step = timedelta(days=365) / events
        batch: list[dict] = []
        began = time.perf_counter()
        for n in range(events):
            name, role = rng.choice(ACTORS)
            action = rng.choices(actions, weights)[0]
            before = after = None
            if action == "update":
                before = {"position_title": "科员", "rank": "一级科员"}
                after = {"position_title": "副科长", "rank": "四级主任科员", "version": 2}
            event = AuditEvent(
                occurred_at=START + step * n + timedelta(microseconds=rng.randrange(1000)),
                actor_id=n % 500,
                actor_name=name,
                actor_role=role,
                ip=f"10.0.{n % 250}.{n % 200}",
                action=action,
                object_type="user" if action.startswith("log") else "cadre",
                object_id=str(rng.randrange(20_000)),
                summary=f"B{rng.randrange(20_000):06d} 干部{n}",
                before=before,
                after=after,
                result="fail" if action == "login_failed" else "ok",
                prev_hash=prev,
            )
            event.hash = prev = audit.digest(event)  # the digest record() writes
            batch.append(
                {
                    c.key: getattr(event, c.key)
                    for c in AuditEvent.__table__.columns
                    if c.key != "id"
                }
            )
            if len(batch) == 5000:
                db.session.execute(sa.insert(AuditEvent.__table__), batch)
                batch.clear()
        if batch:
            db.session.execute(sa.insert(AuditEvent.__table__), batch)
        db.session.add(
            User(username="auditor", role=Role.AUDITOR, password_hash=hash_password("Bench@2026"))
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE audit_event"))
            db.session.commit()
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"built {events} events in {time.perf_counter() - began:.1f} s on {url}")
    return app


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--verify-runs", type=int, default=3)
    args = parser.parse_args()
    app = build(args.events)
    results: list[tuple[str, float]] = []
    with app.app_context():

        def verify_all() -> None:
            problems = list(audit.verify())
            assert not problems, problems[:3]
            db.session.rollback()

        results.append(
            (f"verify() over {args.events} events", median_ms(verify_all, args.verify_runs))
        )
        last_day = (START + timedelta(days=364)).date()
        searches = {
            "search page 1, no filter": AuditFilters(),
            "search page 1, action=reveal (rare)": AuditFilters(action="reveal"),
            "search page 1, actor=hr1 (exact)": AuditFilters(actor="hr1"),
            "search page 1, actor prefix 'manager1'": AuditFilters(
                actor="manager1", actor_prefix=True
            ),
            "search page 1, one day": AuditFilters(date_from=last_day, date_to=last_day),
            "search page 1, object cadre #123": AuditFilters(object_type="cadre", object_id="123"),
            "search page 1, result=fail": AuditFilters(result="fail"),
        }
        for label, filters in searches.items():

            def one_page(filters: AuditFilters = filters) -> None:
                audit_query.search(filters, 1, 50)
                db.session.rollback()

            results.append((label, median_ms(one_page, args.repeat)))

        def deep_page() -> None:
            audit_query.search(AuditFilters(), 1000, 50)
            db.session.rollback()

        results.append(("search page 1000, no filter", median_ms(deep_page, args.repeat)))

        def append_one() -> None:
            audit.record("download", object_type="cadre", object_id=1, actor_name="bench")
            db.session.rollback()

        results.append(("record() one event (rolled back)", median_ms(append_one, args.repeat)))

    client = app.test_client()
    response = client.post("/auth/login", data={"username": "auditor", "password": "Bench@2026"})
    assert response.status_code == 302, response.status_code
    for label, url in (
        ("GET /audit/ (test client)", "/audit/"),
        ("GET /audit/?action=update&actor=hr1", "/audit/?action=update&actor=hr1"),
    ):

        def get(url: str = url) -> None:
            assert client.get(url).status_code == 200

        results.append((label, median_ms(get, args.repeat)))

    with app.app_context():

        def export() -> None:
            audit_query.export(AuditFilters(), cap=audit_query.EXPORT_CAP)
            db.session.rollback()

        began = time.perf_counter()
        export()
        results.append(
            (
                f"export newest {audit_query.EXPORT_CAP} rows to xlsx (1 run)",
                (time.perf_counter() - began) * 1000,
            )
        )

    print(f"{date.today()}  {os.cpu_count()} cores  {args.events} events")
    for label, ms in results:
        print(f"  {label:<48} {ms:9.1f} ms")


if __name__ == "__main__":
    main()
