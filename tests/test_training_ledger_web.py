"""The 学时 pages: the organisation's table (HR, managers), its workbook, the CLI, the
dashboards' warning and the profile's hours section (the cadre's own on /me)."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import openpyxl
import pytest
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, enums
from cadre_app.services.core import settings
from cadre_app.services.training import rules
from tests.conftest import office_today
from tests.test_training_ledger import essay, lecture, record


def this_year() -> int:
    return office_today().year


@pytest.fixture
def hours_data(app, org):
    """李晓明 (预算处) has met this year's 90 学时 but 95 online of them only count 45;
    王芳 (国库处) is behind with 30."""
    year = this_year()
    with app.app_context():
        record(org["own_cadre"], "50", end=date(year, 3, 1))
        record(org["own_cadre"], "60", category="网络培训", mode="网络", end=date(year, 4, 1))
        record(org["other_cadre"], "30", end=date(year, 3, 1))
        record(org["other_cadre"], "14", leave="3", end=date(year, 3, 2))  # over 1/7: 0
        lecture(org["own_cadre"], date(year, 5, 1), [org["other_cadre"]])
        essay(org["own_cadre"], "合格", date(year, 5, 2))
        db.session.commit()
    return org


def rows_of(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('data-staff-no="')[1:]]


# --- the table -------------------------------------------------------------------------------


def test_hr_sees_every_section_with_hours_by_kind_and_the_chart(hr_client, hours_data):
    response = hr_client.get(f"/training/hours?year={this_year()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert rows_of(html) == ["T0001", "T0002"]
    assert 'data-testid="hours-chart"' in html
    assert "<svg" in html
    assert "预算处" in html and "国库处" in html
    # 李晓明: 50 + 45 of 60 online + 4 (lecture) + 8 (essay) = 107; 王芳: 30 + 1 = 31, short 59
    assert 'fw-semibold">107.0' in html
    assert "（网络超限 15.0）" in html
    assert ">59.0<" in html
    assert "共 2 人，其中 1 人未完成" in html


def test_behind_only(hr_client, hours_data):
    html = hr_client.get(f"/training/hours?year={this_year()}&behind=1").get_data(as_text=True)
    assert rows_of(html) == ["T0002"]


def test_filters_by_section_rank_and_young(hr_client, hours_data):
    base = f"/training/hours?year={this_year()}"
    treasury = hours_data["treasury"]
    assert rows_of(hr_client.get(f"{base}&department={treasury}").get_data(as_text=True)) == [
        "T0002"
    ]
    assert rows_of(hr_client.get(f"{base}&rank=一级科员").get_data(as_text=True)) == ["T0001"]
    # 王芳, born 1990-07-01, is past the 35 line of 乡科级 and below from 2026-07-01
    assert rows_of(hr_client.get(f"{base}&young=1").get_data(as_text=True)) == ["T0001"]
    assert rows_of(hr_client.get(f"{base}&young=0").get_data(as_text=True)) == ["T0002"]


def test_another_year_shows_that_year(hr_client, hours_data):
    html = hr_client.get(f"/training/hours?year={this_year() - 1}").get_data(as_text=True)
    assert "共 2 人，其中 2 人未完成" in html


def test_a_wrong_parameter_answers_400_and_keeps_the_rest(hr_client, hours_data):
    response = hr_client.get("/training/hours?year=abc&behind=1&rank=局长")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "年度“abc”无效" in html and "职级“局长”无效" in html
    assert rows_of(html) == ["T0002"]


def test_a_manager_sees_only_their_sections(manager_client, hours_data):
    html = manager_client.get("/training/hours").get_data(as_text=True)
    assert rows_of(html) == ["T0001"]
    assert "国库处" not in html
    response = manager_client.get(f"/training/hours?department={hours_data['treasury']}")
    assert response.status_code == 400
    assert rows_of(response.get_data(as_text=True)) == ["T0001"]
    assert "T0002" not in response.get_data(as_text=True)


def test_cadres_admin_and_auditor_may_not_use_the_table(login_as, hours_data):
    for role in ("cadre", "admin", "auditor"):
        assert login_as(role).get("/training/hours").status_code == 403
        assert login_as(role).get("/training/hours.xlsx").status_code == 403


def test_the_table_pages(hr_client, app, org):
    from tests.factories import CadreFactory

    with app.app_context():
        for i in range(60):
            CadreFactory(department_id=org["treasury"], staff_no=f"Q{i:03d}")
        db.session.commit()
    first = hr_client.get("/training/hours").get_data(as_text=True)
    second = hr_client.get("/training/hours?page=2").get_data(as_text=True)
    assert len(rows_of(first)) == 50 and len(rows_of(second)) == 12
    assert not set(rows_of(first)) & set(rows_of(second))
    assert "page=2" in first


# --- the workbook ----------------------------------------------------------------------------


def test_the_workbook_holds_the_rows_of_the_page_and_is_audited(hr_client, hours_data, app):
    response = hr_client.get(f"/training/hours.xlsx?year={this_year()}&behind=1")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(BytesIO(response.data))["学时统计"]
    values = list(sheet.values)
    assert values[0][:6] == ("工号", "姓名", "部门", "职级", "要求学时", "已获学时")
    assert values[0][6:12] == ("专题培训班", "网络培训", "业务微讲座", "策论", "导师帮带", "其他")
    assert values[0][-1] == "差额"
    assert [v[:2] for v in values[1:]] == [("T0002", "王芳")]
    assert values[1][4:6] == (90, 31) and values[1][-1] == 59
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "export")
            .order_by(AuditEvent.id.desc())
        )
        assert event.object_type == "enrolment"
        assert "学时统计（1 人）" in event.summary


def test_a_managers_workbook_has_their_sections_only(manager_client, hours_data):
    sheet = openpyxl.load_workbook(BytesIO(manager_client.get("/training/hours.xlsx").data))
    assert [row[0] for row in list(sheet["学时统计"].values)[1:]] == ["T0001"]


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_prints_one_line_per_cadre(runner, hours_data):
    result = runner.invoke(args=["training", "hours", "--year", str(this_year())])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "T0001 李晓明 90.0 107.0 0.0",
        "T0002 王芳 90.0 31.0 59.0",
    ]


def test_cli_behind_and_workbook(runner, hours_data, tmp_path):
    out = tmp_path / "hours.xlsx"
    result = runner.invoke(
        args=["training", "hours", "--year", str(this_year()), "--behind", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["T0002 王芳 90.0 31.0 59.0"]
    values = list(openpyxl.load_workbook(out)["学时统计"].values)
    assert [v[0] for v in values[1:]] == ["T0002"]


def test_cli_refuses_a_missing_year(runner):
    result = runner.invoke(args=["training", "hours"])
    assert result.exit_code != 0


# --- the dashboards' warning -----------------------------------------------------------------


def _on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def test_no_warning_before_the_settings_date(hr_client, manager_client, app, org, monkeypatch):
    day = date(2026, 9, 30)
    _on(monkeypatch, day)
    with app.app_context():
        record(org["own_cadre"], "10", end=date(2026, 3, 1))
        db.session.commit()
    assert 'data-testid="hours-behind-panel"' not in hr_client.get("/").get_data(as_text=True)
    assert 'data-testid="hours-behind-panel"' not in manager_client.get("/").get_data(as_text=True)


def test_from_the_settings_date_hr_sees_the_count_and_a_link(hr_client, app, org, monkeypatch):
    _on(monkeypatch, date(2026, 10, 1))
    with app.app_context():
        record(org["own_cadre"], "90", end=date(2026, 3, 1))
        db.session.commit()
    html = hr_client.get("/").get_data(as_text=True)
    assert 'data-testid="hours-behind-panel"' in html
    assert "2026 年尚有 1 人未完成学时要求。" in html
    assert "/training/hours?year=2026&amp;behind=1" in html


def test_a_manager_sees_their_sections_cadres_behind_by_name(manager_client, app, org, monkeypatch):
    _on(monkeypatch, date(2026, 11, 15))
    html = manager_client.get("/").get_data(as_text=True)
    assert 'data-testid="hours-behind-panel"' in html
    assert "李晓明" in html and "差 90.0 学时" in html
    assert "王芳" not in html  # 国库处 is not theirs


def test_the_warning_date_is_a_setting(hr_client, app, org, monkeypatch):
    _on(monkeypatch, date(2026, 9, 1))
    assert 'data-testid="hours-behind-panel"' not in hr_client.get("/").get_data(as_text=True)
    with app.app_context():
        value = {**rules.DEFAULT_SETTINGS, "behind_warning_from": [9, 1]}
        settings.update(rules.SETTINGS_KEY, value, actor="hr1")
        db.session.commit()
    assert 'data-testid="hours-behind-panel"' in hr_client.get("/").get_data(as_text=True)


def test_no_warning_when_nobody_is_behind(hr_client, app, org, monkeypatch):
    _on(monkeypatch, date(2026, 12, 1))
    with app.app_context():
        record(org["own_cadre"], "90", end=date(2026, 3, 1))
        record(org["other_cadre"], "90", end=date(2026, 3, 1))
        db.session.commit()
    assert 'data-testid="hours-behind-panel"' not in hr_client.get("/").get_data(as_text=True)


# --- the profile -----------------------------------------------------------------------------


def test_the_cadre_sees_their_hours_bar_and_records_on_me(cadre_client, hours_data):
    html = cadre_client.get("/me?tab=training").get_data(as_text=True)
    assert 'data-testid="hours-section"' in html
    assert 'aria-valuenow="100"' in html
    assert "已获 107.0 / 要求 90.0 学时" in html
    assert 'data-testid="hours-records"' in html
    assert "网络超限" not in html  # the table's words; the profile explains the cap:
    assert "超出 15.0 学时不计入" in html
    assert "全单位学时统计" not in html  # no link to a table a cadre may not open


def test_the_profile_lists_this_years_records_with_leave_and_result(hr_client, hours_data):
    html = hr_client.get(f"/cadres/{hours_data['other_cadre']}?tab=training").get_data(as_text=True)
    assert 'aria-valuenow="34"' in html  # 31 of 90
    assert "还差 59.0 学时" in html
    assert ">3.0<" in html  # the leave
    assert "听讲" in html  # the lecture attended


def test_nobody_reads_another_persons_hours(cadre_client, manager_client, hours_data):
    other = hours_data["other_cadre"]
    assert cadre_client.get(f"/cadres/{other}?tab=training").status_code == 404
    assert manager_client.get(f"/cadres/{other}?tab=training").status_code == 404
    own = manager_client.get(f"/cadres/{hours_data['own_cadre']}?tab=training")
    assert own.status_code == 200
    assert 'data-testid="hours-section"' in own.get_data(as_text=True)


# --- English -----------------------------------------------------------------------------------


def test_the_english_pages_show_chinese_only_in_data(login_as, hours_data):
    from tests.test_english_ui import PUNCTUATION, chinese_runs

    data = {
        "李晓明",
        "王芳",
        "预算处",
        "国库处",
        "一级科员",
        "四级主任科员",
        "合格",
        "预算绩效管理",
    }
    data |= {f"课程{h}-" for h in ("50", "60", "30", "14")} | {
        "关于合格的思考",
        "中文",
        "示例市财政局",
    }
    data |= set(enums.RANK_LADDER)  # the rank filter's options: the roster's vocabulary
    for role, urls in (
        ("hr", ["/training/hours", f"/cadres/{hours_data['other_cadre']}?tab=training"]),
        ("cadre", ["/me?tab=training"]),
    ):
        client = login_as(role)
        client.post("/auth/language", data={"lang": "en", "next": "/"})
        for url in urls:
            html = client.get(url).get_data(as_text=True)
            assert 'lang="en"' in html
            chrome = {
                run
                for run in chinese_runs(html) - PUNCTUATION
                if not any(run in d or d in run for d in data)
            }
            assert not chrome, (url, chrome)
