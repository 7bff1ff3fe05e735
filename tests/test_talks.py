"""The talks service on a real database: deadlines in working days with holidays and 调休,
the state machine (every allowed and refused move), the fields each step needs, overdue
rules, the 诫勉 6-month follow-up, 函询 15 working days, locking, the list, the calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Holiday, Talk, TalkState
from cadre_app.services.core import workdays
from cadre_app.services.talks import operations as talks
from cadre_app.services.talks import queries as talks_query
from tests.factories import TalkFactory

S = TalkState
KINDS = ("提醒谈话", "函询", "诫勉谈话", "任职谈话", "谈心谈话")
# National Day 2026 (illustrative): 1-7 October off, Saturday 10 October worked.
OCTOBER = [(date(2026, 10, d), "国庆节", False) for d in range(1, 8)] + [
    (date(2026, 10, 10), "国庆调休", True)
]
#: The table written out independently of the service: kind -> state -> next states.
_COMMON = {S.TRIGGERED: {S.PLANNED}, S.PLANNED: {S.APPROVED}, S.APPROVED: {S.HELD}}
EXPECTED = {
    "函询": _COMMON
    | {
        S.HELD: {S.AWAITING_REPLY},
        S.AWAITING_REPLY: {S.FOLLOW_UP, S.CLOSED},
        S.FOLLOW_UP: {S.CLOSED},
    },
    "诫勉谈话": _COMMON
    | {S.HELD: {S.AWAITING_REPLY}, S.AWAITING_REPLY: {S.FOLLOW_UP}, S.FOLLOW_UP: {S.CLOSED}},
    "other": _COMMON | {S.HELD: {S.FOLLOW_UP, S.CLOSED}, S.FOLLOW_UP: {S.CLOSED}},
}
FULL = {
    "scheduled_at": datetime(2026, 9, 10, 9, 30),
    "place": "三楼会议室",
    "held_at": datetime(2026, 9, 10, 9, 30),
    "content": "指出考核排名靠后的原因，提出改进要求。",
    "measures": "每月向支部书记汇报工作进展。",
    "response": "本人书面检查。",
    "response_date": date(2026, 9, 14),
    "follow_up_result": "整改到位。",
    "follow_up_due_date": date(2026, 12, 31),
    "note": "按程序办理。",
}
LATE = date(2027, 6, 1)  # after every deadline above, the 诫勉 follow-up included


def expected_targets(kind: str, state: TalkState) -> set[TalkState]:
    if not state.is_open:
        return set()
    return EXPECTED.get(kind, EXPECTED["other"]).get(state, set()) | {S.ESCALATED}


@pytest.fixture
def calendar(app_ctx):
    for day, name, workday in OCTOBER:
        db.session.add(Holiday(day=day, name=name, is_workday=workday))
    db.session.commit()


def make_talk(org, *, kind="提醒谈话", state=S.TRIGGERED, **values) -> Talk:
    """A talk put straight into ``state`` with the fields that state has."""
    fields = {
        "kind": kind,
        "subject_id": org["own_cadre"],
        "conductor_id": org["other_cadre"],
        "conductor_name": "王芳",
        "reason": "2026 年度考核排名末位",
        "due_date": date(2026, 10, 8),
        "state": state,
    }
    if state is not S.TRIGGERED:
        fields["scheduled_at"] = FULL["scheduled_at"]
    if state not in talks.BEFORE_HELD:
        fields["held_at"], fields["content"] = FULL["held_at"], FULL["content"]
        fields["reply_due_date"] = date(2026, 10, 1) if kind in talks.REPLY_KINDS else None
        if kind == "诫勉谈话":
            fields["follow_up_due_date"] = date(2027, 3, 10)
    if state is S.FOLLOW_UP:
        fields["measures"] = FULL["measures"]
        fields["follow_up_due_date"] = fields.get("follow_up_due_date") or date(2026, 12, 31)
        if kind in talks.REPLY_KINDS:
            fields["response"], fields["response_date"] = FULL["response"], FULL["response_date"]
    return TalkFactory(**fields | values)


def move(talk, target, today=LATE, **values):
    talks.transition(talk, target, values, expected_version=talk.version, actor="hr1", today=today)


def fields_of(error: talks.TalkError) -> set[str | None]:
    return {name for name, _message in error.errors}


# --- the state machine ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_table_allows_exactly_the_documented_moves(kind):
    for state in S:
        assert set(talks.allowed_targets(kind, state)) == expected_targets(kind, state), state


@pytest.mark.parametrize("kind", ["提醒谈话", "函询", "诫勉谈话"])
def test_every_move_is_made_or_refused_on_the_database(app_ctx, org, kind):
    for state in S:
        for target in S:
            savepoint = db.session.begin_nested()
            talk = make_talk(org, kind=kind, state=state)
            allowed = target in expected_targets(kind, state)
            try:
                move(talk, target, **FULL)
            except talks.TalkError as error:
                assert not allowed, (state, target, str(error))
                assert error.errors[0][0] is None and "不能" in str(error)
            else:
                assert allowed, (state, target)
                assert talk.state is target
            savepoint.rollback()


def test_refusals_say_why_in_chinese(app_ctx, org):
    with pytest.raises(talks.TalkError, match="提醒谈话不需要书面回复"):
        move(make_talk(org, state=S.HELD), S.AWAITING_REPLY)
    refusal = "不能从“待安排”转为“已谈话”，可转为：已约谈、已升级处理"
    with pytest.raises(talks.TalkError, match=refusal):
        move(make_talk(org, reason="另一事由"), S.HELD, **FULL)
    with pytest.raises(talks.TalkError, match="不能再变更状态"):
        move(make_talk(org, state=S.CLOSED, reason="已办结"), S.ESCALATED, note="x")


def test_each_step_asks_for_its_fields(app_ctx, org):
    talk = make_talk(org, conductor_id=None, conductor_name=None)
    with pytest.raises(talks.TalkError) as refused:
        move(talk, S.PLANNED)
    assert fields_of(refused.value) == {"conductor_id"}
    db.session.rollback()

    talk = make_talk(org)
    with pytest.raises(talks.TalkError) as refused:
        move(talk, S.PLANNED)
    assert fields_of(refused.value) == {"scheduled_at"}
    assert "请填写约谈时间" in str(refused.value)
    db.session.rollback()

    talk = make_talk(org, state=S.APPROVED)
    with pytest.raises(talks.TalkError) as refused:
        move(talk, S.HELD, place="会议室")
    assert fields_of(refused.value) == {"held_at", "content"}
    db.session.rollback()

    inquiry = make_talk(org, kind="函询", state=S.AWAITING_REPLY)
    with pytest.raises(talks.TalkError) as refused:
        move(inquiry, S.CLOSED)
    assert fields_of(refused.value) == {"response", "response_date"}
    db.session.rollback()

    inquiry = make_talk(org, kind="函询", state=S.AWAITING_REPLY)
    with pytest.raises(talks.TalkError) as refused:
        move(inquiry, S.FOLLOW_UP, response="答复", response_date=date(2026, 9, 20))
    assert fields_of(refused.value) == {"measures", "follow_up_due_date"}
    db.session.rollback()

    reminder = make_talk(org, state=S.FOLLOW_UP)
    with pytest.raises(talks.TalkError) as refused:
        move(reminder, S.CLOSED)
    assert fields_of(refused.value) == {"follow_up_result"}
    db.session.rollback()

    with pytest.raises(talks.TalkError, match="升级处理须写明原因"):
        move(make_talk(org), S.ESCALATED)


def test_a_talk_without_follow_up_closes_once_held(app_ctx, org):
    talk = make_talk(org, kind="谈心谈话", state=S.HELD)
    move(talk, S.CLOSED)
    assert talk.state is S.CLOSED and not talk.state.is_open


def test_dates_must_make_sense(app_ctx, org):
    talk = make_talk(org, state=S.APPROVED)
    with pytest.raises(talks.TalkError, match="谈话时间不能晚于今天"):
        move(talk, S.HELD, today=date(2026, 9, 9), **FULL)
    db.session.rollback()
    inquiry = make_talk(org, kind="函询", state=S.AWAITING_REPLY)
    with pytest.raises(talks.TalkError, match="回复日期不能早于谈话日期"):
        move(inquiry, S.CLOSED, response="答复", response_date=date(2026, 9, 1))


# --- deadlines --------------------------------------------------------------------------------


def test_a_reminder_is_due_in_30_days_rolled_past_the_holiday(calendar, org):
    talk = talks.create_talk(
        {
            "kind": "提醒谈话",
            "source": "信访举报",
            "subject_id": org["own_cadre"],
            "reason": "反映",
        },
        actor="hr1",
        today=date(2026, 9, 3),
    )
    assert talk.due_date == date(2026, 10, 8)  # 3 October is a holiday: the next working day


def test_other_kinds_are_due_on_their_scheduled_day(calendar, org):
    talk = talks.create_talk(
        {
            "kind": "任职谈话",
            "source": "其他",
            "subject_id": org["own_cadre"],
            "reason": "任前谈话",
            "scheduled_at": datetime(2026, 10, 4, 10, 0),
        },
        actor="hr1",
        today=date(2026, 9, 1),
    )
    assert talk.due_date == date(2026, 10, 8)


def test_inquiry_reply_is_due_15_working_days_after_it_is_sent(calendar, org):
    talk = make_talk(org, kind="函询", state=S.APPROVED)
    move(talk, S.HELD, held_at=datetime(2026, 9, 30, 15, 0), content="函询函已发出")
    # 8, 9, 10 (调休 Saturday), 12-16, 19-23, 26, 27 October
    assert talk.reply_due_date == date(2026, 10, 27)
    assert talk.follow_up_due_date is None


def test_inquiry_without_holidays(app_ctx, org):
    talk = make_talk(org, kind="函询", state=S.APPROVED)
    move(talk, S.HELD, held_at=datetime(2026, 11, 20, 9, 0), content="函询函已发出")
    assert talk.reply_due_date == date(2026, 12, 11)  # the third Friday after


def test_admonition_self_examination_5_days_and_follow_up_after_6_months(calendar, org):
    talk = make_talk(org, kind="诫勉谈话", state=S.APPROVED)
    move(talk, S.HELD, held_at=datetime(2026, 9, 30, 9, 0), content="诫勉谈话")
    assert talk.reply_due_date == date(2026, 10, 13)  # 8, 9, 10 (调休), 12, 13
    assert talk.follow_up_due_date == date(2027, 3, 30)
    effects = talks.admonition_effects(date(2026, 9, 30))
    # the last day of the effect period, as selection's eligibility counts it (民法典 201–202)
    assert effects == {"no_excellence_year": 2026, "no_promotion_until": date(2027, 3, 30)}
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.after["effects"]["no_promotion_until"] == "2027-03-30"


def test_admonition_follow_up_rolls_past_a_holiday(calendar, org):
    talk = make_talk(org, kind="诫勉谈话", state=S.APPROVED)
    move(talk, S.HELD, held_at=datetime(2026, 4, 1, 9, 0), content="诫勉谈话")
    assert talk.follow_up_due_date == date(2026, 10, 8)  # 1 October is National Day


def test_admonition_closes_only_after_the_follow_up(app_ctx, org):
    talk = make_talk(org, kind="诫勉谈话", state=S.FOLLOW_UP)
    with pytest.raises(talks.TalkError, match="2027-03-10 跟踪回访后才能办结"):
        move(talk, S.CLOSED, today=date(2027, 3, 9), follow_up_result="整改到位")
    db.session.rollback()
    talk = make_talk(org, kind="诫勉谈话", state=S.FOLLOW_UP)
    move(talk, S.CLOSED, today=date(2027, 3, 10), follow_up_result="整改到位")
    assert talk.state is S.CLOSED


def test_admonition_full_path(calendar, org):
    talk = make_talk(org, kind="诫勉谈话")
    today = date(2026, 9, 1)
    move(talk, S.PLANNED, today=today, scheduled_at=datetime(2026, 9, 29, 9, 0))
    move(talk, S.APPROVED, today=today, note="同意")
    move(talk, S.HELD, today=date(2026, 9, 29), held_at=datetime(2026, 9, 29, 9, 0), content="c")
    move(talk, S.AWAITING_REPLY, today=date(2026, 9, 29))
    move(
        talk,
        S.FOLLOW_UP,
        today=date(2026, 10, 9),
        response="书面检查",
        response_date=date(2026, 10, 9),
        measures="整改",
    )
    assert talk.follow_up_due_date == date(2027, 3, 29)
    move(talk, S.CLOSED, today=date(2027, 3, 29), follow_up_result="已整改")
    summaries = [h.summary for h in talks.history(talk.id)]
    assert summaries[-1].endswith("整改中 → 已办结")
    assert any("已约谈 → 已审批（同意）" in s for s in summaries)


# --- overdue ----------------------------------------------------------------------------------


def test_overdue_follows_the_deadline_that_runs_now():
    class Row:
        def __init__(self, state, **dates):
            self.state = state
            self.due_date = dates.get("due")
            self.reply_due_date = dates.get("reply")
            self.follow_up_due_date = dates.get("follow")

    d = dict(due=date(2026, 10, 8), reply=date(2026, 10, 27), follow=date(2027, 3, 30))
    assert talks.deadline_of(Row(S.TRIGGERED, **d)) == date(2026, 10, 8)
    assert talks.deadline_of(Row(S.APPROVED, **d)) == date(2026, 10, 8)
    assert talks.deadline_of(Row(S.AWAITING_REPLY, **d)) == date(2026, 10, 27)
    assert talks.deadline_of(Row(S.FOLLOW_UP, **d)) == date(2027, 3, 30)
    assert talks.deadline_of(Row(S.CLOSED, **d)) is None
    assert talks.deadline_of(Row(S.HELD, due=date(2026, 10, 8))) is None  # nothing to wait for
    planned = Row(S.PLANNED, **d)
    assert not talks.is_overdue(planned, date(2026, 10, 8))  # the last day is in time
    assert talks.is_overdue(planned, date(2026, 10, 9))
    assert talks.days_overdue(planned, date(2026, 10, 18)) == 10
    assert not talks.is_overdue(Row(S.ESCALATED, **d), date(2030, 1, 1))


def test_sql_and_python_agree_on_overdue(app_ctx, org):
    today = date(2026, 10, 20)
    made = [
        make_talk(org, kind=kind, state=state, reason=f"{kind}{state}")
        for kind in ("提醒谈话", "函询", "诫勉谈话")
        for state in S
    ]
    db.session.commit()
    in_sql = set(db.session.scalars(sa.select(Talk.id).where(talks_query.overdue_sql(today))))
    assert in_sql == {t.id for t in made if talks.is_overdue(t, today)}
    assert in_sql  # some are


# --- create and edit --------------------------------------------------------------------------


def test_create_checks_its_input(app_ctx, org):
    with pytest.raises(talks.TalkError) as refused:
        talks.create_talk(
            {"kind": "约谈", "source": "??", "subject_id": 999999, "reason": " "},
            actor="hr1",
            today=date(2026, 9, 1),
        )
    assert fields_of(refused.value) == {"kind", "source", "subject_id", "reason"}
    with pytest.raises(talks.TalkError, match="谈话人不能是谈话对象本人"):
        talks.create_talk(
            {
                "kind": "谈心谈话",
                "source": "其他",
                "subject_id": org["own_cadre"],
                "conductor_id": org["own_cadre"],
                "reason": "谈心",
            },
            actor="hr1",
            today=date(2026, 9, 1),
        )


def test_create_takes_a_known_conductor_from_the_roster_and_refuses_a_duplicate(app_ctx, org):
    values = {
        "kind": "提醒谈话",
        "source": "日常监督",
        "subject_id": org["own_cadre"],
        "conductor_id": org["other_cadre"],
        "conductor_post": "处长",
        "recorder_name": "张记录",
        "reason": "工作作风问题",
    }
    talk = talks.create_talk(dict(values), actor="hr1", today=date(2026, 9, 1))
    assert (talk.conductor_name, talk.conductor_unit, talk.conductor_post) == (
        "王芳",
        "国库处",
        "处长",
    )
    assert talk.state is S.TRIGGERED and talk.created_by == "hr1"
    with pytest.raises(talks.DuplicateTalk) as duplicate:
        talks.create_talk(dict(values), actor="hr1", today=date(2026, 9, 1))
    assert duplicate.value.talk.id == talk.id
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create")).one()
    assert event.object_type == "talk" and event.after["conductor_name"] == "王芳"


def test_update_is_locked_by_version_and_audited(app_ctx, org):
    talk = make_talk(org, state=S.HELD)
    db.session.commit()
    version = talk.version
    changes = talks.update_talk(
        talk,
        {"measures": "每周汇报", "place": "501"},
        expected_version=version,
        actor="hr1",
        today=LATE,
    )
    assert set(changes) == {"measures", "place"} and talk.version == version + 1
    # the same form again: nothing new, no conflict
    assert (
        talks.update_talk(
            talk, {"measures": "每周汇报"}, expected_version=version, actor="hr1", today=LATE
        )
        == {}
    )
    with pytest.raises(talks.VersionConflict) as conflict:
        talks.update_talk(
            talk, {"measures": "另一种"}, expected_version=version, actor="hr2", today=LATE
        )
    assert {c["field"] for c in conflict.value.changes} == {"整改措施", "地点"}
    with pytest.raises(talks.TalkError, match="请填写谈话内容"):
        talks.update_talk(
            talk, {"content": ""}, expected_version=talk.version, actor="hr1", today=LATE
        )


def test_a_concurrent_save_surfaces_as_stale_data(app_ctx, org):
    talk = make_talk(org, state=S.HELD)
    db.session.commit()
    loaded = talk.version  # the form was loaded at this version...
    db.session.connection().execute(sa.text("UPDATE talk SET version = version + 1"))  # ...then
    with pytest.raises(StaleDataError):
        talks.update_talk(
            talk, {"place": "新地点"}, expected_version=loaded, actor="hr1", today=LATE
        )


def test_repeated_move_is_already_done(app_ctx, org):
    talk = make_talk(org)
    version = talk.version
    talks.transition(
        talk,
        S.PLANNED,
        {"scheduled_at": FULL["scheduled_at"]},
        expected_version=version,
        actor="hr1",
        today=LATE,
    )
    with pytest.raises(talks.AlreadyDone):
        talks.transition(talk, S.PLANNED, {}, expected_version=version, actor="hr1", today=LATE)
    with pytest.raises(talks.VersionConflict):
        talks.transition(
            talk, S.ESCALATED, {"note": "x"}, expected_version=version, actor="hr1", today=LATE
        )


def test_correcting_the_talk_date_moves_the_reply_deadline(calendar, org):
    talk = make_talk(org, kind="函询", state=S.APPROVED)
    move(talk, S.HELD, held_at=datetime(2026, 11, 20, 9, 0), content="函询函")
    talks.update_talk(
        talk,
        {"held_at": datetime(2026, 9, 30, 9, 0)},
        expected_version=talk.version,
        actor="hr1",
        today=LATE,
    )
    assert talk.reply_due_date == date(2026, 10, 27)


def test_a_new_conductor_brings_their_own_name(app_ctx, org):
    talk = make_talk(org, conductor_id=None, conductor_name="外单位领导", conductor_unit="市纪委")
    other = db.session.get(Cadre, org["other_cadre"])
    other.position_title = "国库处处长"
    talks.update_talk(
        talk,
        {"conductor_id": other.id, "conductor_name": "外单位领导", "conductor_unit": "市纪委"},
        expected_version=talk.version,
        actor="hr1",
        today=LATE,
    )
    assert (talk.conductor_name, talk.conductor_unit, talk.conductor_post) == (
        "王芳",
        "国库处",
        "国库处处长",
    )


def test_closed_talks_are_read_only(app_ctx, org):
    talk = make_talk(org, state=S.CLOSED)
    with pytest.raises(talks.TalkError, match="记录不能再修改"):
        talks.update_talk(
            talk, {"place": "别处"}, expected_version=talk.version, actor="hr1", today=LATE
        )


# --- the list ---------------------------------------------------------------------------------


def test_list_scope_filters_counts_and_order(app_ctx, org):
    own, other = org["own_cadre"], org["other_cadre"]
    a = make_talk(org, reason="a", due_date=date(2026, 10, 1))  # overdue on 10-20
    b = make_talk(org, reason="b", due_date=date(2026, 11, 1), kind="函询")
    c = make_talk(org, reason="c", state=S.CLOSED)
    d = make_talk(org, reason="d", subject_id=other, conductor_id=own, due_date=date(2026, 12, 1))
    db.session.commit()
    today = date(2026, 10, 20)
    everyone = talks_query.TalkScope(everyone=True)
    page = talks_query.list_talks(talks_query.TalkFilters(), scope=everyone, today=today)
    assert [r.id for r in page.rows] == [d.id, b.id, a.id, c.id]  # latest deadline first
    assert page.counts == {S.TRIGGERED: 3, S.CLOSED: 1} and page.overdue_count == 1
    assert page.rows[2].days_overdue == 19
    only = talks_query.list_talks(
        talks_query.TalkFilters(overdue=True), scope=everyone, today=today
    )
    assert [r.id for r in only.rows] == [a.id] and only.total == 1
    by_kind = talks_query.list_talks(
        talks_query.TalkFilters(kind="函询"), scope=everyone, today=today
    )
    assert [r.id for r in by_kind.rows] == [b.id]
    by_name = talks_query.list_talks(talks_query.TalkFilters(q="王芳"), scope=everyone, today=today)
    assert [r.id for r in by_name.rows] == [d.id]
    by_no = talks_query.list_talks(talks_query.TalkFilters(q="T0001"), scope=everyone, today=today)
    assert {r.id for r in by_no.rows} == {a.id, b.id, c.id}
    closed = talks_query.list_talks(
        talks_query.TalkFilters(state=S.CLOSED), scope=everyone, today=today
    )
    assert [r.id for r in closed.rows] == [c.id] and closed.counts[S.TRIGGERED] == 3
    # 王芳 conducts a, b and c; 李晓明 conducts d, which is about 王芳
    mine = talks_query.list_talks(
        talks_query.TalkFilters(), scope=talks_query.TalkScope(cadre_id=other), today=today
    )
    assert {r.id for r in mine.rows} == {a.id, b.id, c.id}
    nobody = talks_query.list_talks(
        talks_query.TalkFilters(), scope=talks_query.TalkScope(), today=today
    )
    assert nobody.rows == [] and nobody.total == 0


def test_list_of_10000_talks_filters_and_pages(app_ctx, org):
    """At scale: the overdue filter, paging and the conductor's scope over 10,000 talks
    (its speed is bench/bench_talks_list.py's)."""
    start = date(2026, 1, 1)
    states = list(S)
    db.session.execute(
        sa.insert(Talk),
        [
            {
                "kind": KINDS[i % 5],
                "source": "考核排名",
                "subject_id": org["own_cadre"] if i % 2 else org["other_cadre"],
                "conductor_id": org["other_cadre"] if i % 2 else None,
                "reason": f"批量 {i}",
                "state": states[i % 8],
                "due_date": start + timedelta(days=i % 365),
                "reply_due_date": start + timedelta(days=i % 300),
                "follow_up_due_date": start + timedelta(days=i % 200),
                "version": 1,
            }
            for i in range(10_000)
        ],
    )
    db.session.commit()
    today = date(2026, 6, 1)
    scope = talks_query.TalkScope(everyone=True)
    page = talks_query.list_talks(
        talks_query.TalkFilters(overdue=True, page=3), scope=scope, today=today
    )
    mine = talks_query.list_talks(
        talks_query.TalkFilters(q="王芳"),
        scope=talks_query.TalkScope(cadre_id=org["other_cadre"]),
        today=today,
    )
    assert page.all_count == page.total == page.overdue_count > 0 and len(page.rows) == 50
    assert page.page == 3 and all(row.days_overdue > 0 for row in page.rows)
    assert mine.total == 0  # 王芳 conducts talks about 李晓明 only


# --- the holiday calendar ---------------------------------------------------------------------


def test_holidays_are_checked_listed_and_deleted(app_ctx):
    workdays.add_holiday(date(2026, 10, 1), "国庆节", is_workday=False, actor="hr1")  # Thursday
    workdays.add_holiday(date(2026, 10, 10), "国庆调休", is_workday=True, actor="hr1")  # Saturday
    with pytest.raises(workdays.CalendarError, match="已经登记过"):
        workdays.add_holiday(date(2026, 10, 1), "国庆节", is_workday=False, actor="hr1")
    with pytest.raises(workdays.CalendarError, match="是周末，本来就不上班"):
        workdays.add_holiday(date(2026, 10, 3), "国庆节", is_workday=False, actor="hr1")
    with pytest.raises(workdays.CalendarError, match="只有周末才能登记为调休上班日"):
        workdays.add_holiday(date(2026, 10, 9), "调休", is_workday=True, actor="hr1")
    with pytest.raises(workdays.CalendarError, match="请填写名称"):
        workdays.add_holiday(date(2026, 10, 2), "  ", is_workday=False, actor="hr1")
    assert [h.day.day for h in workdays.list_holidays(2026)] == [1, 10]
    assert workdays.list_holidays(2027) == []
    workdays.delete_holiday(db.session.get(Holiday, date(2026, 10, 1)), actor="hr1")
    assert [h.day.day for h in workdays.list_holidays(2026)] == [10]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "holiday")
    ).all()
    assert actions == ["create", "create", "delete"]


def test_the_deadline_counts_from_the_office_date_when_worked_out_again(app_ctx, org):
    """Opened at 07:00 Beijing time on 3 September (still 2 September in UTC): a change of
    the 约谈时间 must not move the deadline a day, and over a weekend three, earlier."""
    talk = talks.create_talk(
        {
            "kind": "提醒谈话",
            "source": "信访举报",
            "subject_id": org["own_cadre"],
            "reason": "来信",
        },
        actor="hr1",
        today=date(2026, 9, 3),
    )
    talk.created_at = datetime(2026, 9, 2, 23, 0)  # naive UTC, as stored
    db.session.flush()
    assert talks.opened_on(talk) == date(2026, 9, 3)
    before = talk.due_date
    talks.update_talk(
        talk,
        {"scheduled_at": datetime(2026, 9, 20, 9, 0)},
        expected_version=talk.version,
        actor="hr1",
        today=date(2026, 9, 3),
    )
    assert talk.due_date == before


def test_changes_since_are_stamped_in_the_office_zone(app_ctx, org):
    talk = talks.create_talk(
        {
            "kind": "提醒谈话",
            "source": "信访举报",
            "subject_id": org["own_cadre"],
            "reason": "来信",
        },
        actor="hr1",
        today=date(2026, 9, 3),
    )
    db.session.flush()
    version = talk.version
    talks.update_talk(
        talk, {"place": "二楼"}, expected_version=version, actor="hr2", today=date(2026, 9, 3)
    )
    db.session.flush()
    (change,) = talks.changes_since(talk.id, version)
    assert change["when"].utcoffset() == timedelta(hours=8)  # Asia/Shanghai


def test_state_names_are_the_plain_words_an_office_uses(app):
    """One set of state names, plain words (待安排, 已约谈, …, not 触发/拟办/办结), the same on
    the pages and in the audit log, each with its own English word."""
    from flask_babel import force_locale

    from cadre_app.services.talks.rules import STATE_NAMES

    assert [STATE_NAMES[s] for s in S] == [
        *("待安排", "已约谈", "已审批", "已谈话", "待回复", "整改中", "已办结", "已升级处理")
    ]
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert {s: s.label for s in S} == STATE_NAMES
        with force_locale("en"):
            english = [s.label for s in S]
    assert english == [
        *("To arrange", "Scheduled", "Approved", "Held", "Awaiting reply", "In follow-up"),
        *("Closed", "Escalated"),
    ]
