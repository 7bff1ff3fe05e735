"""Reminders end to end on a small organisation: the warnings each role is told of, the
notifications made once per person and warning (a run repeated, two runs racing), the
in-app list and the unread count in the menu, and the e-mails through a local SMTP sink."""

from __future__ import annotations

import re
import socket
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, CycleState, Notification, User
from cadre_app.services.reminders import operations, rules
from cadre_app.services.reminders import warnings as gather
from tests.factories import (
    EvaluationCycleFactory,
    EvaluationFactory,
    MilestoneFactory,
    PlanFactory,
    TalkFactory,
)
from tests.test_secondments_overview import make as make_secondment

TODAY = date(2026, 10, 15)


def build(org) -> dict[str, int]:
    """李晓明 (预算处, the cadre's own) behind on hours with a plan (one milestone overdue,
    the next due in 14 days, one in 15), a secondment ending in 10 days and three decided
    years of falling totals; 王芳 (国库处) behind on hours with a talk one day overdue."""
    own, other = org["own_cadre"], org["other_cadre"]
    overdue = TalkFactory(subject_id=other, due_date=TODAY - timedelta(days=1))
    TalkFactory(subject_id=other, due_date=TODAY)  # due today: not overdue
    plan = PlanFactory(cadre_id=own)
    late = MilestoneFactory(plan=plan, due_date=TODAY - timedelta(days=1), title="读书报告")
    MilestoneFactory(plan=plan, due_date=TODAY + timedelta(days=14), title="调研")
    MilestoneFactory(plan=plan, due_date=TODAY + timedelta(days=15), title="总结")
    totals = ((2023, 90.0, 80.0), (2024, 85.0, 85.0), (2025, 80.0, 90.0))
    for year, own_total, other_total in totals:
        cycle = EvaluationCycleFactory(year=year, state=CycleState.DECIDED)
        EvaluationFactory(cycle=cycle, cadre_id=own, total=own_total)
        EvaluationFactory(cycle=cycle, cadre_id=other, total=other_total)
    secondment = make_secondment(own, date(2026, 1, 1), TODAY + timedelta(days=10))
    db.session.flush()
    return {"talk": overdue.id, "milestone": late.id, "plan": plan.id, "secondment": secondment}


def kinds(found) -> list[tuple[str, int | None]]:
    return sorted((w.kind, w.cadre_id) for w in found)


def test_the_warnings_and_who_is_told(app, users, org):
    with app.test_request_context():
        ids = build(org)
        found = gather.collect(TODAY)
        own, other = org["own_cadre"], org["other_cadre"]
        assert kinds(found) == sorted(
            [
                (rules.HOURS_BEHIND, own),
                (rules.HOURS_BEHIND, other),
                (rules.TALK_OVERDUE, other),
                (rules.SECONDMENT_ENDING, own),
                (rules.MILESTONE_OVERDUE, own),
                (rules.MILESTONE_NEXT, own),
                (rules.EVALUATION_DECLINE, own),
            ]
        )
        links = {w.kind: w.url() for w in found}
        assert links[rules.TALK_OVERDUE] == f"/talks/{ids['talk']}"
        assert links[rules.MILESTONE_OVERDUE] == f"/training/plans/{ids['plan']}"
        assert links[rules.SECONDMENT_ENDING] == f"/secondments/{ids['secondment']}"
        assert links[rules.HOURS_BEHIND].startswith("/cadres/")
        next_one = next(w for w in found if w.kind == rules.MILESTONE_NEXT)
        assert "调研" in next_one.title
        roles = ("hr", "manager", "cadre", "admin", "auditor")
        hr, manager, cadre, admin, auditor = (db.session.get(User, users[r].id) for r in roles)
        assert len(gather.for_user(hr, found)) == 7
        assert kinds(gather.for_user(manager, found)) == sorted(
            [
                (rules.HOURS_BEHIND, own),
                (rules.SECONDMENT_ENDING, own),
                (rules.MILESTONE_OVERDUE, own),
                (rules.EVALUATION_DECLINE, own),
            ]
        )
        assert kinds(gather.for_user(cadre, found)) == sorted(
            [
                (rules.HOURS_BEHIND, own),
                (rules.MILESTONE_OVERDUE, own),
                (rules.MILESTONE_NEXT, own),
            ]
        )
        assert gather.for_user(admin, found) == gather.for_user(auditor, found) == []


def test_hours_are_not_warned_before_the_month(app, users, org):
    with app.test_request_context():
        found = gather.collect(date(2026, 9, 30))
        assert rules.HOURS_BEHIND not in {w.kind for w in found}
        found = gather.collect(date(2026, 10, 1))
        assert rules.HOURS_BEHIND in {w.kind for w in found}


def _count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == user_id)
    )


def test_each_warning_is_sent_once_per_person(app, users, org):
    with app.test_request_context():
        build(org)
        added = operations.run(TODAY)
        assert added == 7 + 4 + 3
        assert operations.run(TODAY) == 0  # again the same day: nothing new
        # the next day 王芳's talk due today is overdue: a new warning, for HR alone
        assert operations.run(TODAY + timedelta(days=1)) == 1
        counts = {r: _count(users[r].id) for r in ("hr", "manager", "cadre", "admin", "auditor")}
        assert counts["admin"] == counts["auditor"] == 0
        assert counts["cadre"] == 3
        assert operations.unread_count(users["cadre"].id) == 3


def test_the_list_marks_read_and_the_menu_counts(app, users, org, login_as):
    with app.test_request_context():
        build(org)
        operations.run(TODAY)
        db.session.commit()
    cadre = login_as("cadre")
    page = cadre.get("/").get_data(as_text=True)
    assert 'data-testid="unread-count">3<' in page
    # on a phone the menu is folded: the count also stands beside its button
    assert 'data-testid="unread-count-compact">3<' in page
    assert 'data-testid="reminders-panel"' in page or "预警" in page
    listed = cadre.get("/reminders/").get_data(as_text=True)
    assert listed.count('data-testid="notification"') == 3
    with app.app_context():
        mine = db.session.scalars(
            sa.select(Notification.id).where(Notification.user_id == users["cadre"].id)
        ).all()
        hrs = db.session.scalars(
            sa.select(Notification.id).where(Notification.user_id == users["hr"].id)
        ).first()
    assert cadre.post(f"/reminders/{mine[0]}/read").status_code == 302
    assert cadre.post(f"/reminders/{mine[0]}/read").status_code == 302  # twice = once
    assert cadre.post(f"/reminders/{hrs}/read").status_code == 404  # not theirs
    assert 'data-testid="unread-count">2<' in cadre.get("/reminders/").get_data(as_text=True)
    assert cadre.post("/reminders/read-all").status_code == 302
    assert cadre.post("/reminders/read-all").status_code == 302
    page = cadre.get("/reminders/").get_data(as_text=True)
    assert 'data-testid="unread-count"' not in page
    assert "reminder-badge-compact" not in page  # nothing unread: the phone's bar stays calm
    assert page.count('data-read="yes"') == 3
    with app.app_context():
        assert operations.unread_count(users["hr"].id) == 14 - 3 - 4  # HR's untouched


def test_the_warnings_page_groups_by_kind_with_links(app, users, org, login_as):
    with app.test_request_context():
        ids = build(org)
        db.session.commit()
    # the page computes today's warnings: what shows depends on the date, so check the shape
    hr = login_as("hr").get("/reminders/warnings")
    assert hr.status_code == 200
    html = hr.get_data(as_text=True)
    assert 'data-kind="talk_overdue"' in html
    assert f'href="/talks/{ids["talk"]}"' in html
    manager = login_as("manager").get("/reminders/warnings").get_data(as_text=True)
    assert 'data-kind="talk_overdue"' not in manager  # 国库处's talk, not theirs
    # the list is kept between looks, and gathered again after a write
    hr = login_as("hr")
    links = set(re.findall(r'href="(/[^"]+)"', html))
    assert (
        set(re.findall(r'href="(/[^"]+)"', hr.get("/reminders/warnings").get_data(True))) == links
    )
    with app.app_context():
        later = TalkFactory(subject_id=org["other_cadre"], due_date=TODAY - timedelta(days=3))
        db.session.commit()
        later_id = later.id
    assert f'href="/talks/{later_id}"' in hr.get("/reminders/warnings").get_data(as_text=True)


# --- two runs racing ------------------------------------------------------------------------


@pytest.mark.committed
def test_two_runs_racing_send_each_once(app, users, org):
    with app.test_request_context():
        build(org)
        db.session.commit()
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def worker() -> None:
        with app.test_request_context():
            try:
                start.wait(timeout=10)
                outcomes.append(operations.run(TODAY))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                db.session.rollback()
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(outcomes) == 14  # type: ignore[arg-type]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 14


# --- e-mail ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink(app):
    """A local SMTP server (aiosmtpd) keeping what it receives; the app mails to it."""
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self) -> None:
            self.messages: list[tuple[str, list[str], str]] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8"))
            )
            return "250 OK"

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "PUBLIC_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PUBLIC_URL="https://cadre.example")
    try:
        yield sink
    finally:
        app.config.update(saved)
        controller.stop()


def test_mail_is_off_without_a_server(app, users, org):
    with app.test_request_context():
        assert not operations.mail_enabled()
        build(org)
        operations.run(TODAY)
        assert operations.send_mail(now=TODAY) == 0


def test_each_notification_is_mailed_once(app, users, org, smtp_sink):
    with app.test_request_context():
        build(org)
        db.session.execute(
            sa.update(User).where(User.id == users["cadre"].id).values(email="li@example.gov")
        )
        operations.run(TODAY)
        assert operations.send_mail(now=TODAY) == 3  # the cadre's three; others have no address
        assert operations.send_mail(now=TODAY) == 0
    assert len(smtp_sink.messages) == 3
    sender, recipients, body = smtp_sink.messages[0]
    assert recipients == ["li@example.gov"]
    assert "https://cadre.example/" in body


# --- the daily task and the command ---------------------------------------------------------


def test_the_daily_task_is_declared_on_the_queue():
    from cadre_app.services.core import queue

    names = {task.__name__ for task in queue.huey._registry._periodic_tasks}  # noqa: SLF001
    assert "daily_reminders" in names


@pytest.mark.committed
def test_the_task_and_the_command_notify_once(app, users, org, runner):
    from cadre_app.services.core import queue
    from cadre_app.services.reminders.operations import daily_reminders

    with app.test_request_context():
        build(org)
        db.session.commit()
    result = runner.invoke(args=["reminders", "run", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "added 14, mailed 0"
    result = runner.invoke(args=["reminders", "run", "--date", TODAY.isoformat()])
    assert result.output.strip() == "added 0, mailed 0"
    queue.bind(app)
    daily_reminders.call_local()  # what the consumer runs every morning (today's date)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) >= 14


def test_the_dashboards_keep_the_warnings_until_something_is_written(app, users, org):
    """``collect_cached`` (the panels): the same list while nothing is written; a write in
    this process (a flush) or in another one (a newer audited write) gathers afresh."""
    from cadre_app.services.core import audit, kept

    with app.test_request_context():
        build(org)
        first = gather.collect_cached(TODAY)
        assert gather.collect_cached(TODAY) is first  # kept
        TalkFactory(subject_id=org["own_cadre"], due_date=TODAY - timedelta(days=3))
        db.session.flush()  # a write here
        second = gather.collect_cached(TODAY)
        assert second is not first
        assert len([w for w in second if w.kind == rules.TALK_OVERDUE]) == 2
        # another process's write: no flush here, but a newer audit event of a write
        before = kept.generation()
        with db.session.no_autoflush:
            connection = db.session.connection()
            connection.execute(
                sa.insert(AuditEvent.__table__).values(
                    action="update", prev_hash="0" * 64, hash="f" * 64, result="ok"
                )
            )
        assert kept.generation() == before  # not seen by this process's session hooks
        assert audit.last_write_id() is not None
        assert gather.collect_cached(TODAY) is not second
