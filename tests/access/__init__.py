"""The role x route access table, one module per domain so that parallel work never edits the
same file. Each module defines ``EXPECTED``: endpoint -> (method, url, statuses) with statuses
in the order of ROLES; ``LOGIN`` means a redirect to the login page. URLs may use the
placeholders of ``tests.test_permissions.url_ids``: {hr_id}, {own_cadre}, {other_cadre},
{budget}, {treasury}.

A module may also define ``MORE``: further (endpoint, method, url, statuses) rows for the
rules or methods of an endpoint that its ``EXPECTED`` row does not reach (a second URL of
one view; a POST guarded differently from its GET). The POST of a GET-and-POST form is
otherwise derived from its GET row (``derived_posts``). test_permissions checks that every
rule and method of the app is reached one of these ways."""

from __future__ import annotations

import importlib
import pkgutil

ROLES = ("anon", "admin", "hr", "manager", "cadre", "auditor")
LOGIN = "login"


Row = tuple[str, str, str, tuple[object, ...]]  # endpoint, method, url, statuses


def more() -> list[Row]:
    rows: list[Row] = []
    for module in pkgutil.iter_modules(__path__):
        rows.extend(getattr(importlib.import_module(f"{__name__}.{module.name}"), "MORE", []))
    return rows


def expected() -> dict[str, tuple[str, str, tuple[object, ...]]]:
    table: dict[str, tuple[str, str, tuple[object, ...]]] = {}
    for module in pkgutil.iter_modules(__path__):
        entries = importlib.import_module(f"{__name__}.{module.name}").EXPECTED
        clash = table.keys() & entries.keys()
        assert not clash, f"endpoints listed twice: {clash}"
        table.update(entries)
    return table
