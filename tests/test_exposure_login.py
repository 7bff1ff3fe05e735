"""Issue 16, finding 8: a failed sign-in with a username that matches no account is logged
masked (a password typed into the username field never reaches the auditor); a known username
is logged as it is, with its account."""

from __future__ import annotations

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.accounts.rules import masked_unknown_username
from tests.conftest import login

TYPED_PASSWORD = "Secret#Pass2026"


def _failures(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return list(events)


def test_an_unknown_username_is_stored_masked(app, client, users, auditor_client):
    assert login(client, TYPED_PASSWORD, "anything").status_code == 401
    (event,) = _failures(app)
    assert TYPED_PASSWORD not in (event.summary or "")
    assert "Pass" not in (event.summary or "") and event.summary.startswith("S***")
    assert f"{len(TYPED_PASSWORD)} 字符" in event.summary and event.object_id is None
    # nor anywhere the auditor reads it
    page = auditor_client.get("/audit/").get_data(as_text=True)
    assert "登录失败" in page and TYPED_PASSWORD not in page and "S***" in page
    export = auditor_client.get("/audit/export.xlsx")
    assert export.status_code == 200 and TYPED_PASSWORD.encode() not in export.data


def test_a_known_username_stays_as_typed_with_its_account(app, client, users):
    assert login(client, "hr1", "Wrong@pass1").status_code == 401
    (event,) = _failures(app)
    assert event.summary == "hr1" and event.object_id == str(users["hr"].id)


def test_the_same_unknown_name_gets_the_same_tag_and_another_name_another():
    key = "k" * 32
    first = masked_unknown_username("Secret#Pass2026", key)
    assert first == masked_unknown_username("  Secret#Pass2026 ", key)
    assert first != masked_unknown_username("Secret#Pass2027", key)
    assert first != masked_unknown_username("Secret#Pass2026", "another key")
    assert "ecret" not in first and masked_unknown_username("", key) == "（空）"
