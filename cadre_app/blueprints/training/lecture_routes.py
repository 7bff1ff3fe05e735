"""业务微讲座 under ``/training/lectures``: the year's list with the best-rated, a lecture's
page, HR's forms (record, edit, delete, attendees by search, 工号 or section, the paper
rating slips) and an attendee's own rating. Thin views: parse, check access, call
services.training.lectures, commit, redirect.

Access: HR writes. A manager reads the lectures whose speaker or an attendee is in a section
they lead (others 404), and sees only their sections' attendees by name. An attendee with an
account rates a lecture once on ``/training/lectures/<id>/rate`` (linked from their
profile's 教育培训 tab on ``/me``); anyone else gets 404 there. Admin, auditor and cadre
accounts may not use the lists (403).

Also this part's section of the profile's 教育培训 tab (lectures given and attended, essays),
``profile_section`` with ``PROFILE_SECTION``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.training import bp
from cadre_app.blueprints.training.lecture_forms import LectureForm, RateForm
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.models import Cadre, Department, Lecture, Role
from cadre_app.models.training import Programme
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.core import dates
from cadre_app.services.training import essays as essay_service
from cadre_app.services.training import lectures as service

PROFILE_SECTION = ("training/lecture_essay_section.html", 40)
SEARCH_MATCHES = 20


# --- helpers ----------------------------------------------------------------------------------


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def year_arg() -> int:
    """``?year=`` (default this year); 400 outside 2000–2100."""
    year = _int(request.args.get("year")) or clock.today().year
    if not 2000 <= year <= 2100:
        abort(400)
    return year


def parse_day(field: Any) -> date | None:
    """A whole date from a form field, or None after putting the message on the field."""
    try:
        value = dates.parse(field.data)
    except dates.DateFormatError as error:
        field.errors = [*field.errors, str(error)]
        return None
    if value is None:
        return None
    if isinstance(value, dates.MonthDate):
        field.errors = [*field.errors, _("请填写完整的日期（年、月、日）。")]
        return None
    return date(value.year, value.month, value.day)


def apply_errors(
    form: Any, errors: list[tuple[str | None, str]], aliases: dict[str, str]
) -> list[str]:
    """Each message beside its field; those without one are returned (shown above the form)."""
    general = []
    for name, message in errors:
        field = getattr(form, aliases.get(name or "", name or ""), None)
        if field is None or not hasattr(field, "errors"):
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


def find_cadres(q: str, visible: list[int] | None = None) -> tuple[list[Any], int]:
    """Cadres matching ``q`` by the roster's search (name, 工号, pinyin)."""
    from cadre_app.services.roster import queries as roster_query

    page = roster_query.list_cadres(
        roster_query.RosterFilters(q=q, sort="name", per_page=SEARCH_MATCHES),
        visible_departments=visible,
    )
    return page.rows, page.total


def cadre_by_staff_no(form: Any, name: str) -> int | None | bool:
    """The id of the cadre whose 工号 is typed in field ``name``: None when empty, False
    (with a message on the field) when no cadre has it."""
    staff_no = (getattr(form, name).data or "").strip()
    if not staff_no:
        return None
    found = db.session.scalar(sa.select(Cadre.id).where(Cadre.staff_no == staff_no))
    if found is None:
        field = getattr(form, name)
        field.errors = [*field.errors, _("名册中没有工号为 %(no)s 的干部。", no=staff_no)]
        return False
    return found


def picked_cadre(form: Any, staff_no_field: str, id_field: str) -> int | None | bool:
    """The cadre chosen by the search (hidden id) or typed as a 工号; False when wrong."""
    by_staff_no = cadre_by_staff_no(form, staff_no_field)
    raw = getattr(form, id_field).data or ""
    picked = int(raw) if raw.isdigit() and len(raw) < 10 else None
    if by_staff_no is False:
        return False
    if by_staff_no and picked and by_staff_no != picked:
        field = getattr(form, staff_no_field)
        field.errors = [*field.errors, _("填写的工号与所选干部不一致。")]
        return False
    return by_staff_no or picked


def programme_choices(form: Any) -> None:
    programmes = db.session.execute(
        sa.select(Programme.id, Programme.name).order_by(Programme.name)
    ).all()
    form.programme_id.choices = select_choices([("", "—")] + [(p.id, p.name) for p in programmes])


def programme_value(form: Any) -> int | None:
    raw = form.programme_id.data or ""
    return int(raw) if str(raw).isdigit() and len(str(raw)) < 10 else None


def _lecture_or_404(lecture_id: int) -> Lecture:
    lecture = service.load(lecture_id)
    if lecture is None or not service.may_read(lecture, visible_department_ids(current_user)):
        abort(404)
    return lecture


FIELD_ALIASES = {"speaker_id": "speaker_staff_no"}
PER_PAGE = 50


@dataclass(frozen=True)
class Paged:
    """One page of a list already read whole (a year's lectures or essays: hundreds at most;
    the rows are cheap to read, the page to render is what costs)."""

    rows: list[Any]
    total: int
    page: int
    pages: int


def paginate(rows: list[Any], per_page: int = PER_PAGE) -> Paged:
    """The page ``?page=`` asks for (clamped to the pages there are)."""
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, _int(request.args.get("page")) or 1), pages)
    start = (page - 1) * per_page
    return Paged(rows[start : start + per_page], len(rows), page, pages)


def list_args() -> dict[str, str]:
    """The list's query arguments but the page (for the pagination links)."""
    return {k: v for k, v in request.args.items() if k != "page" and v}


# --- the list ---------------------------------------------------------------------------------


@bp.get("/lectures")
@role_required(Role.HR, Role.MANAGER)
def lectures() -> Any:
    """The year's lectures, newest first, with the average rating; the best-rated above."""
    year = year_arg()
    q = request.args.get("q", "").strip()[:50] or None
    visible = visible_department_ids(current_user)
    rows = service.list_lectures(year, visible_departments=visible, q=q)
    known = sorted({*service.years(), clock.today().year, year}, reverse=True)
    return render_template(
        "training/lecture_list.html",
        page=paginate(rows),
        args=list_args(),
        best=service.best_rated(rows),
        year=year,
        years=known,
        q=q,
        min_ratings=service.BEST_MIN_RATINGS,
        may_manage=has_role(current_user, Role.HR),
    )


# --- create and edit --------------------------------------------------------------------------


def _values(form: LectureForm) -> dict[str, Any] | None:
    speaker = picked_cadre(form, "speaker_staff_no", "speaker_id")
    held_on = parse_day(form.held_on)
    duration = service.parse_hours(form.duration_hours.data)
    if duration is None and (form.duration_hours.data or "").strip():
        form.duration_hours.errors = [
            *form.duration_hours.errors,
            _("请填写讲座学时（数字，如 2 或 1.5）。"),
        ]
    if speaker is False or form.held_on.errors or form.duration_hours.errors:
        return None
    return {
        "speaker_id": speaker or None,
        "topic": form.topic.data,
        "held_on": held_on,
        "duration_hours": duration,
        "place": form.place.data,
        "programme_id": programme_value(form),
        "notes": form.notes.data,
    }


def _search_context(route: str, **route_args: Any) -> dict[str, Any]:
    q = request.args.get("q", "").strip()[:50]
    matches, count = find_cadres(q) if q else ([], 0)
    return {
        "q": q,
        "matches": matches,
        "match_count": count,
        "search_route": route,
        "route_args": route_args,
    }


@bp.route("/lectures/new", methods=["GET", "POST"])
@role_required(Role.HR)
def lecture_new() -> Any:
    """Record a lecture that was held. The speaker is found by a search (``?q=``) whose
    matches link to ``?speaker=<cadre id>``, or typed as a 工号."""
    chosen = None
    if request.args.get("speaker"):
        chosen = db.get_or_404(Cadre, _int(request.args.get("speaker")))
    form = LectureForm()
    programme_choices(form)
    general: list[str] = []
    if not form.is_submitted():
        form.held_on.data = clock.today().isoformat()
        form.duration_hours.data = "2"
        if chosen is not None:
            form.speaker_id.data, form.speaker_staff_no.data = str(chosen.id), chosen.staff_no
    elif form.validate() and (values := _values(form)) is not None:
        try:
            lecture = service.create_lecture(
                values, actor=current_user.username, today=clock.today()
            )
        except service.DuplicateLecture as duplicate:
            db.session.rollback()
            flash(_("这场讲座已经登记过，未重复创建。"), "info")
            return redirect(url_for("training.lecture_detail", lecture_id=duplicate.lecture.id))
        except service.LectureError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors, FIELD_ALIASES)
        else:
            db.session.commit()
            flash(_("已登记讲座，请添加听众。"), "success")
            return redirect(url_for("training.lecture_attendees", lecture_id=lecture.id))
    return render_template(
        "training/lecture_form.html",
        form=form,
        general=general,
        chosen=chosen,
        lecture=None,
        **_search_context("training.lecture_new"),
    ), (400 if form.is_submitted() else 200)


@bp.route("/lectures/<int:lecture_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def lecture_edit(lecture_id: int) -> Any:
    """Change a lecture's record (speaker by 工号, topic, date, 学时, place, notes)."""
    lecture = _lecture_or_404(lecture_id)
    form = LectureForm()
    programme_choices(form)
    general: list[str] = []
    if not form.is_submitted():
        form.speaker_staff_no.data = lecture.speaker.staff_no
        form.speaker_id.data = str(lecture.speaker_id)
        form.topic.data = lecture.topic
        form.held_on.data = lecture.held_on.isoformat()
        form.duration_hours.data = f"{lecture.duration_hours:g}"
        form.place.data = lecture.place or ""
        form.programme_id.data = str(lecture.programme_id or "")
        form.notes.data = lecture.notes or ""
    else:
        form.speaker_id.data = ""  # on edit the 工号 field says who speaks
        if form.validate() and (values := _values(form)) is not None:
            try:
                changed = service.update_lecture(
                    lecture, values, actor=current_user.username, today=clock.today()
                )
            except service.LectureError as error:
                db.session.rollback()
                general = apply_errors(form, error.errors, FIELD_ALIASES)
                lecture = _lecture_or_404(lecture_id)
            else:
                db.session.commit()
                if changed:
                    flash(_("已保存 %(n)d 项修改。", n=len(changed)), "success")
                else:
                    flash(_("没有修改任何内容。"), "info")
                return redirect(url_for("training.lecture_detail", lecture_id=lecture_id))
    return render_template(
        "training/lecture_form.html",
        form=form,
        general=general,
        chosen=None,
        lecture=lecture,
        q="",
        matches=[],
        match_count=0,
    ), (400 if form.is_submitted() else 200)


@bp.post("/lectures/<int:lecture_id>/delete")
@role_required(Role.HR)
def lecture_delete(lecture_id: int) -> Any:
    """Delete a lecture with its attendees and ratings (audited)."""
    lecture = _lecture_or_404(lecture_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    year = lecture.held_on.year
    service.delete_lecture(lecture, actor=current_user.username)
    db.session.commit()
    flash(_("已删除讲座。"), "success")
    return redirect(url_for("training.lectures", year=year))


# --- one lecture ------------------------------------------------------------------------------


@bp.get("/lectures/<int:lecture_id>")
@role_required(Role.HR, Role.MANAGER)
def lecture_detail(lecture_id: int) -> Any:
    """The lecture: speaker, 学时 credited, ratings (average and spread), attendees with their
    ratings and comments (a manager sees their own sections' attendees by name)."""
    lecture = _lecture_or_404(lecture_id)
    visible = visible_department_ids(current_user)
    attendees = sorted(
        lecture.attendees, key=lambda a: (a.cadre.department.sort_order, a.cadre.staff_no)
    )
    shown = [a for a in attendees if visible is None or a.cadre.department_id in visible]
    return render_template(
        "training/lecture_detail.html",
        lecture=lecture,
        attendees=shown,
        hidden_count=len(attendees) - len(shown),
        summary=service.summary(lecture),
        may_manage=has_role(current_user, Role.HR),
        delete_form=EmptyForm(),
    )


# --- attendees --------------------------------------------------------------------------------

_STAFF_NOS = re.compile(r"[\s,，、;；]+")


@bp.route("/lectures/<int:lecture_id>/attendees", methods=["GET", "POST"])
@role_required(Role.HR)
def lecture_attendees(lecture_id: int) -> Any:
    """Add attendees: one cadre from a search (``?q=``), a list of 工号, or a whole section
    (the speaker and those already listed are skipped and counted); remove one."""
    lecture = _lecture_or_404(lecture_id)
    form = EmptyForm()
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        how = request.form.get("how", "")
        try:
            if how == "cadre":
                cadre_id = _int(request.form.get("cadre_id"))
                if cadre_id is None:
                    abort(400)
                done = service.add_attendees(lecture, [cadre_id], actor=current_user.username)
            elif how == "staff_nos":
                done = _add_by_staff_nos(lecture, request.form.get("staff_nos", ""))
            elif how == "section":
                department_id = _int(request.form.get("department_id"))
                if department_id is None or db.session.get(Department, department_id) is None:
                    raise service.LectureError([(None, _("请选择处室。"))])
                done = service.add_attendees(
                    lecture,
                    service.section_cadre_ids(department_id),
                    actor=current_user.username,
                    strict=False,
                )
            elif how == "remove":
                cadre_id = _int(request.form.get("cadre_id"))
                if cadre_id is None:
                    abort(400)
                removed = service.remove_attendee(lecture, cadre_id, actor=current_user.username)
                db.session.commit()
                flash(_("已移除听众。") if removed else _("该干部不在听众名单中。"), "info")
                return redirect(url_for("training.lecture_attendees", lecture_id=lecture_id))
            else:
                abort(400)
        except service.LectureError as error:
            db.session.rollback()
            general = [message for _field, message in error.errors]
            status = 400
            lecture = _lecture_or_404(lecture_id)
        else:
            db.session.commit()
            message = _("已添加 %(n)d 名听众。", n=len(done.added))
            if done.skipped:
                message += _("跳过 %(m)d 人（已在名单中或为主讲人）。", m=done.skipped)
            flash(message, "success" if done.added else "info")
            return redirect(url_for("training.lecture_attendees", lecture_id=lecture_id))
    departments = db.session.execute(
        sa.select(Department.id, Department.name).order_by(Department.sort_order, Department.name)
    ).all()
    attendees = sorted(
        lecture.attendees, key=lambda a: (a.cadre.department.sort_order, a.cadre.staff_no)
    )
    present = {a.cadre_id for a in attendees}
    return render_template(
        "training/lecture_attendees.html",
        lecture=lecture,
        attendees=attendees,
        present=present,
        departments=departments,
        form=form,
        general=general,
        **_search_context("training.lecture_attendees", lecture_id=lecture_id),
    ), status


def _add_by_staff_nos(lecture: Lecture, text: str) -> service.Added:
    staff_nos = [s for s in _STAFF_NOS.split(text.strip()) if s][:500]
    if not staff_nos:
        raise service.LectureError([(None, _("请填写工号。"))])
    found = dict(
        db.session.execute(
            sa.select(Cadre.staff_no, Cadre.id).where(Cadre.staff_no.in_(staff_nos))
        ).all()
    )
    unknown = [s for s in staff_nos if s not in found]
    if unknown:
        raise service.LectureError(
            [(None, _("名册中没有工号为 %(no)s 的干部。", no="、".join(unknown[:20])))]
        )
    return service.add_attendees(
        lecture, [found[s] for s in staff_nos], actor=current_user.username
    )


# --- ratings ----------------------------------------------------------------------------------


@bp.route("/lectures/<int:lecture_id>/ratings", methods=["GET", "POST"])
@role_required(Role.HR)
def lecture_ratings(lecture_id: int) -> Any:
    """Enter the attendees' paper rating slips: a rating 1–5 (or none) and a comment for each;
    all rows are checked before any is saved."""
    lecture = _lecture_or_404(lecture_id)
    form = EmptyForm()
    attendees = sorted(
        lecture.attendees, key=lambda a: (a.cadre.department.sort_order, a.cadre.staff_no)
    )
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        ratings: dict[int, tuple[int | None, str | None]] = {}
        try:
            for attendee in attendees:
                key = str(attendee.cadre_id)
                if f"rating-{key}" not in request.form:
                    continue
                rating = service.parse_rating(request.form.get(f"rating-{key}"))
                ratings[attendee.cadre_id] = (rating, request.form.get(f"comment-{key}"))
            changed = service.record_ratings(lecture, ratings, actor=current_user.username)
        except service.LectureError as error:
            db.session.rollback()
            general = [message for _field, message in error.errors]
            status = 400
        else:
            db.session.commit()
            flash(_("已保存 %(n)d 条评分。", n=changed), "success" if changed else "info")
            return redirect(url_for("training.lecture_detail", lecture_id=lecture_id))
    return render_template(
        "training/lecture_ratings.html",
        lecture=lecture,
        attendees=attendees,
        form=form,
        general=general,
        posted=request.form if request.method == "POST" else None,
    ), status


@bp.route("/lectures/<int:lecture_id>/rate", methods=["GET", "POST"])
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def lecture_rate(lecture_id: int) -> Any:
    """An attendee rates the lecture themselves, once (a later change is HR's, from the paper
    slip). Only for the signed-in user's own cadre among the attendees; else 404."""
    lecture = db.session.get(Lecture, lecture_id)
    mine = current_user.cadre_id
    row = None
    if lecture is not None and mine is not None:
        row = next((a for a in lecture.attendees if a.cadre_id == mine), None)
    if row is None:
        abort(404)
    form = RateForm()
    general: list[str] = []
    if row.rating is not None:
        if form.is_submitted():
            flash(_("您已为这场讲座评过分，评分提交后不能修改。"), "info")
            return redirect(url_for("main.me", tab="training"))
    elif form.validate_on_submit():
        try:
            rating = service.parse_rating(form.rating.data)
            service.rate_own(lecture, mine, rating, form.comment.data, actor=current_user.username)
        except service.AlreadyRated:
            db.session.rollback()
            flash(_("您已为这场讲座评过分，评分提交后不能修改。"), "info")
            return redirect(url_for("main.me", tab="training"))
        except service.LectureError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors, {})
        else:
            db.session.commit()
            flash(_("感谢您的评分。"), "success")
            return redirect(url_for("main.me", tab="training"))
    return render_template(
        "training/lecture_rate.html", lecture=lecture, row=row, form=form, general=general
    ), (400 if form.is_submitted() else 200)


# --- the profile's 教育培训 tab ---------------------------------------------------------------


def profile_section(cadre: Any, user: Any) -> dict[str, Any] | None:
    """Lectures the cadre gave or attended (with 学时 and, on their own page, a link to rate
    those not yet rated) and their essays (final grade, 采纳, 学时). The caller has checked
    that ``user`` may read ``cadre``."""
    hidden = essay_service.pending_essay_ids(user)
    return {
        "lectures": service.for_cadre(cadre.id),
        "essays": essay_service.for_cadre(cadre.id, hidden=hidden),
        "own": getattr(user, "cadre_id", None) == cadre.id,
        "reader": has_role(user, Role.HR, Role.MANAGER),
        "grade_labels": essay_service.grade_labels(),
    }


# --- contributions ----------------------------------------------------------------------------


def contribute(contributions: Any) -> None:
    contributions.add_field_labels("lecture", _lecture_labels)


def _lecture_labels() -> dict[str, str]:
    return {
        "speaker_id": _("主讲人"),
        "topic": _("讲座题目"),
        "held_on": _("讲座日期"),
        "duration_hours": _("讲座学时"),
        "place": _("地点"),
        "programme_id": _("所属培养项目"),
        "notes": _("备注"),
        "attendees": _("听众人数"),
        "attendees_added": _("新增听众"),
        "attendee": _("听众"),
        "rating": _("评分"),
        "comment": _("评语"),
        "ratings": _("评分"),
    }
