"""The ranking, roster and profile pages kept while nothing is written (layout.kept_page,
issue 10, item 21): a page seen again costs its permission check and the layout, never a
stale or someone else's page. Kept per user, language, page and query; gone after any write
here (a flush) or elsewhere (a newer audited write); the CSRF token always the session's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cadre_app import layout
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, User
from cadre_app.services.core import kept
from cadre_app.services.core.idcard import make as make_id
from tests.conftest import login

NAME = re.compile(r'data-testid="profile-name">([^<]*)<')
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
FORM_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def _name(client: FlaskClient, url: str) -> str:
    found = NAME.search(client.get(url).get_data(as_text=True))
    assert found, url
    return found.group(1)


def test_a_page_seen_again_runs_only_the_session_and_the_check(
    hr_client: FlaskClient, org: dict[str, int], statements: list[str]
) -> None:
    """The second look at a profile reads the session (with the unread count and the newest
    write) and whether the record may be read: not the record, not the settings."""
    url = f"/cadres/{org['other_cadre']}"
    first = hr_client.get(url).get_data(as_text=True)
    statements.clear()
    again = hr_client.get(url).get_data(as_text=True)
    assert len(statements) == 2, statements
    assert "user_session" in statements[0] and "audit_event" in statements[0]
    assert "FROM setting" not in " ".join(statements)
    assert NAME.search(again).group(1) == NAME.search(first).group(1) == "王芳"  # type: ignore[union-attr]


def test_a_write_here_shows_at_once(
    app: Flask, hr_client: FlaskClient, org: dict[str, int]
) -> None:
    """Renamed in this process (a flush): the profile and the roster show the new name."""
    url = f"/cadres/{org['other_cadre']}"
    assert _name(hr_client, url) == "王芳"
    assert "王芳" in hr_client.get("/cadres/").get_data(as_text=True)
    with app.app_context():
        db.session.get(Cadre, org["other_cadre"]).name = "王芳芳"
        db.session.commit()
    assert _name(hr_client, url) == "王芳芳"
    assert "王芳芳" in hr_client.get("/cadres/").get_data(as_text=True)


def test_a_write_elsewhere_shows_once_it_is_audited(
    app: Flask, hr_client: FlaskClient, org: dict[str, int]
) -> None:
    """Another process's write passes none of this process's session hooks: the kept page
    stays until the audit event every write through the app leaves, then shows it."""
    url = f"/cadres/{org['other_cadre']}"
    assert _name(hr_client, url) == "王芳"
    before = kept.generation()

    def elsewhere(statement: sa.Executable) -> None:
        # on the connection, not through the ORM: as another process's write looks from here
        with app.app_context():
            db.session.connection().execute(statement)
            db.session.commit()

    elsewhere(
        sa.update(Cadre.__table__).where(Cadre.id == org["other_cadre"]).values(name="王小芳")
    )
    assert kept.generation() == before
    assert _name(hr_client, url) == "王芳"  # kept: proof the page is not rendered anew
    elsewhere(
        sa.insert(AuditEvent.__table__).values(
            action="update", prev_hash="0" * 64, hash="e" * 64, result="ok"
        )
    )
    assert kept.generation() == before
    assert _name(hr_client, url) == "王小芳"


def test_each_user_and_language_gets_their_own_page(
    app: Flask, users: dict[str, User], org: dict[str, int], login_as: Callable[[str], FlaskClient]
) -> None:
    """HR's kept roster never shows to the manager (their own section only), nor the Chinese
    page to a reader of English. Both sign in first: nothing is written between the looks."""
    hr, manager = login_as("hr"), login_as("manager")
    everyone = hr.get("/cadres/").get_data(as_text=True)
    assert "王芳" in everyone and "李晓明" in everyone
    theirs = manager.get("/cadres/").get_data(as_text=True)
    assert "李晓明" in theirs and "王芳" not in theirs
    assert "王芳" in hr.get("/cadres/").get_data(as_text=True)
    hr.post("/auth/language", data={"lang": "en", "next": "/"})
    english = hr.get("/cadres/").get_data(as_text=True)
    assert "Roster" in english and "干部名册</h1>" not in english


def test_the_query_is_part_of_the_page(hr_client: FlaskClient, org: dict[str, int]) -> None:
    """A search, then the whole list, then the search again: each answers its own query."""
    found = hr_client.get("/cadres/?q=%E7%8E%8B").get_data(as_text=True)  # 王
    assert "王芳" in found and "李晓明" not in found
    assert "李晓明" in hr_client.get("/cadres/").get_data(as_text=True)
    assert "李晓明" not in hr_client.get("/cadres/?q=%E7%8E%8B").get_data(as_text=True)


def test_a_kept_page_carries_the_readers_own_token(
    app: Flask, org: dict[str, int], users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile kept for one session of an HR officer, seen in their second session (a
    second browser): every token in it is the second session's, and revealing the number
    with it works (CSRF checked)."""
    url = f"/cadres/{org['other_cadre']}"
    first, second = app.test_client(), app.test_client()
    assert login(first, users["hr"].username).status_code == 302
    assert login(second, users["hr"].username).status_code == 302
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # signed in: now check tokens
    first_html = first.get(url).get_data(as_text=True)
    size = len(layout.PAGES)
    html = second.get(url).get_data(as_text=True)
    assert len(layout.PAGES) == size  # the same page, kept
    token = TOKEN.search(html).group(1)  # type: ignore[union-attr]
    assert token != TOKEN.search(first_html).group(1)  # type: ignore[union-attr]
    assert set(FORM_TOKEN.findall(html)) == {token}
    assert len(FORM_TOKEN.findall(html)) == 4  # sign out, language; the reveal and photo forms
    assert second.post(f"{url}/reveal-id", data={"csrf_token": "forged"}).status_code == 400
    answer = second.post(f"{url}/reveal-id", data={"csrf_token": token})
    assert answer.status_code == 200
    assert make_id("120101", date(1990, 7, 1), 22) in answer.get_data(as_text=True)


def test_keeping_off_renders_the_same_page(
    app: Flask, hr_client: FlaskClient, org: dict[str, int]
) -> None:
    """KEEP_PAGES off: every page rendered anew, the same HTML but for the token."""
    pages = ("/cadres/", f"/cadres/{org['other_cadre']}", f"/cadres/{org['own_cadre']}?tab=family")

    def strip(html: str) -> str:
        return re.sub(r'(content|value)="[A-Za-z0-9._-]{40,}"', "TOKEN", html)

    kept_pages = [strip(hr_client.get(p).get_data(as_text=True)) for p in pages]
    app.config["KEEP_PAGES"] = False
    try:
        fresh = [strip(hr_client.get(p).get_data(as_text=True)) for p in pages]
    finally:
        app.config["KEEP_PAGES"] = True
    assert fresh == kept_pages


@pytest.mark.parametrize("flash", [None, ("success", "已保存 <b>名册</b>")])
def test_a_kept_page_is_put_together_as_jinja_would(
    app: Flask,
    hr_client: FlaskClient,
    org: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    flash: tuple[str, str] | None,
) -> None:
    """layout.compose_page gives, byte for byte, what base.html renders from the same kept
    blocks, a flashed message (escaped) included."""
    pages = ("/cadres/", f"/cadres/{org['other_cadre']}", f"/cadres/{org['own_cadre']}?tab=resume")
    for page in pages:
        hr_client.get(page)  # kept
        seen = []
        for by_jinja in (False, True):
            monkeypatch.setitem(app.config, "KEPT_PAGES_BY_JINJA", by_jinja)
            if flash:
                with hr_client.session_transaction() as session:
                    session["_flashes"] = [flash]
            seen.append(hr_client.get(page).get_data(as_text=True))
        assert seen[0] == seen[1], page
        assert seen[0].count("<title>") == 1 and seen[0].rstrip().endswith("</html>")
        if flash:
            assert "已保存 &lt;b&gt;名册&lt;/b&gt;" in seen[0]
            assert seen[0].index("alert-success") < seen[0].index("<main") + 400


def test_the_store_keeps_to_its_count_and_its_bytes() -> None:
    """Kept pages are bounded in number and in bytes, the oldest going first; a page over an
    eighth of the budget is not kept at all."""
    store = kept.Store(3, budget=800, weigh=len)
    for name in "abc":
        store.put((name,), name * 100)
    assert len(store) == 3 and store.weight == 300
    store.put(("d",), "d" * 100)  # a fourth: the oldest goes
    assert store.get(("a",)) is None and store.get(("d",)) == ("d" * 100,)
    store.put(("e",), "e" * 101)  # over an eighth of 800: not kept, nothing pushed out
    assert store.get(("e",)) is None and len(store) == 3
    wide = kept.Store(10, budget=800, weigh=len)
    for i in range(9):
        wide.put((i,), "x" * 100)  # the ninth would pass 800 bytes: the first goes
    assert wide.weight == 800 and wide.get((0,)) is None and wide.get((8,)) is not None
