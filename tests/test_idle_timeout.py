"""The idle timeout without losing work (issue 10, item 12), server side: the page learns how
long its session has left without keeping it alive, 保持登录 renews it, and signing in again
returns to the page, also when a form was posted after the session ended. The browser side is
tests/e2e/test_idle_browser.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import UserSession
from tests.conftest import login


def _idle_for(app, minutes: float) -> None:
    with app.app_context():
        row = db.session.scalar(sa.select(UserSession))
        row.last_seen_at = utcnow() - timedelta(minutes=minutes)
        db.session.commit()


def _last_seen(app):
    with app.app_context():
        return db.session.scalar(sa.select(UserSession.last_seen_at))


def test_asking_how_long_is_left_does_not_keep_the_session_alive(app, client, users):
    login(client, "hr1")
    _idle_for(app, 10)
    before = _last_seen(app)
    state = client.get("/auth/session").get_json()
    assert state["signed_in"] is True
    assert 19 * 60 <= state["seconds_left"] <= 20 * 60
    assert (state["timeout_seconds"], state["warn_seconds"]) == (1800, 120)
    assert _last_seen(app) == before


def test_keep_signed_in_renews_the_session(app, client, users):
    login(client, "hr1")
    _idle_for(app, 29)
    response = client.post("/auth/session", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json()["seconds_left"] == 1800
    assert utcnow() - _last_seen(app) < timedelta(seconds=5)
    _idle_for(app, 2)  # 29 + 2 minutes after the page: still signed in
    assert client.get("/").status_code == 200


def test_an_ended_session_says_so_and_cannot_be_renewed(app, client, users):
    login(client, "hr1")
    _idle_for(app, 31)
    assert client.get("/auth/session").get_json() == {
        "signed_in": False,
        "seconds_left": 0,
        "timeout_seconds": 1800,
        "warn_seconds": 120,
    }
    assert client.post("/auth/session").status_code == 401


def test_keep_signed_in_needs_the_csrf_token(app, users):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        client.post("/auth/login", data={"username": "hr1", "password": "x"})  # no token: 400
        page = client.get("/auth/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        login(client, "hr1", csrf_token=token)
        assert client.post("/auth/session").status_code == 400
        html = client.get("/").get_data(as_text=True)
        meta = html.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]
        assert client.post("/auth/session", headers={"X-CSRFToken": meta}).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_pages_carry_the_timer_settings_only_when_signed_in(client, hr_client):
    html = hr_client.get("/").get_data(as_text=True)
    assert 'data-session-url="/auth/session"' in html and 'data-idle-warn="120"' in html
    assert 'data-idle-seconds="1800"' in html and "/static/js/idle-timeout.js" in html
    assert "保持登录" in html and "<strong data-idle-countdown></strong>" in html
    login_page = client.get("/auth/login").get_data(as_text=True)
    assert "data-session-url" not in login_page and "保持登录" not in login_page


def test_signing_in_again_returns_to_the_page(app, client, users):
    login(client, "hr1")
    _idle_for(app, 31)
    response = client.get("/talks/?state=open")
    assert response.headers["Location"] == "/auth/login?next=/talks/?state%3Dopen"
    again = login(client, "hr1", next="/talks/?state=open")
    assert again.headers["Location"] == "/talks/?state=open"


@pytest.mark.parametrize(
    "referrer, expected",
    [
        ("http://localhost/admin/users/{id}", "/auth/login?next=/admin/users/{id}"),
        ("https://evil.example/x", "/auth/login"),
        (None, "/auth/login"),
    ],
)
def test_a_form_posted_after_the_timeout_returns_to_its_page(app, users, referrer, expected):
    client = app.test_client()
    login(client, "admin1")
    _idle_for(app, 31)
    hr = users["hr"].id
    headers = {"Referer": referrer.format(id=hr)} if referrer else {}
    response = client.post(f"/admin/users/{hr}/deactivate", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == expected.format(id=hr)


def test_a_script_asking_for_json_gets_401_not_the_login_page(client):
    response = client.get("/admin/users", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json() == {"signed_in": False}
