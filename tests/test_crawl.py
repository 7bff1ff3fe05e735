"""Every page a role can reach by links renders without a server error, in Chinese and in
English. On the demo data (seed-demo: 120 cadres, three years of evaluations, talks), each
role signs in, and the crawl follows every same-site link of every page it reaches (GET only;
files such as PDFs, workbooks and .lrmx are requested too, but not followed). The role ×
route matrix (test_permissions) asks each route once with ids that do not exist; this asks
the pages people really open."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from cadre_app.extensions import db
from tests import demo_snapshot
from tests.conftest import login

DEMO_PASSWORD = "Demo@2026"
ROLES = ("admin", "hr", "manager", "cadre", "auditor")
#: Pages per endpoint (the 120 profiles are alike; three of each are enough) and in all.
PER_ENDPOINT = 3
MOST = 400
#: Responses that are files, not pages: asked for, not parsed.
FILES = re.compile(r"\.(pdf|xlsx|lrmx|zip)$|/download$|/template$")
LINK = re.compile(r'href="(/[^"#]*)"')
#: Links that end the session or change data on GET are never followed (none should exist).
NEVER = ("/auth/logout",)


@pytest.fixture
def demo_data(app):
    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()


def crawl(app, client, on_page=None) -> dict[str, int]:
    """url -> status of every page reached from the dashboard. ``on_page(endpoint, html)``
    is called with each HTML page (tests/test_english_ui.py reads them)."""
    seen: dict[str, int] = {}
    per_endpoint: dict[str, int] = {}
    queue = deque(["/"])
    adapter = app.url_map.bind("localhost")
    while queue and len(seen) < MOST:
        url = queue.popleft()
        if url in seen or url.startswith(("/static/", *NEVER)):
            continue
        path = urlsplit(url).path
        try:
            endpoint, _args = adapter.match(path, method="GET")
        except Exception:  # noqa: BLE001 - not a route of ours (a 404 link is still a fault)
            endpoint = path
        if per_endpoint.get(endpoint, 0) >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        response = client.get(url)
        seen[url] = response.status_code
        if FILES.search(path) or response.mimetype != "text/html":
            continue
        if on_page is not None:
            on_page(endpoint, response.get_data(as_text=True))
        for link in LINK.findall(response.get_data(as_text=True)):
            link = link.replace("&amp;", "&")
            if link not in seen:
                queue.append(link)
    return seen


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
POSTS = re.compile(r"""method\s*=\s*["']?post""", re.I)
CSRF_INPUT = re.compile(
    r"""<input\b[^>]*\bname\s*=\s*["']csrf_token["'][^>]*\bvalue\s*=\s*["'][^"']+"""
)


def forms_without_csrf(html: str) -> list[str]:
    """The opening tags of the POST forms of a page that carry no filled-in csrf_token."""
    return [
        f"<form{attrs}>"
        for attrs, body in FORM.findall(html)
        if POSTS.search(attrs) and not CSRF_INPUT.search(body)
    ]


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def csrf_on(app):
    """CSRF checked as in production (the other tests switch it off): forms render their
    token, and a POST without it is refused."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_by_links_renders(app, demo_data, csrf_on, role):
    """In both languages, on one seeding of the demo (it is most of the time). With CSRF
    on, as in production: every POST form of every page reached carries its token."""
    unprotected: dict[str, list[str]] = {}
    post_forms = 0

    def check_forms(endpoint: str, html: str) -> None:
        nonlocal post_forms
        post_forms += len(POSTS.findall(html))
        if bad := forms_without_csrf(html):
            unprotected[endpoint] = bad

    for lang in ("zh_Hans_CN", "en"):
        client = app.test_client()
        token = _csrf_token(client.get("/auth/login").get_data(as_text=True))
        assert login(client, role, DEMO_PASSWORD, csrf_token=token).status_code == 302
        token = _csrf_token(client.get("/").get_data(as_text=True))
        switched = client.post("/auth/language", data={"lang": lang, "csrf_token": token})
        assert switched.status_code == 302
        seen = crawl(app, client, on_page=check_forms)
        assert len(seen) > 3, seen  # the crawl really went somewhere
        assert not unprotected, unprotected  # a form that would be refused, or unguarded
        assert post_forms > 0  # the check saw forms (the 退出 form is on every page)
        broken = {url: status for url, status in seen.items() if status >= 500}
        assert not broken, (lang, broken)
        missing = {url: status for url, status in seen.items() if status == 404}
        assert not missing, (lang, missing)  # a link the app itself offers leads nowhere


def test_a_post_form_without_its_token_is_found():
    page = """
      <form method="get" action="/cadres/"><input name="q"></form>
      <form method="post" action="/talks/1/close"><button>办结</button></form>
      <form action="/auth/logout" method="POST">
        <input type="hidden" name="csrf_token" value="IjVh.Zx"><button>退出</button></form>
      <form method=post action="/x"><input type="hidden" name="csrf_token" value=""></form>"""
    assert forms_without_csrf(page) == [
        '<form method="post" action="/talks/1/close">',
        '<form method=post action="/x">',
    ]
