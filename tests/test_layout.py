"""The layout of DESIGN.md ("Layout for growth"): each blueprint package registers what its
domain adds to the app, so a new domain touches no central list. These tests fail if a
central list of domains comes back."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from flask import Flask

from cadre_app import blueprint_packages
from cadre_app.services.core import registry

ROOT = Path(__file__).resolve().parent.parent / "cadre_app"


def _package(name: str):
    return importlib.import_module(f"cadre_app.blueprints.{name}")


def _contribution(name: str) -> tuple[Flask, registry.Registry]:
    """What the package ``name`` registers on an app of its own."""
    alone = Flask("cadre_app", root_path=str(ROOT))
    contributed = alone.extensions[registry.EXTENSION] = registry.Registry()
    _package(name).register(alone)
    return alone, contributed


def test_every_blueprint_package_registers_itself():
    names = blueprint_packages()
    assert {
        "main",
        "auth",
        "roster",
        "evaluations",
        "talks",
        "records",
        "audit",
        "training",
        "secondments",
        "assessments",
        "ballot",
        "honours",
        "reminders",
        "analytics",
    } <= set(names)
    for name in names:
        package = _package(name)
        assert callable(getattr(package, "register", None)), f"{name} has no register(app)"
        assert package.bp.name == name


def test_the_app_holds_exactly_what_the_packages_contributed(app):
    whole = registry.get(app)
    menu, object_types, pdf_kinds, blueprints = [], {}, {}, set()
    for name in blueprint_packages():
        alone, part = _contribution(name)
        menu += part.menu
        assert not set(part.object_types) & set(object_types), f"{name} repeats a type"
        object_types |= part.object_types
        assert not set(part.pdf_kinds) & set(pdf_kinds), f"{name} repeats a PDF kind"
        pdf_kinds |= part.pdf_kinds
        blueprints |= set(alone.blueprints)
        assert set(alone.blueprints) == {name}, f"{name} registers another domain's blueprint"
    assert sorted(menu, key=lambda e: e.order) == whole.menu
    assert object_types == whole.object_types
    assert pdf_kinds == whole.pdf_kinds
    assert blueprints == set(app.blueprints)


def test_the_menu_audit_types_and_pdf_kinds_are_as_before(app):
    """Order, labels and roles of the navigation bar; the audit page's object types in their
    order; the batch export's kinds."""
    whole = registry.get(app)
    assert [(e.endpoint, e.label) for e in whole.menu] == [
        ("main.index", "工作台"),
        ("roster.index", "干部名册"),
        ("analytics.structure", "队伍结构"),
        ("evaluations.index", "年度考核"),
        ("training.index", "教育培训"),
        ("secondments.index", "挂职锻炼"),
        ("assessments.index", "政治素质测评"),
        ("selection.index", "选拔任用"),
        ("talks.index", "谈话管理"),
        ("selection.reviews_page", "候选人审阅"),
        ("statistics.monthly", "月度统计"),
        ("honours.index", "光荣榜"),
        ("records.batch", "批量导出"),
        ("main.me", "我的档案"),
        ("admin.users", "账户管理"),
        ("talks.holidays", "节假日与调休"),
        ("training.settings_page", "培训设置"),
        ("assessments.checklists_index", "测评表"),
        ("audit.index", "审计日志"),
    ]
    assert whole.section("roster.index") == (
        "roster.",
        "records.appointment_form",
        "records.lrmx",
    )
    assert whole.section("records.batch") == ("records.batch", "records.job")
    assert list(whole.object_types) == [
        *("user", "cadre", "cadre_photo", "family_member", "resume_entry", "department"),
        *("evaluation_cycle", "evaluation", "quarterly_grade"),
        *("course", "enrolment", "lecture", "essay", "plan", "programme"),
        "structure_report",
        "secondment",
        *("assessment", "checklist", "ballot_box"),
        *("position", "discipline_record", "selection_round"),
        *("talk", "holiday"),
        "statistics",
        "honour_entry",
        *("audit_event", "appointment_draft"),
        "notification",
    ]
    assert list(whole.pdf_kinds) == ["appointment_form", "training_record"]


def test_the_shared_code_names_no_domain():
    """The app factory, the permission module and services/core find the domains through
    the registry: none of them imports a blueprint package or names one of its endpoints."""
    names = "|".join(blueprint_packages())
    named = re.compile(
        rf"blueprints[./](?:{names})\b|blueprints import (?:{names})\b|[\"'](?:{names})\.[a-z_]"
    )
    central = [ROOT / "__init__.py", ROOT / "permissions.py", ROOT / "cli.py"]
    central += sorted((ROOT / "services" / "core").glob("*.py"))
    offenders = {
        str(path.relative_to(ROOT)): named.findall(path.read_text(encoding="utf-8"))
        for path in central
    }
    assert not {path: found for path, found in offenders.items() if found}


def test_each_domain_labels_the_audit_fields_of_its_own_object_types(app):
    """The audit page's field labels come from the domains' registrations (issue 10, item 11),
    each for an object type the same package registered, never from a central list."""
    labelled = []
    for name in blueprint_packages():
        _alone, part = _contribution(name)
        assert set(part.labelled_object_types) <= set(part.object_types), name
        labelled += part.labelled_object_types
    assert sorted(labelled) == registry.get(app).labelled_object_types
    assert {"user", "cadre", "talk", "evaluation", "appointment_draft"} <= set(labelled)
    audit_queries = (ROOT / "services" / "audit" / "queries.py").read_text(encoding="utf-8")
    assert "services.roster" not in audit_queries and "LABELS" not in audit_queries
