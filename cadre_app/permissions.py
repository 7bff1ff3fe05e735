"""Every permission rule in one place, usable from views and from Jinja.

- A whole section of the app that a role may not use answers **403**.
- Another person's record that a user may not see answers **404**, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from cadre_app.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def has_role(user: Any, *roles: Role) -> bool:
    """True when ``user`` is signed in and holds one of ``roles``."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


def role_required(*roles: Role) -> Callable[[F], F]:
    """Decorate a view: anonymous users go to the login page, other roles get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


#: The navigation bar: (endpoint, label msgid, roles that see it). The views use the same roles.
NAV_ITEMS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("main.index", "工作台", tuple(Role)),
    ("main.me", "我的档案", (Role.CADRE,)),
    ("admin.users", "账户管理", (Role.ADMIN,)),
)


def nav_for(user: Any) -> list[tuple[str, str]]:
    """The navigation entries ``user`` may use, as (endpoint, label msgid)."""
    return [(endpoint, label) for endpoint, label, roles in NAV_ITEMS if has_role(user, *roles)]


def register_template_helpers(app: Any) -> None:
    """Expose the checks to Jinja so templates hide what a role may not use."""
    app.jinja_env.globals.update(has_role=has_role, nav_for=nav_for, Role=Role)
