"""The structure of the cadre pool from the database, on the page, the dashboard panel, the
PDF and the workbook: the hand-counted organisation of tests/analytics_org.py put in the two
sections of the ``org`` fixture (预算处 = section 1, 国库处 = section 2), beside the fixture's
own two cadres (李晓明 1995-03-08 男 预算处 一级科员; 王芳 1990-07-01 女 国库处 四级主任科员,
both with ID numbers, no 学历, no 政治面貌)."""

from __future__ import annotations

import io
import subprocess
from datetime import date

import openpyxl
import pytest

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Department
from cadre_app.services.analytics import queries, rules
from tests import analytics_org as hand

PANEL = 'data-testid="structure-panel"'


@pytest.fixture
def pool(app, org):
    """The hand-counted cadres in 预算处 and 国库处 and their decided grades."""
    return hand.make_pool(app, org)


def _fixture_cadres_added(counts: dict[str, int], **extra: int) -> dict[str, int]:
    out = dict(counts)
    for key, n in extra.items():
        out[key] = out.get(key, 0) + n
    return out


def test_the_database_gives_the_hand_counted_figures(app, pool):
    with app.app_context():
        s = queries.structure(hand.ON, [pool["budget"], pool["treasury"]])
        pyramid = [(r["band"], r["male"], r["female"]) for r in s.pyramid]
        expected = [list(row) for row in hand.EXPECTED_PYRAMID]
        expected[1][1] += 1  # 李晓明, born 1995-03-08: 31 on 2026-06-15
        expected[1][2] += 1  # 王芳, born 1990-07-01: 35
        assert pyramid == [tuple(row) for row in expected]
        assert s.education == _fixture_cadres_added(hand.EXPECTED_EDUCATION, 未填=2)
        assert s.ranks == _fixture_cadres_added(hand.EXPECTED_RANKS, 一级科员=1, 四级主任科员=1)
        assert s.leadership == _fixture_cadres_added(hand.EXPECTED_LEADERSHIP, 无领导职务=2)
        assert s.party == _fixture_cadres_added(hand.EXPECTED_PARTY, 未填=2)
        young = {r["id"]: (r["young"], r["total"]) for r in s.young_by_section}
        assert young == {pool["budget"]: (4, 6), pool["treasury"]: (3, 6)}
        assert s.trend == hand.EXPECTED_TREND


def test_the_sql_and_the_pure_rule_agree_cadre_by_cadre(app, pool):
    """Every hand-counted cadre alone: the GROUP BY query gives the band and young-cadre
    status the pure rule gives (month-only birth dates included)."""
    with app.app_context():
        groups = queries.age_groups(hand.ON, hand.LINES, [pool["budget"], pool["treasury"]])
        facts = [f for f, _p in hand.CADRES.values()]
        by_rule, _profiles = rules.group_facts(facts, on=hand.ON, lines=hand.LINES)
        section = {1: pool["budget"], 2: pool["treasury"]}
        expected: dict[tuple, int] = {}
        for g in by_rule:
            key = (section[g.department_id], g.gender, g.band, g.young)
            expected[key] = expected.get(key, 0) + 1
        expected[(pool["budget"], "男", 1, True)] += 1  # 李晓明
        expected[(pool["treasury"], "女", 1, True)] = (
            expected.get((pool["treasury"], "女", 1, True), 0) + 1
        )
        assert {(g.department_id, g.gender, g.band, g.young): g.count for g in groups} == expected


def test_one_section_and_another_date(app, pool):
    with app.app_context():
        s = queries.structure(hand.ON, [pool["budget"]])
        assert s.total == 6 and s.young == 4
        assert [r["year"] for r in s.trend] == [2024, 2025]
        assert s.trend[1]["total"] == 3  # A, B and C: H1 and H2 have no grades
        # a day earlier A (35 on 2026-06-15) is 34 and B (36 that day) is still 35: young
        earlier = queries.structure(date(2026, 6, 14), [pool["budget"]])
        assert earlier.young == 5
        # before 2025 was decided the trend stops at 2024
        assert [r["year"] for r in queries.structure(date(2024, 12, 31), None).trend] == [2024]


def _as_hr_on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def test_hr_page_states_the_date_and_every_figure(pool, hr_client):
    page = hr_client.get("/analytics/structure?as_of=2026-06-15")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-06-15" in html
    for key in ("pyramid", "education", "ranks", "leadership", "party", "young", "trend"):
        assert f'data-testid="table-{key}"' in html
    assert "<script" not in html.split("</nav>", 1)[1].split("<footer", 1)[0]
    assert 'style="' not in html
    assert html.count("<svg") >= 7


def test_a_section_chosen(pool, hr_client):
    html = hr_client.get(
        f"/analytics/structure?as_of=2026-06-15&section={pool['treasury']}"
    ).get_data(as_text=True)
    assert "国库处，统计日期 2026-06-15" in html


def test_wrong_values_answer_400_with_a_message(pool, hr_client):
    page = hr_client.get("/analytics/structure?as_of=2026-13-45")
    assert page.status_code == 400
    assert "统计日期“2026-13-45”无效" in page.get_data(as_text=True)
    assert hr_client.get("/analytics/structure?section=999999").status_code == 400
    assert hr_client.get("/analytics/structure.pdf?as_of=nope").status_code == 400
    assert hr_client.get("/analytics/structure.xlsx?section=x").status_code == 400


def test_a_manager_sees_only_the_sections_they_lead(pool, manager_client):
    html = manager_client.get("/analytics/structure?as_of=2026-06-15").get_data(as_text=True)
    assert "预算处" in html and "国库处" not in html
    assert manager_client.get(f"/analytics/structure?section={pool['treasury']}").status_code == 400
    workbook = manager_client.get("/analytics/structure.xlsx?as_of=2026-06-15")
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert summary["干部总数"] == 6 and summary["年轻干部"] == 4


def test_the_dashboard_panel_for_hr_and_managers_only(pool, login_as):
    assert PANEL in login_as("hr").get("/").get_data(as_text=True)
    manager = login_as("manager").get("/").get_data(as_text=True)
    assert PANEL in manager and "国库处" not in manager.split(PANEL, 1)[1]
    for role in ("cadre", "admin", "auditor"):
        assert PANEL not in login_as(role).get("/").get_data(as_text=True)


def test_workbook_holds_every_table(pool, hr_client):
    response = hr_client.get("/analytics/structure.xlsx?as_of=2026-06-15")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "概况",
        "年龄性别",
        "学历",
        "职级",
        "领导职务",
        "政治面貌",
        "年轻干部",
        "考核等次",
    ]
    trend = list(book["考核等次"].iter_rows(values_only=True))
    assert trend[0] == ("年度", "优秀", "称职", "基本称职", "不称职", "不定等次", "合计")
    assert trend[1] == (2024, 1, 3, 0, 0, 1, 5)


def test_pdf_report_is_a4_with_the_figures_in_chinese(pool, hr_client, tmp_path):
    response = hr_client.get(f"/analytics/structure.pdf?as_of=2026-06-15&section={pool['budget']}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "structure.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "干部队伍结构分析报告" in text and "预算处" in text and "2026-06-15" in text
    assert "年龄与性别结构" in text and "近五年年度考核等次" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert len([line for line in fonts.splitlines()[2:] if line.strip()]) == 1  # one CJK face


def test_downloads_are_audited(app, pool, hr_client):
    from cadre_app.models import AuditEvent

    hr_client.get("/analytics/structure.xlsx?as_of=2026-06-15")
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.object_type == "structure_report"
        assert "干部队伍结构分析报告" in event.summary and "2026-06-15" in event.summary
        assert db.session.get(Department, pool["budget"]) is not None


def test_the_panel_counts_leave_out_ranks_only(app, pool):
    with app.app_context():
        whole = queries.structure(hand.ON, None)
        panel = queries.structure(hand.ON, None, ranks=False)
        for figure in ("pyramid", "education", "party", "young_by_section", "trend"):
            assert getattr(panel, figure) == getattr(whole, figure), figure
        assert panel.ranks == {**dict.fromkeys(whole.ranks, 0), "未填": whole.total}
