"""On the demo organisation with a programme, a cohort and plans on top (made through the
services, as HR would): every plan, programme and cohort page each role reaches by links from
its dashboard renders, no link leads nowhere, and in English only data is in Chinese."""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models.training import DevelopmentPlan
from tests import demo_snapshot
from tests.conftest import login
from tests.test_crawl import DEMO_PASSWORD, LINK, NEVER
from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text, vocabulary

#: The pages of this part, and the pages a link from them may lead to.
OURS = ("/training/plans", "/training/programmes", "/training/cohorts", "/me")
PER_ENDPOINT = 3


@pytest.fixture
def demo_with_plans(app):
    """The demo organisation: it holds the 五航工程 programme, a cohort and plans (the demo
    cadre's mentored by the demo manager, overdue milestones among them)."""
    with app.app_context():
        demo_snapshot.seed()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DevelopmentPlan)) > 0
        db.session.commit()


def crawl_ours(app, client) -> dict[str, tuple[int, str]]:
    """url -> (status, html) of the pages reached from the dashboard through links into this
    part's pages (and one step out of them)."""
    seen: dict[str, tuple[int, str]] = {}
    per_endpoint: dict[str, int] = {}
    adapter = app.url_map.bind("localhost")
    queue = deque([("/", True)])
    while queue:
        url, follow = queue.popleft()
        if url in seen or url.startswith(("/static/", *NEVER)):
            continue
        path = urlsplit(url).path
        try:
            endpoint, _args = adapter.match(path, method="GET")
        except Exception:  # noqa: BLE001 - not a route: still asked, a 404 is a fault
            endpoint = path
        if per_endpoint.get(endpoint, 0) >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        response = client.get(url)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        seen[url] = (response.status_code, html)
        if not follow:
            continue
        for link in LINK.findall(html):
            link = link.replace("&amp;", "&")
            ours = link.startswith(OURS) or "tab=training" in link
            queue.append((link, ours))
    return seen


@pytest.mark.parametrize("role", ["hr", "manager", "cadre"])
def test_plan_and_cohort_pages_reached_by_links_render(app, demo_with_plans, role):
    """In both languages, on one seeding of the demo."""
    for lang in ("zh_Hans_CN", "en"):
        _crawl_in(app, role, lang)


def _crawl_in(app, role: str, lang: str) -> None:
    client = app.test_client()
    assert login(client, role, DEMO_PASSWORD).status_code == 302
    client.post("/auth/language", data={"lang": lang, "next": "/"})
    seen = crawl_ours(app, client)
    ours = [u for u in seen if u.startswith(OURS) or "tab=training" in u]
    print(role, lang, sorted(ours))  # shown with -s
    assert len(ours) >= 2, sorted(seen)
    bad = {url: status for url, (status, _html) in seen.items() if status >= 400}
    assert not bad, (lang, bad)
    if lang == "en":
        with app.app_context():
            allowed = stored_text() | vocabulary() | {"中文"} | PUNCTUATION
            allowed |= set(chinese_runs(app.config["ORGANISATION_NAME"]))
        chrome = {
            run: url
            for url, (_s, html) in seen.items()
            if url in ours
            for run in chinese_runs(html)
            if run not in allowed
        }
        assert not chrome, chrome
