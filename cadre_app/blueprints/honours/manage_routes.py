"""Nominations and their management: a manager nominates for the sections they lead, HR for
any; HR edits, approves, returns with a reason and publishes a quarter. Thin views: parse,
check access, call services.honours.operations, commit, redirect.

Access: HR and managers (403 for everyone else); a manager sees and edits only the entries of
their sections, another entry answering 404 (routes.entry_or_404).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.honours import bp
from cadre_app.blueprints.honours.forms import EditForm, NominationForm, PublishForm, StepForm
from cadre_app.blueprints.honours.routes import entry_or_404, led_departments
from cadre_app.extensions import db
from cadre_app.forms import select_choices
from cadre_app.models import HonourEntry, HonourKind, HonourState, Role
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.honours import operations, queries, rules

MANAGERS = (Role.HR, Role.MANAGER)
S = HonourState


def actor() -> operations.Actor:
    return operations.Actor(
        username=current_user.username,
        is_hr=has_role(current_user, Role.HR),
        led_department_ids=tuple(led_departments()),
    )


def _version(raw: str | None) -> int:
    if not raw or not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _photo_bytes(field: Any) -> bytes | None:
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return upload.read(operations.photos.PHOTO_MAX_BYTES + 1)


def _apply(form: Any, errors: list[tuple[str | None, str]]) -> list[str]:
    """Put each (field, message) on its field; return the messages of no field."""
    general = []
    for name, message in errors:
        field = getattr(form, name, None) if name else None
        if field is None:
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


def entry_actions(entry: HonourEntry) -> dict[str, Any]:
    """What the reader may do on the entry's page: edit, and (HR) the next steps."""
    me = actor() if has_role(current_user, *MANAGERS) else None
    may_edit = me is not None and rules.may_edit(
        entry.state, is_hr=me.is_hr, leads_section=me.leads(entry.department_id)
    )
    steps = []
    if me is not None and me.is_hr:
        for target in rules.STEPS[entry.state]:
            if target is S.NOMINATED:
                continue  # submitted again by editing
            form = StepForm(formdata=None, target=target.value, version=str(entry.version))
            steps.append(
                {"target": target, "form": form, "needs_reason": target in rules.NEEDS_REASON}
            )
    return {"may_edit": may_edit, "steps": steps, "may_manage": me is not None}


# --- the management page ----------------------------------------------------------------------


@bp.get("/manage")
@role_required(*MANAGERS)
def manage() -> Any:
    """Nominations by quarter (HR: all; a manager: their sections'), with a filter by state,
    and for HR the button that publishes a quarter's approved entries."""
    raw_state = request.args.get("state", "")
    if raw_state and raw_state not in {s.value for s in S}:
        abort(400)
    picked = (
        rules.parse_quarter(request.args.get("quarter")) if request.args.get("quarter") else None
    )
    if request.args.get("quarter") and picked is None:
        abort(400)
    visible = visible_department_ids(current_user)
    entries = queries.nominations(
        visible_departments=visible,
        year=picked[0] if picked else None,
        quarter=picked[1] if picked else None,
        state=S(raw_state) if raw_state else None,
    )
    groups: dict[tuple[int, int], list[HonourEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.year, entry.quarter), []).append(entry)
    quarters = [
        {
            "year": year,
            "quarter": quarter,
            "text": rules.quarter_text(year, quarter),
            "entries": items,
            "publishable": rules.publishable([e.state for e in items]),
            "published": sum(1 for e in items if e.state is S.PUBLISHED),
        }
        for (year, quarter), items in groups.items()
    ]
    return render_template(
        "honours/manage.html",
        quarters=quarters,
        counts=queries.state_counts(visible),
        states=list(S),
        state=raw_state,
        quarter_arg=request.args.get("quarter", ""),
        is_hr=has_role(current_user, Role.HR),
        publish_form=PublishForm(),
    )


# --- nominate ---------------------------------------------------------------------------------


def _nomination_form() -> NominationForm:
    form = NominationForm()
    sections = queries.section_choices(visible_department_ids(current_user))
    form.department_id.choices = select_choices([("", _("请选择")), *sections])
    return form


@bp.route("/nominate", methods=["GET", "POST"])
@role_required(*MANAGERS)
def nominate() -> Any:
    """A new nomination (已提名): the quarter, a section or a cadre of a section one leads
    (HR: any), the title, the deeds and a photo."""
    form = _nomination_form()
    general: list[str] = []
    is_hr = has_role(current_user, Role.HR)
    if not form.is_submitted():
        year, quarter = rules.previous_quarter(*rules.quarter_of(clock.today()))
        form.quarter.data = rules.quarter_key(year, quarter)
        if request.args.get("kind") in ("section", "individual"):
            form.kind.data = request.args["kind"]
    elif form.validate():
        errors: list[tuple[str | None, str]] = []
        picked = rules.parse_quarter(form.quarter.data)
        if picked is None:
            errors.append(("quarter", _("季度的写法如 2026-1（2026年第一季度）。")))
        raw_kind = form.kind.data or ""
        if raw_kind not in {k.value for k in HonourKind}:
            abort(400)
        kind = HonourKind(raw_kind)
        cadre = None
        department_id = None
        if kind is HonourKind.INDIVIDUAL:
            staff_no = (form.staff_no.data or "").strip()
            cadre = queries.cadre_by_staff_no(staff_no) if staff_no else None
            if staff_no and cadre is None:
                errors.append(("staff_no", _("名册中没有工号为 %(no)s 的干部。", no=staff_no)))
        else:
            raw = form.department_id.data or ""
            department_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        photo = _photo_bytes(form.photo)
        if picked is not None and not errors:
            nomination = operations.Nomination(
                year=picked[0],
                quarter=picked[1],
                kind=kind,
                title=form.title.data or "",
                deeds=form.deeds.data or "",
                department_id=department_id,
                cadre=cadre,
                in_rewards=bool(form.in_rewards.data) and is_hr,
                photo=photo,
            )
            try:
                entry = operations.nominate(nomination, actor=actor(), today=clock.today())
                db.session.commit()
            except operations.AlreadyDone as done:
                db.session.rollback()
                flash(_("已处理（表单可能提交了两次）。"), "info")
                return redirect(url_for("honours.entry", entry_id=done.args[0]))
            except operations.HonourError as error:
                db.session.rollback()
                general = _apply(form, error.errors)
            else:
                flash(
                    _(
                        "已提名：%(who)s（%(quarter)s）。",
                        who=entry.honoured_name,
                        quarter=rules.quarter_text(entry.year, entry.quarter),
                    ),
                    "success",
                )
                return redirect(url_for("honours.entry", entry_id=entry.id))
        else:
            general = _apply(form, errors)
    status = 400 if form.is_submitted() else 200
    return render_template("honours/nominate.html", form=form, general=general, is_hr=is_hr), status


# --- edit, steps, publish -----------------------------------------------------------------------


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(entry_id: int) -> Any:
    """Edit the title, deeds, photo and (HR) the 奖惩情况 choice; a manager's save of a
    returned nomination submits it again. A form loaded before someone else's save: 409."""
    entry = entry_or_404(entry_id)
    me = actor()
    if not rules.may_edit(entry.state, is_hr=me.is_hr, leads_section=me.leads(entry.department_id)):
        if not me.is_hr and not me.leads(entry.department_id):
            abort(404)
        flash(_("该条目已%(state)s，不能再修改。", state=entry.state.label), "warning")
        return redirect(url_for("honours.entry", entry_id=entry_id))
    form = EditForm()
    general: list[str] = []
    conflict = None
    if not form.is_submitted():
        form.title.data, form.deeds.data = entry.title, entry.deeds
        form.in_rewards.data = entry.in_rewards
        form.version.data = str(entry.version)
    elif form.validate():
        version = _version(form.version.data)
        try:
            changed = operations.update(
                entry,
                {
                    "title": form.title.data,
                    "deeds": form.deeds.data,
                    "in_rewards": form.in_rewards.data,
                },
                expected_version=version,
                actor=me,
                photo=_photo_bytes(form.photo),
                remove_photo=bool(form.remove_photo.data),
            )
            db.session.commit()
        except operations.VersionConflict as error:
            db.session.rollback()
            conflict = error.changes
        except StaleDataError:
            db.session.rollback()
            conflict = operations.changes_since(entry_id, version)
        except operations.HonourError as error:
            db.session.rollback()
            general = _apply(form, error.errors)
        else:
            if changed:
                flash(_("已保存 %(n)d 项修改。", n=len(changed)), "success")
            else:
                flash(_("没有修改任何内容。"), "info")
            return redirect(url_for("honours.entry", entry_id=entry_id))
        if conflict is not None:
            form.version.data = str(entry_or_404(entry_id).version)
    status = 409 if conflict is not None else (400 if form.is_submitted() else 200)
    return render_template(
        "honours/edit.html",
        form=form,
        entry=entry_or_404(entry_id),
        general=general,
        conflict=conflict,
        is_hr=me.is_hr,
    ), status


@bp.post("/entries/<int:entry_id>/step")
@role_required(Role.HR)
def step(entry_id: int) -> Any:
    """HR approves an entry or returns it with a reason."""
    entry = entry_or_404(entry_id)
    form = StepForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        flash(" ".join(m for ms in form.errors.values() for m in ms), "danger")
        return redirect(url_for("honours.entry", entry_id=entry_id)), 303
    raw = form.target.data or ""
    if raw not in (S.APPROVED.value, S.RETURNED.value):
        abort(400)
    target = S(raw)
    version = _version(form.version.data)
    try:
        operations.step(
            entry, target, reason=form.reason.data, expected_version=version, actor=actor()
        )
        db.session.commit()
    except operations.AlreadyDone:
        db.session.rollback()
        flash(_("已处理（表单可能提交了两次）。"), "info")
    except (operations.VersionConflict, StaleDataError):
        db.session.rollback()
        flash(_("该条目已被他人修改，请查看后重试。"), "warning")
        return redirect(url_for("honours.entry", entry_id=entry_id)), 303
    except operations.HonourError as error:
        db.session.rollback()
        from cadre_app.blueprints.honours.routes import entry as entry_page

        for _field, message in error.errors:
            flash(message, "danger")
        page = entry_page(entry_id)
        return page, 400
    else:
        flash(_("已转为“%(state)s”。", state=target.label), "success")
    return redirect(url_for("honours.entry", entry_id=entry_id))


@bp.post("/<int:year>/<int:quarter>/publish")
@role_required(Role.HR)
def publish(year: int, quarter: int) -> Any:
    """Publish the quarter's approved entries: from now on every signed-in user reads them."""
    if quarter not in rules.QUARTERS:
        abort(404)
    form = PublishForm()
    if not form.validate():
        abort(400)
    try:
        count = operations.publish_quarter(year, quarter, actor=actor())
        db.session.commit()
    except operations.AlreadyDone:
        db.session.rollback()
        flash(_("已处理（表单可能提交了两次）。"), "info")
        return redirect(url_for("honours.quarter_roll", year=year, quarter=quarter))
    except operations.HonourError as error:
        db.session.rollback()
        for _field, message in error.errors:
            flash(message, "danger")
        return redirect(url_for("honours.manage", quarter=rules.quarter_key(year, quarter))), 303
    flash(
        _(
            "已发布%(quarter)s光荣榜，共 %(n)d 条。",
            quarter=rules.quarter_text(year, quarter),
            n=count,
        ),
        "success",
    )
    return redirect(url_for("honours.quarter_roll", year=year, quarter=quarter))


# --- dashboard ---------------------------------------------------------------------------------


def pending_panel(user: Any) -> dict[str, Any] | None:
    """HR: nominations waiting for a decision; a manager: their sections' returned ones."""
    counts = queries.state_counts(visible_department_ids(user))
    if has_role(user, Role.HR):
        count = counts.get(S.NOMINATED, 0)
        state = S.NOMINATED
    else:
        count = counts.get(S.RETURNED, 0)
        state = S.RETURNED
    if not count:
        return None
    return {"count": count, "state": state}


def contribute(contributions: Any) -> None:
    contributions.add_dashboard_panel(
        "honours_pending", "honours/pending_panel.html", pending_panel, MANAGERS, order=45
    )
