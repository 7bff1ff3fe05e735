"""Real offices' data (issue 10, items 1, 2 and the 工号 part of 4): 学位 with its discipline,
学历 printed as the form is filled, dates known only to the month, and one 工号 scheme for every
new cadre."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre
from cadre_app.services.core import dates, idcard, settings
from cadre_app.services.records import appointment_form
from cadre_app.services.roster import operations as roster
from cadre_app.services.roster import rules
from cadre_app.services.roster.excel import apply_import, preview_import
from tests.test_roster_web import form_for
from tests.workbooks import DEPARTMENTS, build, cadre_row

TODAY = date(2026, 11, 26)
ORG = "测试财政局"


# --- 学位 and 学历: pure rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, level",
    [
        ("经济学学士", "学士"),
        ("管理学硕士", "硕士"),
        ("工商管理硕士", "硕士"),
        ("工商管理硕士（MBA）", "硕士"),
        ("MBA", "硕士"),
        ("mpa", "硕士"),
        ("公共管理硕士", "硕士"),
        ("金融硕士", "硕士"),
        ("法学博士", "博士"),
        ("法学博士学位", "博士"),
        ("学士", "学士"),
        ("无", None),
        ("", None),
        (None, None),
        ("双学位", None),
    ],
)
def test_degree_level_is_derived_from_the_full_text(text, level):
    assert rules.degree_level(text) == level


@pytest.mark.parametrize(
    "stored, printed",
    [
        ("大学本科", "大学"),
        ("本科", "大学"),
        ("研究生", "研究生"),
        ("硕士研究生", "研究生"),
        ("博士研究生", "研究生"),
        ("大学专科", "大专"),
        ("专科", "大专"),
        ("中专", "中专"),
        ("高中", "高中"),
        ("中央党校研究生", "研究生"),
        ("大学本科毕业", "大学"),
        ("", ""),
        (None, ""),
        ("博士后", "博士后"),  # not a 学历 the rule knows: printed as it is
    ],
)
def test_education_is_printed_the_way_the_form_is_filled(stored, printed):
    assert rules.printed_education(stored) == printed


def _valid(**overrides):
    values = {
        "staff_no": "A001",
        "name": "张三",
        "gender": "男",
        "birth_date": date(1990, 5, 17),
        "id_number": idcard.make("110105", date(1990, 5, 17), 13),
        "department_id": 1,
        "rank": "一级科员",
    }
    return values | overrides


def test_degrees_with_a_discipline_pass_the_rules_and_a_levelless_one_is_named():
    for degree in ("经济学学士", "工商管理硕士", "法学博士", "无"):
        assert rules.validate(_valid(ft_degree=degree), today=TODAY) == []
    [error] = rules.validate(_valid(ft_degree="双学位"), today=TODAY)
    assert error.field == "ft_degree" and "双学位" in error.message


# --- dates known to the month: pure rules -----------------------------------------------------


@pytest.mark.parametrize("text", ["1990.03", "1990年3月", "199003", "1990-03", "1990/3"])
def test_month_forms_keep_their_precision(text):
    value = dates.parse(text)
    assert isinstance(value, dates.MonthDate) and value == date(1990, 3, 1)
    assert dates.precision(value) == "month" and dates.shown(value) == "1990.03"


@pytest.mark.parametrize("text", ["1990-03-17", "1990.03.17", "19900317", "1990年3月17日"])
def test_day_forms_are_known_to_the_day(text):
    value = dates.parse(text)
    assert not isinstance(value, dates.MonthDate) and value == date(1990, 3, 17)
    assert dates.shown(value) == "1990.03.17"


def test_a_month_only_birth_date_is_compared_with_the_id_to_the_month():
    number = idcard.make("110105", date(1990, 3, 17), 13)
    month_only = dates.parse("1990.03")
    assert idcard.agrees_with_birth(number, month_only)
    assert not idcard.agrees_with_birth(number, dates.parse("1990.04"))
    assert not idcard.agrees_with_birth(number, date(1990, 3, 1))  # a real 1 March is wrong
    completed = idcard.completed_birth(number, month_only)
    assert completed == date(1990, 3, 17) and isinstance(completed, dates.MonthDate)
    assert rules.validate(_valid(birth_date=month_only, id_number=number), today=TODAY) == []
    [error] = rules.validate(_valid(birth_date=date(1990, 3, 1), id_number=number), today=TODAY)
    assert error.field == "id_number" and "1990.03.17" in error.message


# --- the roster: service, form, profile, workbook -------------------------------------------


def test_create_stores_level_beside_text_and_month_precision(app_ctx, org):
    number = idcard.make("110105", date(1990, 3, 17), 13)
    values = _valid(
        staff_no="",
        birth_date=dates.parse("1990年3月"),
        id_number=number,
        department_id=org["budget"],
        ft_education="研究生",
        ft_degree="管理学硕士",
        political_status="中共党员",
        party_join_date=dates.parse("2012.06"),
    )
    cadre = roster.create_cadre(values, actor="hr1", today=TODAY)
    db.session.flush()
    db.session.expire(cadre)
    assert (cadre.ft_degree, cadre.ft_degree_level) == ("管理学硕士", "硕士")
    assert cadre.birth_date == date(1990, 3, 17)  # the day from the ID number
    assert (cadre.birth_date_precision, cadre.party_join_date_precision) == ("month", "month")
    assert cadre.work_start_date_precision == "day"
    assert cadre.staff_no == "G00001"  # the default scheme
    shown = roster.profile(cadre, on=TODAY)["shown_dates"]
    assert shown["birth_date"] == "1990.03" and shown["party_join_date"] == "2012.06"
    data = appointment_form.form_data(cadre, None, today=TODAY)
    assert data["学历学位"]["全日制教育"]["学历学位"] == ["研究生", "管理学硕士"]
    assert data["出生年月"] == "1990.03"


def test_form_takes_degree_text_and_month_dates_and_shows_them_as_typed(app, hr_client, org):
    number = idcard.make("310104", date(1993, 4, 5), 28)
    data = form_for(
        org,
        staff_no="",
        birth_date="1993年4月",
        id_number=number,
        ft_education="大学本科",
        ft_degree="经济学学士",
    )
    response = hr_client.post("/cadres/new", data=data)
    assert response.status_code == 302, response.get_data(True)
    with app.app_context():
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.name == "赵新"))
        assert cadre.birth_date == date(1993, 4, 5) and cadre.birth_date_precision == "month"
        assert (cadre.ft_degree, cadre.ft_degree_level) == ("经济学学士", "学士")
        cadre_id = cadre.id
    html = hr_client.get(f"/cadres/{cadre_id}").get_data(True)
    assert ">1993.04\n" in html or ">1993.04<" in html or "1993.04\n" in html
    assert "1993.04.05" not in html
    assert "2015.06" in html and "2016.07" in html  # 入党时间, 参加工作时间 given to the month
    assert "经济学学士" in html and "（学士）" in html
    edit = hr_client.get(f"/cadres/{cadre_id}/edit").get_data(True)
    assert 'value="1993.04"' in edit and 'value="经济学学士"' in edit
    assert 'list="degree-options"' in edit and "学位级别：学士" in edit
    # saving the form unchanged changes nothing (the month stays a month)
    again = form_for(org, staff_no=cadre_staff_no(app, cadre_id), birth_date="1993.04",
                     id_number="", ft_education="大学本科", ft_degree="经济学学士",
                     version="1")  # fmt: skip
    response = hr_client.post(f"/cadres/{cadre_id}/edit", data=again, follow_redirects=True)
    assert "没有修改任何内容" in response.get_data(True)


def cadre_staff_no(app, cadre_id: int) -> str:
    with app.app_context():
        return db.session.get(Cadre, cadre_id).staff_no


def test_workbook_with_degrees_month_births_and_blank_staff_numbers(app_ctx, org):
    born = date(1988, 11, 23)
    rows = [
        cadre_row(1)
        | {
            "工号": None,
            "出生日期": "1988.11",
            "参加工作时间": "2010.07",
            "入党时间": "2012.05",
            "任现职级时间": "2020.01",
            "身份证号": idcard.make("110105", born, 13),
            "性别": "男",
            "学历": "硕士研究生",
            "学位": "工商管理硕士（MBA）",
        },
        cadre_row(2) | {"工号": "", "学历": "本科", "学位": "经济学学士"},
    ]
    result = preview_import(
        build(rows), "名册.xlsx", today=TODAY, organisation_name=ORG, create_sections=DEPARTMENTS
    )
    assert [r.errors for r in result.rows] == [[], []]
    assert [r.staff_no for r in result.rows] == ["G00001", "G00002"]
    apply_import(
        build(rows),
        "名册.xlsx",
        actor="hr1",
        today=TODAY,
        organisation_name=ORG,
        create_sections=DEPARTMENTS,
    )
    first = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "G00001"))
    assert first.birth_date == born and first.birth_date_precision == "month"
    assert (first.ft_education, first.ft_degree, first.ft_degree_level) == (
        "研究生",
        "工商管理硕士(MBA)",  # the workbook folds full-width forms (NFKC), as for every cell
        "硕士",
    )
    second = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "G00002"))
    assert (second.ft_education, second.ft_degree_level) == ("大学本科", "学士")


# --- 工号: one scheme ------------------------------------------------------------------------


def test_staff_numbers_follow_the_configured_scheme_and_skip_collisions(app_ctx, org):
    settings.update("staff_no_scheme", {"prefix": "CZ", "width": 4}, actor="admin")
    assert roster.next_staff_no() == "CZ0001"
    db.session.get(Cadre, org["own_cadre"]).staff_no = "CZ0041"  # typed by hand
    db.session.flush()
    assert roster.allocate_staff_nos(2) == ["CZ0042", "CZ0043"]
    assert roster.allocate_staff_nos(1, reserved={"CZ0042"}) == ["CZ0043"]
    assert roster.format_staff_no(7) == "CZ0007"


@pytest.mark.parametrize(
    "scheme, ok",
    [
        ({"prefix": "G", "width": 5}, True),
        ({"prefix": "", "width": 6}, True),
        ({"prefix": "工", "width": 5}, False),
        ({"prefix": "G", "width": 2}, False),
        ({"prefix": "G"}, False),
    ],
)
def test_staff_number_scheme_is_checked(scheme, ok):
    assert (roster.staff_no_scheme_problem(scheme) is None) is ok


def test_the_scheme_is_set_from_the_cli_and_audited(app, runner, org):
    result = runner.invoke(args=["roster", "staff-no-scheme", "--prefix", "CZ", "--width", "4"])
    assert result.exit_code == 0, result.output
    assert "next staff number: CZ0001" in result.output
    shown = runner.invoke(args=["roster", "staff-no-scheme"])
    assert "prefix 'CZ', width 4: next CZ0001" in shown.output
    bad = runner.invoke(args=["roster", "staff-no-scheme", "--width", "2"])
    assert bad.exit_code == 1 and "工号序号位数须为 3 到 10" in bad.stderr
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_type == "setting"))
        assert "工号规则" in event.summary


def test_the_cadres_own_card_shows_a_month_only_birth_date_as_given(app, cadre_client, org):
    with app.app_context():
        db.session.get(Cadre, org["own_cadre"]).birth_date_precision = "month"
        db.session.commit()
    html = cadre_client.get("/").get_data(as_text=True)
    assert "1995.03" in html and "1995.03.08" not in html
