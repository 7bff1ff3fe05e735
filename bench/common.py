"""Shared set-up for the benchmarks: a fresh migrated database and bulk-generated cadres."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from cadre_app import create_app  # noqa: E402
from cadre_app.extensions import db  # noqa: E402
from cadre_app.models import Cadre, Department, Organisation, Role, User, enums  # noqa: E402
from cadre_app.services.accounts.operations import hash_password  # noqa: E402
from cadre_app.services.core import idcard  # noqa: E402

HR_PASSWORD = "Bench@2026"


#: Bench-only keys of the personal data encrypted at rest (services.core.crypto); a bare twin
#: reading the same rows needs them too.
BENCH_KEYS = {
    "DATA_ENCRYPTION_KEYS": {"b1": "YmVuY2gtb25seS1kYXRhLWtleS1ub3Qtc2VjcmV0ISE="},
    "BLIND_INDEX_KEY": "YmVuY2gtb25seS1ibGluZC1pbmRleC1ub3Qtc2VjcnQ=",
}


def bench_app(prefix: str) -> Flask:
    """An app on ``DATABASE_URL`` (emptied first) or a new temporary SQLite file, migrated."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/b.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench" * 4,
            "AUDIT_CHAIN_KEY": "bench-audit-chain-key-0123456789",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "TOTP_REQUIRED_ROLES": [],  # pages are measured here; bench_login measures 2FA
            **BENCH_KEYS,
        }
    )
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(db.engine)
        meta.drop_all(db.engine)
        db.session.remove()
        upgrade()
    return app


def insert_cadres(count: int, sections: int, *, seed: int = 7) -> list[int]:
    """Bulk-insert an organisation with ``sections`` sections and ``count`` cadres spread over
    them; returns the section ids. Call inside an app context; commits."""
    rng = random.Random(seed)
    org = Organisation(name="基准单位")
    departments = [
        Department(organisation=org, name=f"第{i:03d}科", sort_order=i) for i in range(sections)
    ]
    db.session.add_all([org, *departments])
    db.session.flush()
    rows, seen = [], set()
    for i in range(count):
        born = date(rng.randint(1966, 2001), rng.randint(1, 12), rng.randint(1, 28))
        gender = rng.choice("男女")
        seq = rng.randrange(1, 999, 2) if gender == "男" else rng.randrange(2, 999, 2)
        number = idcard.make("110105", born, seq)
        rows.append(
            {
                "staff_no": f"B{i:06d}",
                "name": f"干部{i}",
                "gender": gender,
                "birth_date": born,
                "id_number": None if number in seen else number,
                "department_id": departments[i % sections].id,
                "rank": rng.choice(enums.RANK_LADDER[:8]),
                "political_status": rng.choice(enums.POLITICAL_STATUSES[:4]),
                "position_title": "科员",
                "version": 1,
            }
        )
        seen.add(number)
    db.session.execute(sa.insert(Cadre), rows)
    db.session.add(User(username="hr", role=Role.HR, password_hash=hash_password(HR_PASSWORD)))
    db.session.commit()
    return [d.id for d in departments]


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls after one warm-up call."""
    run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def describe(label: str, samples: list[float]) -> str:
    p90 = sorted(samples)[int(len(samples) * 0.9)] if len(samples) > 1 else samples[0]
    return f"  {label:<40} median {statistics.median(samples):8.1f} ms   p90 {p90:8.1f} ms"


def portrait_jpeg() -> bytes:
    """A 295 x 413 px JPEG ID photo (a head and shoulders), as the forms print."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (295, 413), (70, 110, 180))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 80, 205, 215), fill=(235, 210, 190))
    draw.rectangle((60, 240, 235, 413), fill=(30, 30, 40))
    out = BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def start_worker(app: Flask, *, workers: int = 2, nice: int = 10) -> subprocess.Popen:
    """A real ``flask worker`` (``workers`` processes) on ``app``'s database and queue (a
    SQLite queue file beside the database unless ``CADRE_REDIS_URL`` is set); returns once it
    has reported itself (its start-up is not part of what is measured)."""
    from cadre_app.services.core import queue

    if not os.environ.get("CADRE_REDIS_URL") and not app.config.get("QUEUE_PATH"):
        app.config["QUEUE_PATH"] = tempfile.mkdtemp(prefix="bench-queue-") + "/queue.sqlite"
    app.config["REDIS_URL"] = os.environ.get("CADRE_REDIS_URL")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        CADRE_AUDIT_CHAIN_KEY=app.config["AUDIT_CHAIN_KEY"],
        CADRE_PDF_WORKER_NICE=str(nice),
        FLASK_APP="wsgi.py",
    )
    if app.config.get("QUEUE_PATH"):
        env["CADRE_QUEUE_PATH"] = app.config["QUEUE_PATH"]
    with app.app_context():
        queue.configure(app).flush()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "worker", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = queue.last_beat(app)
        if seen is not None and seen[0] < 5:
            return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("flask worker did not start within 60 s")


def run_job(app: Flask, ids: list[int], output: Any, *, today: Any) -> tuple[float, Any]:
    """Create and queue a batch job of ``ids`` as HR would; seconds until it is done (polled
    in the database every 0.1 s, as the progress page would) and the finished job."""
    from cadre_app.models import ExportJob, Role, User
    from cadre_app.services.records import batch as batch_export
    from cadre_app.services.records import batch_jobs

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "bench-queue"))
        if user is None:
            user = User(username="bench-queue", role=Role.HR, password_hash="x")
            db.session.add(user)
            db.session.commit()
        kind = batch_export.KINDS["appointment_form"]
        job = batch_jobs.create_job(user, kind, ids, output, today=today, filled_by="基准")
        db.session.commit()
        start = time.perf_counter()
        batch_jobs.enqueue(job)
        job_id = job.id
        while True:
            db.session.expire_all()
            job = db.session.get(ExportJob, job_id)
            if job.state.value in ("done", "failed"):
                return time.perf_counter() - start, job
            time.sleep(0.1)
