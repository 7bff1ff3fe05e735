"""Talks: the list by state, a talk opened by hand, its record and state changes, and the
holiday calendar the deadlines are counted with. Thin views: parse, check access, call
services.talks, commit, redirect.

Access: HR sees and changes every talk. Whoever is linked to the cadre conducting a talk
(a manager, or any user linked to that cadre) sees and records the talks they conduct, and
nothing else (404). Nobody sees talks about themselves here. Admin and auditor may not use
the section (403); the holiday calendar is kept by HR and the admin (a setting, no
personnel data)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.talks import bp
from cadre_app.blueprints.talks.forms import (
    HolidayForm,
    TalkCreateForm,
    TalkEditForm,
    TransitionForm,
    fill,
    form_values,
)
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.models import TALK_KINDS, Cadre, Holiday, Role, Talk, TalkState
from cadre_app.permissions import (
    has_role,
    may_use_talks,
    role_required,
    talk_or_404,
    talk_scope,
)
from cadre_app.services.core import dates, workdays
from cadre_app.services.talks import operations as talks
from cadre_app.services.talks import queries as talks_query

#: Moves a conductor may make; 拟办, 审批 and 升级处理 are the organisation's (HR).
CONDUCTOR_TARGETS = (
    TalkState.HELD,
    TalkState.AWAITING_REPLY,
    TalkState.FOLLOW_UP,
    TalkState.CLOSED,
)
#: Service field -> the form field that shows its error.
FIELD_ALIASES = {"subject_id": "subject_staff_no", "conductor_id": "conductor_staff_no"}


def section_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not may_use_talks(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _targets(talk: Talk) -> tuple[TalkState, ...]:
    allowed = talks.allowed_targets(talk.kind, talk.state)
    if has_role(current_user, Role.HR):
        return allowed
    return tuple(t for t in allowed if t in CONDUCTOR_TARGETS)


def _int(raw: str | None, *, default: int | None = None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _apply_errors(form: Any, errors: list[tuple[str | None, str]]) -> list[str]:
    """Put each message beside its field; return those without one (shown above the form)."""
    general = []
    for name, message in errors:
        field = getattr(form, FIELD_ALIASES.get(name or "", name or ""), None)
        if field is None:
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


def _cadre_id_by_staff_no(form: Any, name: str) -> int | None | bool:
    """The id of the cadre whose 工号 is in field ``name``; None when empty; False (with an
    error on the field) when no cadre has it."""
    staff_no = (getattr(form, name).data or "").strip()
    if not staff_no:
        return None
    found = db.session.scalar(sa.select(Cadre.id).where(Cadre.staff_no == staff_no))
    if found is None:
        field = getattr(form, name)
        field.errors = [*field.errors, _("名册中没有工号为 %(no)s 的干部。", no=staff_no)]
        return False
    return found


# --- the list ---------------------------------------------------------------------------------


@bp.route("/")
@section_required
def index() -> Any:
    """Talks by state with counts; overdue ones in red with the days overdue."""
    state_raw = request.args.get("state", "")
    kind = request.args.get("kind", "")
    if (state_raw and state_raw not in TalkState._value2member_map_) or (
        kind and kind not in TALK_KINDS
    ):
        abort(400)
    filters = talks_query.TalkFilters(
        state=TalkState(state_raw) if state_raw else None,
        kind=kind or None,
        overdue=request.args.get("overdue") == "1",
        q=request.args.get("q", "").strip()[:50] or None,
        page=_int(request.args.get("page"), default=1) or 1,
    )
    result = talks_query.list_talks(filters, scope=talk_scope(current_user), today=clock.today())
    args = {k: v for k, v in request.args.items() if k not in ("page", "state") and v}
    return render_template(
        "talks/index.html",
        page=result,
        filters=filters,
        states=list(TalkState),
        kinds=TALK_KINDS,
        args=args,
        page_args=dict(args, **({"state": state_raw} if state_raw else {})),
        may_manage=has_role(current_user, Role.HR),
    )


# --- create -----------------------------------------------------------------------------------


def _create_values(form: TalkCreateForm) -> dict[str, Any] | None:
    names = ["kind", "source", "reason", "scheduled_at", "place"]
    names += [n for n in form.data if n.startswith(("conductor_", "recorder_"))]
    names.remove("conductor_staff_no")
    values = form_values(form, names)
    by_staff_no = _cadre_id_by_staff_no(form, "subject_staff_no")
    picked = _int(form.subject_id.data) if (form.subject_id.data or "").isdigit() else None
    if by_staff_no and picked and by_staff_no != picked:
        form.subject_staff_no.errors = [
            *form.subject_staff_no.errors,
            _("填写的工号与所选干部不一致。"),
        ]
        return None
    conductor_id = _cadre_id_by_staff_no(form, "conductor_staff_no")
    if values is None or by_staff_no is False or conductor_id is False:
        return None
    return values | {"subject_id": by_staff_no or picked, "conductor_id": conductor_id}


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.HR)
def create() -> Any:
    """Open a talk by hand. The subject is found by a search (``?q=`` name or 工号, the
    roster's search) whose matches link to ``?subject=<cadre id>``, which preselects it; or
    typed as a 工号."""
    prefill = None
    if request.args.get("subject"):
        prefill = db.get_or_404(Cadre, _int(request.args.get("subject")))
    form = TalkCreateForm()
    q = request.args.get("q", "").strip()[:50]
    matches, match_count = talks_query.find_subjects(q) if q else ([], 0)
    general: list[str] = []
    if not form.is_submitted():
        if prefill is not None:
            form.subject_id.data = str(prefill.id)
            form.subject_staff_no.data = prefill.staff_no
    elif form.validate() and (values := _create_values(form)) is not None:
        try:
            talk = talks.create_talk(values, actor=current_user.username, today=clock.today())
        except talks.DuplicateTalk as duplicate:
            db.session.rollback()
            flash(_("已有一条相同的未办结谈话，未重复创建。"), "info")
            return redirect(url_for("talks.detail", talk_id=duplicate.talk.id))
        except talks.TalkError as error:
            db.session.rollback()
            general = _apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("已创建%(kind)s。", kind=talk.kind), "success")
            return redirect(url_for("talks.detail", talk_id=talk.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "talks/new.html",
        form=form,
        general=general,
        q=q,
        matches=matches,
        match_count=match_count,
        chosen=prefill,
    ), status


# --- one talk ---------------------------------------------------------------------------------


def render_detail(
    talk: Talk,
    *,
    status: int = 200,
    failed: TransitionForm | None = None,
    general: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
) -> Any:
    """The record, the moves the user may make (each with the fields it needs) and the
    history. ``failed`` is the move form that was refused, shown open with its errors."""
    moves = []
    for target in _targets(talk):
        if failed is not None and failed.target.data == target.value:
            form = failed
            form.version.data = str(talk.version)
        else:
            form = TransitionForm(formdata=None)
            form.target.data, form.version.data = target.value, str(talk.version)
            fill(form, talk, [f for f, _r in talks.step_fields(talk.kind, talk.state, target)])
        fields = talks.step_fields(talk.kind, talk.state, target)
        moves.append(
            {
                "target": target,
                "form": form,
                "fields": fields,
                "irreversible": talks.needs_confirmation(target),
            }
        )
    today = clock.today()
    effects = None
    if talk.kind == talks.ADMONITION and talk.held_at is not None:
        effects = talks.admonition_effects(talk.held_at.date())
    return render_template(
        "talks/detail.html",
        talk=talk,
        moves=moves,
        failed_target=failed.target.data if failed is not None else None,
        deadline=talks.deadline_of(talk),
        overdue_days=talks.days_overdue(talk, today),
        effects=effects,
        history=talks.history(talk.id),
        general=general or [],
        conflict=conflict,
        may_manage=has_role(current_user, Role.HR),
        may_edit=talk.state.is_open,
    ), status


@bp.route("/<int:talk_id>")
@section_required
def detail(talk_id: int) -> Any:
    """The full record of one talk and its history."""
    return render_detail(talk_or_404(talk_id))


@bp.route("/<int:talk_id>/transition", methods=["POST"])
@section_required
def transition(talk_id: int) -> Any:
    """Move the talk to the posted ``target`` state with the fields that step needs."""
    talk = talk_or_404(talk_id)
    form = TransitionForm()
    if (form.target.data or "") not in TalkState._value2member_map_:
        abort(400)
    target = TalkState(form.target.data)
    if not has_role(current_user, Role.HR) and target not in CONDUCTOR_TARGETS:
        abort(403)
    expected = _int(form.version.data)
    if expected is None:
        abort(400)
    fields = [f for f, _r in talks.step_fields(talk.kind, talk.state, target)]
    values = form_values(form, [*fields, "note"]) if form.validate() else None
    if values is None:
        return render_detail(talk, status=400, failed=form)
    if (
        talks.needs_confirmation(target)
        and target in talks.allowed_targets(talk.kind, talk.state)
        and request.form.get("confirmed") != "1"
    ):  # cannot be undone: only with the tick the page asks for
        message = _("“%(state)s”之后不能再变更：请勾选确认后再提交。", state=target.label)
        return render_detail(talk, status=400, failed=form, general=[message])
    try:
        talks.transition(
            talk,
            target,
            values,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except talks.AlreadyDone:
        db.session.rollback()
        flash(_("该操作已经完成（表单可能提交了两次）。"), "info")
        return redirect(url_for("talks.detail", talk_id=talk_id))
    except talks.VersionConflict as conflict:
        db.session.rollback()
        return render_detail(talk, status=409, conflict=conflict.changes)
    except StaleDataError:
        db.session.rollback()
        fresh = talk_or_404(talk_id)
        return render_detail(fresh, status=409, conflict=talks.changes_since(talk_id, expected))
    except talks.TalkError as error:
        db.session.rollback()
        general = _apply_errors(form, error.errors)
        return render_detail(talk_or_404(talk_id), status=400, failed=form, general=general)
    flash(_("已转为“%(state)s”。", state=target.label), "success")
    return redirect(url_for("talks.detail", talk_id=talk_id))


def _edit_names(talk: Talk) -> list[str]:
    names = list(talks.RECORD_FIELDS)
    if has_role(current_user, Role.HR):
        names += [n for n in talks.ORGANISATION_FIELDS if n != "conductor_id"]
    if talk.kind == talks.ADMONITION and "follow_up_due_date" in names:
        names.remove("follow_up_due_date")  # 6 months after the talk, computed
    return names


@bp.route("/<int:talk_id>/edit", methods=["GET", "POST"])
@section_required
def edit(talk_id: int) -> Any:
    """Edit the record; a form loaded before someone else's save gets 409 with their
    changes. The conductor edits what they record; HR also the organisational fields."""
    talk = talk_or_404(talk_id)
    names = _edit_names(talk)
    form = TalkEditForm()
    for name in [n for n in form.data if n not in (*names, "version", "csrf_token")]:
        if name != "conductor_staff_no" or not has_role(current_user, Role.HR):
            delattr(form, name)
    if not form.is_submitted():
        if not talk.state.is_open:
            flash(_("谈话已%(state)s，记录不能再修改。", state=talk.state.label), "warning")
            return redirect(url_for("talks.detail", talk_id=talk.id))
        fill(form, talk, names)
        if "conductor_staff_no" in form and talk.conductor is not None:
            form.conductor_staff_no.data = talk.conductor.staff_no
        form.version.data = str(talk.version)
        return render_template("talks/edit.html", form=form, talk=talk, conflict=None, general=[])
    values = form_values(form, names) if form.validate() else None
    if values is not None and "conductor_staff_no" in form:
        conductor_id = _cadre_id_by_staff_no(form, "conductor_staff_no")
        values = None if conductor_id is False else values | {"conductor_id": conductor_id}
    expected = _int(form.version.data)
    if expected is None:
        abort(400)
    if values is None:
        return render_template(
            "talks/edit.html", form=form, talk=talk, conflict=None, general=[]
        ), 400
    try:
        changes = talks.update_talk(
            talk,
            values,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except (talks.VersionConflict, StaleDataError):
        db.session.rollback()
        fresh = talk_or_404(talk_id)
        form.version.data = str(fresh.version)  # saving again now means "overwrite knowingly"
        conflict = talks.changes_since(talk_id, expected)
        return render_template(
            "talks/edit.html", form=form, talk=fresh, conflict=conflict, general=[]
        ), 409
    except talks.TalkError as error:
        db.session.rollback()
        general = _apply_errors(form, error.errors)
        return render_template(
            "talks/edit.html", form=form, talk=talk_or_404(talk_id), conflict=None, general=general
        ), 400
    if changes:
        flash(_("已保存 %(n)d 项修改。", n=len(changes)), "success")
    else:
        flash(_("没有修改任何内容。"), "info")
    return redirect(url_for("talks.detail", talk_id=talk_id))


# --- holidays ---------------------------------------------------------------------------------


@bp.route("/holidays", methods=["GET", "POST"])
@role_required(Role.HR, Role.ADMIN)
def holidays() -> Any:
    """The holiday calendar: weekday holidays and weekend make-up working days (调休)."""
    year = _int(request.args.get("year"), default=clock.today().year) or clock.today().year
    if not 2000 <= year <= 2100:
        abort(400)
    form = HolidayForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            day = dates.parse(form.day.data)
            assert day is not None  # InputRequired
            workdays.add_holiday(
                day,
                form.name.data or "",
                is_workday=bool(form.is_workday.data),
                actor=current_user.username,
            )
        except dates.DateFormatError as error:
            form.day.errors = [*form.day.errors, str(error)]
        except workdays.CalendarError as error:
            db.session.rollback()
            general = _apply_errors(form, error.errors)
        else:
            affected = [] if form.is_workday.data else talks.deadlines_on(day)
            db.session.commit()
            flash(_("已登记 %(day)s。", day=day.isoformat()), "success")
            if affected and has_role(current_user, Role.HR):
                return redirect(url_for("talks.holiday_deadlines", day=day.isoformat()))
            if affected:  # the admin keeps the calendar but reads no personnel data
                flash(
                    _(
                        "%(n)d 件未办结谈话的期限正好是这一天，请人事部门在节假日页面顺延。",
                        n=len(affected),
                    ),
                    "warning",
                )
            return redirect(url_for("talks.holidays", year=day.year))
    return render_template(
        "talks/holidays.html",
        form=form,
        rows=workdays.list_holidays(year),
        year=year,
        delete_form=EmptyForm(),
        general=general,
    ), (400 if form.is_submitted() else 200)


@bp.route("/holidays/<day>/delete", methods=["POST"])
@role_required(Role.HR, Role.ADMIN)
def delete_holiday(day: str) -> Any:
    """Remove one day from the calendar (deadlines already set stay as they are)."""
    parsed = _day_or_404(day)
    holiday = db.get_or_404(Holiday, parsed)
    EmptyForm().validate_on_submit()
    workdays.delete_holiday(holiday, actor=current_user.username)
    db.session.commit()
    flash(_("已删除 %(day)s。", day=parsed.isoformat()), "success")
    return redirect(url_for("talks.holidays", year=parsed.year))


def _day_or_404(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        abort(404)


@bp.route("/holidays/<day>/deadlines", methods=["GET", "POST"])
@role_required(Role.HR)
def holiday_deadlines(day: str) -> Any:
    """The open talks whose deadline falls on ``day`` (a holiday): each with its current and
    proposed deadline (the next working day), and one button that moves them all (audited,
    all or nothing; 409 and nothing moved when the list changed meanwhile)."""
    parsed = _day_or_404(day)
    status = 200
    if request.method == "POST":
        expected = {}
        for key, value in request.form.items():
            if key.startswith("talk-"):
                talk_id, version = _int(key.removeprefix("talk-")), _int(value)
                if talk_id is None or version is None:
                    abort(400)
                expected[talk_id] = version
        try:
            moved = talks.move_deadlines(parsed, expected, actor=current_user.username)
            db.session.commit()
        except (talks.DeadlinesChanged, StaleDataError):
            db.session.rollback()
            flash(_("这些谈话在您打开页面后有变化，未顺延任何期限；请核对下表后再操作。"), "danger")
            status = 409
        else:
            flash(_("已顺延 %(n)d 件谈话的期限。", n=len(moved)), "success")
            return redirect(url_for("talks.holidays", year=parsed.year))
    holiday = db.session.get(Holiday, parsed)
    return render_template(
        "talks/holiday_deadlines.html",
        day=parsed,
        holiday=holiday,
        moves=talks.deadlines_on(parsed),
        form=EmptyForm(),
    ), status


# --- the manager's dashboard -------------------------------------------------------------------


def conducted_panel(user: Any) -> dict[str, Any] | None:
    """The open talks the manager conducts, nearest deadline first (None: none)."""
    rows, total = talks_query.conducted_open(user.cadre_id, clock.today())
    return {"rows": rows, "total": total} if total else None
