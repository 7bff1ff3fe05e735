"""The role x route matrix: every route of the app must appear in EXPECTED, so a new route
cannot ship without someone deciding who may use it."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from cadre_app.permissions import nav_active
from tests.access import LOGIN, ROLES, Row, expected, more
from tests.conftest import login

EXPECTED = expected()
#: In a derived row: the role may use the form, so its POST must not be refused (nor fail).
ALLOWED = "allowed"
DENIED = (LOGIN, 401, 403, 404)


def url_ids(users, org) -> dict[str, int]:
    return {
        "hr_id": users["hr"].id,
        "own_cadre": org["own_cadre"],
        "other_cadre": org["other_cadre"],
        "budget": org["budget"],
        "treasury": org["treasury"],
    }


def _rule(app, method: str, url: str) -> Rule:
    """The rule of the app that answers ``method url`` (placeholders given any id)."""
    adapter = app.url_map.bind("localhost")
    path = url.split("?")[0].format(hr_id=1, own_cadre=1, other_cadre=2, budget=1, treasury=2)
    rule, _args = adapter.match(path, method=method, return_rule=True)
    return rule


def matrix_rows(app) -> list[Row]:
    """Every request the matrix makes: each EXPECTED row, the MORE rows, and for a form that
    answers GET and POST on one rule, its POST derived from its GET row (refused to whom the
    GET is refused, with the same status; for the others not refused) unless a row says how."""
    rows = [(endpoint, method, url, s) for endpoint, (method, url, s) in EXPECTED.items()]
    rows += more()
    explicit = {(e, m, _rule(app, m, u).rule) for e, m, u, _s in rows}
    for endpoint, method, url, statuses in list(rows):
        rule = _rule(app, method, url)
        form = method == "GET" and "POST" in (rule.methods or ())
        if form and (endpoint, "POST", rule.rule) not in explicit:
            derived = tuple(s if s in DENIED else ALLOWED for s in statuses)
            rows.append((endpoint, "POST", url, derived))
    return rows


def test_every_rule_and_method_is_in_the_matrix(app):
    """Not only every endpoint: every URL rule of it and every method it answers, so a second
    URL for a view, or a POST added to a page, cannot ship without an access decision."""
    reached = {(e, m, _rule(app, m, u).rule) for e, m, u, _s in matrix_rows(app)}
    missing = [
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if (rule.endpoint, method, rule.rule) not in reached
    ]
    assert not missing, f"rules or methods without an access decision: {missing}"


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
    ordered = sorted(matrix_rows(app), key=lambda row: row[0] == "auth.logout")
    for endpoint, method, url, statuses in ordered:
        response = client.open(url.format(**ids), method=method)
        want = statuses[role_index]
        if want == ALLOWED:
            status = response.status_code
            assert status not in DENIED and status < 500, (endpoint, method, role, status)
            assert not response.headers.get("Location", "").startswith("/auth/login"), endpoint
        elif want == LOGIN:
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
