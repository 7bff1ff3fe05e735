"""Positions, discipline records and eligibility. Thin views: parse, check access, call
services.selection.positions / eligibility, commit, redirect.

Access: HR only (rounds with their assigned managers are other parts); others 403.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.selection import bp
from cadre_app.blueprints.selection.forms import (
    DeleteForm,
    DisciplineForm,
    PositionForm,
    RunForm,
    apply_errors,
    fill_position,
    parse_day,
    position_values,
)
from cadre_app.extensions import db
from cadre_app.i18n import term
from cadre_app.models import Cadre, DisciplineRecord, EligibilityRun, Position, Role
from cadre_app.models.selection import DISCIPLINE_KINDS
from cadre_app.permissions import role_required
from cadre_app.services.core import dates
from cadre_app.services.roster import queries as roster_query
from cadre_app.services.selection import eligibility, positions


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _as_of() -> date:
    """``?as_of=YYYY-MM-DD`` (default: today); 400 for anything else."""
    raw = (request.args.get("as_of") or "").strip()
    if not raw:
        return clock.today()
    try:
        value = dates.parse(raw)
    except ValueError:
        abort(400)
    if value is None or isinstance(value, dates.MonthDate) or not 1900 <= value.year <= 2200:
        abort(400)
    return date(value.year, value.month, value.day)


@bp.get("/")
@role_required(Role.HR)
def index() -> str:
    """The positions, the newest first, each with its conditions and its latest run."""
    rows = db.session.scalars(sa.select(Position).order_by(Position.id.desc())).all()
    latest = {
        run.position_id: run
        for run in db.session.scalars(
            sa.select(EligibilityRun).where(
                EligibilityRun.id.in_(
                    sa.select(sa.func.max(EligibilityRun.id)).group_by(EligibilityRun.position_id)
                )
            )
        )
    }
    return render_template("selection/index.html", positions=rows, latest=latest)


def _position_form(position: Position | None) -> PositionForm:
    form = PositionForm()
    form.department_id.choices = [
        ("", _("不限")),
        *((str(i), name) for i, name in positions.department_choices()),
    ]
    return form


@bp.route("/positions/new", methods=["GET", "POST"])
@role_required(Role.HR)
def new_position() -> Any:
    """A new position with its conditions."""
    form = _position_form(None)
    general: list[str] = []
    if not form.is_submitted():
        form.places.data = "1"
    elif form.validate() and (values := position_values(form)) is not None:
        try:
            position = positions.create(values, actor=current_user.username)
            db.session.commit()
        except positions.SelectionError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors)
        else:
            flash(_("已新建选任职位“%(title)s”。", title=position.title), "success")
            return redirect(url_for("selection.eligibility_page", position_id=position.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "selection/position_form.html", form=form, position=None, general=general, conflict=None
    ), status


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def edit_position(position_id: int) -> Any:
    """Edit a position; a form loaded before someone else's save gets 409 with their changes."""
    position = db.get_or_404(Position, position_id)
    form = _position_form(position)
    general: list[str] = []
    conflict = None
    if not form.is_submitted():
        fill_position(form, position)
    elif form.validate() and (values := position_values(form)) is not None:
        version = form.version.data or ""
        if not version.isdigit() or len(version) > 9:
            abort(400)
        try:
            changes = positions.update(
                position, values, expected_version=int(version), actor=current_user.username
            )
            db.session.commit()
        except positions.AlreadyDone:
            db.session.rollback()
            flash(_("已处理（表单可能提交了两次）。"), "info")
            return redirect(url_for("selection.eligibility_page", position_id=position_id))
        except positions.VersionConflict as error:
            db.session.rollback()
            conflict = error.changes
        except StaleDataError:
            db.session.rollback()
            conflict = positions.changes_since(position_id, int(version))
        except positions.SelectionError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors)
        else:
            if changes:
                flash(_("已保存 %(n)d 项修改。", n=len(changes)), "success")
            else:
                flash(_("没有修改任何内容。"), "info")
            return redirect(url_for("selection.eligibility_page", position_id=position_id))
        if conflict is not None:
            position = db.get_or_404(Position, position_id)
            form.version.data = str(position.version)  # saving again: overwrite knowingly
    status = 409 if conflict is not None else (400 if form.is_submitted() else 200)
    return render_template(
        "selection/position_form.html",
        form=form,
        position=position,
        general=general,
        conflict=conflict,
    ), status


@bp.get("/positions/<int:position_id>/eligibility")
@role_required(Role.HR)
def eligibility_page(position_id: int) -> Any:
    """The stored eligibility of the roster at ``?as_of=`` (default today): every cadre with
    符合/不符合 and the reasons in words; filters (eligible only, section), 50 a page, counts,
    and the rules the run was computed under. No run for that date yet: a button computes it."""
    position = db.get_or_404(Position, position_id)
    on = _as_of()
    section = _int_arg("section")
    eligible_only = request.args.get("eligible") == "1"
    stored = eligibility.latest_run(position_id, on)
    page = None
    if stored is not None:
        page = eligibility.run_rows(
            stored,
            department_id=section,
            eligible_only=eligible_only,
            page=_int_arg("page") or 1,
        )
        for row in page.rows:
            row["checks"] = eligibility.read_checks(stored, row["checks"])
    form = RunForm(formdata=None)
    form.as_of.data = on.isoformat()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "selection/eligibility.html",
        position=position,
        on=on,
        run=stored,
        page=page,
        form=form,
        args=args,
        section=section,
        eligible_only=eligible_only,
        sections=positions.department_choices(),
        conditions=_conditions_shown(stored) if stored else None,
        sentence=eligibility.sentence,
        rule_names=rule_names(),
    )


@bp.post("/positions/<int:position_id>/eligibility")
@role_required(Role.HR)
def run_eligibility(position_id: int) -> Any:
    """Compute and store the roster's eligibility at the posted date."""
    position = db.get_or_404(Position, position_id)
    form = RunForm()
    if not form.validate():
        abort(400)
    on = parse_day(form.as_of) or clock.today()
    if form.as_of.errors or not 1900 <= on.year <= 2200:
        flash(_("审查日期无法识别，请写作 2026-03-18。"), "danger")
        return redirect(url_for("selection.eligibility_page", position_id=position_id)), 303
    stored = eligibility.run(position, on, actor=current_user.username)
    db.session.commit()
    flash(
        _(
            "已完成资格审查：%(n)d 人符合条件。",
            n=stored.eligible_count,
        ),
        "success",
    )
    return redirect(
        url_for("selection.eligibility_page", position_id=position_id, as_of=on.isoformat())
    )


def rule_names() -> dict[str, str]:
    return {
        "grade": _("上年度考核"),
        "discipline": _("诫勉和处分影响期"),
        "political": _("政治素质考察"),
        "rank": _("现任职级"),
        "years_in_rank": _("任现职级年限"),
        "leading_post": _("任现领导职务年限"),
        "years_work": _("工作年限"),
        "years_grassroots": _("基层工作经历"),
        "education": _("学历"),
        "party": _("政治面貌"),
        "age": _("年龄"),
        "other": _("其他条件"),
    }


def _conditions_shown(stored: EligibilityRun) -> list[tuple[str, Any]]:
    """The run's rule set in words: the position's conditions and the settings in force."""
    rules_ = stored.rules or {}
    c = rules_.get("conditions") or {}
    conf = rules_.get("settings") or {}
    labels = positions.field_labels()
    shown: list[tuple[str, Any]] = [
        (labels["post_kind"], term(c.get("post_kind")) or "—"),
        (labels["target_level"], c.get("target_level") or "—"),
    ]
    for key in (
        "min_rank",
        "min_years_in_rank",
        "min_years_work",
        "min_years_grassroots",
        "min_education",
        "max_age",
        "age_on",
        "other_conditions",
    ):
        if c.get(key) not in (None, ""):
            shown.append((labels[key], c[key]))
    if c.get("party_member"):
        shown.append((labels["party_member"], _("是")))
    effect = conf.get("effect_months") or {}
    shown.append(
        (
            _("影响期（月）"),
            "、".join(f"{term(k)} {v}" for k, v in effect.items()),
        )
    )
    shown.append((_("每个优秀年度缩短（月）"), conf.get("excellent_shortening_months")))
    version = rules_.get("settings_version")
    shown.append((_("设置版本"), version if version is not None else _("默认")))
    return shown


# --- discipline records -----------------------------------------------------------------------


@bp.get("/discipline")
@role_required(Role.HR)
def discipline_search() -> Any:
    """Find a cadre (name or 工号) to record a 诫勉 or 处分."""
    q = request.args.get("q", "").strip()[:50]
    matches = []
    if q:
        found = roster_query.list_cadres(
            roster_query.RosterFilters(q=q, per_page=20), visible_departments=None
        )
        matches = list(found.rows)
    recent = db.session.execute(
        sa.select(DisciplineRecord, Cadre.staff_no, Cadre.name)
        .join(Cadre, Cadre.id == DisciplineRecord.cadre_id)
        .order_by(DisciplineRecord.decided_on.desc(), DisciplineRecord.id.desc())
        .limit(50)
    ).all()
    return render_template("selection/discipline_search.html", q=q, matches=matches, recent=recent)


@bp.route("/discipline/<int:cadre_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def discipline(cadre_id: int) -> Any:
    """A cadre's 诫勉 and 处分: the list, add one."""
    cadre = db.get_or_404(Cadre, cadre_id)
    form = DisciplineForm()
    general: list[str] = []
    if form.is_submitted():
        decided = parse_day(form.decided_on) if form.validate() else None
        if not form.errors:
            try:
                positions.add_discipline(
                    cadre,
                    {
                        "kind": form.kind.data,
                        "decided_on": decided,
                        "reason": form.reason.data,
                        "document_no": form.document_no.data,
                    },
                    actor=current_user.username,
                    today=clock.today(),
                )
                db.session.commit()
            except positions.SelectionError as error:
                db.session.rollback()
                general = apply_errors(form, error.errors)
            else:
                flash(
                    _("已记录%(name)s的%(kind)s。", name=cadre.name, kind=_(form.kind.data)),
                    "success",
                )
                return redirect(url_for("selection.discipline", cadre_id=cadre_id))
        elif "csrf_token" in form.errors:
            abort(400)
    return render_template(
        "selection/discipline.html",
        cadre=cadre,
        form=form,
        general=general,
        records=positions.discipline_of(cadre_id),
        delete_form=DeleteForm(formdata=None),
        months=DISCIPLINE_KINDS,
    ), (400 if form.is_submitted() else 200)


@bp.post("/discipline/record/<int:record_id>/delete")
@role_required(Role.HR)
def delete_discipline(record_id: int) -> Any:
    """Delete a 诫勉 or 处分 recorded by mistake (audited)."""
    record = db.get_or_404(DisciplineRecord, record_id)
    if not DeleteForm().validate():
        abort(400)
    cadre_id = record.cadre_id
    positions.delete_discipline(record, actor=current_user.username)
    db.session.commit()
    flash(_("已删除该记录。"), "success")
    return redirect(url_for("selection.discipline", cadre_id=cadre_id))


def contribute(contributions: Any) -> None:
    """Labels of the position snapshots in the audit log; the selection settings' defaults."""
    from cadre_app.services.core import settings
    from cadre_app.services.selection import rules

    settings.register_defaults(rules.SETTINGS_KEY, rules.DEFAULT_SETTINGS)
    contributions.add_field_labels(
        "position",
        positions.field_labels,
        values={"post_kind": {"领导职务": "领导职务", "职级": "职级"}},
    )
    contributions.add_field_labels(
        "discipline_record",
        discipline_labels,
        values={"kind": {k: k for k in DISCIPLINE_KINDS}},
    )


def discipline_labels() -> dict[str, str]:
    return {
        "kind": _("种类"),
        "decided_on": _("决定日期"),
        "reason": _("事由"),
        "document_no": _("文号"),
    }
