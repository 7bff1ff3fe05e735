"""What the domains contribute to the whole app, gathered per app so no central list names a
domain (DESIGN.md, "Layout for growth").

``create_app`` makes one ``Registry`` (``init_app``), finds every package under
``cadre_app.blueprints`` and calls its ``register(app)``, which registers the package's
blueprint (and with it its ``flask <domain> ...`` commands) and adds, through
``registry.get(app)``:

- menu entries (``add_menu_entry``): endpoint, label msgid, roles, an ``order`` number that
  fixes the place in the navigation bar, and the endpoint prefixes of pages under the entry;
  ``add_to_section`` puts one domain's pages under another domain's entry (a cadre's printed
  forms under 干部名册);
- audit object types (``add_object_types``): code -> Chinese name, for the audit page and its
  export, listed in ``order``;
- PDF kinds (``add_pdf_kind``): records that batch export can print for many cadres (any object
  with a ``code``; today ``services.records.data.CadreRecord``);
- profile tabs (``add_profile_tab``): a tab of the cadre's profile (``/cadres/<id>`` and
  ``/me``) with a template and a loader ``(cadre, user) -> dict`` giving its context;
- dashboard panels (``add_dashboard_panel``): a card on the dashboard of some roles, with a
  template and a loader ``(user) -> dict | None`` (None: nothing to show);
- audit field labels (``add_field_labels``): for each audit object type the domain owns, the
  label of each key its before/after snapshots hold, and labels of stored values (a talk's
  ``state`` ``held`` is 已谈话), so the audit page describes a change in words;
- personal audit object types (``add_personal_object_types``): those whose events are about one
  person's record and whose summaries may carry its content (a talk's reason, a relative's
  name): the auditor reads of their summary only the record's label (services.audit.queries).

Readers use ``current()``: the registry of the app in context, else (unit tests, bench scripts
and the shell, outside an app context) that of the app built last in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context

EXTENSION = "cadre_registry"


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the navigation bar."""

    endpoint: str
    label: str  # msgid, translated when shown
    roles: tuple[Any, ...]  # Role members that see the entry (the views check the same roles)
    order: int  # place in the bar, smallest first
    section: tuple[str, ...] = ()  # endpoint prefixes of the pages under the entry


#: Labels given as a mapping of msgids (translated when shown), or as a function called when
#: they are shown (returning labels already translated, e.g. an enum's ``label``).
LabelSource = Mapping[Any, Any] | Callable[[], Mapping[Any, Any]]


def _resolve(source: LabelSource) -> Mapping[Any, Any]:
    return source() if callable(source) else source


@dataclass(frozen=True)
class ProfileTab:
    """A tab of the cadre profile contributed by a domain."""

    key: str  # ?tab=<key>
    label: str  # msgid
    template: str  # included with ``panel`` = loader(cadre, user)
    loader: Callable[[Any, Any], Mapping[str, Any]]
    order: int


@dataclass(frozen=True)
class DashboardPanel:
    """A card a domain shows on the dashboards of ``roles``."""

    key: str
    template: str  # included with ``panel`` = loader(user)
    loader: Callable[[Any], Mapping[str, Any] | None]
    roles: tuple[Any, ...]
    order: int


@dataclass
class Registry:
    """The menu entries, audit object types and PDF kinds of one app."""

    _menu: list[MenuEntry] = field(default_factory=list)
    _sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _object_types: list[tuple[int, str, str]] = field(default_factory=list)
    _pdf_kinds: dict[str, Any] = field(default_factory=dict)
    _field_labels: dict[str, tuple[LabelSource, dict[str, LabelSource]]] = field(
        default_factory=dict
    )
    _personal: set[str] = field(default_factory=set)
    _profile_tabs: list[ProfileTab] = field(default_factory=list)
    _panels: list[DashboardPanel] = field(default_factory=list)
    _session_columns: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    # --- contributing (from a blueprint package's register(app)) ----------------------------

    def add_menu_entry(
        self,
        endpoint: str,
        label: str,
        roles: tuple[Any, ...],
        *,
        order: int,
        section: tuple[str, ...] = (),
    ) -> None:
        if any(e.endpoint == endpoint for e in self._menu):
            raise ValueError(f"menu entry {endpoint} registered twice")
        if any(e.order == order for e in self._menu):
            raise ValueError(f"menu order {order} taken ({endpoint})")
        self._menu.append(MenuEntry(endpoint, label, tuple(roles), order, tuple(section)))

    def add_to_section(self, endpoint: str, *prefixes: str) -> None:
        """Count pages whose endpoint starts with one of ``prefixes`` as under the menu entry
        ``endpoint`` of another domain (the entry may be registered before or after)."""
        self._sections[endpoint] = self._sections.get(endpoint, ()) + prefixes

    def add_object_types(self, types: Mapping[str, str], *, order: int) -> None:
        """Audit object types (code -> Chinese name); ``order`` places them in the list."""
        known = {code for _order, code, _name in self._object_types}
        for code, name in types.items():
            if code in known:
                raise ValueError(f"audit object type {code} registered twice")
            self._object_types.append((order, code, name))

    def add_personal_object_types(self, *codes: str) -> None:
        """Audit object types whose summaries may hold personal content after the record's
        label (“T0001 李晓明：父亲 李某”): the audit page and its export show only the label."""
        self._personal.update(codes)

    def add_pdf_kind(self, kind: Any) -> None:
        """A per-cadre record batch export can print, by its ``code``."""
        if kind.code in self._pdf_kinds:
            raise ValueError(f"PDF kind {kind.code} registered twice")
        self._pdf_kinds[kind.code] = kind

    def add_field_labels(
        self,
        object_type: str,
        labels: LabelSource,
        *,
        values: Mapping[str, LabelSource] | None = None,
    ) -> None:
        """Labels of the keys in ``object_type``'s audit snapshots (key -> label), and of
        stored values per key (``values={"state": {"held": "已谈话"}}``). One domain owns
        each object type's labels."""
        if object_type in self._field_labels:
            raise ValueError(f"audit field labels of {object_type} registered twice")
        self._field_labels[object_type] = (labels, dict(values or {}))

    def add_profile_tab(
        self,
        key: str,
        label: str,
        template: str,
        loader: Callable[[Any, Any], Mapping[str, Any]],
        *,
        order: int,
    ) -> None:
        if any(t.key == key for t in self._profile_tabs):
            raise ValueError(f"profile tab {key} registered twice")
        self._profile_tabs.append(ProfileTab(key, label, template, loader, order))

    def add_dashboard_panel(
        self,
        key: str,
        template: str,
        loader: Callable[[Any], Mapping[str, Any] | None],
        roles: tuple[Any, ...],
        *,
        order: int,
    ) -> None:
        if any(p.key == key for p in self._panels):
            raise ValueError(f"dashboard panel {key} registered twice")
        self._panels.append(DashboardPanel(key, template, loader, tuple(roles), order))

    def add_session_column(self, key: str, column: Callable[[Any], Any]) -> None:
        """``column(user_id)``: a scalar SQL expression of the signed-in user's id (a
        correlated subquery), read with the session on every signed-in request; its value is
        ``user.session_extras[key]``."""
        if key in self._session_columns:
            raise ValueError(f"session column {key} registered twice")
        self._session_columns[key] = column

    # --- reading ----------------------------------------------------------------------------

    @property
    def session_columns(self) -> dict[str, Callable[[Any], Any]]:
        return dict(self._session_columns)

    @property
    def profile_tabs(self) -> list[ProfileTab]:
        return sorted(self._profile_tabs, key=lambda t: t.order)

    def panels_for(self, role: Any) -> list[DashboardPanel]:
        return sorted((p for p in self._panels if role in p.roles), key=lambda p: p.order)

    @property
    def menu(self) -> list[MenuEntry]:
        """The entries in navigation order."""
        return sorted(self._menu, key=lambda e: e.order)

    def section(self, endpoint: str) -> tuple[str, ...]:
        """Endpoint prefixes of the pages under the menu entry ``endpoint``."""
        own = next((e.section for e in self._menu if e.endpoint == endpoint), ())
        return own + self._sections.get(endpoint, ())

    @property
    def object_types(self) -> dict[str, str]:
        """Audit object types, code -> Chinese name, in registration order."""
        ordered = sorted(enumerate(self._object_types), key=lambda item: (item[1][0], item[0]))
        return {code: name for _i, (_order, code, name) in ordered}

    @property
    def personal_object_types(self) -> frozenset[str]:
        return frozenset(self._personal)

    @property
    def pdf_kinds(self) -> dict[str, Any]:
        return dict(self._pdf_kinds)

    @property
    def labelled_object_types(self) -> list[str]:
        """The audit object types whose field labels were registered."""
        return sorted(self._field_labels)

    def field_labels(self, object_type: str | None) -> Mapping[str, Any]:
        """key -> label for ``object_type``'s snapshots (empty when none registered)."""
        entry = self._field_labels.get(object_type or "")
        return _resolve(entry[0]) if entry else {}

    def value_labels(self, object_type: str | None) -> dict[str, Mapping[Any, Any]]:
        """key -> {stored value -> label} for ``object_type``'s snapshots."""
        entry = self._field_labels.get(object_type or "")
        return {key: _resolve(source) for key, source in entry[1].items()} if entry else {}


_latest: Registry | None = None


def init_app(app: Flask) -> Registry:
    """Give ``app`` an empty registry (before the blueprint packages register)."""
    global _latest
    registry = app.extensions[EXTENSION] = Registry()
    _latest = registry
    return registry


def get(app: Flask) -> Registry:
    return app.extensions[EXTENSION]  # type: ignore[no-any-return]


def current() -> Registry:
    """The registry of the app in context, else of the app built last in this process."""
    if has_app_context():
        return get(current_app)
    if _latest is None:
        raise RuntimeError("no application has been created yet")
    return _latest


class CurrentView(Mapping[str, Any]):
    """A read-only mapping onto one of ``current()``'s registries, looked up at each use, so
    a module constant (``batch.KINDS``) stays what the running app registered."""

    def __init__(self, attribute: str):
        self._attribute = attribute

    def _mapping(self) -> Mapping[str, Any]:
        return getattr(current(), self._attribute)  # type: ignore[no-any-return]

    def __getitem__(self, key: str) -> Any:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __repr__(self) -> str:
        return f"<registered {self._attribute}: {dict(self._mapping())!r}>"


def part_sections(parts: Iterable[Any], hook: str, *args: Any) -> list[tuple[str, Any]]:
    """A page put together from a domain's part modules: each part that defines the function
    ``hook`` (e.g. ``profile_section(cadre, user)``) and the constant ``HOOK`` upper-cased
    (``PROFILE_SECTION = (template, order)``) gives its section; a part whose function
    returns None shows nothing. Returns ``(template, context)`` pairs, in the parts' order."""
    sections = []
    for part in parts:
        load = getattr(part, hook, None)
        if load is None:
            continue
        template, order = getattr(part, hook.upper())
        context = load(*args)
        if context is not None:
            sections.append((order, template, context))
    return [(template, context) for _o, template, context in sorted(sections, key=_first)]


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]
