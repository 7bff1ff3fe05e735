"""Sections (科室) for HR: list, create, edit; the head and party-branch secretary."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from cadre_app.blueprints.roster import bp
from cadre_app.extensions import db
from cadre_app.models import Department, Role
from cadre_app.permissions import role_required
from cadre_app.services.roster import departments


class DepartmentForm(FlaskForm):
    name = StringField(
        _l("处室名称"), validators=[InputRequired(_l("请填写处室名称。")), Length(max=100)]
    )
    sort_order = IntegerField(
        _l("排序"),
        default=0,
        validators=[Optional(), NumberRange(0, 9999, _l("排序为 0 至 9999。"))],
    )
    head = StringField(_l("负责人工号"), validators=[Length(max=32)])
    secretary = StringField(_l("支部书记工号"), validators=[Length(max=32)])


def _render(form: DepartmentForm, department: Department | None, status: int = 200) -> Any:
    return render_template(
        "roster/departments.html",
        rows=departments.overview(),
        form=form,
        editing=department,
    ), status


@bp.route("/departments", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def departments_page(department_id: int | None = None) -> Any:
    """Every section with head, secretary, managers and size; create or edit one."""
    department = db.get_or_404(Department, department_id) if department_id else None
    form = DepartmentForm()
    if request.method == "GET" and department is not None:
        form.name.data = department.name
        form.sort_order.data = department.sort_order
        form.head.data = department.head.staff_no if department.head else ""
        form.secretary.data = department.secretary.staff_no if department.secretary else ""
    if not form.is_submitted():
        return _render(form, department)
    if not form.validate():
        return _render(form, department, 400)
    try:
        saved = departments.save(
            department,
            name=form.name.data,
            sort_order=form.sort_order.data or 0,
            head_staff_no=form.head.data,
            secretary_staff_no=form.secretary.data,
            actor=current_user.username,
        )
    except departments.DepartmentError as error:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(error)]
        return _render(form, department, 400)
    db.session.commit()
    flash(_("已保存处室“%(name)s”。", name=saved.name), "success")
    return redirect(url_for("roster.departments_page"))
