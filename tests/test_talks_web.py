"""The talks pages: who sees what (HR all, a manager who conducts only those talks, a cadre
account none), create, transitions, edit with version conflicts, the holiday calendar, bad
input and repeated posts."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Holiday, Role, Talk, TalkState
from tests.conftest import login, office_today
from tests.factories import TalkFactory

S = TalkState


def add_talk(app, org, **values) -> int:
    """A 提醒谈话 about 李晓明 (budget) conducted by 王芳 (treasury), unless told otherwise."""
    fields = {
        "kind": "提醒谈话",
        "source": "考核排名",
        "subject_id": org["own_cadre"],
        "conductor_id": org["other_cadre"],
        "conductor_name": "王芳",
        "reason": "2026 年度考核排名末位",
        "due_date": office_today() + timedelta(days=20),
        "state": S.TRIGGERED,
    }
    fields.update(values)
    with app.app_context():
        talk = TalkFactory(**fields)
        db.session.commit()
        return talk.id


def get_talk(app, talk_id) -> Talk:
    with app.app_context():
        talk = db.session.get(Talk, talk_id)
        db.session.expunge(talk)
        return talk


def talk_events(app, talk_id) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.object_type == "talk", AuditEvent.object_id == str(talk_id)
            )
        ).all()


@pytest.fixture
def conductor(app, make_user, org, users):
    """A manager (any section) linked to 王芳, who conducts the talks ``add_talk`` makes."""
    user = make_user("lead1", Role.MANAGER, cadre_id=org["other_cadre"])
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


# --- access -----------------------------------------------------------------------------------


def test_section_access_by_role(app, org, hr_client, manager_client, cadre_client, login_as):
    talk_id = add_talk(app, org)
    assert hr_client.get("/talks/").status_code == 200
    assert hr_client.get(f"/talks/{talk_id}").status_code == 200
    assert manager_client.get("/talks/").status_code == 200  # no linked cadre: an empty list
    assert "2026 年度考核排名末位" not in manager_client.get("/talks/").get_data(as_text=True)
    assert manager_client.get(f"/talks/{talk_id}").status_code == 404
    # 李晓明 is the subject: never shown here, and they conduct nothing
    assert cadre_client.get("/talks/").status_code == 403
    assert cadre_client.get(f"/talks/{talk_id}").status_code == 403
    for role in ("admin", "auditor"):
        client = login_as(role)
        assert client.get("/talks/").status_code == 403
        assert client.get(f"/talks/{talk_id}").status_code == 403
    anon = app.test_client().get("/talks/")
    assert anon.status_code == 302 and anon.headers["Location"].startswith("/auth/login")


def test_a_conductor_sees_only_the_talks_they_conduct(app, org, conductor):
    mine = add_talk(app, org)
    theirs = add_talk(app, org, conductor_id=None, conductor_name="外单位", reason="他人谈话")
    page = conductor.get("/talks/").get_data(as_text=True)
    assert "2026 年度考核排名末位" in page and "他人谈话" not in page
    assert "新建谈话" not in page
    assert conductor.get(f"/talks/{mine}").status_code == 200
    assert conductor.get(f"/talks/{theirs}").status_code == 404
    assert conductor.get(f"/talks/{theirs}/edit").status_code == 404
    assert conductor.post(f"/talks/{theirs}/transition", data={"target": "held"}).status_code == 404
    assert conductor.get("/talks/new").status_code == 403
    assert conductor.get("/talks/holidays").status_code == 403


def test_a_cadre_account_does_not_use_talks_even_as_the_conductor(app, org, cadre_client):
    """DESIGN.md's roles: a cadre comments on their own plan; managers write the talks they
    conduct. 李晓明 (the cadre user) is named as the conductor of a talk about 王芳."""
    about_other = add_talk(
        app, org, subject_id=org["other_cadre"], conductor_id=org["own_cadre"], reason="谈心"
    )
    assert cadre_client.get("/talks/").status_code == 403
    assert cadre_client.get(f"/talks/{about_other}").status_code == 403
    assert cadre_client.get(f"/talks/{about_other}/edit").status_code == 403
    transition = cadre_client.post(
        f"/talks/{about_other}/transition", data={"target": "held", "version": "1"}
    )
    assert transition.status_code == 403
    assert cadre_client.get(f"/records/talks/{about_other}.pdf").status_code == 404
    with app.app_context():
        assert db.session.get(Talk, about_other).state is S.TRIGGERED


# --- the list ---------------------------------------------------------------------------------


def test_list_tabs_filters_and_overdue_in_red(app, org, hr_client):
    add_talk(app, org, due_date=office_today() - timedelta(days=4), reason="逾期的")
    add_talk(app, org, kind="函询", reason="函询的", state=S.PLANNED)
    add_talk(app, org, reason="办结的", state=S.CLOSED)
    html = hr_client.get("/talks/").get_data(as_text=True)
    assert 'data-count="triggered">1<' in html and 'data-count="planned">1<' in html
    assert 'data-count="closed">1<' in html and "共 3 条" in html
    assert 'data-overdue="4"' in html and "逾期 4 天" in html and "table-danger" in html
    assert "其中逾期 1 条" in html
    only = hr_client.get("/talks/?overdue=1").get_data(as_text=True)
    assert "逾期的" in only and "函询的" not in only
    kind = hr_client.get("/talks/?kind=函询").get_data(as_text=True)
    assert "函询的" in kind and "逾期的" not in kind
    state = hr_client.get("/talks/?state=closed").get_data(as_text=True)
    assert "办结的" in state and "逾期的" not in state
    assert "李晓明" in hr_client.get("/talks/?q=T0001").get_data(as_text=True)
    assert "共 0 条" in hr_client.get("/talks/?q=王芳").get_data(as_text=True)


def test_list_paginates_newest_deadline_first(app, org, hr_client):
    with app.app_context():
        for i in range(60):
            TalkFactory(
                kind="谈心谈话",
                source="其他",
                subject_id=org["own_cadre"],
                reason=f"谈心第{i:02d}次",
                due_date=date(2026, 1, 1) + timedelta(days=i),
            )
        db.session.commit()
    first = hr_client.get("/talks/?kind=谈心谈话").get_data(as_text=True)
    assert "共 60 条" in first and "谈心第59次" in first and "谈心第09次" not in first
    second = hr_client.get("/talks/?kind=谈心谈话&page=2").get_data(as_text=True)
    assert "谈心第09次" in second and "谈心第59次" not in second


def test_bad_list_parameters_are_400(hr_client):
    assert hr_client.get("/talks/?state=nonsense").status_code == 400
    assert hr_client.get("/talks/?kind=约谈").status_code == 400
    assert hr_client.get("/talks/?page=abc").status_code == 400


# --- create -----------------------------------------------------------------------------------


def create_form(**changes) -> dict:
    data = {
        "subject_staff_no": "T0001",
        "kind": "函询",
        "source": "信访举报",
        "reason": "群众来信反映工作作风问题",
        "conductor_staff_no": "T0002",
        "recorder_name": "张记录",
        "scheduled_at": "2026-10-12T09:30",
        "place": "三楼会议室",
    }
    data.update(changes)
    return data


def test_hr_creates_a_talk_and_a_repeated_post_makes_no_second(app, org, hr_client):
    response = hr_client.post("/talks/new", data=create_form())
    assert response.status_code == 302
    talk_id = int(response.headers["Location"].rsplit("/", 1)[1])
    talk = get_talk(app, talk_id)
    assert (talk.subject_id, talk.conductor_id, talk.conductor_name) == (
        org["own_cadre"],
        org["other_cadre"],
        "王芳",
    )
    assert talk.scheduled_at == datetime(2026, 10, 12, 9, 30) and talk.state is S.TRIGGERED
    again = hr_client.post("/talks/new", data=create_form())
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/talks/{talk_id}")
    assert "未重复创建" in hr_client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Talk)) == 1


def test_create_with_a_prefilled_subject(app, org, hr_client):
    page = hr_client.get(f"/talks/new?subject={org['other_cadre']}").get_data(as_text=True)
    assert 'value="T0002"' in page
    assert f'name="subject_id" type="hidden" value="{org["other_cadre"]}"' in page
    data = create_form(subject_staff_no="", subject_id=str(org["other_cadre"]))
    data.update(conductor_staff_no="", conductor_name="赵书记", conductor_unit="机关党委")
    response = hr_client.post("/talks/new", data=data)
    assert response.status_code == 302
    assert hr_client.get("/talks/new?subject=999999").status_code == 404
    assert hr_client.get("/talks/new?subject=abc").status_code == 400


def test_the_subject_of_a_new_talk_is_found_by_a_search_not_a_long_list(app, org, hr_client):
    """No select of the whole roster: a GET search by name or 工号 lists the matches, each
    linking to the form with that cadre chosen (no JavaScript needed)."""
    blank = hr_client.get("/talks/new").get_data(as_text=True)
    assert "王芳" not in blank and "李晓明" not in blank  # the roster is not listed
    assert 'data-testid="subject-search"' in blank
    assert "/static/js/subject-search.js" in blank  # matches while typing, when scripts run
    found = hr_client.get("/talks/new?q=王").get_data(as_text=True)
    matches = found.split('data-testid="subject-matches">', 1)[1].split("</ul>", 1)[0]
    assert "王芳" in matches and "T0002" in matches and "李晓明" not in matches
    assert f'href="/talks/new?subject={org["other_cadre"]}"' in matches
    by_number = hr_client.get("/talks/new?q=T0001").get_data(as_text=True)
    assert f'href="/talks/new?subject={org["own_cadre"]}"' in by_number
    none = hr_client.get("/talks/new?q=不存在的人").get_data(as_text=True)
    assert "没有找到“不存在的人”" in none
    chosen = hr_client.get(f"/talks/new?subject={org['other_cadre']}").get_data(as_text=True)
    assert "王芳" in chosen.split('data-testid="chosen-subject">', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"subject_staff_no": "X999"}, "名册中没有工号为 X999 的干部"),
        ({"subject_staff_no": ""}, "请选择谈话对象"),
        ({"reason": ""}, "请填写事由"),
        ({"kind": "约谈"}, "谈话种类须为"),
        ({"scheduled_at": "2026-02-30T09:00"}, "时间“2026-02-30T09:00”不存在"),
        ({"scheduled_at": "明天上午"}, "不是有效的时间"),
        ({"conductor_staff_no": "T0001"}, "谈话人不能是谈话对象本人"),
        ({"subject_id": "2"}, "填写的工号与所选干部不一致"),
    ],
)
def test_bad_create_input_is_400_in_chinese(app, org, hr_client, changes, message):
    response = hr_client.post("/talks/new", data=create_form(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Talk)) == 0


# --- detail and transitions -------------------------------------------------------------------


def test_detail_shows_the_record_deadline_and_history(app, org, hr_client):
    talk_id = add_talk(app, org, due_date=office_today() - timedelta(days=2))
    html = hr_client.get(f"/talks/{talk_id}").get_data(as_text=True)
    assert "李晓明" in html and "2026 年度考核排名末位" in html and "逾期 2 天" in html
    assert 'data-target="planned"' in html and 'data-target="escalated"' in html
    assert 'data-target="held"' not in html


def test_hr_moves_a_talk_through_its_steps_and_the_history_records_them(app, org, hr_client):
    talk_id = add_talk(app, org)
    url = f"/talks/{talk_id}/transition"
    missing = hr_client.post(url, data={"target": "planned", "version": "1"})
    assert missing.status_code == 400 and "请填写约谈时间" in missing.get_data(as_text=True)
    ok = hr_client.post(
        url, data={"target": "planned", "version": "1", "scheduled_at": "2026-10-12T09:30"}
    )
    assert ok.status_code == 302
    assert get_talk(app, talk_id).state is S.PLANNED
    assert hr_client.post(url, data={"target": "approved", "version": "2"}).status_code == 302
    today = office_today().isoformat()
    held = hr_client.post(
        url,
        data={"target": "held", "version": "3", "held_at": f"{today}T10:00", "content": "谈话"},
    )
    assert held.status_code == 302
    unticked = hr_client.post(url, data={"target": "closed", "version": "4", "note": "已谈"})
    assert unticked.status_code == 400 and "之后不能再变更" in unticked.get_data(as_text=True)
    assert get_talk(app, talk_id).state is S.HELD
    assert 'data-testid="confirm-closed"' in unticked.get_data(as_text=True)
    closed = hr_client.post(
        url, data={"target": "closed", "version": "4", "note": "已谈", "confirmed": "1"}
    )
    assert closed.status_code == 302
    html = hr_client.get(f"/talks/{talk_id}").get_data(as_text=True)
    assert "已谈话 → 已办结（已谈）" in html and "data-target=" not in html
    assert hr_client.get(f"/talks/{talk_id}/edit").status_code == 302  # closed: read-only


def test_a_move_posted_twice_happens_once(app, org, hr_client):
    talk_id = add_talk(app, org)
    data = {"target": "escalated", "version": "1", "note": "移交纪检监察机构", "confirmed": "1"}
    assert hr_client.post(f"/talks/{talk_id}/transition", data=data).status_code == 302
    again = hr_client.post(f"/talks/{talk_id}/transition", data=data)
    assert again.status_code == 302
    assert "该操作已经完成" in hr_client.get(f"/talks/{talk_id}").get_data(as_text=True)
    assert len(talk_events(app, talk_id)) == 1


def test_a_stale_move_is_409(app, org, hr_client):
    talk_id = add_talk(app, org)
    data = {"target": "planned", "version": "1", "scheduled_at": "2026-10-12T09:30"}
    assert hr_client.post(f"/talks/{talk_id}/transition", data=data).status_code == 302
    stale = hr_client.post(
        f"/talks/{talk_id}/transition",
        data={"target": "escalated", "version": "1", "note": "x", "confirmed": "1"},
    )
    assert stale.status_code == 409 and 'data-testid="conflict"' in stale.get_data(as_text=True)


def test_refused_moves_and_bad_posts(app, org, hr_client):
    talk_id = add_talk(app, org)
    url = f"/talks/{talk_id}/transition"
    refused = hr_client.post(url, data={"target": "closed", "version": "1"})
    assert refused.status_code == 400
    assert "不能从“待安排”转为“已办结”" in refused.get_data(as_text=True)
    assert hr_client.post(url, data={"target": "nonsense", "version": "1"}).status_code == 400
    assert hr_client.post(url, data={"target": "planned"}).status_code == 400
    no_reason = hr_client.post(url, data={"target": "escalated", "version": "1", "confirmed": "1"})
    assert no_reason.status_code == 400 and "升级处理须写明原因" in no_reason.get_data(as_text=True)


def test_the_conductor_records_but_does_not_approve(app, org, conductor):
    talk_id = add_talk(app, org, state=S.APPROVED, scheduled_at=datetime(2026, 10, 12, 9, 30))
    html = conductor.get(f"/talks/{talk_id}").get_data(as_text=True)
    assert 'data-target="held"' in html and 'data-target="escalated"' not in html
    url = f"/talks/{talk_id}/transition"
    assert conductor.post(url, data={"target": "escalated", "version": "1"}).status_code == 403
    today = office_today().isoformat()
    future = (office_today() + timedelta(days=3)).isoformat()
    early = conductor.post(
        url, data={"target": "held", "version": "1", "held_at": f"{future}T09:00", "content": "x"}
    )
    assert early.status_code == 400 and "谈话时间不能晚于今天" in early.get_data(as_text=True)
    held = conductor.post(
        url,
        data={"target": "held", "version": "1", "held_at": f"{today}T09:00", "content": "指出问题"},
    )
    assert held.status_code == 302
    assert get_talk(app, talk_id).state is S.HELD
    assert talk_events(app, talk_id)[0].actor_name == "lead1"


def test_an_admonition_shows_its_consequences(app, org, hr_client):
    held = datetime.combine(office_today(), datetime.min.time())
    talk_id = add_talk(app, org, kind="诫勉谈话", state=S.APPROVED, scheduled_at=held)
    response = hr_client.post(
        f"/talks/{talk_id}/transition",
        data={
            "target": "held",
            "version": "1",
            "held_at": f"{office_today()}T08:00",
            "content": "c",
        },
    )
    assert response.status_code == 302
    html = hr_client.get(f"/talks/{talk_id}").get_data(as_text=True)
    assert f"{office_today().year} 年度考核不得评为优秀" in html and "书面检查期限" in html
    talk = get_talk(app, talk_id)
    assert talk.reply_due_date is not None and talk.follow_up_due_date > office_today()


# --- edit -------------------------------------------------------------------------------------


def test_hr_edits_and_a_stale_form_is_409(app, org, hr_client):
    talk_id = add_talk(app, org)
    page = hr_client.get(f"/talks/{talk_id}/edit").get_data(as_text=True)
    assert 'value="T0002"' in page and 'name="version" type="hidden" value="1"' in page
    data = {
        "version": "1",
        "source": "考核排名",
        "reason": "2026 年度考核排名末位（复核）",
        "conductor_staff_no": "T0002",
        "place": "五楼",
        "scheduled_at": "2026-10-12T09:30",
    }
    assert hr_client.post(f"/talks/{talk_id}/edit", data=data).status_code == 302
    assert get_talk(app, talk_id).place == "五楼"
    again = hr_client.post(f"/talks/{talk_id}/edit", data=data)  # posted twice: no change
    assert again.status_code == 302
    stale = hr_client.post(f"/talks/{talk_id}/edit", data=data | {"place": "六楼"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'data-testid="conflict"' in html and "五楼" in html
    assert get_talk(app, talk_id).place == "五楼"
    bad = hr_client.post(f"/talks/{talk_id}/edit", data=data | {"version": "2", "held_at": "x"})
    assert bad.status_code == 400 and "不是有效的时间" in bad.get_data(as_text=True)


def test_the_conductor_edits_only_the_record(app, org, conductor):
    talk_id = add_talk(app, org)
    page = conductor.get(f"/talks/{talk_id}/edit").get_data(as_text=True)
    assert 'name="content"' in page and 'name="reason"' not in page
    data = {"version": "1", "place": "会议室", "reason": "改掉事由", "recorder_name": "张三"}
    assert conductor.post(f"/talks/{talk_id}/edit", data=data).status_code == 302
    talk = get_talk(app, talk_id)
    assert talk.place == "会议室" and talk.reason == "2026 年度考核排名末位"


# --- holidays ---------------------------------------------------------------------------------


def test_holiday_calendar(app, hr_client, login_as, manager_client):
    assert hr_client.get("/talks/holidays?year=2026").status_code == 200
    added = hr_client.post("/talks/holidays", data={"day": "2026-10-01", "name": "国庆节"})
    assert added.status_code == 302
    swap = {"day": "2026-10-10", "name": "国庆调休", "is_workday": "y"}
    assert hr_client.post("/talks/holidays", data=swap).status_code == 302
    html = hr_client.get("/talks/holidays?year=2026").get_data(as_text=True)
    assert "2026-10-01" in html and "调休上班" in html
    weekend = hr_client.post("/talks/holidays", data={"day": "2026-10-03", "name": "国庆节"})
    assert weekend.status_code == 400 and "本来就不上班" in weekend.get_data(as_text=True)
    twice = hr_client.post("/talks/holidays", data={"day": "2026-10-01", "name": "国庆节"})
    assert twice.status_code == 400 and "已经登记过" in twice.get_data(as_text=True)
    bad = hr_client.post("/talks/holidays", data={"day": "2026-02-30", "name": "x"})
    assert bad.status_code == 400 and "日期“2026-02-30”不存在" in bad.get_data(as_text=True)
    assert hr_client.post("/talks/holidays/2026-10-01/delete").status_code == 302
    assert hr_client.post("/talks/holidays/2026-10-01/delete").status_code == 404
    assert hr_client.post("/talks/holidays/nonsense/delete").status_code == 404
    with app.app_context():
        assert [h.day for h in db.session.scalars(sa.select(Holiday))] == [date(2026, 10, 10)]
    admin = login_as("admin")
    assert admin.get("/talks/holidays").status_code == 200
    assert manager_client.get("/talks/holidays").status_code == 403
    assert hr_client.get("/talks/holidays?year=1800").status_code == 400


def test_a_holiday_moves_a_new_deadline(app, org, hr_client):
    def next_weekday(day):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    due = next_weekday(office_today() + timedelta(days=30))  # without holidays
    hr_client.post("/talks/holidays", data={"day": due.isoformat(), "name": "测试假日"})
    response = hr_client.post("/talks/new", data=create_form(kind="提醒谈话"))
    assert response.status_code == 302
    talk = get_talk(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert talk.due_date == next_weekday(due + timedelta(days=1))


def test_adding_a_holiday_offers_to_move_the_open_deadlines_on_it(app, org, hr_client, login_as):
    """A new holiday on the day open talks are due: HR is shown those talks with the current
    and the proposed deadline (the next working day) and moves them with one button, audited,
    all or nothing; a closed talk and one due another day stay as they are."""
    monday = date(2030, 1, 7)  # a Monday: Tuesday is the next working day
    due = add_talk(app, org, due_date=monday)
    replying = add_talk(
        app, org, kind="函询", reason="来信", state=S.AWAITING_REPLY, reply_due_date=monday
    )
    closed = add_talk(app, org, reason="已办结的", state=S.CLOSED, due_date=monday)
    other_day = add_talk(app, org, reason="另一天", due_date=monday + timedelta(days=1))
    added = hr_client.post("/talks/holidays", data={"day": "2030-01-07", "name": "测试假日"})
    assert added.status_code == 302
    assert added.headers["Location"].endswith("/talks/holidays/2030-01-07/deadlines")
    page = hr_client.get(added.headers["Location"]).get_data(as_text=True)
    listed = re.findall(r'<tr data-talk="(\d+)">(.*?)</tr>', page, re.S)
    assert sorted(int(t) for t, _row in listed) == sorted([due, replying])
    assert all("2030-01-07" in row and "2030-01-08" in row for _t, row in listed)
    # someone edits one of them meanwhile: the stale form moves nothing
    stale = {"talk-" + str(t): "1" for t in (due, replying)}
    with app.app_context():
        db.session.get(Talk, due).place = "会议室"
        db.session.commit()
    refused = hr_client.post("/talks/holidays/2030-01-07/deadlines", data=stale)
    assert refused.status_code == 409 and get_talk(app, replying).reply_due_date == monday
    fresh = {f"talk-{t}": str(get_talk(app, t).version) for t in (due, replying)}
    moved = hr_client.post("/talks/holidays/2030-01-07/deadlines", data=fresh)
    assert moved.status_code == 302
    assert get_talk(app, due).due_date == date(2030, 1, 8)
    assert get_talk(app, replying).reply_due_date == date(2030, 1, 8)
    assert get_talk(app, closed).due_date == monday
    assert get_talk(app, other_day).due_date == date(2030, 1, 8)
    assert "遇节假日顺延至 2030-01-08" in talk_events(app, due)[-1].summary
    # the admin keeps the calendar but sees no names: a count, not the list
    admin = login_as("admin")
    add_talk(app, org, reason="再一件", due_date=date(2030, 1, 9))
    response = admin.post("/talks/holidays", data={"day": "2030-01-09", "name": "又一假日"})
    assert response.headers["Location"].endswith("/talks/holidays?year=2030")
    assert "1 件未办结谈话的期限" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_cli_holidays_add_reports_and_moves_the_deadlines(app, org, runner):
    due = add_talk(app, org, due_date=date(2030, 1, 7))
    shown = runner.invoke(args=["holidays", "add", "2030-01-07", "测试假日"])
    assert shown.exit_code == 0, shown.output
    assert f"talk {due} T0001 李晓明 提醒谈话 due_date 2030-01-07 -> 2030-01-08" in shown.output
    assert get_talk(app, due).due_date == date(2030, 1, 7)  # reported, not moved
    add_talk(app, org, reason="第二件", due_date=date(2030, 1, 8))
    moved = runner.invoke(args=["holidays", "add", "2030-01-08", "又一假日", "--move-deadlines"])
    assert moved.exit_code == 0 and "moved" in moved.output, moved.output
    with app.app_context():
        dues = db.session.scalars(sa.select(Talk.due_date).order_by(Talk.id)).all()
    assert dues == [date(2030, 1, 7), date(2030, 1, 9)]
    refused = runner.invoke(args=["holidays", "add", "2030-01-12", "周六"])
    assert refused.exit_code == 1 and "本来就不上班" in refused.output


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def test_every_talk_form_carries_its_token(app, org, hr_client, csrf_on):
    talk_id = add_talk(app, org)
    url = f"/talks/{talk_id}/transition"
    data = {"target": "escalated", "version": "1", "note": "移交", "confirmed": "1"}
    assert hr_client.post(url, data=data).status_code == 400  # no token
    token = _token(hr_client.get(f"/talks/{talk_id}").get_data(as_text=True))
    assert hr_client.post(url, data=data | {"csrf_token": token}).status_code == 302
    form = create_form(csrf_token=_token(hr_client.get("/talks/new").get_data(as_text=True)))
    assert hr_client.post("/talks/new", data=form).status_code == 302
    token = _token(hr_client.get("/talks/holidays").get_data(as_text=True))
    day = {"day": "2026-10-01", "name": "国庆节", "csrf_token": token}
    assert hr_client.post("/talks/holidays", data=day).status_code == 302
    assert hr_client.post("/talks/holidays/2026-10-01/delete").status_code == 400
    page = hr_client.get("/talks/holidays?year=2026").get_data(as_text=True)
    delete = {"csrf_token": _token(page[page.index("talks/holidays/2026-10-01/delete") :])}
    assert hr_client.post("/talks/holidays/2026-10-01/delete", data=delete).status_code == 302
