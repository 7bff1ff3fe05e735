"""The pure rules of training (services/training/rules.py): no app, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cadre_app.services.training import rules

S = rules.DEFAULT_SETTINGS
D = Decimal


# --- the 1/7 leave rule -----------------------------------------------------------------------


def test_leave_of_exactly_one_seventh_still_passes():
    assert rules.passes(D("56"), D("8"), S)  # 8 = 56/7
    outcome = rules.course_outcome(D("56"), D("8"), S)
    assert outcome == rules.Outcome(True, D("48.0"), D("48.0"))


def test_leave_just_above_one_seventh_fails_and_earns_nothing():
    assert not rules.passes(D("56"), D("8.1"), S)
    outcome = rules.course_outcome(D("56"), D("8.1"), S)
    assert outcome.passed is False
    assert outcome.attended == D("47.9")
    assert outcome.earned == D("0.0")


def test_one_seventh_of_hours_that_do_not_divide_evenly():
    # 1/7 of 40 is 5.714...: 5.7 passes, 5.8 does not (no rounding up of the limit)
    assert rules.passes(D("40"), D("5.7"), S)
    assert not rules.passes(D("40"), D("5.8"), S)


def test_no_leave_earns_every_hour():
    assert rules.course_outcome(D("24"), D("0"), S).earned == D("24.0")


def test_a_stated_not_passed_overrides_the_rule_but_a_stated_pass_cannot_lift_it():
    assert rules.course_outcome(D("24"), D("0"), S, passed_given=False).earned == D("0.0")
    over = rules.course_outcome(D("14"), D("3"), S, passed_given=True)  # 3 > 2 = 14/7
    assert over.passed is False and over.earned == D("0.0")


def test_the_leave_limit_is_configurable():
    quarter = {**S, "leave_limit": [1, 4]}
    assert rules.passes(D("40"), D("10"), quarter)
    assert not rules.passes(D("40"), D("10"), S)
    assert rules.leave_fraction(quarter) == rules.Fraction(1, 4)


# --- the requirement by rank band and the 5-year window ---------------------------------------


@pytest.mark.parametrize(
    "rank",
    ["二级科员", "一级科员", "四级主任科员", "一级主任科员", None, ""],
)
def test_section_level_and_below_need_90_hours_in_the_year(rank):
    req = rules.requirement(rank, 2026, S)
    assert req.hours == D("90.0")
    assert req.window == (2026, 2026)
    assert req.years == 1


@pytest.mark.parametrize("rank", ["四级调研员", "三级调研员", "一级调研员", "一级巡视员"])
def test_fourth_grade_researcher_and_up_need_550_over_five_years(rank):
    req = rules.requirement(rank, 2026, S)
    assert req.hours == D("550.0")
    assert req.window == (2022, 2026)
    assert req.years == 5


@pytest.mark.parametrize("post", ["县处级副职", "县处级正职", "厅局级副职"])
def test_a_county_level_post_is_senior_whatever_the_rank(post):
    assert rules.is_senior("一级主任科员", post)
    assert rules.requirement("一级主任科员", 2026, S, leadership_level=post).hours == D("550.0")


def test_a_section_level_post_is_not_senior():
    assert not rules.is_senior("一级主任科员", "乡科级正职")
    assert not rules.is_senior("二级主任科员")


def test_the_window_rolls_with_the_year_and_is_configurable():
    assert rules.requirement("四级调研员", 2030, S).window == (2026, 2030)
    three = {**S, "senior_window_years": 3, "senior_hours": 300}
    req = rules.requirement("四级调研员", 2026, three)
    assert (req.hours, req.window) == (D("300.0"), (2024, 2026))
    assert rules.requirement("一级科员", 2026, {**S, "annual_hours": 100}).hours == D("100.0")


# --- the online cap --------------------------------------------------------------------------


def test_online_hours_count_for_at_most_half_the_requirement():
    req = rules.requirement("一级科员", 2026, S)
    cap = rules.online_cap(req, S)
    assert cap == D("45.0")
    assert rules.counted_total(D("60"), D("30"), cap) == D("75.0")
    assert rules.counted_total(D("45"), D("30"), cap) == D("75.0")
    assert rules.counted_total(D("44.5"), D("0"), cap) == D("44.5")


def test_the_senior_cap_is_a_share_of_the_window_and_configurable():
    req = rules.requirement("四级调研员", 2026, S)
    assert rules.online_cap(req, S) == D("275.0")
    assert rules.online_cap(req, {**S, "online_share_pct": 30}) == D("165.0")


def test_shortfall_is_never_negative():
    assert rules.shortfall(D("90"), D("75")) == D("15.0")
    assert rules.shortfall(D("90"), D("120")) == D("0.0")
    assert rules.shortfall(D("90"), D("90")) == D("0.0")


# --- credits ---------------------------------------------------------------------------------


def test_lecture_credits_for_speaker_and_attendee_are_configurable():
    assert rules.lecture_credit(True, S) == D("4.0")
    assert rules.lecture_credit(False, S) == D("1.0")
    custom = {**S, "lecture_speaker_hours": 6, "lecture_attendee_hours": 1.5}
    assert rules.lecture_credit(True, custom) == D("6.0")
    assert rules.lecture_credit(False, custom) == D("1.5")


@pytest.mark.parametrize(
    "grade, earned",
    [("优秀", "8.0"), ("良好", "8.0"), ("合格", "8.0"), ("不合格", "0.0"), (None, "0.0")],
)
def test_an_essay_earns_its_credit_when_graded_pass_or_better(grade, earned):
    assert rules.essay_credit(grade, S) == D(earned)


def test_the_essay_credit_is_configurable():
    assert rules.essay_credit("合格", {**S, "essay_hours": 10}) == D("10.0")


# --- essay grading ---------------------------------------------------------------------------


def test_no_final_grade_until_two_reviewers_have_graded():
    assert rules.essay_grade([]) is None
    assert rules.essay_grade(["优秀"]) is None


@pytest.mark.parametrize(
    "grades, final",
    [
        (["优秀", "优秀"], "优秀"),
        (["优秀", "良好"], "良好"),  # a split gives the lower grade
        (["良好", "合格"], "合格"),
        (["优秀", "合格"], "良好"),  # mean 3
        (["合格", "不合格"], "不合格"),  # half 不合格
        (["优秀", "不合格"], "不合格"),  # half 不合格, whatever the other
    ],
)
def test_two_reviewers(grades, final):
    assert rules.essay_grade(grades) == final


@pytest.mark.parametrize(
    "grades, final",
    [
        (["优秀", "优秀", "良好"], "良好"),  # mean 11/3 rounded down
        (["优秀", "优秀", "优秀"], "优秀"),
        (["优秀", "合格", "不合格"], "合格"),  # one 不合格 of three: the mean, 7/3 -> 合格
        (["优秀", "不合格", "不合格"], "不合格"),  # two of three
        (["合格", "合格", "良好"], "合格"),
    ],
)
def test_three_reviewers(grades, final):
    assert rules.essay_grade(grades) == final


def test_an_unknown_grade_is_refused():
    with pytest.raises(KeyError):
        rules.essay_grade(["优秀", "很好"])


# --- the import's daily limit and the warning date -------------------------------------------


def test_at_most_8_hours_a_calendar_day():
    assert rules.max_hours_for(date(2026, 3, 2), date(2026, 3, 2), S) == D("8.0")
    assert rules.max_hours_for(date(2026, 3, 2), date(2026, 3, 6), S) == D("40.0")
    assert rules.max_hours_for(
        date(2026, 3, 2), date(2026, 3, 6), {**S, "max_hours_per_day": 6}
    ) == D("30.0")


def test_the_behind_warning_starts_on_the_configured_day():
    assert not rules.behind_warning_active(date(2026, 9, 30), S)
    assert rules.behind_warning_active(date(2026, 10, 1), S)
    assert rules.behind_warning_active(date(2026, 12, 31), S)
    assert rules.behind_warning_active(date(2026, 9, 1), {**S, "behind_warning_from": [9, 1]})


def test_hours_have_one_place_rounded_half_up():
    assert rules.hours(2.25) == D("2.3")
    assert rules.hours("7") == D("7.0")
