"""Courses, enrolment, attendance, external records and the training settings, through the
web pages as HR and a manager use them (real database, real forms)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Setting
from cadre_app.models.training import Enrolment, TrainingCourse
from cadre_app.services.training import rules, settings_ops
from tests.factories import CadreFactory

COURSE = {
    "name": "财政业务能力提升专题培训班",
    "category": "专题培训班",
    "mode": "脱产",
    "organiser": "市委组织部",
    "start_date": "2026-03-02",
    "end_date": "2026-03-06",
    "hours": "35",
    "capacity": "",
    "programme_id": "",
    "notes": "",
}


def _course_id(name: str = COURSE["name"]) -> int:
    return db.session.scalar(sa.select(TrainingCourse.id).where(TrainingCourse.name == name))


def _create(client, **changes) -> int:
    response = client.post("/training/courses/new", data=COURSE | changes)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _enrolment(course_id: int, cadre_id: int) -> Enrolment:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.course_id == course_id, Enrolment.cadre_id == cadre_id)
    )


def test_hr_creates_a_course_and_sees_it_in_the_list(app, hr_client):
    course_id = _create(hr_client)
    with app.app_context():
        course = db.session.get(TrainingCourse, course_id)
        assert course.category == "专题培训班" and course.mode == "脱产"
        assert course.hours == Decimal("35.0")
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.object_type == "course", AuditEvent.object_id == str(course_id)
            )
        )
        assert event.action == "create" and event.actor_name == "hr1"
    page = hr_client.get("/training/?category=专题培训班&year=2026").get_data(as_text=True)
    assert COURSE["name"] in page
    page = hr_client.get("/training/?mode=网络").get_data(as_text=True)
    assert COURSE["name"] not in page
    page = hr_client.get("/training/?q=提升").get_data(as_text=True)
    assert COURSE["name"] in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_date": "2026-03-01"}, "结束日期早于开始日期"),
        ({"hours": "0"}, "学时须为正数"),
        ({"hours": "abc"}, "学时须为数字"),
        ({"hours": "41"}, "每天不超过 8 学时"),  # 5 days × 8 = 40
        ({"name": ""}, "请填写培训名称"),
        ({"start_date": "2026-02-30"}, "不存在"),
        ({"capacity": "-3"}, "人数上限须为正整数"),
    ],
)
def test_a_bad_course_is_refused_with_its_message(app, hr_client, changes, message):
    response = hr_client.post("/training/courses/new", data=COURSE | changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(TrainingCourse.id))) == 0


def test_edit_detects_a_concurrent_change(app, hr_client):
    course_id = _create(hr_client)
    edit = f"/training/courses/{course_id}/edit"
    saved = hr_client.post(edit, data=COURSE | {"organiser": "甲", "version": "1"})
    assert saved.status_code == 302
    stale = hr_client.post(edit, data=COURSE | {"organiser": "乙", "version": "1"})
    assert stale.status_code == 409
    assert "甲" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TrainingCourse, course_id).organiser == "甲"


def test_enrol_by_hand_twice_adds_once_and_capacity_is_kept(app, hr_client, org):
    course_id = _create(hr_client, capacity="2")
    with app.app_context():
        third = CadreFactory(department_id=org["budget"], name="赵三")
        db.session.commit()
        third_id = third.id
    found = hr_client.get(f"/training/courses/{course_id}?q=李晓明").get_data(as_text=True)
    assert f'value="{org["own_cadre"]}"' in found
    url = f"/training/courses/{course_id}/enrol"
    for _twice in range(2):
        assert hr_client.post(url, data={"cadre_id": [org["own_cadre"]]}).status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Enrolment.id)).where(Enrolment.course_id == course_id)
            )
            == 1
        )
    over = hr_client.post(url, data={"cadre_id": [org["other_cadre"], third_id]})
    assert over.status_code == 400
    assert "人数上限为 2 人" in over.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Enrolment.id)).where(Enrolment.course_id == course_id)
            )
            == 1
        )


def test_enrol_a_whole_section(app, hr_client, org):
    course_id = _create(hr_client)
    with app.app_context():
        for n in range(3):
            CadreFactory(department_id=org["budget"], name=f"预算{n}")
        db.session.commit()
        in_budget = db.session.scalar(
            sa.select(sa.func.count(Cadre.id)).where(Cadre.department_id == org["budget"])
        )
    url = f"/training/courses/{course_id}/enrol-section"
    assert hr_client.post(url, data={"department_id": org["budget"]}).status_code == 302
    assert hr_client.post(url, data={"department_id": org["budget"]}).status_code == 302
    with app.app_context():
        enrolled = db.session.scalar(
            sa.select(sa.func.count(Enrolment.id)).where(Enrolment.course_id == course_id)
        )
    assert enrolled == in_budget == 4


def test_section_enrolment_over_capacity_enrols_nobody(app, hr_client, org):
    course_id = _create(hr_client, capacity="1")
    with app.app_context():
        CadreFactory(department_id=org["budget"])
        db.session.commit()
    response = hr_client.post(
        f"/training/courses/{course_id}/enrol-section", data={"department_id": org["budget"]}
    )
    assert response.status_code == 400 and "超出上限" in response.get_data(as_text=True)
    with app.app_context():
        assert _enrolment(course_id, org["own_cadre"]) is None


def _enrolled_course(hr_client, org, **changes) -> tuple[int, int, int]:
    course_id = _create(hr_client, **changes)
    hr_client.post(
        f"/training/courses/{course_id}/enrol",
        data={"cadre_id": [org["own_cadre"], org["other_cadre"]]},
    )
    with db.session.no_autoflush:
        own = _enrolment(course_id, org["own_cadre"]).id
        other = _enrolment(course_id, org["other_cadre"]).id
    return course_id, own, other


def test_attendance_over_the_leave_limit_fails_the_course_with_the_reason(app, hr_client, org):
    with app.app_context():
        course_id, own, other = _enrolled_course(hr_client, org)
    base = f"/training/courses/{course_id}/enrolments"
    # 35 学时: 1/7 is exactly 5 — passes and earns 30; 5.1 fails and earns nothing.
    assert hr_client.post(f"{base}/{own}/attendance", data={"leave_hours": "5"}).status_code == 302
    response = hr_client.post(f"{base}/{other}/attendance", data={"leave_hours": "5.1"})
    assert response.status_code == 302
    with app.app_context():
        passed = db.session.get(Enrolment, own)
        failed = db.session.get(Enrolment, other)
        version, _settings = settings_ops.current()
        assert (passed.passed, passed.attended_hours, passed.hours_earned) == (
            True,
            Decimal("30.0"),
            Decimal("30.0"),
        )
        assert (failed.passed, failed.attended_hours, failed.hours_earned) == (
            False,
            Decimal("29.9"),
            Decimal("0.0"),
        )
        assert failed.settings_version == version
    page = hr_client.get(f"/training/courses/{course_id}").get_data(as_text=True)
    assert "未结业" in page and "超过课程 35.0 学时的 1/7" in page


def test_attendance_refuses_leave_above_the_hours_and_a_stated_pass_over_the_limit(
    app, hr_client, org
):
    with app.app_context():
        course_id, own, _other = _enrolled_course(hr_client, org)
    url = f"/training/courses/{course_id}/enrolments/{own}/attendance"
    response = hr_client.post(url, data={"leave_hours": "36"})
    assert response.status_code == 400
    assert "超过了课程学时 35.0" in response.get_data(as_text=True)
    response = hr_client.post(url, data={"leave_hours": "6", "passed": "1"})
    assert response.status_code == 400 and "不能结业" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Enrolment, own).attended_hours is None


def test_attendance_posted_twice_is_recorded_once(app, hr_client, org):
    with app.app_context():
        course_id, own, _other = _enrolled_course(hr_client, org)
    url = f"/training/courses/{course_id}/enrolments/{own}/attendance"
    data = {"leave_hours": "2", "certificate_no": "ZS-001"}
    assert hr_client.post(url, data=data).status_code == 302
    assert hr_client.post(url, data=data).status_code == 302
    with app.app_context():
        events = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.object_type == "enrolment", AuditEvent.object_id == str(own)
            )
        )
        assert events == 1
        assert db.session.get(Enrolment, own).certificate_no == "ZS-001"


def test_a_course_with_attendance_cannot_be_deleted(app, hr_client, org):
    with app.app_context():
        course_id, own, _other = _enrolled_course(hr_client, org)
    hr_client.post(
        f"/training/courses/{course_id}/enrolments/{own}/attendance", data={"leave_hours": "0"}
    )
    response = hr_client.post(f"/training/courses/{course_id}/delete")
    assert response.status_code == 400 and "不能删除" in response.get_data(as_text=True)
    empty = _create(hr_client, name="空课程")
    assert hr_client.post(f"/training/courses/{empty}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(TrainingCourse, course_id) is not None
        assert db.session.get(TrainingCourse, empty) is None


def test_remove_an_enrolment(app, hr_client, org):
    with app.app_context():
        course_id, own, _other = _enrolled_course(hr_client, org)
    url = f"/training/courses/{course_id}/enrolments/{own}/remove"
    assert hr_client.post(url).status_code == 302
    assert hr_client.post(url).status_code == 302  # posted twice: nothing more happens
    with app.app_context():
        assert db.session.get(Enrolment, own) is None


def test_manager_sees_only_own_sections_participants(app, hr_client, manager_client, org):
    with app.app_context():
        course_id, _own, _other = _enrolled_course(hr_client, org)
    only_other = _create(hr_client, name="国库业务培训")
    hr_client.post(f"/training/courses/{only_other}/enrol", data={"cadre_id": [org["other_cadre"]]})
    page = manager_client.get(f"/training/courses/{course_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "李晓明" in html and "王芳" not in html
    assert "登记考勤" not in html  # read-only
    assert manager_client.get(f"/training/courses/{only_other}").status_code == 404
    listing = manager_client.get("/training/").get_data(as_text=True)
    assert COURSE["name"] in listing and "国库业务培训" not in listing
    assert (
        manager_client.post(
            f"/training/courses/{course_id}/enrolments/{_own}/attendance",
            data={"leave_hours": "0"},
        ).status_code
        == 403
    )


def test_cadre_has_no_access_to_training(cadre_client):
    assert cadre_client.get("/training/").status_code == 403


def test_external_training_is_one_record(app, hr_client, org):
    data = COURSE | {
        "staff_no": "T0002",
        "name": "外单位数字财政研修班",
        "category": "其他",
        "mode": "在职",
        "leave_hours": "0",
        "passed": "",
        "certificate_no": "WB-9",
    }
    response = hr_client.post("/training/external", data=data)
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(
            sa.select(TrainingCourse).where(TrainingCourse.name == "外单位数字财政研修班")
        )
        assert course.external is True
        (enrolment,) = course.enrolments
        assert enrolment.cadre_id == org["other_cadre"] and enrolment.source == "external"
        assert enrolment.hours_earned == Decimal("35.0") and enrolment.certificate_no == "WB-9"
    bad = hr_client.post("/training/external", data=data | {"staff_no": "NOPE"})
    assert bad.status_code == 400 and "名册中没有工号为 NOPE" in bad.get_data(as_text=True)


SETTINGS_FORM = {
    key: settings_ops.as_text(key, value) for key, value in rules.DEFAULT_SETTINGS.items()
}


def test_settings_save_a_new_version_used_by_attendance(app, hr_client, admin_client, org):
    data = SETTINGS_FORM | {"leave_limit": "1/5", "annual_hours": "100", "version": "0"}
    assert admin_client.post("/training/settings", data=data).status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(Setting).where(Setting.key == rules.SETTINGS_KEY))
        assert row.value["leave_limit"] == [1, 5] and row.value["annual_hours"] == 100
        assert row.created_by == "admin1"
        version = row.id
        course_id, own, _other = _enrolled_course(hr_client, org)
    # 6 of 35 is above 1/7 but within 1/5: passes under the new version
    hr_client.post(
        f"/training/courses/{course_id}/enrolments/{own}/attendance", data={"leave_hours": "6"}
    )
    with app.app_context():
        enrolment = db.session.get(Enrolment, own)
        assert enrolment.passed is True and enrolment.settings_version == version
    page = hr_client.get("/training/settings").get_data(as_text=True)
    assert f'data-version="{version}"' in page and "admin1" in page


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("leave_limit", "7/1", "分子小于分母"),
        ("online_share_pct", "120", "0 至 100"),
        ("behind_warning_from", "02-30", "有效的月-日"),
        ("annual_hours", "-1", "最多一位小数"),
        ("max_hours_per_day", "0", "1 至 24"),
    ],
)
def test_settings_refuse_bad_values(app, hr_client, key, value, message):
    response = hr_client.post(
        "/training/settings", data=SETTINGS_FORM | {key: value, "version": "0"}
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        stored = sa.select(Setting).where(Setting.key == rules.SETTINGS_KEY)
        assert db.session.scalar(stored) is None


def test_settings_saved_by_someone_else_meanwhile_are_not_overwritten(app, hr_client):
    first = SETTINGS_FORM | {"annual_hours": "96", "version": "0"}
    assert hr_client.post("/training/settings", data=first).status_code == 302
    stale = SETTINGS_FORM | {"annual_hours": "80", "version": "0"}
    assert hr_client.post("/training/settings", data=stale).status_code == 409
    with app.app_context():
        assert settings_ops.current()[1]["annual_hours"] == 96


def test_index_shows_the_course_list_for_hr(hr_client):
    page = hr_client.get("/training/")
    assert page.status_code == 200
    assert "新建培训课程" in page.get_data(as_text=True)


def test_year_filter_uses_the_start_date(app, hr_client):
    _create(hr_client, start_date="2025-12-29", end_date="2026-01-02", name="跨年班")
    assert "跨年班" in hr_client.get("/training/?year=2025").get_data(as_text=True)
    assert "跨年班" not in hr_client.get("/training/?year=2026").get_data(as_text=True)
    assert hr_client.get("/training/?year=abc").status_code == 400
    assert date(2025, 12, 29)  # the course's year is its start's


def test_capacity_cannot_be_lowered_below_the_participants(app, hr_client, org):
    with app.app_context():
        course_id, _own, _other = _enrolled_course(hr_client, org)
    response = hr_client.post(
        f"/training/courses/{course_id}/edit", data=COURSE | {"capacity": "1", "version": "1"}
    )
    assert response.status_code == 400
    assert "人数上限不能小于已报名人数" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TrainingCourse, course_id).capacity is None


def test_a_course_belongs_to_a_programme_chosen_on_the_form(app, hr_client):
    from cadre_app.models.training import Programme

    with app.app_context():
        programme = Programme(name="五航工程")
        db.session.add(programme)
        db.session.commit()
        programme_id = programme.id
    form = hr_client.get("/training/courses/new").get_data(as_text=True)
    assert f'value="{programme_id}"' in form and "五航工程" in form
    course_id = _create(hr_client, programme_id=str(programme_id))
    with app.app_context():
        assert db.session.get(TrainingCourse, course_id).programme_id == programme_id
    assert "五航工程" in hr_client.get(f"/training/courses/{course_id}").get_data(as_text=True)
