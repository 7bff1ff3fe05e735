"""How many SQL statements a page costs (issue 10, item 21: pages within 1.5 x a bare page
doing the same query). Counted, not timed: a page that loads the signed-in user in several
queries, or a cadre's relations one lazy load at a time, fails here."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cadre_app.extensions import db
from cadre_app.models import CadrePhoto, FamilyMember, ResumeEntry

pytestmark = pytest.mark.usefixtures("rendered_anew")


def _get(client: FlaskClient, url: str, statements: list[str]) -> list[str]:
    """The statements of one GET of ``url`` (after a first one: no session write)."""
    assert client.get(url).status_code == 200
    statements.clear()
    assert client.get(url).status_code == 200
    return [s for s in statements if "SAVEPOINT" not in s]  # the tests' rolled-back transaction


def _about(sql: list[str], table: str) -> list[str]:
    return [s for s in sql if f"FROM {table}" in s]


def test_signed_in_user_costs_one_query(hr_client: FlaskClient, statements: list[str]) -> None:
    """The session and its user come in one joined SELECT; nothing reloads the user (the old
    user loader committed after every load, which expired the user: 3 queries a page)."""
    sql = _get(hr_client, "/cadres/", statements)
    sessions = [s for s in sql if "user_session" in s]
    assert len(sessions) == 1, sql
    others = [s for s in sql if s not in sessions]
    assert not [s for s in others if 'FROM "user"' in s or "FROM user " in s], sql
    assert not [s for s in sql if s.strip().upper().startswith(("UPDATE", "COMMIT"))], sql


def test_profile_loads_relations_eagerly(
    app: Flask, hr_client: FlaskClient, org: dict[str, int], statements: list[str]
) -> None:
    """The profile reads the cadre with its section and photo flag in one query, family and
    résumé in one query each, and never the photo's bytes (before: 9 queries, the photo's
    data read to learn whether there is one)."""
    cadre_id = org["own_cadre"]
    with app.app_context():
        db.session.add_all(
            [
                FamilyMember(cadre_id=cadre_id, relation="父亲", name="李某", sort_order=0),
                FamilyMember(cadre_id=cadre_id, relation="母亲", name="张某", sort_order=1),
                ResumeEntry(cadre_id=cadre_id, start=date(2017, 7, 1), description="某局科员"),
                CadrePhoto(cadre_id=cadre_id, content_type="image/png", data=b"\x89PNG" * 100),
            ]
        )
        db.session.commit()
    sql = _get(hr_client, f"/cadres/{cadre_id}", statements)
    assert len(sql) <= 5, "\n".join(sql)
    assert not [s for s in sql if "cadre_photo.data" in s], sql
    assert len(_about(sql, "department")) == 0, sql  # joined to the cadre's SELECT
    assert f"/cadres/{cadre_id}/photo" in hr_client.get(f"/cadres/{cadre_id}").get_data(True)
    family = hr_client.get(f"/cadres/{cadre_id}?tab=family").get_data(as_text=True)
    assert "李某" in family and "张某" in family
    assert "某局科员" in hr_client.get(f"/cadres/{cadre_id}?tab=resume").get_data(as_text=True)
