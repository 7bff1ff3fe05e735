"""Account administration (admin role only; the admin reads no personnel data): open an
account with a temporary password, change its real name, role and cadre, reset the password,
deactivate or reactivate it, name 处长 and 分管领导. Every change is audited by the service."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app.blueprints.admin import bp
from cadre_app.blueprints.admin.forms import AccountForm, SectionsForm
from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.models import Role, User
from cadre_app.permissions import role_required
from cadre_app.services.accounts import operations as accounts
from cadre_app.services.accounts import queries as account_queries
from cadre_app.services.accounts import two_factor
from cadre_app.services.core import audit


@bp.route("/users")
@role_required(Role.ADMIN)
def users() -> Any:
    """Every account with its real name, role, sections and state."""
    return render_template(
        "admin/users.html",
        users=account_queries.accounts(),
        sections=account_queries.sections_by_user(),
        now=utcnow(),
        form=EmptyForm(),
    )


def _password_page(user: User, password: str, *, new: bool) -> Any:
    """The temporary password, shown this once (the response is never cached)."""
    return render_template("admin/password.html", user=user, password=password, new=new)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user() -> Any:
    """Open an account; its temporary password is shown once, to be changed at first login.
    Posting the same form twice opens one account (the second is refused by its name)."""
    form = AccountForm()
    if not form.is_submitted():
        return render_template("admin/user_form.html", form=form, user=None)
    if not form.validate():
        return render_template("admin/user_form.html", form=form, user=None), 400
    try:
        created = accounts.open_account(
            form.username.data or "",
            form.real_name.data or "",
            form.role.data,
            cadre_staff_no=form.cadre_staff_no.data,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return render_template("admin/user_form.html", form=form, user=None), 400
    db.session.commit()
    return _password_page(created.user, created.temporary_password, new=True)


def _edit_page(
    user: User, form: AccountForm, sections_form: SectionsForm, status: int = 200
) -> Any:
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        sections_form=sections_form,
        actions=EmptyForm(),
        now=utcnow(),
    ), status


def _sections_form(user: User, *, formdata: bool) -> SectionsForm:
    form = SectionsForm() if formdata else SectionsForm(formdata=None)
    form.fill_choices(account_queries.section_choices())
    if not formdata:
        head = account_queries.headed_section(user)
        form.head_of.data = str(head) if head else ""
        form.oversees.data = [str(d.id) for d in user.led_departments if d.id != head]
    return form


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int) -> Any:
    """Change an account's real name, role and linked cadre (never the admin's own role)."""
    user = db.get_or_404(User, user_id)
    form = AccountForm() if request.method == "POST" else AccountForm(formdata=None)
    form.username.data = user.username  # the login name is not changed here
    if request.method == "GET":
        form.real_name.data = user.real_name
        form.role.data = user.role.value
        form.cadre_staff_no.data = user.cadre.staff_no if user.cadre is not None else ""
        return _edit_page(user, form, _sections_form(user, formdata=False))
    sections_form = _sections_form(user, formdata=False)
    if not form.validate():
        return _edit_page(user, form, sections_form, 400)
    try:
        changed = accounts.update_account(
            user,
            actor=current_user,
            real_name=form.real_name.data or "",
            role=form.role.data,
            cadre_staff_no=form.cadre_staff_no.data,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _edit_page(user, form, sections_form, 400)
    db.session.commit()
    if changed:
        flash(_("账户 %(name)s 已保存。", name=user.username), "success")
    else:
        flash(_("没有需要保存的修改。"), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/sections", methods=["POST"])
@role_required(Role.ADMIN)
def user_sections(user_id: int) -> Any:
    """Name a manager account 处长 of one section and 分管领导 of others (its scope)."""
    user = db.get_or_404(User, user_id)
    sections_form = _sections_form(user, formdata=True)
    if not sections_form.validate():
        abort(400)
    try:
        changed = accounts.set_sections(
            user, head_of=sections_form.head_id(), oversees=sections_form.oversee_ids()
        )
    except accounts.AccountError as error:
        db.session.rollback()
        sections_form.form_errors.append(str(error))
        form = AccountForm(formdata=None)
        form.username.data, form.real_name.data = user.username, user.real_name
        form.role.data = user.role.value
        form.cadre_staff_no.data = user.cadre.staff_no if user.cadre is not None else ""
        return _edit_page(user, form, sections_form, 400)
    db.session.commit()
    if changed:
        flash(_("已保存 %(name)s 的处长与分管处室。", name=user.display_name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _checked_post() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@role_required(Role.ADMIN)
def reset_password(user_id: int) -> Any:
    """A new temporary password, shown once; the user must change it at the next login."""
    user = db.get_or_404(User, user_id)
    _checked_post()
    password = accounts.reset_password(user)
    db.session.commit()
    return _password_page(user, password, new=False)


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@role_required(Role.ADMIN)
def reset_two_factor(user_id: int) -> Any:
    """Forget the account's authenticator and recovery codes (a lost phone); its sessions end
    and it sets the second factor up again at the next sign-in. Audited."""
    user = db.get_or_404(User, user_id)
    _checked_post()
    two_factor.reset(user)
    db.session.commit()
    flash(_("已重置 %(name)s 的两步验证，其登录会话已结束。", name=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate(user_id: int) -> Any:
    """Stop an account: its sessions end and it cannot sign in. Nothing is deleted."""
    return _set_enabled(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@role_required(Role.ADMIN)
def reactivate(user_id: int) -> Any:
    """Let a stopped account sign in again."""
    return _set_enabled(user_id, True)


def _set_enabled(user_id: int, enabled: bool) -> Any:
    user = db.get_or_404(User, user_id)
    _checked_post()
    try:
        changed = accounts.set_enabled(user, enabled, actor=current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    db.session.commit()
    if changed and enabled:
        flash(_("账户 %(name)s 已启用。", name=user.username), "success")
    elif changed:
        flash(_("账户 %(name)s 已停用，其登录会话已结束。", name=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


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
