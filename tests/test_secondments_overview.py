"""The secondments overview as HR and a manager use it: the timeline draws one bar per
secondment where its dates fall in the year, today marked; counts by host type and year;
the warnings (ending within 30 days, appraisal overdue) at their boundaries, on the overview
and on HR's and the manager's dashboards, never on a cadre's; a manager sees only the
sections they lead. And the demo's secondments, every state present."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # the Element type
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from defusedxml.ElementTree import fromstring

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, ResumeEntry, Secondment, SecondmentState, User
from cadre_app.services.core import settings
from cadre_app.services.secondments import operations, overview, rules
from cadre_app.services.secondments.rules import Step
from tests import demo_snapshot
from tests.factories import CadreFactory

S = SecondmentState
SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 6, 15)
PANEL = 'data-testid="secondment-warnings-panel"'


def _on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def make(
    cadre_id: int,
    start: date,
    end: date,
    state: SecondmentState = S.ON_POST,
    *,
    host: str = "示例县财政局",
    host_type: str = "基层单位",
) -> int:
    """A secondment of the cadre brought to ``state`` through the operations."""
    cadre = db.session.get(Cadre, cadre_id)
    secondment = operations.create(
        cadre,
        {
            "kind": "下派",
            "host_unit": host,
            "host_type": host_type,
            "post": "副局长",
            "start_date": start,
            "planned_end": end,
        },
        actor="hr1",
    )
    path = {
        S.PROPOSED: [],
        S.CANCELLED: [S.CANCELLED],
        S.APPROVED: [S.APPROVED],
        S.ON_POST: [S.APPROVED, S.ON_POST],
        S.APPRAISAL: [S.APPROVED, S.ON_POST, S.APPRAISAL],
    }[state]
    for target in path:
        operations.transition(
            secondment,
            target,
            Step(reason="测试"),
            expected_version=secondment.version,
            actor="hr1",
            today=TODAY,
        )
    db.session.flush()
    return secondment.id


def new_cadre(section_id: int, name: str) -> int:
    return CadreFactory(department_id=section_id, name=name).id


def timeline_svg(html: str) -> ET.Element:
    found = re.search(r'<svg class="secondment-timeline".*?</svg>', html, re.S)
    assert found, "no timeline on the page"
    return fromstring(found.group(0))


def bars(svg: ET.Element) -> dict[int, tuple[float, float, str]]:
    """secondment id -> (x, width, state) of each bar drawn."""
    out = {}
    for group in svg.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        out[int(group.get("data-secondment-id"))] = (
            float(rect.get("x")),
            float(rect.get("width")),
            rect.get("data-state"),
        )
    return out


# --- the timeline ---------------------------------------------------------------------------


def test_one_bar_per_secondment_at_the_x_of_its_dates(hr_client, app, org, monkeypatch):
    _on(monkeypatch, TODAY)
    with app.app_context():
        budget = org["budget"]
        whole = make(new_cadre(budget, "全年"), date(2026, 1, 1), date(2026, 12, 31))
        july = make(new_cadre(budget, "七月"), date(2026, 7, 1), date(2027, 6, 30), S.APPROVED)
        before = make(new_cadre(budget, "跨年"), date(2025, 6, 1), date(2026, 1, 31), S.APPRAISAL)
        two = new_cadre(budget, "两次")
        first = make(two, date(2026, 2, 1), date(2026, 3, 31), S.APPRAISAL)
        second = make(two, date(2026, 9, 1), date(2026, 10, 31), S.PROPOSED)
        cancelled = make(
            new_cadre(budget, "撤销"), date(2026, 3, 1), date(2026, 8, 31), S.CANCELLED
        )
        old = make(new_cadre(budget, "往年"), date(2024, 3, 1), date(2025, 2, 28), S.APPRAISAL)
        db.session.commit()
    response = hr_client.get("/secondments/overview?year=2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = timeline_svg(html)
    drawn = bars(svg)
    assert cancelled not in drawn and old not in drawn
    assert set(drawn) == {whole, july, before, first, second}
    day = 800 / 365  # the plot is 800 units wide from x = 150; 2026 has 365 days
    assert drawn[whole] == (150.0, 800.0, "on_post")
    assert drawn[july][0] == pytest.approx(150 + 181 * day, abs=0.1)  # 181 days before 1 July
    assert drawn[july][0] + drawn[july][1] == pytest.approx(950, abs=0.1)  # clipped at 31 Dec
    assert drawn[july][2] == "approved"
    assert drawn[before][:2] == (150.0, pytest.approx(31 * day, abs=0.1))  # only January
    assert drawn[first][0] == pytest.approx(150 + 31 * day, abs=0.1)
    assert drawn[first][1] == pytest.approx(59 * day, abs=0.1)  # February and March
    assert drawn[second][0] == pytest.approx(150 + 243 * day, abs=0.1)  # 1 September
    # rows are cadres (the one sent twice has one row), ordered by their first start
    names = [t.text for t in svg.iter(f"{SVG}text") if t.get("font-size") == "13"]
    assert names == ["跨年", "全年", "两次", "七月"]
    # today (15 June, day 166 of the year) is marked in the middle of its day
    today_line = svg.find(f"{SVG}line[@data-testid='timeline-today']")
    assert float(today_line.get("x1")) == pytest.approx(150 + 165.5 * day, abs=0.1)
    assert "2026 年共 4 人、5 次挂职锻炼。" in html


def test_today_is_not_marked_on_another_year(hr_client, app, org, monkeypatch):
    _on(monkeypatch, TODAY)
    with app.app_context():
        make(org["own_cadre"], date(2025, 3, 1), date(2025, 8, 31), S.APPRAISAL)
        db.session.commit()
    html = hr_client.get("/secondments/overview?year=2025").get_data(as_text=True)
    assert len(bars(timeline_svg(html))) == 1
    assert "timeline-today" not in html.split('<svg class="secondment-timeline"')[1]


def test_the_twelve_months_around_today(hr_client, app, org, monkeypatch):
    assert overview.rolling_window(date(2026, 1, 15)) == (date(2025, 8, 1), date(2026, 7, 31))
    assert overview.rolling_window(date(2026, 6, 15)) == (date(2026, 1, 1), date(2026, 12, 31))
    day_of = date(2026, 11, 10)
    _on(monkeypatch, day_of)
    with app.app_context():
        spring = make(org["own_cadre"], date(2027, 1, 1), date(2027, 3, 31), S.APPROVED)
        before = make(org["other_cadre"], date(2026, 1, 1), date(2026, 5, 31), S.APPRAISAL)
        db.session.commit()
    html = hr_client.get("/secondments/overview?window=12m").get_data(as_text=True)
    svg = timeline_svg(html)
    drawn = bars(svg)
    assert set(drawn) == {spring}  # ended before June 2026: outside the window
    day = 800 / 365  # 1 June 2026 to 31 May 2027
    assert drawn[spring][0] == pytest.approx(150 + 214 * day, abs=0.1)  # 214 days to 1 Jan
    assert drawn[spring][1] == pytest.approx(90 * day, abs=0.1)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[:2] == ["6月", "2026"] and "2027" in texts and texts.count("1月") == 1
    assert "2026-06 至 2027-05 共 1 人、1 次挂职锻炼。" in html
    assert before not in drawn
    # the year view still draws the year
    html = hr_client.get("/secondments/overview?year=2026").get_data(as_text=True)
    assert set(bars(timeline_svg(html))) == {before}
    response = hr_client.get("/secondments/overview?window=7y")
    assert response.status_code == 400
    assert "时间范围“7y”无效，已按年度显示。" in response.get_data(as_text=True)


def test_the_timeline_pages_by_cadre(app, org):
    with app.app_context():
        ids = [
            make(new_cadre(org["budget"], f"干部{i}"), date(2026, i + 1, 1), date(2026, 12, 1))
            for i in range(5)
        ]
        page_two = overview.timeline(
            2026, visible_departments=None, page=2, today=TODAY, per_page=2
        )
        assert (page_two.pages, page_two.cadres, page_two.secondments) == (3, 5, 5)
        assert [b.secondment_id for b in page_two.bars] == ids[2:4]
        assert page_two.rows[0].y == overview.HEADER  # each page starts at the top
        last = overview.timeline(2026, visible_departments=None, page=9, today=TODAY, per_page=2)
        assert last.page == 3 and [b.secondment_id for b in last.bars] == ids[4:]


def test_names_and_hosts_are_escaped_in_the_svg(hr_client, app, org, monkeypatch):
    _on(monkeypatch, TODAY)
    with app.app_context():
        make(org["own_cadre"], date(2026, 1, 1), date(2026, 12, 31), host="<script>x</script>&")
        db.session.commit()
    html = hr_client.get("/secondments/overview").get_data(as_text=True)
    assert "<script>x</script>" not in html
    svg = timeline_svg(html)  # still well-formed XML
    assert "<script>x</script>&" in [t.text for t in svg.iter(f"{SVG}text")]


def test_a_manager_sees_only_the_sections_they_lead(
    hr_client, manager_client, app, org, monkeypatch
):
    _on(monkeypatch, TODAY)
    with app.app_context():
        own = make(org["own_cadre"], date(2026, 1, 1), date(2026, 6, 30))
        other = make(org["other_cadre"], date(2026, 2, 1), date(2026, 6, 30))
        db.session.commit()
    html = manager_client.get("/secondments/overview").get_data(as_text=True)
    assert set(bars(timeline_svg(html))) == {own}
    assert "王芳" not in html and "国库处" not in html
    hr_html = hr_client.get("/secondments/overview").get_data(as_text=True)
    assert set(bars(timeline_svg(hr_html))) == {own, other}
    # asking for a section they do not lead: refused with a message, still their own only
    response = manager_client.get(f"/secondments/overview?department={org['treasury']}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "所选处室不在您可查看的范围内，已忽略。" in html
    assert set(bars(timeline_svg(html))) == {own}
    # HR filters by section
    html = hr_client.get(f"/secondments/overview?department={org['treasury']}").get_data(
        as_text=True
    )
    assert set(bars(timeline_svg(html))) == {other}


def test_a_bad_year_or_page_is_refused_with_a_message(hr_client, monkeypatch):
    _on(monkeypatch, TODAY)
    response = hr_client.get("/secondments/overview?year=20x6&page=0")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "年度“20x6”无效，已按今年统计。" in html
    assert "页码“0”无效，已显示第 1 页。" in html
    assert "2026 年挂职锻炼总览" in html


# --- counts ---------------------------------------------------------------------------------


def test_counts_by_host_type_and_the_year_begun(hr_client, manager_client, app, org, monkeypatch):
    _on(monkeypatch, TODAY)
    with app.app_context():
        budget, treasury = org["budget"], org["treasury"]
        make(new_cadre(budget, "甲"), date(2026, 1, 10), date(2026, 12, 1), host_type="高校")
        make(new_cadre(budget, "乙"), date(2026, 3, 1), date(2026, 9, 1), host_type="高校")
        a = new_cadre(treasury, "丙")
        make(a, date(2024, 12, 31), date(2025, 6, 1), S.APPRAISAL, host_type="国有金融企业")
        make(a, date(2025, 8, 1), date(2026, 5, 1), S.APPRAISAL, host_type="基层单位")
        make(new_cadre(budget, "丁"), date(2026, 2, 1), date(2026, 4, 1), S.CANCELLED)
        make(new_cadre(budget, "戊"), date(2021, 5, 1), date(2021, 9, 1), S.APPRAISAL)
        db.session.commit()
        found = overview.counts(2026, visible_departments=None)
        assert found.years == [2022, 2023, 2024, 2025, 2026]
        assert found.cells == {
            ("高校", 2026): 2,
            ("国有金融企业", 2024): 1,
            ("基层单位", 2025): 1,
        }  # not the cancelled one, nor 2021 (outside the five years)
        assert found.by_year == {2022: 0, 2023: 0, 2024: 1, 2025: 1, 2026: 2}
        assert found.by_type["高校"] == 2 and found.total == 4
        mine = overview.counts(2026, visible_departments=[budget])
        assert mine.cells == {("高校", 2026): 2} and mine.total == 2
    html = hr_client.get("/secondments/overview?year=2026").get_data(as_text=True)
    assert 'data-cell="高校-2026">2<' in html
    assert 'data-cell="total">4<' in html
    html = manager_client.get("/secondments/overview?year=2026").get_data(as_text=True)
    assert 'data-cell="total">2<' in html


# --- warnings -------------------------------------------------------------------------------


def test_ending_soon_at_the_30_day_boundary_and_overdue_after_30_days(app, org):
    with app.app_context():
        section = org["budget"]
        start = TODAY - timedelta(days=200)
        in_29 = make(new_cadre(section, "二十九"), start, TODAY + timedelta(days=29))
        in_30 = make(new_cadre(section, "三十"), start, TODAY + timedelta(days=30))
        in_31 = make(new_cadre(section, "三十一"), start, TODAY + timedelta(days=31))
        ends_today = make(new_cadre(section, "今天"), start, TODAY)
        ago_30 = make(new_cadre(section, "已三十"), start, TODAY - timedelta(days=30), S.APPRAISAL)
        ago_31 = make(
            new_cadre(section, "已三十一"), start, TODAY - timedelta(days=31), S.APPRAISAL
        )
        still_on = make(new_cadre(section, "未转"), start, TODAY - timedelta(days=40))
        make(
            new_cadre(section, "未派"),
            TODAY + timedelta(days=5),
            TODAY + timedelta(days=20),
            S.APPROVED,
        )
        found = overview.warnings(
            visible_departments=None, today=TODAY, settings=operations.current_settings()
        )
        assert [r.secondment_id for r in found.ending_soon] == [ends_today, in_29, in_30]
        assert [r.days for r in found.ending_soon] == [0, 29, 30]
        assert in_31 not in {r.secondment_id for r in found.ending_soon}
        assert [r.secondment_id for r in found.overdue] == [still_on, ago_31]
        assert [r.days for r in found.overdue] == [10, 1]
        assert ago_30 not in {r.secondment_id for r in found.overdue}
        # the SQL keeps exactly the rows the rules warn of (no more, no fewer)
        conf = operations.current_settings()
        for s in db.session.scalars(sa.select(Secondment)):
            warned = s.id in {r.secondment_id for r in found.ending_soon}
            assert warned == rules.ends_soon(s.state, s.end_date, TODAY, conf), s.id
            late = s.id in {r.secondment_id for r in found.overdue}
            assert late == rules.appraisal_overdue(s.state, s.end_date, TODAY, conf), s.id


def test_the_warning_window_is_a_setting(app, org):
    with app.app_context():
        sid = make(org["own_cadre"], TODAY - timedelta(days=90), TODAY + timedelta(days=45))
        conf = operations.current_settings()
        assert not overview.warnings(visible_departments=None, today=TODAY, settings=conf).count
        settings.update(rules.SETTINGS_KEY, {**conf, "warn_days": 60}, actor="admin1")
        found = overview.warnings(
            visible_departments=None, today=TODAY, settings=operations.current_settings()
        )
        assert [r.secondment_id for r in found.ending_soon] == [sid]


def _panel(html: str) -> str:
    start = html.index(PANEL)
    return html[start : html.index("查看挂职锻炼总览", start)]


def test_the_panel_on_hr_and_manager_dashboards_not_on_the_cadres(
    hr_client, manager_client, cadre_client, app, org, monkeypatch
):
    _on(monkeypatch, TODAY)
    for client in (hr_client, manager_client, cadre_client):
        assert PANEL not in client.get("/").get_data(as_text=True)  # nothing to warn of
    with app.app_context():
        start = TODAY - timedelta(days=300)
        make(org["own_cadre"], start, TODAY + timedelta(days=10))
        make(org["other_cadre"], start, TODAY - timedelta(days=45), S.APPRAISAL)
        db.session.commit()
    hr = _panel(hr_client.get("/").get_data(as_text=True))
    assert "李晓明" in hr and "王芳" in hr
    assert "1 人的挂职锻炼将在 30 天内期满。" in hr
    assert "1 次挂职锻炼期满鉴定已逾期。" in hr
    assert "2026-06-25 期满（剩 10 天）" in hr
    assert "2026-05-01 结束，逾期 15 天" in hr
    manager = _panel(manager_client.get("/").get_data(as_text=True))
    assert "李晓明" in manager and "王芳" not in manager and "逾期" not in manager
    cadre_html = cadre_client.get("/").get_data(as_text=True)
    assert PANEL not in cadre_html


def test_a_manager_without_warnings_in_their_sections_sees_no_panel(
    manager_client, app, org, monkeypatch
):
    _on(monkeypatch, TODAY)
    with app.app_context():
        make(org["other_cadre"], TODAY - timedelta(days=100), TODAY + timedelta(days=3))
        db.session.commit()
    assert PANEL not in manager_client.get("/").get_data(as_text=True)


def test_the_overview_lists_the_warnings(hr_client, app, org, monkeypatch):
    _on(monkeypatch, TODAY)
    with app.app_context():
        soon = make(org["own_cadre"], TODAY - timedelta(days=100), TODAY + timedelta(days=3))
        late = make(
            org["other_cadre"], TODAY - timedelta(days=300), TODAY - timedelta(days=60), S.APPRAISAL
        )
        db.session.commit()
    html = hr_client.get("/secondments/overview").get_data(as_text=True)
    soon_card = html[
        html.index('data-testid="ending-soon"') : html.index('data-testid="appraisal-overdue"')
    ]
    assert (
        f'data-secondment-id="{soon}"' in soon_card
        and f'data-secondment-id="{late}"' not in soon_card
    )
    late_card = html[html.index('data-testid="appraisal-overdue"') :]
    assert f'data-secondment-id="{late}"' in late_card.split("<svg")[0]


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_has_every_state_warnings_and_the_cadres_appraisal(app):

    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()
        today = clock.today()
        states = dict(
            db.session.execute(
                sa.select(Secondment.state, sa.func.count()).group_by(Secondment.state)
            ).all()
        )
        assert set(states) == set(SecondmentState)
        assert 70 <= sum(states.values()) <= 80
        found = overview.warnings(
            visible_departments=None, today=today, settings=operations.current_settings()
        )
        assert len(found.overdue) == 1 and len(found.ending_soon) >= 3
        manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
        sections = [d.id for d in manager.led_departments]
        mine = overview.warnings(
            visible_departments=sections, today=today, settings=operations.current_settings()
        )
        assert mine.ending_soon  # the demo manager has something to see
        own = db.session.scalar(sa.select(User).where(User.username == "cadre")).cadre
        assert [s.state for s in own_secondments(own.id)] == [S.APPRAISAL]
        archived = list(
            db.session.scalars(sa.select(Secondment).where(Secondment.state == S.ARCHIVED))
        )
        assert all(s.grade and s.resume_entry_id for s in archived)
        entry = db.session.get(ResumeEntry, archived[0].resume_entry_id)
        assert entry.line.startswith(f"{archived[0].start_date:%Y.%m}--")
        for back in range(3):  # about 25 a year over the last three years
            began = db.session.scalar(
                sa.select(sa.func.count()).where(
                    Secondment.start_date > today - timedelta(days=365 * (back + 1)),
                    Secondment.start_date <= today - timedelta(days=365 * back),
                )
            )
            assert 15 <= began <= 35, (back, began)


def own_secondments(cadre_id: int) -> list[Secondment]:
    return list(db.session.scalars(sa.select(Secondment).where(Secondment.cadre_id == cadre_id)))
