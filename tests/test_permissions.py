"""The role x route matrix: every route of the app must appear in EXPECTED, so a new route
cannot ship without someone deciding who may use it."""

from __future__ import annotations

import pytest

from cadre_app.permissions import nav_active
from tests.access import LOGIN, ROLES, expected
from tests.conftest import login

EXPECTED = expected()


def url_ids(users, org) -> dict[str, int]:
    return {
        "hr_id": users["hr"].id,
        "own_cadre": org["own_cadre"],
        "other_cadre": org["other_cadre"],
        "budget": org["budget"],
        "treasury": org["treasury"],
    }


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - EXPECTED.keys()
    assert not missing, f"routes without an access decision: {sorted(missing)}"
    stale = EXPECTED.keys() - endpoints
    assert not stale, f"matrix names routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
def test_role_route_matrix(app, users, org, role_index, role):
    client = app.test_client()
    if role != "anon":
        assert login(client, users[role].username).status_code == 302
    ids = url_ids(users, org)
    ordered = sorted(EXPECTED.items(), key=lambda item: item[0] == "auth.logout")
    for endpoint, (method, url, statuses) in ordered:
        response = client.open(url.format(**ids), method=method)
        want = statuses[role_index]
        if want == LOGIN:
            assert response.status_code == 302, (endpoint, role, response.status_code)
            assert response.headers["Location"].startswith("/auth/login"), (endpoint, role)
        else:
            assert response.status_code == want, (endpoint, role, response.status_code)


def test_navigation_shows_each_role_only_what_it_may_use(login_as):
    pages = {role: login_as(role).get("/").get_data(as_text=True) for role in ROLES[1:]}
    assert 'href="/admin/users"' in pages["admin"]
    for role in ("hr", "manager", "cadre", "auditor"):
        assert 'href="/admin/users"' not in pages[role]
    assert 'href="/me"' in pages["cadre"]
    assert 'href="/me"' not in pages["hr"]


def test_manager_dashboard_shows_only_led_sections(manager_client):
    html = manager_client.get("/").get_data(as_text=True)
    assert "预算处" in html and "国库处" not in html


def test_cadre_sees_own_profile_only(cadre_client):
    html = cadre_client.get("/me").get_data(as_text=True)
    assert "李晓明" in html and "王芳" not in html


def test_the_navigation_marks_the_section_a_page_is_under():
    hr = [("main.index", "工作台"), ("roster.index", "干部名册"), ("talks.index", "谈话管理")]
    hr += [("records.batch", "批量导出")]
    admin = [("main.index", "工作台"), ("talks.holidays", "节假日与调休")]
    assert nav_active("talks.index", "talks.detail", hr)
    assert nav_active("roster.index", "records.appointment_form", hr)
    assert nav_active("records.batch", "records.job", hr)
    assert nav_active("main.index", "main.index", hr)
    assert not nav_active("main.index", "talks.detail", hr)
    assert not nav_active("talks.index", "talks.holidays", admin + [("talks.index", "谈话管理")])
    assert not nav_active("talks.index", None, hr)


def test_a_talk_page_highlights_its_menu_entry(hr_client):
    page = hr_client.get("/talks/new").get_data(as_text=True)
    active = page.split('aria-current="page"')[1].split("</a>")[0]
    assert "谈话管理" in active
