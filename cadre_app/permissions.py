"""Every permission rule in one place, usable from views and from Jinja.

- A whole section of the app that a role may not use answers **403**.
- Another person's record that a user may not see answers **404**, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required
from markupsafe import Markup  # noqa: TC002 (the cache's type)

from cadre_app.extensions import db
from cadre_app.models import Cadre, Role, Talk
from cadre_app.services.core import registry
from cadre_app.services.talks.queries import TalkScope

F = TypeVar("F", bound=Callable[..., Any])


def has_role(user: Any, *roles: Role) -> bool:
    """True when ``user`` is signed in and holds one of ``roles``."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


def role_required(*roles: Role, hidden: bool = False) -> Callable[[F], F]:
    """Decorate a view: anonymous users go to the login page, other roles get 403; with
    ``hidden``, 404, as if there were nothing there (a selection round: nobody outside it
    may learn that it exists, nor that a cadre was considered)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user, *roles):
                abort(404 if hidden else 403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


#: Roles that may read cadre records at all (each within its own scope).
ROSTER_READERS = (Role.HR, Role.MANAGER, Role.CADRE)


def visible_department_ids(user: Any) -> list[int] | None:
    """Sections whose cadres ``user`` may read: None means all (HR); a manager's led
    sections; nothing for anyone else."""
    if has_role(user, Role.HR):
        return None
    if has_role(user, Role.MANAGER):
        return [d.id for d in user.led_departments]
    return []


def may_read_cadre(user: Any, cadre: Any) -> bool:
    """``cadre``: a Cadre, or any row with its ``id`` and ``department_id``."""
    if has_role(user, Role.HR):
        return True
    if has_role(user, Role.MANAGER):
        return cadre.department_id in {d.id for d in user.led_departments}
    if has_role(user, Role.CADRE):
        return user.cadre_id == cadre.id
    return False


def sees_as_cadre(user: Any, cadre: Cadre | int | None) -> bool:
    """Whether ``user`` sees ``cadre``'s record as a cadre sees their own: a cadre account,
    and anyone looking at their own record (the cadre linked to the account), whatever their
    role. A section head or an HR officer who is a cadre never reads, through that role, HR's
    material about themselves: the 拟任/拟免 proposal and 任免理由, unconfirmed scores and
    rank, the talks about them, their place on a shortlist (issue 16, finding 3)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role is Role.CADRE:
        return True
    cadre_id = cadre if isinstance(cadre, int) or cadre is None else cadre.id
    return user.cadre_id is not None and user.cadre_id == cadre_id


def is_own_record(user: Any, cadre: Cadre | int | None) -> bool:
    """Whether ``cadre`` is the cadre linked to ``user`` (their own record)."""
    if not getattr(user, "is_authenticated", False) or user.cadre_id is None:
        return False
    cadre_id = cadre if isinstance(cadre, int) or cadre is None else cadre.id
    return user.cadre_id == cadre_id


def own_row_hidden(user: Any, cycle: Any) -> int | None:
    """The cadre whose row ``user`` may not see in ``cycle``'s ranking: their own while the
    year's results are not confirmed (a cadre sees their result once the committee has
    confirmed it), whatever their role; None otherwise."""
    from cadre_app.services.evaluations.operations import EDITABLE_STATES

    cadre_id = getattr(user, "cadre_id", None)
    if cadre_id is None or cycle.state not in EDITABLE_STATES:
        return None
    return int(cadre_id)


def own_record_404(cadre: Cadre | int) -> None:
    """404 for the user's own record on a page a cadre never reaches (HR's forms about a
    cadre: the appointment proposal, the scores): nobody works on their own file."""
    if is_own_record(current_user, cadre):
        abort(404)


def cadre_to_edit_or_404(cadre_id: int) -> Cadre:
    """``cadre_or_404`` for HR's roster forms (edit, photo, family, résumé, reveal), and
    404 for the officer's own record: nobody edits or reveals their own file; a colleague
    does (issue 16, finding 3)."""
    cadre = cadre_or_404(cadre_id)
    own_record_404(cadre)
    return cadre


def may_edit_roster(user: Any) -> bool:
    return has_role(user, Role.HR)


@cache
def _cadre_statement(options: tuple[Any, ...]) -> sa.Select[tuple[Cadre]]:
    return sa.select(Cadre).options(*options).where(Cadre.id == sa.bindparam("id"))


def cadre_or_404(cadre_id: int, *, options: Sequence[Any] = ()) -> Cadre:
    """The cadre if the current user may read it; 404 otherwise, so ids cannot be probed.
    Roles that never read cadre records get 403 (a whole section of the app). ``options``:
    loader options for what the page will read (``roster.queries.PROFILE_LOADS``)."""
    if not has_role(current_user, *ROSTER_READERS):
        abort(403)
    if options:  # a statement built once per set of options (``get`` builds one a call)
        cadre = db.session.execute(_cadre_statement(tuple(options)), {"id": cadre_id}).scalar()
    else:
        cadre = db.session.get(Cadre, cadre_id)
    if cadre is None or not may_read_cadre(current_user, cadre):
        abort(404)
    return cadre


def readable_cadre_or_404(cadre_id: int) -> None:
    """``cadre_or_404``'s check without loading the record: the id and section only (a page
    kept while nothing is written loads the record only to render it)."""
    if not has_role(current_user, *ROSTER_READERS):
        abort(403)
    # on the session's connection: two columns need none of the ORM's result processing
    found = db.session.connection().execute(_READ_CHECK, {"id": cadre_id}).first()
    if found is None or not may_read_cadre(current_user, found):
        abort(404)


_READ_CHECK = sa.select(Cadre.id, Cadre.department_id).where(Cadre.id == sa.bindparam("id"))


def may_use_talks(user: Any) -> bool:
    """HR and managers use the talks section (DESIGN.md, roles: a manager writes the talks
    they conduct); a cadre account does not, even when its cadre is named as a talk's
    conductor: HR records such a talk, or gives the conductor a manager account."""
    return has_role(user, Role.HR, Role.MANAGER)


def talk_scope(user: Any) -> TalkScope:
    """The talks ``user`` may see in lists: every talk for HR (but those about HR's own
    cadre, when the account is linked to one); else those their cadre conducts, never those
    about them."""
    if has_role(user, Role.HR):
        return TalkScope(everyone=True, not_about=user.cadre_id)
    return TalkScope(cadre_id=user.cadre_id)


def talk_or_404(talk_id: int) -> Talk:
    """The talk if the current user may see it (as ``talk_scope``); 404 otherwise, so ids
    cannot be probed."""
    talk = db.session.get(Talk, talk_id)
    if talk is None:
        abort(404)
    mine = current_user.cadre_id
    if has_role(current_user, Role.HR):
        if mine is not None and talk.subject_id == mine:
            abort(404)  # HR who is a cadre: never the talks about themselves
        return talk
    if mine is None or talk.conductor_id != mine or talk.subject_id == mine:
        abort(404)
    return talk


def nav_for(user: Any) -> list[tuple[str, str]]:
    """The navigation entries ``user`` may use, as (endpoint, label msgid), in the order the
    blueprint packages gave them (services.core.registry). The views check the same roles."""
    return [
        (entry.endpoint, entry.label)
        for entry in registry.current().menu
        if has_role(user, *entry.roles)
    ]


def nav_active(endpoint: str, current: str | None, entries: list[tuple[str, str]]) -> bool:
    """Whether the navigation entry ``endpoint`` is the one the page ``current`` is under:
    its own page, else the entry whose section holds it (the endpoint prefixes its blueprint
    package registered: a talk's page is under 谈话管理, a cadre's forms under 干部名册, a job's
    progress under 批量导出), unless the page is another entry's own (the holiday calendar is the
    admin's entry, though a talks page)."""
    if not current:
        return False
    if current == endpoint:
        return True
    if any(current == other for other, _label in entries):
        return False
    return current.startswith(registry.current().section(endpoint))


def nav_html(user: Any) -> Markup:
    """The navigation bar's entries for ``user`` on the page in progress, as HTML: rendered
    the first time a role asks for a page in a language, then kept for the app's life (the
    menu is fixed when the app is built; an entry depends only on the role, the language,
    the page it marks active and the URL prefix the app is served under). Saves every page
    the loop of ``nav_active``, ``url_for`` and a translation per entry."""
    from flask import current_app, request
    from flask_babel import get_locale

    role = user.role if getattr(user, "is_authenticated", False) else None
    key = (request.script_root, str(get_locale()), role, request.endpoint)
    cache: dict[tuple[Any, ...], Markup] = current_app.extensions.setdefault("nav_html", {})
    html = cache.get(key)
    if html is None:
        macros = current_app.jinja_env.get_template("_macros/nav.html").module
        html = cache[key] = macros.nav_items(nav_for(user), request.endpoint)
    return html


def register_template_helpers(app: Any) -> None:
    """Expose the checks to Jinja so templates hide what a role may not use."""
    app.jinja_env.globals.update(
        has_role=has_role,
        nav_for=nav_for,
        nav_html=nav_html,
        nav_active=nav_active,
        Role=Role,
        may_edit_roster=may_edit_roster,
        sees_as_cadre=sees_as_cadre,
        is_own_record=is_own_record,
    )
