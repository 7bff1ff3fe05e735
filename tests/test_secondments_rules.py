"""The pure rules of secondments (services/secondments/rules.py): no app, no database.

Every pair of states is tried against the state machine; what each step needs; the overlap
rule at its boundaries; the longest period; the 简历 line per kind; the two warnings."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest

from cadre_app.models.secondments import SECONDMENT_KINDS, SecondmentState
from cadre_app.services.secondments import rules
from cadre_app.services.secondments.rules import Period, Step, TransitionRefused

S = SecondmentState
START = date(2025, 3, 1)
END = date(2026, 2, 28)
TODAY = date(2025, 9, 1)

#: The steps DOMAIN.md allows (拟派 → 审批 → 在岗 → 延期 | 提前召回 → 期满鉴定 → 归档, 撤销 of a
#: proposal), written out here so that a change to rules.TRANSITIONS must change this too.
ALLOWED = {
    (S.PROPOSED, S.APPROVED),
    (S.PROPOSED, S.CANCELLED),
    (S.APPROVED, S.ON_POST),
    (S.APPROVED, S.CANCELLED),
    (S.ON_POST, S.EXTENDED),
    (S.ON_POST, S.RECALLED),
    (S.ON_POST, S.APPRAISAL),
    (S.EXTENDED, S.EXTENDED),
    (S.EXTENDED, S.RECALLED),
    (S.EXTENDED, S.APPRAISAL),
    (S.RECALLED, S.APPRAISAL),
    (S.APPRAISAL, S.ARCHIVED),
}

#: A step with everything any target needs.
FULL = Step(
    reason="工作需要",
    new_end=END + timedelta(days=90),
    actual_end=date(2025, 12, 31),
    grade="优秀",
    conclusion="同意归档",
)


def check(state, target, step=FULL, *, planned_end=END, today=TODAY, settings=None):
    rules.check_transition(
        state,
        target,
        start=START,
        planned_end=planned_end,
        step=step,
        today=today,
        settings=settings or rules.DEFAULT_SETTINGS,
    )


def test_the_table_is_exactly_the_documented_one():
    table = {(a, b) for a, targets in rules.TRANSITIONS.items() for b in targets}
    assert table == ALLOWED
    assert set(rules.TRANSITIONS) == set(S)


@pytest.mark.parametrize(("state", "target"), sorted(ALLOWED))
def test_every_allowed_step_passes_with_what_it_needs(state, target):
    check(state, target)
    assert target in rules.allowed_targets(state)


REFUSED = sorted(set(product(S, S)) - ALLOWED)


@pytest.mark.parametrize(("state", "target"), REFUSED)
def test_every_other_step_is_refused_naming_both_states(state, target):
    with pytest.raises(TransitionRefused, match="不能从") as refused:
        check(state, target)
    assert state.label in str(refused.value) and target.label in str(refused.value)
    assert target not in rules.allowed_targets(state)


def test_there_are_64_pairs_and_12_allowed():
    assert len(REFUSED) + len(ALLOWED) == len(S) ** 2 == 64
    assert len(ALLOWED) == 12


def test_ended_states_go_nowhere():
    assert rules.allowed_targets(S.ARCHIVED) == ()
    assert rules.allowed_targets(S.CANCELLED) == ()


def test_active_states():
    assert {s for s in S if rules.is_active(s)} == {S.PROPOSED, S.APPROVED, S.ON_POST, S.EXTENDED}
    assert S.CANCELLED not in rules.HOLDS_PERIOD and S.ARCHIVED in rules.HOLDS_PERIOD


# --- what each step needs --------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.ON_POST, S.EXTENDED])
def test_an_extension_needs_a_later_end_and_a_reason(state):
    with pytest.raises(TransitionRefused, match="新的结束日期"):
        check(state, S.EXTENDED, Step(reason="工作需要"))
    with pytest.raises(TransitionRefused, match="须晚于原计划结束日期 2026-02-28"):
        check(state, S.EXTENDED, Step(reason="工作需要", new_end=END))
    with pytest.raises(TransitionRefused, match="延期须填写原因"):
        check(state, S.EXTENDED, Step(new_end=END + timedelta(days=1)))
    with pytest.raises(TransitionRefused, match="延期须填写原因"):
        check(state, S.EXTENDED, Step(reason="   ", new_end=END + timedelta(days=1)))
    check(state, S.EXTENDED, Step(reason="工作需要", new_end=END + timedelta(days=1)))


def test_an_extension_may_not_pass_the_longest_period():
    last = date(2028, 2, 29)  # the day before 2028-03-01, three years after the start
    check(S.ON_POST, S.EXTENDED, Step(reason="工作需要", new_end=last))
    with pytest.raises(TransitionRefused, match="不能超过 3 年"):
        check(S.ON_POST, S.EXTENDED, Step(reason="工作需要", new_end=last + timedelta(days=1)))


@pytest.mark.parametrize("state", [S.ON_POST, S.EXTENDED])
def test_a_recall_needs_a_reason_and_a_day_back_inside_the_period(state):
    with pytest.raises(TransitionRefused, match="提前召回须填写原因"):
        check(state, S.RECALLED, Step(actual_end=date(2025, 6, 1)))
    with pytest.raises(TransitionRefused, match="不能早于开始日期"):
        check(state, S.RECALLED, Step(reason="工作需要", actual_end=START - timedelta(days=1)))
    with pytest.raises(TransitionRefused, match="须早于计划结束日期"):
        check(state, S.RECALLED, Step(reason="工作需要", actual_end=END))
    check(state, S.RECALLED, Step(reason="工作需要", actual_end=START))
    check(state, S.RECALLED, Step(reason="工作需要", actual_end=END - timedelta(days=1)))
    # no day given: today
    check(state, S.RECALLED, Step(reason="工作需要"), today=date(2025, 6, 1))
    with pytest.raises(TransitionRefused, match="须早于计划结束日期"):
        check(state, S.RECALLED, Step(reason="工作需要"), today=END)


@pytest.mark.parametrize("state", [S.ON_POST, S.EXTENDED, S.RECALLED])
def test_appraisal_needs_an_end_not_before_the_start(state):
    check(state, S.APPRAISAL, Step())  # the planned end by default
    check(state, S.APPRAISAL, Step(actual_end=START))
    with pytest.raises(TransitionRefused, match="实际结束日期不能早于开始日期"):
        check(state, S.APPRAISAL, Step(actual_end=START - timedelta(days=1)))


def test_archiving_needs_a_grade_and_hrs_conclusion():
    with pytest.raises(TransitionRefused, match="鉴定等次"):
        check(S.APPRAISAL, S.ARCHIVED, Step(conclusion="同意"))
    with pytest.raises(TransitionRefused, match="鉴定等次"):
        check(S.APPRAISAL, S.ARCHIVED, Step(grade="良好", conclusion="同意"))
    with pytest.raises(TransitionRefused, match="组织人事部门意见"):
        check(S.APPRAISAL, S.ARCHIVED, Step(grade="称职", conclusion=" "))
    for grade in ("优秀", "称职", "基本称职", "不称职"):
        check(S.APPRAISAL, S.ARCHIVED, Step(grade=grade, conclusion="同意"))


@pytest.mark.parametrize("state", [S.PROPOSED, S.APPROVED])
def test_cancelling_needs_a_reason(state):
    with pytest.raises(TransitionRefused, match="撤销须填写原因"):
        check(state, S.CANCELLED, Step())
    check(state, S.CANCELLED, Step(reason="人选调整"))


@pytest.mark.parametrize(("state", "target"), [(S.PROPOSED, S.APPROVED), (S.APPROVED, S.ON_POST)])
def test_approval_and_arrival_need_nothing(state, target):
    check(state, target, Step())


# --- periods ---------------------------------------------------------------------------------

OTHER = Period(date(2026, 3, 1), date(2026, 8, 31), "另一次", key=7)


def test_ending_the_day_before_another_starts_is_allowed():
    assert rules.first_overlap(START, date(2026, 2, 28), [OTHER]) is None
    assert not rules.overlaps(START, date(2026, 2, 28), OTHER.start, OTHER.end)


def test_ending_on_the_day_another_starts_overlaps():
    assert rules.first_overlap(START, date(2026, 3, 1), [OTHER]) == OTHER


def test_starting_the_day_after_another_ends_is_allowed():
    assert rules.first_overlap(date(2026, 9, 1), date(2027, 1, 1), [OTHER]) is None


def test_starting_on_the_day_another_ends_overlaps():
    assert rules.first_overlap(date(2026, 8, 31), date(2027, 1, 1), [OTHER]) == OTHER


def test_a_period_inside_or_around_another_overlaps():
    assert rules.first_overlap(date(2026, 4, 1), date(2026, 4, 2), [OTHER]) == OTHER
    assert rules.first_overlap(date(2026, 1, 1), date(2026, 12, 31), [OTHER]) == OTHER
    one_day = Period(date(2026, 5, 5), date(2026, 5, 5), "一天")
    assert rules.first_overlap(date(2026, 5, 5), date(2026, 5, 5), [one_day]) == one_day


def test_the_earliest_of_several_overlaps_is_named():
    later = Period(date(2026, 9, 1), date(2026, 12, 31), "更晚", key=8)
    assert rules.first_overlap(date(2026, 1, 1), date(2027, 1, 1), [later, OTHER]) == OTHER


# --- length ----------------------------------------------------------------------------------


def test_three_years_by_default_ending_the_day_before_the_same_date():
    rules.check_length(START, date(2028, 2, 29))
    with pytest.raises(TransitionRefused, match="不能超过 3 年"):
        rules.check_length(START, date(2028, 3, 1))


def test_the_longest_period_is_a_setting():
    two = {**rules.DEFAULT_SETTINGS, "max_years": 2}
    rules.check_length(START, date(2027, 2, 28), two)
    with pytest.raises(TransitionRefused, match="不能超过 2 年"):
        rules.check_length(START, date(2027, 3, 1), two)
    with pytest.raises(TransitionRefused, match="不能超过 2 年"):
        check(S.ON_POST, S.EXTENDED, Step(reason="x", new_end=date(2027, 3, 1)), settings=two)


def test_an_end_before_the_start_is_refused_and_one_day_is_fine():
    rules.check_length(START, START)
    with pytest.raises(TransitionRefused, match="不能早于开始日期"):
        rules.check_length(START, START - timedelta(days=1))


def test_a_start_on_29_february():
    leap = date(2024, 2, 29)
    assert rules.add_years(leap, 3) == date(2027, 2, 28)
    rules.check_length(leap, date(2027, 2, 27))
    with pytest.raises(TransitionRefused):
        rules.check_length(leap, date(2027, 2, 28))


def test_the_vocabulary():
    for kind in SECONDMENT_KINDS:
        rules.check_vocabulary(kind, "高校")
    with pytest.raises(TransitionRefused, match="类别“借调”"):
        rules.check_vocabulary("借调", "高校")
    with pytest.raises(TransitionRefused, match="单位类型“企业”"):
        rules.check_vocabulary("下派", "企业")


# --- the 简历 line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "post", "words"),
    [
        ("上挂", "副处长", "挂职任省财政厅副处长"),
        ("下派", "副局长", "挂职任省财政厅副局长"),
        ("外派", None, "在省财政厅挂职锻炼"),
        ("岗位实践锻炼", "科员", "在省财政厅科员岗位实践锻炼"),
        ("岗位实践锻炼", "", "在省财政厅岗位实践锻炼"),
        ("跟班学习", "副处长", "在省财政厅跟班学习"),
        ("驻村", "第一书记", "驻省财政厅第一书记"),
        ("驻村", None, "驻省财政厅工作"),
    ],
)
def test_resume_description_per_kind(kind, post, words):
    assert rules.resume_description(kind, " 省财政厅 ", post) == words


def test_the_whole_resume_line():
    line = rules.resume_line(START, END, "下派", "××县财政局", "副局长")
    assert line == "2025.03--2026.02 挂职任××县财政局副局长"


# --- warnings --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.ON_POST, S.EXTENDED])
def test_ends_soon_from_today_to_30_days_ahead(state):
    today = date(2026, 1, 29)  # END is 30 days later
    assert rules.ends_soon(state, END, today)
    assert rules.ends_soon(state, today, today)  # ends today
    assert not rules.ends_soon(state, END, today - timedelta(days=1))  # 31 days ahead
    assert not rules.ends_soon(state, today - timedelta(days=1), today)  # already past


@pytest.mark.parametrize("state", [S.PROPOSED, S.APPROVED, S.RECALLED, S.APPRAISAL, S.ARCHIVED])
def test_only_a_secondment_on_post_ends_soon(state):
    assert not rules.ends_soon(state, END, END)


def test_ends_soon_days_are_a_setting():
    seven = {**rules.DEFAULT_SETTINGS, "warn_days": 7}
    assert rules.ends_soon(S.ON_POST, END, END - timedelta(days=7), seven)
    assert not rules.ends_soon(S.ON_POST, END, END - timedelta(days=8), seven)


@pytest.mark.parametrize("state", [S.ON_POST, S.EXTENDED, S.RECALLED, S.APPRAISAL])
def test_appraisal_overdue_the_day_after_the_due_day(state):
    due = END + timedelta(days=30)
    assert rules.appraisal_due(END) == due
    assert not rules.appraisal_overdue(state, END, due)
    assert rules.appraisal_overdue(state, END, due + timedelta(days=1))


@pytest.mark.parametrize("state", [S.PROPOSED, S.APPROVED, S.ARCHIVED, S.CANCELLED])
def test_never_overdue_before_leaving_or_once_archived_or_cancelled(state):
    assert not rules.appraisal_overdue(state, END, END + timedelta(days=400))


def test_appraisal_due_days_are_a_setting():
    ten = {**rules.DEFAULT_SETTINGS, "appraisal_due_days": 10}
    assert rules.appraisal_due(END, ten) == END + timedelta(days=10)
    assert rules.appraisal_overdue(S.APPRAISAL, END, END + timedelta(days=11), ten)
    assert not rules.appraisal_overdue(S.APPRAISAL, END, END + timedelta(days=10), ten)
