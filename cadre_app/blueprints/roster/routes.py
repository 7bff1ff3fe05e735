"""Roster list, profile with tabs, create and edit (with version conflicts), ID reveal, photo,
family and résumé. Thin views: parse, call services.roster.operations, commit, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.roster import bp
from cadre_app.blueprints.roster.forms import (
    CadreForm,
    FamilyForm,
    PhotoForm,
    ResumeForm,
    RevealForm,
    form_values,
)
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.layout import kept_page
from cadre_app.models import Department, FamilyMember, ResumeEntry, Role, enums
from cadre_app.permissions import (
    cadre_or_404,
    cadre_to_edit_or_404,
    is_own_record,
    readable_cadre_or_404,
    role_required,
    sees_as_cadre,
    visible_department_ids,
)
from cadre_app.services.core import dates, idcard, registry
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.evaluations import queries as evaluation_query
from cadre_app.services.roster import operations as roster
from cadre_app.services.roster import queries as roster_query

PROFILE_TABS = ("basic", "resume", "family", "evaluation")


#: The list's whole-number parameters and what the page calls them.
_INT_LABELS = {
    "page": _l("页码"),
    "per_page": _l("每页条数"),
    "age_min": _l("最小年龄"),
    "age_max": _l("最大年龄"),
    "department": _l("处室"),
}


def _int_arg(
    name: str,
    problems: list[str],
    default: int | None = None,
    *,
    low: int = 0,
    high: int = 10**6,
) -> int | None:
    """A whole-number list parameter; a wrong one (``?page=abc``, ``?age_min=-5``) is left out
    with a message in ``problems`` (the page answers 400 but keeps the other filters)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        problems.append(
            _(
                "%(label)s“%(value)s”无效（应为 %(low)d 至 %(high)d 的整数），已忽略。",
                label=_INT_LABELS.get(name, name),
                value=raw[:20],
                low=low,
                high=high,
            )
        )
        return default
    return int(raw)


def _age_band(low: int | None, high: int | None) -> dict[str, int | None]:
    """A band typed the wrong way round (50 to 30) means 30 to 50."""
    if low is not None and high is not None and low > high:
        low, high = high, low
    return {"age_min": low, "age_max": high}


def _department_options(ids: list[int] | None) -> list[Any]:
    """The sections of the filter's list: id and name rows, not ORM objects."""
    stmt = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    if ids is not None:
        stmt = stmt.where(Department.id.in_(ids or [-1]))
    return list(db.session.execute(stmt))


def _departments(ids: list[int] | None) -> list[Department]:
    stmt = sa.select(Department).order_by(Department.sort_order, Department.name)
    if ids is not None:
        stmt = stmt.where(Department.id.in_(ids or [-1]))
    return list(db.session.scalars(stmt))


@bp.route("/")
@role_required(Role.HR, Role.MANAGER)
def index() -> Any:
    """The roster: HR sees everyone, a manager the sections they lead (read-only). A wrong
    parameter is left out with a message (400), the other filters kept."""
    problems: list[str] = []
    on_raw = request.args.get("on", "").strip()
    try:
        on = dates.parse(on_raw) or clock.today()
    except dates.DateFormatError as error:
        problems.append(_("%(error)s 已按今天计算年龄。", error=str(error)))
        on = clock.today()
    filters = roster_query.RosterFilters(
        q=request.args.get("q", "").strip()[:50] or None,
        department_id=_int_arg("department", problems),
        rank=request.args.get("rank") if request.args.get("rank") in enums.RANK_LADDER else None,
        political_status=request.args.get("political_status")
        if request.args.get("political_status") in enums.POLITICAL_STATUSES
        else None,
        young=request.args.get("young") == "1",
        **_age_band(
            _int_arg("age_min", problems, high=120), _int_arg("age_max", problems, high=120)
        ),
        sort=request.args.get("sort", "department"),
        descending=request.args.get("dir") == "desc",
        page=_int_arg("page", problems, 1, low=1) or 1,
        per_page=_int_arg("per_page", problems, 50, low=1, high=100) or 50,
        on=on,
    )
    visible = visible_department_ids(current_user)

    def context() -> dict[str, Any]:
        return {
            "page": roster_query.list_cadres(filters, visible_departments=visible),
            "filters": filters,
            "departments": _department_options(visible),
            "ranks": enums.RANK_LADDER,
            "political_statuses": enums.POLITICAL_STATUSES,
            "args": {k: v for k, v in request.args.items() if k != "page"},
            "problems": problems,
            "link_profile": _link_around("roster.profile", "cadre_id"),
        }

    if problems:
        return render_template("roster/index.html", **context()), 400
    return kept_page("roster/index.html", (), context)


def _link_around(endpoint: str, key: str, **values: Any) -> tuple[str, str]:
    """The parts of ``endpoint``'s URL before and after the integer ``key``: the list joins
    them around each row's id, one ``url_for`` per page instead of one per row."""
    marker = 987654321
    before, _sep, after = url_for(endpoint, **values, **{key: marker}).partition(str(marker))
    return before, after


@cache
def _field_labels(locale: str) -> dict[str, Markup]:
    """The profile's field labels in ``locale`` (the request's): resolved once per language
    for the process, not 28 lazy strings on each page. Markup, as the lazy strings were."""
    labels = [(f.attr, str(f.label)) for f in roster.FIELDS]
    return {attr: Markup(text) for attr, text in labels}  # noqa: S704 (catalogue)  # nosec B704


def _tab_forms(tab: str, cadre_id: int) -> dict[str, Any]:
    """The forms of the tab shown, for HR (the only role that writes here); none for the
    others, nor for the tabs not shown, nor on HR's own record (seen as a cadre sees it)."""
    if current_user.role is not Role.HR or is_own_record(current_user, cadre_id):
        return {}
    if tab == "basic":
        return {"reveal_form": RevealForm(), "photo_form": PhotoForm()}
    if tab == "family":
        return {"family_form": FamilyForm()}
    if tab == "resume":
        return {"resume_form": ResumeForm()}
    return {}


def render_profile(
    cadre: Any,
    tab: str,
    *,
    revealed: str | None = None,
    status: int = 200,
    cadre_id: int | None = None,
) -> Any:
    """The profile page; a plain GET (no number revealed) kept while nothing is written
    (layout.kept_page). ``cadre``: the Cadre, or a function loading it (with ``cadre_id``),
    called only when the page is rendered, not when it is kept."""
    load = cadre if callable(cadre) else None
    shown_id = cadre_id if load is not None else cadre.id

    def context() -> dict[str, Any]:
        nonlocal cadre
        if load is not None:
            cadre = load()
        data = roster.profile(cadre, on=clock.today(), lists=(tab,))
        history = []
        if tab == "evaluation":
            history = evaluation_query.history_for(cadre.id)
            if sees_as_cadre(current_user, cadre):
                # a cadre sees results once the committee has confirmed them; so does anyone
                # looking at their own record, whatever their role (issue 16)
                history = [h for h in history if h["state"] not in evaluation.EDITABLE_STATES]
            for row in history:
                row["quarters"] = evaluation_query.quarterly_grades(cadre.id, row["year"])
        contributed = registry.current().profile_tabs
        extra = next((t for t in contributed if t.key == tab), None)
        return {
            "p": data,
            "tab": tab,
            "tabs": PROFILE_TABS + tuple(t.key for t in contributed),
            "tab_labels": {t.key: t.label for t in contributed},
            "extra_tab": extra,
            "panel": extra.loader(cadre, current_user) if extra else None,
            "fields": roster.FIELDS,
            "labels": _field_labels(str(get_locale())),
            "revealed": revealed,
            "editable": current_user.role is Role.HR and not is_own_record(current_user, cadre),
            "history": history,
            "tab_base": url_for("main.me")
            if request.endpoint == "main.me"
            else url_for("roster.profile", cadre_id=cadre.id),
            **_tab_forms(tab, cadre.id),
        }

    if revealed is None and status == 200 and request.method == "GET":
        return kept_page("roster/profile.html", (request.endpoint, shown_id, tab), context)
    return render_template("roster/profile.html", **context()), status


@bp.route("/<int:cadre_id>")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def profile(cadre_id: int) -> Any:
    """One cadre's record in tabs; 404 for a record the user may not see."""
    tab = profile_tab(request.args.get("tab", "basic"))
    readable_cadre_or_404(cadre_id)  # the check alone: the record is loaded to be rendered
    options = roster_query.profile_loads(tab)
    return render_profile(lambda: cadre_or_404(cadre_id, options=options), tab, cadre_id=cadre_id)


def profile_tab(asked: str) -> str:
    """The tab asked for when it exists (the roster's own or a domain's), else 基本信息."""
    known = PROFILE_TABS + tuple(t.key for t in registry.current().profile_tabs)
    return asked if asked in known else "basic"


@bp.route("/<int:cadre_id>/reveal-id", methods=["POST"])
@role_required(Role.HR)
def reveal_id(cadre_id: int) -> Any:
    """Show one full ID number to HR; the reveal is audited."""
    cadre = cadre_to_edit_or_404(cadre_id)
    RevealForm().validate_on_submit()
    number = roster.reveal_id_number(cadre)
    db.session.commit()
    return render_profile(cadre, "basic", revealed=number)


def _department_choices(form: CadreForm) -> None:
    form.department_id.choices = select_choices(
        [("", "—")] + [(d.id, d.name) for d in _departments(None)]
    )


def _apply_other_errors(form: CadreForm, values: dict[str, Any], bad: set[str]) -> None:
    """Alongside format errors, show every other rule the form breaks, in one round."""
    _apply_errors(
        form, [e for e in roster.validate(values, today=clock.today()) if e.field not in bad]
    )


def _apply_errors(form: CadreForm, errors: list[roster.FieldError]) -> None:
    for error in errors:
        field = getattr(form, error.field, None) or form.staff_no
        field.errors = [*field.errors, error.message]


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.HR)
def create() -> Any:
    """Add a cadre to the roster."""
    form = CadreForm()
    _department_choices(form)
    if form.validate_on_submit():
        values, bad = form_values(form)
        if bad:
            _apply_other_errors(form, values, bad)
        else:
            try:
                cadre = roster.create_cadre(
                    values, actor=current_user.username, today=clock.today()
                )
            except roster.RosterError as error:
                db.session.rollback()
                _apply_errors(form, error.errors)
            else:
                db.session.commit()
                flash(_("已新增干部 %(name)s。", name=cadre.name), "success")
                return redirect(url_for("roster.profile", cadre_id=cadre.id))
    status = 400 if form.is_submitted() else 200
    return render_template("roster/edit.html", form=form, cadre=None, conflict=None), status


@bp.route("/<int:cadre_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def edit(cadre_id: int) -> Any:
    """Edit a cadre; a form loaded before someone else's save gets 409 with their changes."""
    cadre = cadre_to_edit_or_404(cadre_id)
    form = CadreForm(obj=None if request.method == "POST" else _form_data(cadre))
    _department_choices(form)
    if not form.is_submitted():
        form.version.data = str(cadre.version)
        return render_template(
            "roster/edit.html",
            form=form,
            cadre=cadre,
            conflict=None,
            masked_id=idcard.mask(cadre.id_number),
        )
    values, bad = form_values(form)
    if bad:
        _apply_other_errors(form, values, bad)
        return render_template(
            "roster/edit.html",
            form=form,
            cadre=cadre,
            conflict=None,
            masked_id=idcard.mask(cadre.id_number),
        ), 400
    if not values.get("id_number"):
        values.pop("id_number")  # the form shows the number masked: empty means unchanged
    try:
        expected = int(form.version.data or "0")
    except ValueError:
        abort(400)
    try:
        changes = roster.update_cadre(
            cadre,
            values,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except (roster.VersionConflict, StaleDataError):
        db.session.rollback()
        return _conflict(cadre_id, values, expected)
    except roster.RosterError as error:
        db.session.rollback()
        _apply_errors(form, error.errors)
        return render_template(
            "roster/edit.html",
            form=form,
            cadre=cadre,
            conflict=None,
            masked_id=idcard.mask(cadre.id_number),
        ), 400
    if changes:
        flash(_("已保存 %(n)d 项修改。", n=len(changes)), "success")
    else:
        flash(_("没有修改任何内容。"), "info")
    return redirect(url_for("roster.profile", cadre_id=cadre.id))


def _conflict(cadre_id: int, submitted: dict[str, Any], expected: int) -> Any:
    """409: show the others' changes and a form rebased on the current record, so that saving
    again keeps their changes to fields this user did not touch."""
    cadre = cadre_to_edit_or_404(cadre_id)
    changes = roster.changes_since(cadre_id, expected)
    merged, both = roster.rebase(cadre, submitted, changes)
    form = CadreForm(formdata=None, obj=_form_values_obj(merged))
    _department_choices(form)
    form.version.data = str(cadre.version)  # saving again now means "overwrite knowingly"
    return render_template(
        "roster/edit.html",
        form=form,
        cadre=cadre,
        conflict=changes,
        both_changed=sorted(str(roster.LABELS[a]) for a in both),
        masked_id=idcard.mask(cadre.id_number),
    ), 409


class _Obj:
    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)


def _form_values_obj(values: dict[str, Any]) -> _Obj:
    shown = {}
    for spec in roster.FIELDS:
        value = values.get(spec.attr)
        if isinstance(value, date):
            value = dates.for_input(value)
        elif spec.kind == "department":
            value = str(value)
        elif spec.kind == "id_number":
            value = ""  # never shown in full on the form; the placeholder shows it masked
        shown[spec.attr] = value
    return _Obj(**shown)


def _form_data(cadre: Any) -> _Obj:
    return _form_values_obj(roster.snapshot(cadre))


@bp.route("/<int:cadre_id>/photo")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def photo(cadre_id: int) -> Any:
    """The photo, to whoever may see the record."""
    cadre = cadre_or_404(cadre_id)
    if cadre.photo is None:
        abort(404)
    return cadre.photo.data, 200, {"Content-Type": cadre.photo.content_type}


@bp.route("/<int:cadre_id>/photo", methods=["POST"])
@role_required(Role.HR)
def upload_photo(cadre_id: int) -> Any:
    cadre = cadre_to_edit_or_404(cadre_id)
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(_("请选择照片文件。"), "danger")
        return render_profile(cadre, "basic", status=400)
    data = form.photo.data.read(roster.PHOTO_MAX_BYTES + 1)
    try:
        roster.set_photo(cadre, data, actor=current_user.username)
    except roster.RosterError as error:
        db.session.rollback()
        for e in error.errors:
            flash(e.message, "danger")
        return render_profile(cadre, "basic", status=400)
    db.session.commit()
    flash(_("照片已更新。"), "success")
    return redirect(url_for("roster.profile", cadre_id=cadre.id))


def _add_part(
    cadre_id: int,
    form: Any,
    parse: Callable[[Any], dict[str, Any]],
    add: Callable[..., Any],
    tab: str,
    done: str,
) -> Any:
    """Add a family member or résumé line: form and date errors, then the service's rules;
    any problem re-renders the tab with 400 and writes nothing."""
    cadre = cadre_to_edit_or_404(cadre_id)
    problems: list[str] = []
    values: dict[str, Any] = {}
    if form.validate_on_submit():
        try:
            values = parse(form)
        except dates.DateFormatError as error:
            problems.append(str(error))
    else:
        problems += [m for errors in form.errors.values() for m in errors]
    if not problems:
        try:
            add(cadre, values, actor=current_user.username, today=clock.today())
        except roster.RosterError as error:
            db.session.rollback()
            problems += [e.message for e in error.errors]
    if problems:
        for message in problems:
            flash(message, "danger")
        return render_profile(cadre, tab, status=400)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("roster.profile", cadre_id=cadre.id, tab=tab))


def _part_or_404(cadre_id: int, model: type, item_id: int) -> tuple[Any, Any]:
    """The cadre and their family member or résumé line (404 for anyone else's)."""
    cadre = cadre_to_edit_or_404(cadre_id)
    item = db.session.get(model, item_id)
    if item is None or item.cadre_id != cadre.id:
        abort(404)
    return cadre, item


def _part_form(tab: str, item: Any, formdata: bool) -> Any:
    """The add form of the family member or résumé line, filled from ``item`` on a GET."""
    form_class = FamilyForm if tab == "family" else ResumeForm
    form = form_class() if formdata else form_class(formdata=None)
    if not formdata:
        month = "%Y.%m"
        if tab == "family":
            form.relation.data, form.name.data = item.relation, item.name
            form.birth_date.data = item.birth_date.strftime(month) if item.birth_date else ""
            form.political_status.data = item.political_status or ""
            form.employer_and_post.data = item.employer_and_post or ""
        else:
            form.start.data = item.start.strftime(month)
            form.end.data = item.end.strftime(month) if item.end else ""
            form.description.data = item.description
    return form


def _render_part(cadre: Any, item: Any, tab: str, form: Any, status: int = 200) -> Any:
    return render_template(
        "roster/part_edit.html",
        cadre=cadre,
        item=item,
        tab=tab,
        form=form,
        delete_form=EmptyForm(),
    ), status


def _edit_part(
    cadre_id: int,
    model: type,
    item_id: int,
    parse: Callable[[Any], dict[str, Any]],
    update: Callable[..., dict[str, Any]],
    tab: str,
) -> Any:
    """Correct a family member or résumé line: the add form's checks, then the service's;
    any problem re-renders the form with 400 and writes nothing."""
    cadre, item = _part_or_404(cadre_id, model, item_id)
    if request.method == "GET":
        return _render_part(cadre, item, tab, _part_form(tab, item, formdata=False))
    form = _part_form(tab, item, formdata=True)
    problems: list[str] = []
    values: dict[str, Any] = {}
    if form.validate_on_submit():
        try:
            values = parse(form)
        except dates.DateFormatError as error:
            problems.append(str(error))
    else:
        problems += [m for errors in form.errors.values() for m in errors]
    changes: dict[str, Any] = {}
    if not problems:
        try:
            changes = update(item, values, actor=current_user.username, today=clock.today())
        except roster.RosterError as error:
            db.session.rollback()
            problems += [e.message for e in error.errors]
    if problems:
        for message in problems:
            flash(message, "danger")
        return _render_part(cadre, item, tab, form, 400)
    db.session.commit()
    if changes:
        flash(_("已保存修改。"), "success")
    else:
        flash(_("没有修改任何内容。"), "info")
    return redirect(url_for("roster.profile", cadre_id=cadre.id, tab=tab))


def _delete_part(
    cadre_id: int, model: type, item_id: int, delete: Callable[..., None], tab: str, done: str
) -> Any:
    """Delete one family member or résumé line of this cadre (404 for anyone else's), only
    with the ticked confirmation of the edit page: a deletion cannot be undone."""
    cadre, item = _part_or_404(cadre_id, model, item_id)  # CSRF is checked globally
    if request.form.get("confirmed") != "1":
        flash(_("删除后不能恢复：请勾选“确认删除”后再提交。"), "warning")
        return _render_part(cadre, item, tab, _part_form(tab, item, formdata=False), 400)
    delete(item, actor=current_user.username)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("roster.profile", cadre_id=cadre.id, tab=tab))


def _family_values(form: FamilyForm) -> dict[str, Any]:
    return {
        "relation": form.relation.data.strip()[:20],
        "name": form.name.data.strip()[:50],
        "birth_date": dates.parse(form.birth_date.data),
        "political_status": (form.political_status.data or "").strip() or None,
        "employer_and_post": (form.employer_and_post.data or "").strip()[:200] or None,
    }


def _resume_values(form: ResumeForm) -> dict[str, Any]:
    return {
        "start": dates.parse(form.start.data),
        "end": dates.parse(form.end.data),
        "description": form.description.data.strip()[:200],
    }


@bp.route("/<int:cadre_id>/family", methods=["POST"])
@role_required(Role.HR)
def add_family(cadre_id: int) -> Any:
    return _add_part(
        cadre_id,
        FamilyForm(),
        _family_values,
        roster.add_family_member,
        "family",
        _("已添加家庭成员。"),
    )


@bp.route("/<int:cadre_id>/family/<int:member_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def edit_family(cadre_id: int, member_id: int) -> Any:
    """Correct one family member; the page also offers its deletion, with a confirmation."""
    return _edit_part(
        cadre_id, FamilyMember, member_id, _family_values, roster.update_family_member, "family"
    )


@bp.route("/<int:cadre_id>/family/<int:member_id>/delete", methods=["POST"])
@role_required(Role.HR)
def delete_family(cadre_id: int, member_id: int) -> Any:
    return _delete_part(
        cadre_id,
        FamilyMember,
        member_id,
        roster.delete_family_member,
        "family",
        _("已删除家庭成员。"),
    )


@bp.route("/<int:cadre_id>/resume", methods=["POST"])
@role_required(Role.HR)
def add_resume(cadre_id: int) -> Any:
    return _add_part(
        cadre_id,
        ResumeForm(),
        _resume_values,
        roster.add_resume_entry,
        "resume",
        _("已添加简历条目。"),
    )


@bp.route("/<int:cadre_id>/resume/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def edit_resume(cadre_id: int, entry_id: int) -> Any:
    """Correct one résumé line; the page also offers its deletion, with a confirmation."""
    return _edit_part(
        cadre_id, ResumeEntry, entry_id, _resume_values, roster.update_resume_entry, "resume"
    )


@bp.route("/<int:cadre_id>/resume/<int:entry_id>/delete", methods=["POST"])
@role_required(Role.HR)
def delete_resume(cadre_id: int, entry_id: int) -> Any:
    return _delete_part(
        cadre_id,
        ResumeEntry,
        entry_id,
        roster.delete_resume_entry,
        "resume",
        _("已删除简历条目。"),
    )
