"""The admin's and the auditor's dashboards (issue 15, point 3): accounts and who is locked
out, whether the worker runs, how batch jobs fare, and whether the newest part of the audit
chain holds: figures only, never the log's contents."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import ExportJob, User
from cadre_app.models.records import JobState
from cadre_app.services.core import audit, queue
from cadre_app.services.dashboard import system
from tests.conftest import audit_triggers_off


def _events(n: int) -> list[int]:
    return [audit.record("update", object_type="cadre", summary=f"改动 {i}").id for i in range(n)]


def test_the_chains_newest_links_hold_and_a_change_or_a_gap_shows(app, org):
    with app.app_context():
        ids = _events(6)
        db.session.flush()
        tail = audit.verify_tail(5)
        assert tail.problems == [] and tail.checked == 5
        assert tail.total >= 6 and tail.newest_at is not None
        # a row rewritten in the database (its triggers dropped): its hash no longer matches
        with audit_triggers_off(db.session.connection()):
            db.session.execute(
                sa.text("UPDATE audit_event SET summary='改过了' WHERE id=:id"), {"id": ids[3]}
            )
        db.session.expire_all()
        assert [(p.event_id, "哈希" in p.message) for p in audit.verify_tail(5).problems] == [
            (ids[3], True)
        ]
        # a row deleted: the next one's link is broken
        with audit_triggers_off(db.session.connection()):
            db.session.execute(sa.text("DELETE FROM audit_event WHERE id=:id"), {"id": ids[4]})
        db.session.expire_all()
        problems = audit.verify_tail(4).problems
        assert (ids[5], True) in [(p.event_id, "链接断开" in p.message) for p in problems]


def test_locked_users_failed_jobs_and_stalled_ones(app, org, users):
    now = utcnow()
    with app.app_context():
        hr = db.session.get(User, users["hr"].id)
        hr.locked_until = now + timedelta(minutes=20)
        for job_id, state, message, beat in (
            ("j-failed", JobState.FAILED, "缺少中文字体", now),
            ("j-done", JobState.DONE, None, now),
            ("j-stalled", JobState.RUNNING, None, now - timedelta(minutes=30)),
            ("j-old", JobState.FAILED, "上个月的", now),
        ):
            db.session.add(
                ExportJob(
                    id=job_id,
                    kind="appointment_forms",
                    user_id=hr.id,
                    params={},
                    state=state,
                    message=message,
                    created_at=now - timedelta(days=30 if job_id == "j-old" else 1),
                    heartbeat_at=beat,
                )
            )
        db.session.flush()
        assert [u["username"] for u in system.locked_users()] == ["hr1"]
        jobs = system.jobs()
        assert jobs["counts"] == {"queued": 0, "running": 1, "done": 1, "failed": 1}
        assert [f["message"] for f in jobs["failed"]] == ["缺少中文字体"]
        assert jobs["stalled"] == 1


def test_the_worker_is_running_only_when_heard_from(app):
    with app.app_context():
        queue.huey.storage.delete_data(queue._BEAT_KEY)  # noqa: SLF001
        assert system.worker(app).running is False
        queue.beat()
        seen = system.worker(app)
        assert seen.running is True and seen.seconds_ago is not None and seen.host


def test_admin_and_auditor_dashboards_show_them(app, org, users, login_as):
    with app.app_context():
        hr = db.session.get(User, users["hr"].id)
        hr.locked_until = utcnow() + timedelta(minutes=20)
        audit.record("login_failed", object_type="user", summary="nobody", result="fail")
        db.session.commit()
    admin = login_as("admin").get("/").get_data(as_text=True)
    assert 'data-testid="locked-users"' in admin and "hr1" in admin
    assert 'data-testid="worker-state"' in admin and 'data-testid="job-counts"' in admin
    assert 'data-testid="chain-state" data-ok="1"' in admin
    auditor = login_as("auditor").get("/").get_data(as_text=True)
    assert 'data-testid="chain-state" data-ok="1"' in auditor
    count = auditor.split('data-testid="failed-logins">')[1].split("<")[0]
    assert int(count) >= 1
    assert "nobody" not in auditor  # counts, never the log's contents
    english = login_as("auditor")
    english.post("/auth/language", data={"lang": "en", "next": "/"})
    assert "Audit log integrity" in english.get("/").get_data(as_text=True)
