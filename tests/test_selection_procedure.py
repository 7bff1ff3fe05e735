"""The round's procedure as pure rules (services.selection.procedure): stage order, the
讨论决定 quorum and majority at their boundaries, the 任前公示 period across a holiday, the
试用期."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.models.selection import Stage
from cadre_app.services.selection import procedure as p


@pytest.fixture(autouse=True)
def _context(app_ctx):
    """gettext in the default (Chinese) locale."""


# --- stages -----------------------------------------------------------------------------------


def test_the_stages_follow_the_domain_order():
    assert [s.value for s in p.ORDER] == [
        "motion", "recommendation", "candidates", "inspection", "decision",
        "publicity", "appointment", "probation", "confirmed",
    ]  # fmt: skip
    assert p.next_stage(Stage.MOTION) is Stage.RECOMMENDATION
    assert p.next_stage(Stage.CONFIRMED) is None
    assert p.previous_stage(Stage.MOTION) is None


def test_a_stage_cannot_be_skipped():
    with pytest.raises(p.StepRefused, match="不能跳过阶段"):
        p.check_step(Stage.MOTION, Stage.CANDIDATES)
    assert p.check_step(Stage.MOTION, Stage.RECOMMENDATION) is False


def test_going_back_is_one_stage_with_a_reason():
    with pytest.raises(p.StepRefused, match="须说明原因"):
        p.check_step(Stage.INSPECTION, Stage.CANDIDATES, reason="  ")
    assert p.check_step(Stage.INSPECTION, Stage.CANDIDATES, reason="补充考察对象") is True
    with pytest.raises(p.StepRefused, match="只能退回上一阶段"):
        p.check_step(Stage.INSPECTION, Stage.MOTION, reason="重来")


def test_no_going_back_after_the_appointment():
    with pytest.raises(p.StepRefused, match="任职已生效"):
        p.check_step(Stage.APPOINTMENT, Stage.PUBLICITY, reason="撤回")


# --- quorum and majority ----------------------------------------------------------------------


def test_nine_members_six_present_five_votes_passes():
    vote = p.majority(9, 6, 5)
    assert vote.passed and vote.needed == 5
    assert "超过应到会成员 9 人的半数" in vote.explanation


def test_nine_members_five_present_has_no_quorum():
    meeting = p.quorum(9, 5)
    assert not meeting.valid and meeting.needed == 6
    assert "不足应到会成员的三分之二" in meeting.explanation
    assert not p.majority(9, 5, 5).passed  # 5 of 9 would be a majority, but no quorum


def test_exactly_two_thirds_present_is_a_quorum():
    assert p.quorum(9, 6).valid  # 6/9 = 2/3 exactly
    assert p.quorum(12, 8).valid and not p.quorum(12, 7).valid
    assert p.quorum(10, 7).valid and not p.quorum(10, 6).valid  # 20/3 = 6.67: 7 needed


def test_exactly_half_of_all_members_fails():
    vote = p.majority(8, 8, 4)
    assert not vote.passed and vote.needed == 5
    assert "未超过" in vote.explanation
    assert p.majority(8, 8, 5).passed


def test_the_majority_counts_members_entitled_not_present():
    # 9 entitled, 6 present: 4 is more than half of those present, not of all members
    assert not p.majority(9, 6, 4).passed


# --- 任前公示 -----------------------------------------------------------------------------------


def test_five_working_days_in_an_ordinary_week():
    monday = date(2026, 3, 2)
    assert p.earliest_publicity_end(monday, {}) == date(2026, 3, 6)
    assert p.check_publicity(monday, date(2026, 3, 6), {}) is None
    problem = p.check_publicity(monday, date(2026, 3, 5), {})
    assert problem and "只有 4 个工作日" in problem and "2026-03-06" in problem


def test_the_publicity_end_across_a_holiday_and_a_make_up_day():
    # 2026 国庆: 10-01..10-07 off (Thu..Wed), Sunday 09-27 and Saturday 10-10 are 调休 workdays
    overrides = {date(2026, 10, d): False for d in range(1, 8)}
    overrides |= {date(2026, 9, 27): True, date(2026, 10, 10): True}
    start = date(2026, 9, 28)  # Monday: 09-28, 09-29, 09-30 work, then the holiday
    assert p.earliest_publicity_end(start, overrides) == date(2026, 10, 9)  # 10-08, 10-09
    assert p.check_publicity(start, date(2026, 10, 7), overrides) is not None
    # the make-up Saturday counts: a start on Wednesday 09-30 ends on Saturday 10-10
    assert p.earliest_publicity_end(date(2026, 9, 30), overrides) == date(2026, 10, 12)
    assert p.working_days_between(date(2026, 9, 30), date(2026, 10, 10), overrides) == 4


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    assert p.earliest_publicity_end(date(2026, 3, 7), {}) == date(2026, 3, 13)  # Saturday


def test_appointment_is_refused_before_the_end_or_with_an_open_objection():
    end = date(2026, 3, 6)
    assert "公示期满前不能任职" in p.appointment_refusal(date(2026, 3, 5), end, 0)
    assert "未处理完毕" in p.appointment_refusal(date(2026, 3, 9), end, 1)
    assert p.appointment_refusal(end, end, 0) is None


# --- 试用期 ------------------------------------------------------------------------------------


def test_probation_for_a_first_appointment_to_a_leading_post():
    assert p.probation_applies("领导职务", "县处级副职", None)
    assert p.probation_applies("领导职务", "县处级副职", "乡科级正职")
    assert not p.probation_applies("领导职务", "县处级副职", "县处级副职")  # a transfer
    assert not p.probation_applies("职级", "四级调研员", None)


def test_probation_lasts_one_year():
    assert p.probation_end(date(2026, 3, 9)) == date(2027, 3, 8)
    assert p.probation_end(date(2028, 2, 29)) == date(2029, 2, 27)


def test_confirmation_only_after_the_probation_removal_any_time():
    end = date(2027, 3, 8)
    assert "届满后才能转正" in p.probation_refusal("转正", date(2027, 3, 8), end)
    assert p.probation_refusal("转正", date(2027, 3, 9), end) is None
    assert p.probation_refusal("免去试任职务", date(2026, 9, 1), end) is None
    assert p.probation_refusal("", date(2027, 3, 9), end)
