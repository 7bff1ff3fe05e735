"""The office's calendar: "today" is the date where the office is (BABEL_DEFAULT_TIMEZONE),
not where the server's clock is; stored timestamps are naive UTC and shown in that zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cadre_app import clock
from cadre_app.extensions import db
from tests.factories import TalkFactory

# 26 hours apart: at any moment their dates differ, and one of them differs from UTC's.
EAST, WEST = "Etc/GMT-14", "Etc/GMT+12"  # UTC+14 and UTC-12 (POSIX signs are reversed)


def test_today_is_the_date_in_the_configured_zone(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", EAST)
        east = clock.today()
        monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", WEST)
        west = clock.today()
    assert east == datetime.now(ZoneInfo(EAST)).date()
    assert west == datetime.now(ZoneInfo(WEST)).date()
    assert (east - west).days in (1, 2)


def test_pages_count_ages_on_the_office_calendar(app, org, hr_client, monkeypatch):
    """The profile's age is counted at today's date in the office's zone."""
    for zone in (EAST, WEST):
        monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", zone)
        day = datetime.now(ZoneInfo(zone)).date()
        page = hr_client.get(f"/cadres/{org['own_cadre']}").get_data(as_text=True)
        assert f"计算至 {day:%Y.%m.%d}" in page, zone


def test_a_talks_creation_date_is_shown_in_the_office_zone(app, org, hr_client, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", EAST)
    created = datetime(2026, 1, 5, 20, 30)  # UTC: already 6 January at UTC+14
    with app.app_context():
        talk = TalkFactory(subject_id=org["own_cadre"], reason="测试", created_at=created)
        db.session.commit()
        talk_id = talk.id
    page = hr_client.get(f"/talks/{talk_id}").get_data(as_text=True)
    assert "2026-01-06" in page and "2026-01-05" not in page
    assert created.replace(tzinfo=UTC).astimezone(ZoneInfo(EAST)).day == 6


#: A stored timestamp (naive UTC) cut to its date: the UTC date, not the office's.
UTC_DATE = re.compile(r"\b(created|occurred|updated|finished|last_login)_at\.date\(\)")


def test_no_code_asks_the_server_clock_for_today():
    """``date.today()`` is the server's calendar, and a stored timestamp's ``.date()`` is
    UTC's; clock.today() and the office zone are the office's."""
    package = Path(clock.__file__).resolve().parent
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py")
        if path.name != "clock.py"  # which explains why
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "date.today(" in line or "default_factory=date.today" in line or UTC_DATE.search(line)
    ]
    assert offenders == [], offenders
