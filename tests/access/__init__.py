"""The role x route access table, one module per domain so that parallel work never edits the
same file. Each module defines ``EXPECTED``: endpoint -> (method, url, statuses) with statuses
in the order of ROLES; ``LOGIN`` means a redirect to the login page. URLs may use the
placeholders of ``tests.test_permissions.url_ids``: {hr_id}, {own_cadre}, {other_cadre},
{budget}, {treasury}."""

from __future__ import annotations

import importlib
import pkgutil

ROLES = ("anon", "admin", "hr", "manager", "cadre", "auditor")
LOGIN = "login"


def expected() -> dict[str, tuple[str, str, tuple[object, ...]]]:
    table: dict[str, tuple[str, str, tuple[object, ...]]] = {}
    for module in pkgutil.iter_modules(__path__):
        entries = importlib.import_module(f"{__name__}.{module.name}").EXPECTED
        clash = table.keys() & entries.keys()
        assert not clash, f"endpoints listed twice: {clash}"
        table.update(entries)
    return table
