"""业务微讲座: HR records a lecture, its attendees (by search, 工号 or section) and the paper
rating slips; an attendee rates once; the year's list with averages and the best-rated; the
credit shown; managers see their sections' lectures only; the profile's 教育培训 section."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Lecture, LectureAttendee
from cadre_app.services.core import settings
from cadre_app.services.training import lectures, rules
from tests.conftest import count_rows, office_today
from tests.factories import CadreFactory, LectureFactory


@pytest.fixture
def lecture_setup(app, org):
    """A speaker in 国库处 and three more cadres in 预算处 (李晓明 is one already)."""
    with app.app_context():
        budget = db.session.get(Cadre, org["own_cadre"]).department
        treasury = db.session.get(Cadre, org["other_cadre"]).department
        speaker = CadreFactory(staff_no="S0001", name="张主讲", department=treasury)
        others = [
            CadreFactory(staff_no=f"B000{i}", name=f"预算{i}", department=budget) for i in range(3)
        ]
        db.session.commit()
        return {"speaker": speaker.id, "budget_cadres": [c.id for c in others], **org}


def _new_lecture(app, speaker_id, **kw):
    with app.app_context():
        lecture = LectureFactory(speaker_id=speaker_id, **kw)
        db.session.commit()
        return lecture.id


def _form(**overrides):
    data = {
        "speaker_staff_no": "S0001",
        "topic": "预算绩效管理实务",
        "held_on": (office_today() - timedelta(days=3)).isoformat(),
        "duration_hours": "2",
        "place": "三楼会议室",
        "programme_id": "",
        "notes": "",
    }
    data.update(overrides)
    return data


# --- recording ---------------------------------------------------------------------------------


def test_hr_records_a_lecture_once_even_when_the_form_is_posted_twice(
    app, hr_client, lecture_setup
):
    first = hr_client.post("/training/lectures/new", data=_form())
    assert first.status_code == 302 and "/attendees" in first.headers["Location"]
    again = hr_client.post("/training/lectures/new", data=_form())
    assert again.status_code == 302
    assert count_rows(app, Lecture) == 1
    with app.app_context():
        lecture = db.session.scalar(sa.select(Lecture))
        assert lecture.speaker_id == lecture_setup["speaker"]
        assert again.headers["Location"].endswith(f"/training/lectures/{lecture.id}")
        assert str(lecture.duration_hours) == "2.0"
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "lecture")
        ).all()
        assert [e.action for e in events] == ["create"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("held_on", "2999-01-01", "讲座日期不能晚于今天"),
        ("duration_hours", "0", "讲座学时须大于 0"),
        ("duration_hours", "8.5", "讲座学时须大于 0 且不超过 8"),
        ("duration_hours", "两小时", "请填写讲座学时"),
        ("speaker_staff_no", "NOPE", "名册中没有工号为 NOPE 的干部"),
        ("held_on", "2026-02", "请填写完整的日期"),
    ],
)
def test_a_bad_lecture_is_refused_with_its_message_and_nothing_written(
    app, hr_client, lecture_setup, field, value, message
):
    response = hr_client.post("/training/lectures/new", data=_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_rows(app, Lecture) == 0


def test_the_speaker_is_found_by_search_and_preselected(app, hr_client, lecture_setup):
    page = hr_client.get("/training/lectures/new?q=张主讲").get_data(as_text=True)
    assert f"?speaker={lecture_setup['speaker']}" in page
    chosen = hr_client.get(f"/training/lectures/new?speaker={lecture_setup['speaker']}")
    assert 'value="S0001"' in chosen.get_data(as_text=True)


# --- attendees -----------------------------------------------------------------------------------


def test_attendees_by_search_staff_numbers_and_section(app, hr_client, lecture_setup):
    lecture_id = _new_lecture(app, lecture_setup["speaker"])
    url = f"/training/lectures/{lecture_id}/attendees"
    own = lecture_setup["own_cadre"]
    assert hr_client.post(url, data={"how": "cadre", "cadre_id": own}).status_code == 302
    # the same cadre again (a second click, a double post): refused, nothing added
    again = hr_client.post(url, data={"how": "cadre", "cadre_id": own})
    assert again.status_code == 400 and "已在听众名单中" in again.get_data(as_text=True)
    # the speaker may not attend their own lecture
    speaker = hr_client.post(url, data={"how": "cadre", "cadre_id": lecture_setup["speaker"]})
    assert speaker.status_code == 400
    assert "主讲人，不能同时作为听众" in speaker.get_data(as_text=True)
    # 工号 list with one unknown: nothing added
    bad = hr_client.post(url, data={"how": "staff_nos", "staff_nos": "B0000, NOPE"})
    assert bad.status_code == 400 and "NOPE" in bad.get_data(as_text=True)
    assert count_rows(app, LectureAttendee) == 1
    assert hr_client.post(url, data={"how": "staff_nos", "staff_nos": "B0000"}).status_code == 302
    # a whole section: those already listed are skipped and counted
    response = hr_client.post(
        url,
        data={"how": "section", "department_id": lecture_setup["budget"]},
        follow_redirects=True,
    )
    assert "已添加 2 名听众" in response.get_data(as_text=True)
    assert "跳过 2 人" in response.get_data(as_text=True)
    with app.app_context():
        ids = set(
            db.session.scalars(
                sa.select(LectureAttendee.cadre_id).where(LectureAttendee.lecture_id == lecture_id)
            )
        )
    assert ids == {own, *lecture_setup["budget_cadres"]}
    removed = hr_client.post(url, data={"how": "remove", "cadre_id": own})
    assert removed.status_code == 302
    assert count_rows(app, LectureAttendee) == 3


def test_the_speaker_cannot_be_changed_to_an_attendee(app, hr_client, lecture_setup):
    lecture_id = _new_lecture(app, lecture_setup["speaker"])
    with app.app_context():
        db.session.add(LectureAttendee(lecture_id=lecture_id, cadre_id=lecture_setup["own_cadre"]))
        db.session.commit()
    response = hr_client.post(
        f"/training/lectures/{lecture_id}/edit",
        data=_form(speaker_staff_no="T0001", topic="改题", held_on="2026-03-10"),
    )
    assert response.status_code == 400
    assert "主讲人已在听众名单中" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Lecture, lecture_id).speaker_id == lecture_setup["speaker"]


# --- ratings ------------------------------------------------------------------------------------


def _attend(app, lecture_id, cadre_ids, ratings=None):
    with app.app_context():
        for i, cadre_id in enumerate(cadre_ids):
            rating = ratings[i] if ratings else None
            db.session.add(LectureAttendee(lecture_id=lecture_id, cadre_id=cadre_id, rating=rating))
        db.session.commit()


def test_hr_enters_the_rating_slips_all_or_nothing(app, hr_client, lecture_setup):
    lecture_id = _new_lecture(app, lecture_setup["speaker"])
    a, b, c = lecture_setup["budget_cadres"]
    _attend(app, lecture_id, [a, b, c])
    url = f"/training/lectures/{lecture_id}/ratings"
    bad = hr_client.post(
        url, data={f"rating-{a}": "5", f"rating-{b}": "6", f"rating-{c}": "", f"comment-{a}": "好"}
    )
    assert bad.status_code == 400 and "评分须为 1 到 5 的整数" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LectureAttendee, (lecture_id, a)).rating is None  # none saved
    zero = hr_client.post(url, data={f"rating-{a}": "0"})
    assert zero.status_code == 400
    ok = hr_client.post(
        url,
        data={f"rating-{a}": "5", f"rating-{b}": "4", f"rating-{c}": "", f"comment-{a}": "实用"},
    )
    assert ok.status_code == 302
    with app.app_context():
        row = db.session.get(LectureAttendee, (lecture_id, a))
        assert (row.rating, row.comment) == (5, "实用")
        assert db.session.get(LectureAttendee, (lecture_id, c)).rating is None
    page = hr_client.get(f"/training/lectures/{lecture_id}").get_data(as_text=True)
    assert "4.50" in page


def test_the_rating_range_is_also_a_database_rule(app, lecture_setup):
    lecture_id = _new_lecture(app, lecture_setup["speaker"])
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.add(
            LectureAttendee(lecture_id=lecture_id, cadre_id=lecture_setup["own_cadre"], rating=6)
        )
        db.session.flush()


def test_an_attendee_rates_once_and_nobody_else_can(app, login_as, lecture_setup):
    mine = _new_lecture(app, lecture_setup["speaker"])
    other = _new_lecture(app, lecture_setup["speaker"])
    _attend(app, mine, [lecture_setup["own_cadre"]])
    cadre = login_as("cadre")
    assert cadre.get(f"/training/lectures/{other}/rate").status_code == 404  # not attended
    assert login_as("hr").get(f"/training/lectures/{mine}/rate").status_code == 404  # no cadre
    assert cadre.post(f"/training/lectures/{mine}/rate", data={"rating": "9"}).status_code == 400
    response = cadre.post(
        f"/training/lectures/{mine}/rate", data={"rating": "4", "comment": "受益"}
    )
    assert response.status_code == 302
    again = cadre.post(f"/training/lectures/{mine}/rate", data={"rating": "1"})
    assert again.status_code == 302
    with app.app_context():
        row = db.session.get(LectureAttendee, (mine, lecture_setup["own_cadre"]))
        assert (row.rating, row.comment) == (4, "受益")
    assert "评分提交后不能修改" in cadre.get(f"/training/lectures/{mine}/rate").get_data(
        as_text=True
    )


# --- the list and the best-rated -----------------------------------------------------------------


def test_the_year_list_shows_averages_and_the_best_rated_first(app, hr_client, lecture_setup):
    cadres = lecture_setup["budget_cadres"] + [lecture_setup["own_cadre"]]
    good = _new_lecture(app, lecture_setup["speaker"], topic="高分讲座")
    fine = _new_lecture(app, lecture_setup["speaker"], topic="中等讲座")
    few = _new_lecture(app, lecture_setup["speaker"], topic="评分太少")
    _new_lecture(app, lecture_setup["speaker"], topic="去年讲座", held_on=date(2025, 5, 1))
    _attend(app, good, cadres, [5, 5, 4, 5])
    _attend(app, fine, cadres, [4, 4, 3, 4])
    _attend(app, few, cadres[:2], [5, 5])
    page = hr_client.get("/training/lectures?year=2026").get_data(as_text=True)
    assert "去年讲座" not in page
    best = page.split('data-testid="best-rated"')[1].split("</section>")[0]
    assert best.index("高分讲座") < best.index("中等讲座")
    assert "评分太少" not in best  # fewer than BEST_MIN_RATINGS ratings
    assert "4.75" in page and "3.75" in page
    assert hr_client.get("/training/lectures?year=1800").status_code == 400


def test_best_rated_ties_go_to_more_ratings_then_the_later_date():
    def row(i, average, ratings, day):
        return lectures.LectureRow(i, day, f"t{i}", 1, "s", "d", 2, ratings, ratings, average)

    rows = [
        row(1, 4.5, 4, date(2026, 1, 1)),
        row(2, 4.5, 6, date(2026, 1, 1)),
        row(3, 4.5, 6, date(2026, 2, 1)),
        row(4, 5.0, 2, date(2026, 3, 1)),
    ]
    assert [r.id for r in lectures.best_rated(rows)] == [3, 2, 1]


# --- credit ------------------------------------------------------------------------------------


def test_the_credit_shown_is_the_settings_version_the_lecture_recorded(
    app, hr_client, lecture_setup
):
    hr_client.post("/training/lectures/new", data=_form())
    with app.app_context():
        lecture = db.session.scalar(sa.select(Lecture))
        changed = dict(rules.DEFAULT_SETTINGS, lecture_speaker_hours=6, lecture_attendee_hours=2)
        settings.update(rules.SETTINGS_KEY, changed, actor="test")
        db.session.commit()
        assert lectures.credits(lecture) == (rules.hours(4), rules.hours(1))
        lecture_id = lecture.id
    page = hr_client.get(f"/training/lectures/{lecture_id}").get_data(as_text=True)
    assert "主讲人 4 学时，每位听众 1 学时" in page
    hr_client.post("/training/lectures/new", data=_form(topic="新设置下的讲座"))
    with app.app_context():
        newer = db.session.scalar(sa.select(Lecture).where(Lecture.topic == "新设置下的讲座"))
        assert lectures.credits(newer) == (rules.hours(6), rules.hours(2))


# --- who reads what ---------------------------------------------------------------------------


def test_a_manager_reads_only_lectures_touching_their_sections(app, login_as, lecture_setup):
    theirs = _new_lecture(app, lecture_setup["speaker"], topic="有预算处听众")
    not_theirs = _new_lecture(app, lecture_setup["speaker"], topic="只有国库处")
    _attend(app, theirs, [lecture_setup["own_cadre"]])
    _attend(app, not_theirs, [lecture_setup["other_cadre"]])
    manager = login_as("manager")
    page = manager.get("/training/lectures?year=2026").get_data(as_text=True)
    assert "有预算处听众" in page and "只有国库处" not in page
    assert manager.get(f"/training/lectures/{theirs}").status_code == 200
    assert manager.get(f"/training/lectures/{not_theirs}").status_code == 404
    assert manager.get(f"/training/lectures/{theirs}/attendees").status_code == 403
    assert login_as("cadre").get(f"/training/lectures/{theirs}").status_code == 403


def test_the_profile_tab_lists_lectures_given_and_attended_with_credit(
    app, login_as, lecture_setup
):
    attended = _new_lecture(app, lecture_setup["speaker"], topic="我听过的讲座")
    given = _new_lecture(app, lecture_setup["own_cadre"], topic="我主讲的讲座")
    _attend(app, attended, [lecture_setup["own_cadre"]])
    _attend(app, given, [lecture_setup["other_cadre"]])
    page = login_as("cadre").get("/me?tab=training").get_data(as_text=True)
    section = page.split('data-testid="profile-lectures"')[1].split("</table>")[0]
    assert "我听过的讲座" in section and "我主讲的讲座" in section
    assert f"/training/lectures/{attended}/rate" in section  # not rated yet: a link to rate
    assert "主讲" in section and "听讲" in section
    # the cadre does not get links into HR's pages
    assert f'href="/training/lectures/{attended}"' not in section
    other = login_as("manager").get(f"/cadres/{lecture_setup['own_cadre']}?tab=training")
    assert "我主讲的讲座" in other.get_data(as_text=True)


def test_hr_deletes_a_lecture_with_its_attendees(app, hr_client, lecture_setup):
    lecture_id = _new_lecture(app, lecture_setup["speaker"])
    _attend(app, lecture_id, [lecture_setup["own_cadre"]], [5])
    assert hr_client.post(f"/training/lectures/{lecture_id}/delete").status_code == 302
    assert count_rows(app, Lecture) == 0 and count_rows(app, LectureAttendee) == 0


def test_a_long_year_is_paged_fifty_lectures_at_a_time(app, hr_client, lecture_setup):
    with app.app_context():
        for n in range(60):
            LectureFactory(
                speaker_id=lecture_setup["speaker"], held_on=date(2026, 1, 1) + timedelta(days=n)
            )
        db.session.commit()
    first = hr_client.get("/training/lectures?year=2026").get_data(as_text=True)
    assert first.count("data-lecture=") == 50 and "共 60 场" in first
    assert "/training/lectures?page=2&amp;year=2026" in first or "page=2" in first
    second = hr_client.get("/training/lectures?year=2026&page=2").get_data(as_text=True)
    assert second.count("data-lecture=") == 10
    assert hr_client.get("/training/lectures?year=2026&page=x").status_code == 400
