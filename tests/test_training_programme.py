"""The programme (五航工程) and its cohorts through the pages: programmes and cohorts made once,
members added by search and by section and removed, the programme's courses and plans, and a
cohort page's figures for each member (学时 of the year, plan progress, 策论, 业务微讲座); a
manager sees only their sections' members."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Role
from cadre_app.models.training import (
    Cohort,
    Enrolment,
    Essay,
    Lecture,
    LectureAttendee,
    MilestoneState,
    PlanState,
    Programme,
    TrainingCourse,
    cohort_member,
)
from cadre_app.services.training import ledger
from tests.conftest import login, office_today
from tests.factories import CadreFactory, CohortFactory, MilestoneFactory, PlanFactory


def members(app, cohort_id) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                sa.select(cohort_member.c.cadre_id).where(cohort_member.c.cohort_id == cohort_id)
            )
        )


def new_cohort(app, **values) -> int:
    with app.app_context():
        cohort = CohortFactory(name="2026 年第一期", year=office_today().year, **values)
        db.session.commit()
        return cohort.id


def test_hr_creates_a_programme_once(app, users, hr_client):
    data = {"name": "五航工程", "description": "年轻干部培养", "active": "y"}
    response = hr_client.post("/training/programmes/new", data=data)
    assert response.status_code == 302
    again = hr_client.post("/training/programmes/new", data=data, follow_redirects=True)
    assert "已有同名的培养项目，未重复创建" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 1
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.object_type == "programme")
        )
        assert event.action == "create" and "五航工程" in event.summary
    empty = hr_client.post("/training/programmes/new", data={"name": " "})
    assert empty.status_code == 400 and "请填写项目名称" in empty.get_data(as_text=True)
    listed = hr_client.get("/training/programmes").get_data(as_text=True)
    assert "五航工程" in listed and "正在实施" in listed


def test_hr_edits_a_programme(app, users, hr_client):
    with app.app_context():
        programme_id = Programme(name="五航工程", active=True)
        db.session.add(programme_id)
        db.session.add(Programme(name="青年英才", active=True))
        db.session.commit()
        programme_id = programme_id.id
    url = f"/training/programmes/{programme_id}/edit"
    assert "五航工程" in hr_client.get(url).get_data(as_text=True)
    assert (
        hr_client.post(url, data={"name": "五航工程（2026 版）", "description": ""}).status_code
        == 302
    )
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        assert programme.name == "五航工程（2026 版）" and programme.active is False
    clash = hr_client.post(url, data={"name": "青年英才", "active": "y"})
    assert clash.status_code == 400 and "已有同名的培养项目" in clash.get_data(as_text=True)


def test_hr_creates_cohorts_once_and_refuses_a_bad_year(app, users, hr_client):
    with app.app_context():
        programme = Programme(name="五航工程")
        db.session.add(programme)
        db.session.commit()
        programme_id = programme.id
    url = f"/training/programmes/{programme_id}/cohorts/new"
    first = hr_client.post(url, data={"year": "2026", "name": "第一期"})
    assert first.status_code == 302
    cohort_id = int(first.headers["Location"].rsplit("/", 1)[1])
    again = hr_client.post(url, data={"year": "2026", "name": "第一期"})
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/cohorts/{cohort_id}")
    bad = hr_client.post(url, data={"year": "26", "name": "第二期"})
    assert bad.status_code == 400 and "年度须为四位数字" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 1
    page = hr_client.get(f"/training/programmes/{programme_id}").get_data(as_text=True)
    assert "第一期" in page
    edit = hr_client.post(
        f"/training/cohorts/{cohort_id}/edit", data={"year": "2027", "name": "一期"}
    )
    assert edit.status_code == 302
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        assert (cohort.year, cohort.name) == (2027, "一期")


def test_members_are_added_by_search_and_by_section_and_removed(app, org, users, hr_client):
    cohort_id = new_cohort(app)
    with app.app_context():
        older = CadreFactory(
            name="老干部", department_id=org["budget"], birth_date=date(1965, 5, 1)
        )
        db.session.commit()
        older_id = older.id
    search = hr_client.get(f"/training/cohorts/{cohort_id}?q=王芳").get_data(as_text=True)
    assert f'name="cadre_id" value="{org["other_cadre"]}"' in search
    url = f"/training/cohorts/{cohort_id}/members"
    assert hr_client.post(url, data={"cadre_id": [str(org["other_cadre"])]}).status_code == 302
    assert hr_client.post(url, data={"cadre_id": [str(org["other_cadre"])]}).status_code == 302
    assert members(app, cohort_id) == {org["other_cadre"]}
    unknown = hr_client.post(url, data={"cadre_id": ["999999"]})
    assert unknown.status_code == 400 and "所选干部不在名册中" in unknown.get_data(as_text=True)
    nothing = hr_client.post(url, data={})
    assert nothing.status_code == 400 and "请选择要加入的干部" in nothing.get_data(as_text=True)
    # 预算处's young cadres only: 李晓明 (born 1995), not the cadre born 1965
    section = {"department_id": str(org["budget"]), "young_only": "y"}
    assert hr_client.post(f"{url}/section", data=section).status_code == 302
    assert members(app, cohort_id) == {org["other_cadre"], org["own_cadre"]}
    everyone = {"department_id": str(org["budget"])}
    assert hr_client.post(f"{url}/section", data=everyone).status_code == 302
    assert older_id in members(app, cohort_id)
    remove = f"{url}/{org['other_cadre']}/remove"
    assert hr_client.post(remove).status_code == 302
    again = hr_client.post(remove, follow_redirects=True)
    assert "王芳 不在本期次中" in again.get_data(as_text=True)
    assert members(app, cohort_id) == {org["own_cadre"], older_id}
    with app.app_context():
        summaries = db.session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.object_type == "programme")
        ).all()
    assert any("加入" in s and "T0002 王芳" in s for s in summaries)
    assert any("移出：T0002 王芳" in s for s in summaries)


def _course(app, name, end, hours, *, cadre_id, earned, programme_id=None):
    with app.app_context():
        course = TrainingCourse(
            name=name,
            category="专题培训班",
            mode="脱产",
            start_date=end - timedelta(days=4),
            end_date=end,
            hours=Decimal(hours),
            programme_id=programme_id,
        )
        course.enrolments.append(
            Enrolment(
                cadre_id=cadre_id,
                attended_hours=Decimal(earned),
                passed=True,
                hours_earned=Decimal(earned),
            )
        )
        db.session.add(course)
        ledger.rebuild_summary()  # records made directly: the summary as the writers keep it
        db.session.commit()


def test_the_cohort_page_shows_each_members_figures_of_the_year(app, org, users, hr_client):
    today = office_today()
    year = today.year
    cohort_id = new_cohort(app)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        programme_id = cohort.programme_id
        db.session.execute(
            sa.insert(cohort_member),
            [
                {"cohort_id": cohort_id, "cadre_id": c}
                for c in (org["own_cadre"], org["other_cadre"])
            ],
        )
        plan = PlanFactory(
            cadre_id=org["own_cadre"], cohort_id=cohort_id, period_start=today - timedelta(days=30)
        )
        MilestoneFactory(
            plan=plan, title="a", due_date=today - timedelta(days=3), state=MilestoneState.DONE
        )
        MilestoneFactory(plan=plan, title="b", due_date=today - timedelta(days=1))
        MilestoneFactory(plan=plan, title="c", due_date=today, state=MilestoneState.DROPPED)
        # an older, closed plan of the same cadre is not the one shown
        PlanFactory(
            cadre_id=org["own_cadre"],
            state=PlanState.DONE,
            period_start=date(year - 3, 1, 1),
            period_end=date(year - 2, 1, 1),
        )
        essay = Essay(
            author_id=org["own_cadre"],
            title="关于预算绩效的思考",
            submitted_on=date(year, 1, 15),
            file_name="e.pdf",
            file_type="pdf",
            file_size=4,
            file_data=b"%PDF",
        )
        old_essay = Essay(
            author_id=org["own_cadre"],
            title="旧文",
            submitted_on=date(year - 1, 6, 1),
            file_name="o.pdf",
            file_type="pdf",
            file_size=4,
            file_data=b"%PDF",
        )
        lecture = Lecture(
            speaker_id=org["own_cadre"],
            topic="预算编制要点",
            held_on=date(year, 1, 20),
            duration_hours=Decimal("1.5"),
        )
        lecture.attendees.append(LectureAttendee(cadre_id=org["other_cadre"], rating=5))
        db.session.add_all([essay, old_essay, lecture])
        db.session.commit()
    _course(
        app,
        "专题班",
        date(year, 1, 10),
        "40",
        cadre_id=org["own_cadre"],
        earned="36",
        programme_id=programme_id,
    )
    _course(app, "网络课", date(year, 1, 12), "8", cadre_id=org["own_cadre"], earned="8")
    _course(app, "去年的班", date(year - 1, 12, 20), "30", cadre_id=org["own_cadre"], earned="30")
    page = hr_client.get(f"/training/cohorts/{cohort_id}").get_data(as_text=True)
    own = page.split('data-member="T0001"')[1].split("</tr>")[0]
    other = page.split('data-member="T0002"')[1].split("</tr>")[0]
    # the ledger's figure: 36 + 8 course 学时 and 4 for the lecture given (the ungraded essay
    # earns nothing yet)
    assert 'data-hours="48.0"' in own and "48.0 / 90.0" in own
    assert 'data-progress="1/2"' in own and "逾期 1 个" in own
    assert 'data-essays="1"' in own and 'data-lectures="1/0"' in own
    assert 'data-hours="1.0"' in other and 'data-lectures="0/1"' in other and "未制定" in other
    assert 'data-testid="member-count">2<' in page
    assert 'data-testid="behind-count">2<' in page  # both short of 90 学时
    # last year's figures on request
    last = hr_client.get(f"/training/cohorts/{cohort_id}?year={year - 1}").get_data(as_text=True)
    own_last = last.split('data-member="T0001"')[1].split("</tr>")[0]
    assert 'data-hours="30.0"' in own_last and 'data-essays="1"' in own_last
    # the programme page lists its course and the cohort's plan
    programme = hr_client.get(f"/training/programmes/{programme_id}").get_data(as_text=True)
    assert "专题班" in programme and "网络课" not in programme and "李晓明" in programme


def test_a_manager_sees_only_their_sections_members(app, org, users, login_as):
    cohort_id = new_cohort(app)
    with app.app_context():
        db.session.execute(
            sa.insert(cohort_member),
            [
                {"cohort_id": cohort_id, "cadre_id": c}
                for c in (org["own_cadre"], org["other_cadre"])
            ],
        )
        db.session.commit()
    manager = login_as("manager")
    page = manager.get(f"/training/cohorts/{cohort_id}").get_data(as_text=True)
    assert "李晓明" in page and "王芳" not in page
    assert 'name="cadre_id"' not in page and "移出" not in page  # reading only
    assert manager.post(f"/training/cohorts/{cohort_id}/members", data={}).status_code == 403
    assert manager.get("/training/programmes").status_code == 200


def test_other_roles_do_not_use_the_programme(app, org, users, login_as):
    cohort_id = new_cohort(app)
    for role in ("cadre", "admin", "auditor"):
        client = login_as(role)
        assert client.get("/training/programmes").status_code == 403
        assert client.get(f"/training/cohorts/{cohort_id}").status_code == 403
    anonymous = app.test_client().get(f"/training/cohorts/{cohort_id}")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_the_plan_and_programme_pages_speak_english_but_for_data(app, org, users, make_user):
    """Every page of plans and programmes in English: Chinese only where it is stored data."""
    from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text, vocabulary

    today = office_today()
    cohort_id = new_cohort(app)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        programme_id = cohort.programme_id
        db.session.execute(
            sa.insert(cohort_member), [{"cohort_id": cohort_id, "cadre_id": org["own_cadre"]}]
        )
        plan = PlanFactory(
            cadre_id=org["own_cadre"],
            cohort_id=cohort_id,
            mentor_cadre_id=org["other_cadre"],
            planned_secondment="拟下派基层锻炼一年",
            period_start=today - timedelta(days=200),
        )
        MilestoneFactory(plan=plan, title="轮岗", due_date=today - timedelta(days=3))
        MilestoneFactory(plan=plan, title="调研", due_date=today, state=MilestoneState.DONE)
        db.session.commit()
        plan_id = plan.id
    _course(
        app, "专题班", today, "8", cadre_id=org["own_cadre"], earned="8", programme_id=programme_id
    )
    make_user("mentor5", Role.CADRE, cadre_id=org["other_cadre"])
    pages = {
        "hr": [
            "/",
            "/training/plans",
            "/training/plans?overdue=1",
            "/training/plans/new?q=李",
            f"/training/plans/{plan_id}",
            f"/training/plans/{plan_id}/edit",
            f"/cadres/{org['own_cadre']}?tab=training",
            "/training/programmes",
            "/training/programmes/new",
            f"/training/programmes/{programme_id}",
            f"/training/programmes/{programme_id}/edit",
            f"/training/programmes/{programme_id}/cohorts/new",
            f"/training/cohorts/{cohort_id}",
            f"/training/cohorts/{cohort_id}?q=王",
            f"/training/cohorts/{cohort_id}/edit",
        ],
        "cadre": ["/", "/me?tab=training", "/training/plans/mine"],
        "mentor5": ["/", "/training/plans/mine", f"/training/plans/{plan_id}"],
        "manager": ["/", "/training/plans", f"/training/cohorts/{cohort_id}"],
    }
    seen: dict[str, set[str]] = {}
    for who, urls in pages.items():
        client = app.test_client()
        username = users[who].username if who in users else who
        assert login(client, username).status_code == 302
        client.post("/auth/language", data={"lang": "en", "next": "/"})
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            html = response.get_data(as_text=True)
            assert 'lang="en"' in html
            for run in chinese_runs(html):
                seen.setdefault(run, set()).add(f"{who} {url}")
    with app.app_context():
        allowed = stored_text() | vocabulary() | set(CJK_RUNS(app.config["ORGANISATION_NAME"]))
    allowed |= {"中文"} | PUNCTUATION | {"李", "王"}  # the searches typed
    chrome = {run: sorted(where)[:2] for run, where in seen.items() if run not in allowed}
    assert not chrome, chrome


def CJK_RUNS(text: str) -> list[str]:  # noqa: N802
    from tests.test_english_ui import CJK

    return CJK.findall(text)
