"""What the pages stopped doing on every request (issue 10, item 21: pages within 1.5 x a bare
page) must not change what they show: the navigation kept per role, language and page, the
session cookie re-signed once a minute, the profile's forms and lists only on their tab."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cadre_app import layout
from cadre_app.extensions import db
from cadre_app.models import FamilyMember, Notification, ResumeEntry, Role, User
from cadre_app.permissions import nav_for
from cadre_app.services.core.kept import Store
from tests.conftest import login

NAV = re.compile(r'<ul class="navbar-nav me-auto">(.*?)</ul>', re.S)
NAV_LINK = re.compile(
    r'<a class="nav-link( active)?"\s*(?:aria-current="page")?\s*href="([^"]+)">([^<]+)</a>'
)


pytestmark = pytest.mark.usefixtures("rendered_anew")


def _nav(html: str) -> list[tuple[bool, str, str]]:
    """(active, href, label) of each navigation entry of a page."""
    found = NAV.search(html)
    assert found, "no navigation bar"
    return [(bool(a), href, label) for a, href, label in NAV_LINK.findall(found.group(1))]


def _expected(app: Flask, role: Role) -> list[str]:
    """The hrefs the role's navigation should hold, worked out without the cache."""

    class Someone:
        is_authenticated = True

    someone = Someone()
    someone.role = role  # type: ignore[attr-defined]
    with app.test_request_context():
        from flask import url_for

        return [url_for(endpoint) for endpoint, _label in nav_for(someone)]


def _client(app: Flask, user: User, lang: str | None = None) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    if lang:
        client.post("/auth/language", data={"lang": lang, "next": "/"})
    return client


@pytest.fixture
def fresh_nav(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[object, object]:
    """An empty navigation cache for this test (the tests share one app)."""
    cache: dict[object, object] = {}
    monkeypatch.setitem(app.extensions, "nav_html", cache)
    # kept layouts hold the menu too
    monkeypatch.setitem(app.extensions, "page_chrome", Store(layout.CHROME_SIZE))
    return cache


def test_navigation_is_each_roles_own_whatever_rendered_first(
    app: Flask, users: dict[str, User], fresh_nav: dict[object, object]
) -> None:
    """The kept navigation of one role never shows for another: every role, asked in turn on
    the same app (so the cache holds the others' menus), gets exactly its own entries; HR's
    again after the others."""
    seen = {}
    for name in ("hr", "cadre", "manager", "admin", "auditor", "hr"):
        user = users[name]
        html = _client(app, user).get("/").get_data(as_text=True)
        hrefs = [href for _active, href, _label in _nav(html)]
        assert hrefs == _expected(app, user.role), name
        seen[name] = hrefs
    assert "/cadres/" in seen["hr"] and "/cadres/" not in seen["cadre"]
    assert seen["admin"] != seen["hr"] != seen["auditor"]
    assert len(fresh_nav) == 5  # one per role (same page, same language)


def test_navigation_follows_the_language_and_the_page(app: Flask, users: dict[str, User]) -> None:
    """Chinese, then English on the same client: the entries in each language; the entry of
    the page shown marked active, another page another entry."""
    client = _client(app, users["hr"])
    zh = _nav(client.get("/").get_data(as_text=True))
    assert ("干部名册" in [label for _a, _h, label in zh]) and all(
        not re.search(r"[A-Za-z]{3}", label) for _a, _h, label in zh
    )
    client.post("/auth/language", data={"lang": "en", "next": "/"})
    en = _nav(client.get("/").get_data(as_text=True))
    assert [h for _a, h, _l in en] == [h for _a, h, _l in zh]
    assert "Roster" in " ".join(label for _a, _h, label in en), en
    assert not any(re.search(r"[\u4e00-\u9fff]", label) for _a, _h, label in en), en
    roster = _nav(client.get("/cadres/").get_data(as_text=True))
    assert [h for active, h, _l in roster if active] == ["/cadres/"]
    assert [h for active, h, _l in en if active] == ["/"]
    client.post("/auth/language", data={"lang": "zh_Hans_CN", "next": "/"})
    assert _nav(client.get("/").get_data(as_text=True)) == zh


def test_navigation_built_once_per_role_language_and_page(
    app: Flask,
    users: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    fresh_nav: dict[object, object],
) -> None:
    """The second request of the same page builds no navigation (nav_for not called)."""
    client = _client(app, users["hr"])
    client.get("/cadres/")
    calls = []
    real = nav_for

    def counting(user: object) -> object:
        calls.append(user)
        return real(user)

    monkeypatch.setattr("cadre_app.permissions.nav_for", counting)
    client.get("/cadres/")
    assert calls == []
    client.get("/talks/")  # another page: built once for it
    assert len(calls) == 1


def _set_cookie(response: object) -> str | None:
    return response.headers.get("Set-Cookie")  # type: ignore[attr-defined]


def test_unchanged_session_cookie_is_resigned_once_a_minute(
    app: Flask, users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page right after signing in does not re-sign the cookie; once it is older than
    SESSION_REFRESH_SECONDS it does (its expiry pushed back); a change to the session (the
    language) always does."""
    client = _client(app, users["hr"])
    client.get("/cadres/")  # the first page puts the CSRF token in the session: a new cookie
    assert _set_cookie(client.get("/cadres/")) is None
    client.post("/auth/language", data={"lang": "en", "next": "/"})
    response = client.post("/auth/language", data={"lang": "zh_Hans_CN", "next": "/"})
    assert "cadre_session=" in (_set_cookie(response) or "")
    monkeypatch.setitem(app.config, "SESSION_REFRESH_SECONDS", 0)
    cookie = _set_cookie(client.get("/cadres/")) or ""
    assert "cadre_session=" in cookie and "Expires=" in cookie and "HttpOnly" in cookie


def test_a_session_cookie_never_refreshed_still_signs_in(
    app: Flask, users: dict[str, User]
) -> None:
    """Pages without a Set-Cookie keep the session: the same cookie works page after page."""
    client = _client(app, users["hr"])
    client.get("/cadres/")
    for _ in range(3):
        response = client.get("/cadres/")
        assert response.status_code == 200
        assert _set_cookie(response) is None


@pytest.fixture
def profile_with_lists(app: Flask, org: dict[str, int]) -> int:
    cadre_id = org["own_cadre"]
    with app.app_context():
        db.session.add_all(
            [
                FamilyMember(cadre_id=cadre_id, relation="父亲", name="李某", sort_order=0),
                ResumeEntry(cadre_id=cadre_id, start=date(2017, 7, 1), description="某局科员"),
            ]
        )
        db.session.commit()
    return cadre_id


def test_profile_reads_family_and_resume_only_on_their_tabs(
    hr_client: FlaskClient, profile_with_lists: int, statements: list[str]
) -> None:
    url = f"/cadres/{profile_with_lists}"
    pages: dict[str, tuple[str, list[str]]] = {}
    for tab in ("basic", "family", "resume", "evaluation"):
        statements.clear()
        html = hr_client.get(f"{url}?tab={tab}").get_data(as_text=True)
        pages[tab] = (html, list(statements))
    reads: Callable[[str, str], int] = lambda tab, table: len(  # noqa: E731
        [s for s in pages[tab][1] if f"FROM {table}" in s]
    )
    assert reads("basic", "family_member") == reads("basic", "resume_entry") == 0
    assert reads("evaluation", "family_member") == reads("evaluation", "resume_entry") == 0
    assert reads("family", "family_member") == 1 and reads("family", "resume_entry") == 0
    assert reads("resume", "resume_entry") == 1 and reads("resume", "family_member") == 0
    assert "李某" in pages["family"][0] and "某局科员" in pages["resume"][0]
    assert "李某" not in pages["basic"][0]


def test_profile_builds_the_forms_of_the_tab_shown(
    login_as: Callable[[str], FlaskClient], org: dict[str, int]
) -> None:
    """HR: the reveal and photo forms on 基本信息, the add form on 简历 and on 家庭成员, each
    only there; a manager: none (read-only)."""
    url = f"/cadres/{org['own_cadre']}"
    hr = login_as("hr")
    basic = hr.get(url).get_data(as_text=True)
    assert "/reveal-id" in basic and 'name="photo"' in basic
    assert f"{url}/family" not in basic and f"{url}/resume" not in basic
    family = hr.get(f"{url}?tab=family").get_data(as_text=True)
    assert f'action="{url}/family"' in family and "/reveal-id" not in family
    resume = hr.get(f"{url}?tab=resume").get_data(as_text=True)
    assert f'action="{url}/resume"' in resume and 'name="photo"' not in resume
    manager = login_as("manager").get(url).get_data(as_text=True)
    assert "/reveal-id" not in manager and 'name="photo"' not in manager


def test_profile_labels_in_each_language(hr_client: FlaskClient, org: dict[str, int]) -> None:
    """The field labels, kept per language, follow a language switch."""
    url = f"/cadres/{org['own_cadre']}"
    assert '<dt class="col-sm-3 col-lg-2">出生日期</dt>' in hr_client.get(url).get_data(True)
    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})
    english = hr_client.get(url).get_data(as_text=True)
    assert "出生日期</dt>" not in english
    assert re.search(r'<dt class="col-sm-3 col-lg-2">Date of birth</dt>', english), english[:0]


def _marked(html: str) -> set[str]:
    """The staff numbers of the ranking rows with the 关注 mark."""
    rows = re.findall(r'<tr class="[^"]*" data-staff-no="([^"]+)">(.*?)</tr>', html, re.S)
    return {no for no, cells in rows if "badge text-bg-warning" in cells}


def test_ranking_marks_three_falling_years_read_with_the_rows(
    app: Flask, hr_client: FlaskClient, org: dict[str, int], statements: list[str]
) -> None:
    """关注 (总分连续三年下降) comes with the ranking's own SELECT: falling three years -> marked;
    the same totals with a year missing, or not falling each year -> not; ranked in one
    statement on evaluation, not a second query over the listed cadres."""
    from cadre_app.services.evaluations import operations as evaluation
    from tests.factories import CadreFactory
    from tests.test_evaluation import score

    with app.app_context():
        gap = CadreFactory(staff_no="T0003", department_id=org["budget"]).id
        db.session.commit()
    cadres = [org["own_cadre"], org["other_cadre"], gap]
    plan = {  # year -> points of (falling, rising in 2024, falling with 2024 missing)
        2023: [(90,) * 3, (88,) * 3, (90,) * 3],
        2024: [(85,) * 3, (89,) * 3, None],
        2025: [(80,) * 3, (86,) * 3, (80,) * 3],
    }
    for year, points in plan.items():
        present = [(c, p) for c, p in zip(cadres, points, strict=True) if p is not None]
        score(app, year, [c for c, _p in present], [p for _c, p in present])
        with app.app_context():
            evaluation.rank_cycle(evaluation.get_cycle(year), actor="test")
            db.session.commit()
    hr_client.get("/evaluations/2025/ranking")
    statements.clear()
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert len([s for s in statements if "total_two_years_before" in s]) == 1, statements
    assert not [s for s in statements if "BETWEEN" in s], statements  # no query of its own
    assert _marked(html) == {"T0001"}
    assert _marked(hr_client.get("/evaluations/2024/ranking").get_data(as_text=True)) == set()


# --- the layout's fixed parts, kept per user, language, page and unread count ---------------

BADGE = re.compile(r'data-testid="unread-count">(\d+)<')
USER_MENU = re.compile(r'data-testid="user-menu" title="([^"]*)">([^<]*)</a>')


def _notify(app: Flask, user: User, key: str) -> None:
    with app.app_context():
        db.session.add(Notification(user_id=user.id, kind="test", key=key, title=f"提醒 {key}"))
        db.session.commit()


def test_unread_count_is_read_with_the_session(
    app: Flask, hr_client: FlaskClient, users: dict[str, User], statements: list[str]
) -> None:
    """The menu's unread count costs no statement of its own: it is a column of the session's
    SELECT (the registry's session columns), and the badge shows it."""
    _notify(app, users["hr"], "a")
    _notify(app, users["hr"], "b")
    assert hr_client.get("/cadres/").status_code == 200
    statements.clear()
    html = hr_client.get("/cadres/").get_data(as_text=True)
    about = [s for s in statements if "notification" in s and "SAVEPOINT" not in s]
    assert len(about) == 1 and "user_session" in about[0], about
    assert BADGE.findall(html) == ["2"]


def test_kept_layout_follows_the_count_the_name_and_the_user(
    app: Flask, users: dict[str, User], make_user: Callable[..., User]
) -> None:
    """The layout kept for a page changes with what it shows: a new notification, a renamed
    user; another user on the same page sees their own name and count, never the first's."""
    hr = _client(app, users["hr"])
    first = hr.get("/cadres/").get_data(as_text=True)
    assert BADGE.findall(first) == []  # none unread: no count
    _notify(app, users["hr"], "one")
    assert BADGE.findall(hr.get("/cadres/").get_data(as_text=True)) == ["1"]
    with app.app_context():
        db.session.get(User, users["hr"].id).real_name = "改名后的人事"
        db.session.commit()
    renamed = USER_MENU.search(hr.get("/cadres/").get_data(as_text=True))
    assert renamed and renamed.group(2).startswith("改名后的人事"), renamed
    other = _client(app, make_user("hr2", Role.HR))
    theirs = USER_MENU.search(other.get("/cadres/").get_data(as_text=True))
    assert theirs and theirs.group(1) == "hr2" and "改名后的人事" not in theirs.group(2)
    assert BADGE.findall(other.get("/cadres/").get_data(as_text=True)) == []


def test_kept_layout_carries_each_requests_token_and_page(
    hr_client: FlaskClient,
) -> None:
    """The CSRF token of the kept layout is this session's (signing out with it works), and
    the language form returns to the page asked for, query included."""
    hr_client.get("/cadres/")
    html = hr_client.get("/cadres/?q=%E8%B5%B5&sort=name").get_data(as_text=True)
    assert 'name="next" value="/cadres/?q=%E8%B5%B5&amp;sort=name"' in html
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert token and f'name="csrf_token" value="{token.group(1)}"' in html
    assert "csrf-" not in html.replace('name="csrf-token"', "")  # no placeholder left
    answer = hr_client.post("/auth/logout", data={"csrf_token": token.group(1)})
    assert answer.status_code == 302
    assert hr_client.get("/cadres/").status_code == 302  # signed out: to the login page


def test_kept_layout_puts_each_part_in_its_place(hr_client: FlaskClient) -> None:
    """The page reads in order: one title (the page's, then the app's name), the menu, the
    page's own content inside <main>, then the footer with the language form and the scripts;
    each once, first request and kept alike."""
    for _ in range(2):
        html = hr_client.get("/cadres/").get_data(as_text=True)
        assert re.findall(r"<title>([^<]*)</title>", html) == ["干部名册 · 干部培养考评管理系统"]
        marks = [
            "<head>",
            "<title>",
            "</head>",
            'class="navbar-nav me-auto"',
            "<main",
            "data-draft-restored",
            'data-testid="roster-total"',
            "</main>",
            "data-idle-warning",
            'class="app-footer',
            "js/tables.js",
            "</html>",
        ]
        places = [html.find(mark) for mark in marks]
        assert all(html.count(mark) == 1 for mark in marks), [html.count(m) for m in marks]
        assert -1 not in places and places == sorted(places), list(zip(marks, places, strict=True))
        assert "&lt;!--" not in html


def test_a_sessions_csrf_token_is_signed_once_a_minute(
    app: Flask, hr_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of one session within a minute carry the same signed token (signing it is the
    costly step of a kept page); a minute later a freshly signed one; both are accepted."""
    meta = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
    now = [1000.0]
    monkeypatch.setattr(layout.time, "monotonic", lambda: now[0])
    signed = []
    real = layout.generate_csrf

    def counting() -> str:
        signed.append(now[0])
        return str(real())

    monkeypatch.setattr(layout, "generate_csrf", counting)
    first = meta.search(hr_client.get("/cadres/").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    now[0] += 30
    again = meta.search(hr_client.get("/").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert again == first and len(signed) == 1
    now[0] += layout.CSRF_REUSE_SECONDS
    fresh = meta.search(hr_client.get("/cadres/").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert len(signed) == 2  # signed again (the same second of the clock gives the same text)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for token in (first, fresh):
        answer = hr_client.post(
            "/auth/language", data={"csrf_token": token, "lang": "en", "next": "/"}
        )
        assert answer.status_code == 302, token
    assert (
        hr_client.post("/auth/language", data={"csrf_token": "x", "lang": "en"}).status_code == 400
    )
