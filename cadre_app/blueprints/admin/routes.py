"""Account administration (admin role only; the admin reads no personnel data)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from cadre_app.blueprints.admin import bp
from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.models import Role, User
from cadre_app.permissions import role_required
from cadre_app.services.accounts import operations as accounts
from cadre_app.services.core import audit


@bp.route("/users")
@role_required(Role.ADMIN)
def users() -> Any:
    """Every account with its role and lock state."""
    rows = db.session.scalars(sa.select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows, now=utcnow(), form=EmptyForm())


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@role_required(Role.ADMIN)
def unlock(user_id: int) -> Any:
    """Lift a lockout before its 30 minutes are over."""
    user = db.get_or_404(User, user_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.users"))
    accounts.unlock(user)
    audit.record(
        "update", object_type="user", object_id=user.id, summary=f"解锁账户 {user.username}"
    )
    db.session.commit()
    flash(_("账户 %(name)s 已解锁。", name=user.username), "success")
    return redirect(url_for("admin.users"))
