"""Annual evaluation pages: cycles, the ranking (HR all, managers their sections), the steps of
the procedure for HR, score entry and quarterly grades, the ranking workbook."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.evaluations import bp
from cadre_app.blueprints.evaluations.forms import (
    CycleForm,
    PublicityForm,
    QuarterlyForm,
    ScoreForm,
    SettingsForm,
)
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.layout import kept_page
from cadre_app.models import (
    CycleState,
    Department,
    Evaluation,
    EvaluationCycle,
    Role,
    TalkState,
)
from cadre_app.permissions import (
    cadre_or_404,
    own_record_404,
    own_row_hidden,
    role_required,
    visible_department_ids,
)
from cadre_app.services.core import audit, charts, dates
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.evaluations import queries as evaluation_query
from cadre_app.services.evaluations import rules as ranking_rules
from cadre_app.services.evaluations.operations import EvaluationError

READERS = (Role.HR, Role.MANAGER)


def _cycle_or_404(year: int) -> EvaluationCycle:
    cycle = evaluation.get_cycle(year)
    if cycle is None:
        abort(404)
    return cycle


@bp.route("/")
@role_required(*READERS)
def index() -> Any:
    """Every year's evaluation with its state."""
    return render_template(
        "evaluations/index.html", cycles=evaluation_query.list_cycles(), form=CycleForm()
    )


@bp.route("/new", methods=["POST"])
@role_required(Role.HR)
def create() -> Any:
    """Open a year's cycle with the default settings."""
    form = CycleForm()
    if not form.validate_on_submit():
        for message in form.year.errors:
            flash(message, "danger")
        return render_template(
            "evaluations/index.html", cycles=evaluation_query.list_cycles(), form=form
        ), 400
    cycle, created = evaluation.ensure_cycle(form.year.data, actor=current_user.username)
    db.session.commit()
    if not created:
        flash(_("%(year)s 年度考核已存在。", year=cycle.year), "info")
    return redirect(url_for("evaluations.ranking", year=cycle.year))


def _visible_rows(
    cycle: EvaluationCycle,
) -> tuple[list[dict[str, Any]], int | None, list[int] | None]:
    """The ranking rows the user may see, for the ``section`` asked for (404 for a section a
    manager does not lead), that section and the sections visible (None: all)."""
    visible = visible_department_ids(current_user)
    section = request.args.get("section", type=int)
    if section is not None and visible is not None and section not in visible:
        abort(404)
    # the reader's own row is theirs to see only once confirmed, as a cadre sees it
    rows = evaluation_query.ranking_rows(
        cycle,
        department_ids=visible,
        section=section,
        hidden_cadre_id=own_row_hidden(current_user, cycle),
    )
    return rows, section, visible


def _link_around(endpoint: str, key: str, **values: Any) -> tuple[str, str]:
    """The parts of ``endpoint``'s URL before and after the integer ``key``: a table builds
    the link of each row by joining them around the row's id, one ``url_for`` per table
    instead of one per row."""
    marker = 987654321
    url = url_for(endpoint, **values, **{key: marker})
    before, _sep, after = url.partition(str(marker))
    return before, after


_SCORES = tuple((key, f"{key}_shown") for key in ("ordinary", "democratic", "leader", "total"))


def _ranking_context(cycle: EvaluationCycle) -> dict[str, Any]:
    rows, section, visible = _visible_rows(cycle)
    for row in rows:  # (each row's attention mark came with it: ranking_rows)
        # the four scores as shown ('%.2f', as the template's format filter gave them): one
        # Python format a cell instead of a Jinja filter call
        for key, shown in _SCORES:
            value = row[key]
            row[shown] = "%.2f" % value if value is not None else None  # noqa: UP031
    counts = evaluation_query.distribution(rows)
    scoped = section is not None or visible is not None  # the chart's rows, not the bureau's
    quota = (
        evaluation_query.quota_of(rows, cycle.excellent_quota_pct)
        if scoped
        else evaluation.quota_check(cycle)
    )
    departments = db.session.execute(  # id and name rows for the filter, not ORM objects
        db.select(Department.id, Department.name)
        .where(Department.id.in_(visible) if visible is not None else db.true())
        .order_by(Department.sort_order, Department.name)
    ).all()
    return {
        "cycle": cycle,
        "rows": rows,
        "counts": counts,
        "chart": charts.bar_rows(counts),
        "quota": quota,
        "quota_scoped": scoped,
        "departments": departments,
        "section": section,
        "tie_rule": ranking_rules.TIE_RULE,
        # what every row shares, worked out once for the table (not once per row)
        "row_links": {
            "profile": _link_around("roster.profile", "cadre_id", tab="evaluation"),
            "scores": _link_around("evaluations.scores", "cadre_id", year=cycle.year),
        },
        "grade_labels": {g: _(g) for g in (*ranking_rules.GRADES, ranking_rules.NO_GRADE)},
        "talk_labels": TalkState.labels(),
        "action_form": EmptyForm(),
        "publicity_form": PublicityForm(start=clock.today().isoformat()),
        "editable": cycle.state in evaluation.EDITABLE_STATES,
        "steps": {
            step.name: step
            for step in ranking_rules.cycle_steps(
                cycle.state.value, publicity_end=cycle.publicity_end, today=clock.today()
            )
        },
        "stale": cycle.state is CycleState.COLLECTING and any(r["total"] is not None for r in rows),
    }


@bp.route("/<int:year>/ranking")
@role_required(*READERS)
def ranking(year: int) -> Any:
    """The ranking with the grade distribution; bottom-ranked highlighted with their talk."""
    cycle = _cycle_or_404(year)
    # kept while nothing is written (layout.kept_page): the ranking of a cycle changes only
    # by writes, its steps by the day
    return kept_page("evaluations/ranking.html", (cycle.id,), lambda: _ranking_context(cycle))


@bp.route("/<int:year>/ranking.xlsx")
@role_required(*READERS)
def ranking_xlsx(year: int) -> Any:
    """The ranking workbook: the same rows as the page."""
    from cadre_app.services.evaluations import excel as evaluation_excel

    cycle = _cycle_or_404(year)
    rows = [
        {**row, "talk_state": row["talk_state"].label if row["talk_state"] else None}
        for row in _visible_rows(cycle)[0]
    ]
    content = evaluation_excel.ranking_workbook(rows, year)
    audit.record(
        "export",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{year} 年度考核排名（{len(rows)} 人）",
    )
    db.session.commit()
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=ranking-{year}.xlsx"},
    )


def _step_refusal(cycle: EvaluationCycle, step: ranking_rules.CycleStep | None) -> str:
    """Why a step cannot be taken now, in the words the page shows beside it."""
    if step is not None and step.wait_until is not None:
        return _("公示期至 %(end)s，期满后才能作出决定。", end=step.wait_until.isoformat())
    return _("本年度考核处于“%(state)s”，这一步现在不能办理。", state=cycle.state.label)


def _step(year: int, name: str, action: Any, success: str) -> Any:
    """Run the HR step ``name`` of the procedure if the cycle's state offers it now
    (``rules.cycle_steps``, the same function the page's buttons come from), with the
    explicit confirmation a step that cannot be undone asks for; a refusal re-renders the
    ranking, 409 (not now) or 400 (not confirmed), and writes nothing."""
    cycle = _cycle_or_404(year)  # CSRF is checked globally before the view runs
    step = ranking_rules.cycle_step(
        name, cycle.state.value, publicity_end=cycle.publicity_end, today=clock.today()
    )
    if step is None or not step.available:
        flash(_step_refusal(cycle, step), "danger")
        return render_template("evaluations/ranking.html", **_ranking_context(cycle)), 409
    if step.irreversible and request.form.get("confirmed") != "1":
        flash(_("这一步办理后不能撤销：请勾选“我已核对，确认办理”后再提交。"), "warning")
        return render_template("evaluations/ranking.html", **_ranking_context(cycle)), 400
    try:
        message = action(cycle)
    except EvaluationError as error:  # QuotaExceeded included
        db.session.rollback()
        flash(str(error), "danger")
        return render_template("evaluations/ranking.html", **_ranking_context(cycle)), 409
    db.session.commit()
    flash(message or success, "success")
    return redirect(url_for("evaluations.ranking", year=year))


@bp.route("/<int:year>/rank", methods=["POST"])
@role_required(Role.HR)
def rank(year: int) -> Any:
    """Compute totals and ranks (may be repeated while scores change)."""

    def run(cycle: EvaluationCycle) -> str:
        summary = evaluation.rank_cycle(cycle, actor=current_user.username)
        return _(
            "已排名：%(ranked)d 人参加排名，%(incomplete)d 人成绩不全，%(bottom)d 人列为末位。",
            ranked=summary.ranked,
            incomplete=summary.incomplete,
            bottom=summary.bottom,
        )

    return _step(year, "rank", run, "")


@bp.route("/<int:year>/confirm", methods=["POST"])
@role_required(Role.HR)
def confirm(year: int) -> Any:
    """考核委员会审核: fix ranking and grades under the quota and open the reminder talks."""

    def run(cycle: EvaluationCycle) -> str:
        result = evaluation.confirm_cycle(cycle, actor=current_user.username, today=clock.today())
        return _(
            "已审核确认。%(quota)s 已为 %(n)d 名末位干部开启提醒谈话。",
            quota=result.quota.message(translated=True),
            n=result.talks_opened,
        )

    return _step(year, "confirm", run, "")


@bp.route("/<int:year>/publicity", methods=["POST"])
@role_required(Role.HR)
def publicity(year: int) -> Any:
    """Start the 5-working-day publicity of the proposed 优秀."""
    form = PublicityForm()

    def run(cycle: EvaluationCycle) -> str:
        try:
            start = dates.parse(form.start.data) or clock.today()
        except dates.DateFormatError as error:
            raise EvaluationError(str(error)) from None
        evaluation.start_publicity(cycle, start=start, actor=current_user.username)
        return _("已开始公示，公示期至 %(end)s。", end=cycle.publicity_end.isoformat())

    return _step(year, "publicity", run, "")


@bp.route("/<int:year>/decide", methods=["POST"])
@role_required(Role.HR)
def decide(year: int) -> Any:
    """Fix the final grades and record their consequences."""

    def run(cycle: EvaluationCycle) -> str:
        n = evaluation.decide_cycle(cycle, actor=current_user.username, today=clock.today())
        return _("已确定 %(n)d 人的考核结果。", n=n)

    return _step(year, "decide", run, "")


@bp.route("/<int:year>/archive", methods=["POST"])
@role_required(Role.HR)
def archive(year: int) -> Any:
    def run(cycle: EvaluationCycle) -> str:
        evaluation.archive_cycle(cycle, actor=current_user.username)
        return _("已归档。")

    return _step(year, "archive", run, "")


@bp.route("/<int:year>/settings", methods=["GET", "POST"])
@role_required(Role.HR)
def settings(year: int) -> Any:
    """Weights, 优秀 quota (above 20% with an approval) and the bottom-ranked rule."""
    cycle = _cycle_or_404(year)
    form = SettingsForm()
    if request.method == "GET":
        form.weight_ordinary.data = cycle.weight_ordinary
        form.weight_democratic.data = cycle.weight_democratic
        form.weight_leader.data = cycle.weight_leader
        form.quota_pct.data = cycle.excellent_quota_pct
        form.approval_reason.data = cycle.quota_approval_reason
        form.min_section_size.data = cycle.bottom_min_section_size
        form.bottom_basic.data = "基本称职" in cycle.bottom_grades
        form.bottom_unfit.data = "不称职" in cycle.bottom_grades
        return render_template("evaluations/settings.html", form=form, cycle=cycle)
    if form.validate_on_submit():
        try:
            evaluation.update_settings(
                cycle,
                weights=(
                    form.weight_ordinary.data,
                    form.weight_democratic.data,
                    form.weight_leader.data,
                ),
                quota_pct=form.quota_pct.data,
                approval_reason=form.approval_reason.data,
                min_section_size=form.min_section_size.data,
                bottom_grades=[
                    g
                    for g, on in (
                        ("基本称职", form.bottom_basic.data),
                        ("不称职", form.bottom_unfit.data),
                    )
                    if on
                ],
                actor=current_user.username,
            )
        except EvaluationError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(
                _("设置已保存（设置版本 %(v)d），请重新排名。", v=cycle.settings_version), "success"
            )
            return redirect(url_for("evaluations.ranking", year=year))
    return render_template("evaluations/settings.html", form=form, cycle=cycle), 400


@bp.route("/<int:year>/scores/<int:cadre_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def scores(year: int, cadre_id: int) -> Any:
    """Enter or correct one cadre's scores and proposed grade, or mark 不定等次."""
    cycle = _cycle_or_404(year)
    cadre = cadre_or_404(cadre_id)
    own_record_404(cadre)  # nobody enters or reads their own unconfirmed scores here
    current = db.session.scalar(
        db.select(Evaluation).where(
            Evaluation.cycle_id == cycle.id, Evaluation.cadre_id == cadre.id
        )
    )
    form = ScoreForm()
    if request.method == "GET" and current is not None:
        form.ordinary.data = current.ordinary
        form.democratic.data = current.democratic
        form.leader.data = current.leader
        form.proposed_grade.data = current.proposed_grade or ""
        form.no_grade.data = current.no_grade
        form.no_grade_reason.data = current.no_grade_reason
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                result = evaluation.set_scores(
                    cycle,
                    cadre,
                    ordinary=_float(form.ordinary.data),
                    democratic=_float(form.democratic.data),
                    leader=_float(form.leader.data),
                    proposed_grade=form.proposed_grade.data or None,
                    reason=form.reason.data,
                    actor=current_user.username,
                )
                if form.no_grade.data != result.no_grade:
                    evaluation.set_no_grade(
                        result,
                        no_grade=form.no_grade.data,
                        reason=form.no_grade_reason.data,
                        actor=current_user.username,
                    )
            except EvaluationError as error:
                db.session.rollback()
                flash(str(error), "danger")
            else:
                db.session.commit()
                flash(_("已保存 %(name)s 的成绩。", name=cadre.name), "success")
                return redirect(url_for("evaluations.ranking", year=year))
        return render_template("evaluations/scores.html", form=form, cycle=cycle, cadre=cadre), 400
    return render_template("evaluations/scores.html", form=form, cycle=cycle, cadre=cadre)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@bp.route("/<int:year>/quarterly/<int:cadre_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def quarterly(year: int, cadre_id: int) -> Any:
    """平时考核 grades by quarter for one cadre."""
    if not 2000 <= year <= 2100:
        abort(404)
    cadre = cadre_or_404(cadre_id)
    own_record_404(cadre)
    form = QuarterlyForm()
    if request.method == "GET":
        for quarter, grade in evaluation_query.quarterly_grades(cadre.id, year).items():
            getattr(form, f"q{quarter}").data = grade or ""
        return render_template("evaluations/quarterly.html", form=form, cadre=cadre, year=year)
    if form.validate_on_submit():
        grades = {q: getattr(form, f"q{q}").data or None for q in (1, 2, 3, 4)}
        try:
            changed = evaluation.set_quarterly_grades(
                cadre, year, grades, actor=current_user.username
            )
        except EvaluationError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("已保存平时考核等次（%(n)d 项变更）。", n=changed), "success")
            return redirect(url_for("roster.profile", cadre_id=cadre.id, tab="evaluation"))
    return render_template("evaluations/quarterly.html", form=form, cadre=cadre, year=year), 400
