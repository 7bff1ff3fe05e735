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


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_by_links_renders(app, demo_data, role):
    """In both languages, on one seeding of the demo (it is most of the time)."""
    for lang in ("zh_Hans_CN", "en"):
        client = app.test_client()
        assert login(client, role, DEMO_PASSWORD).status_code == 302
        client.post("/auth/language", data={"lang": lang, "next": "/"})
        seen = crawl(app, client)
        assert len(seen) > 3, seen  # the crawl really went somewhere
        broken = {url: status for url, status in seen.items() if status >= 500}
        assert not broken, (lang, broken)
        missing = {url: status for url, status in seen.items() if status == 404}
        assert not missing, (lang, missing)  # a link the app itself offers leads nowhere
