"""Eligibility rules (services.selection.rules) at their boundaries, on plain data: no app."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.services.selection.rules import (
    CadreFacts,
    Conditions,
    add_months,
    age_on,
    evaluate,
    sentence,
)

ON = date(2026, 9, 1)


def facts(**kw):
    base = {
        "cadre_id": 1,
        "birth_date": date(1990, 6, 1),
        "rank": "二级主任科员",
        "rank_since": date(2020, 1, 1),
        "work_start": date(2012, 7, 1),
        "education": "大学本科",
        "political_status": "中共党员",
        "grades": {2025: "称职"},
    }
    base.update(kw)
    return CadreFacts(**base)


def check(verdict, rule):
    found = [c for c in verdict.checks if c.rule == rule]
    assert found, f"no {rule} in {verdict.checks}"
    return found[0]


def test_an_ordinary_cadre_is_eligible_with_every_rule_in_words():
    verdict = evaluate(facts(), Conditions(min_rank="三级主任科员"), ON)
    assert verdict.eligible
    assert check(verdict, "grade").text == "上年度（2025）考核为称职"
    assert check(verdict, "rank").text == "现任二级主任科员"


@pytest.mark.parametrize(
    ("grade", "eligible"), [("基本称职", False), ("不称职", False), ("优秀", True)]
)
def test_previous_year_grade(grade, eligible):
    verdict = evaluate(facts(grades={2025: grade}), Conditions(), ON)
    assert verdict.eligible is eligible
    assert check(verdict, "grade").text == f"上年度（2025）考核为{grade}"


def test_no_decided_grade_or_no_grade_is_checked_by_hand():
    assert check(evaluate(facts(grades={}), Conditions(), ON), "grade").passed is None
    verdict = evaluate(facts(grades={2025: None}), Conditions(), ON)
    assert check(verdict, "grade").passed is None and verdict.eligible
    assert "不定等次" in check(verdict, "grade").text


def test_the_grade_two_years_back_does_not_count():
    assert evaluate(facts(grades={2024: "不称职", 2025: "称职"}), Conditions(), ON).eligible


def test_admonition_excludes_to_its_last_day_and_not_the_day_after():
    record = (("诫勉", date(2026, 3, 14)),)
    last = evaluate(facts(discipline=record), Conditions(), date(2026, 9, 14))
    assert not last.eligible
    assert check(last, "discipline").text == "诫勉影响期至 2026-09-14（2026-03-14 决定）"
    after = evaluate(facts(discipline=record), Conditions(), date(2026, 9, 15))
    assert after.eligible and check(after, "discipline").passed is True


@pytest.mark.parametrize(
    ("kind", "months"),
    [("警告", 6), ("记过", 12), ("记大过", 18), ("降级", 24), ("撤职", 24)],
)
def test_each_sanction_has_its_period(kind, months):
    decided = date(2024, 1, 10)
    end = add_months(decided, months)
    record = ((kind, decided),)
    assert not evaluate(facts(discipline=record), Conditions(), end).eligible
    assert evaluate(
        facts(discipline=record), Conditions(), date.fromordinal(end.toordinal() + 1)
    ).eligible


def test_a_period_ending_in_a_short_month_ends_on_its_last_day():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    record = (("诫勉", date(2025, 8, 31)),)
    assert not evaluate(facts(discipline=record), Conditions(), date(2026, 2, 28)).eligible
    assert evaluate(facts(discipline=record), Conditions(), date(2026, 3, 1)).eligible


def test_a_record_decided_after_the_date_does_not_count_and_settings_change_periods():
    record = (("记过", date(2026, 10, 1)),)
    assert evaluate(facts(discipline=record), Conditions(), ON).eligible
    record = (("记过", date(2025, 10, 1)),)
    assert not evaluate(facts(discipline=record), Conditions(), ON).eligible
    shorter = {"effect_months": {"记过": 6}}
    assert evaluate(facts(discipline=record), Conditions(), ON, shorter).eligible


def test_political_veto():
    verdict = evaluate(
        facts(political_veto=("2026年政治素质考察", date(2026, 5, 1))), Conditions(), ON
    )
    assert not verdict.eligible
    assert (
        check(verdict, "political").text
        == "政治素质考察结论为不合格（2026年政治素质考察，2026-05-01）"
    )


def test_exactly_two_years_in_rank_passes_the_day_before_fails():
    f = facts(rank_since=date(2024, 3, 15), grades={2025: "称职"})
    before = evaluate(f, Conditions(), date(2026, 3, 14))
    assert not before.eligible
    assert (
        check(before, "years_in_rank").text == "任现职级 1 年 11 个月（自 2024-03-15），需满 2 年"
    )
    assert evaluate(f, Conditions(), date(2026, 3, 15)).eligible


def test_years_in_rank_sentence_from_the_issue():
    f = facts(rank_since=date(2025, 2, 1), grades={2025: "称职"})
    text = check(evaluate(f, Conditions(), ON), "years_in_rank").text
    assert text == "任现职级 1 年 7 个月（自 2025-02-01），需满 2 年"


def test_an_excellent_year_shortens_the_wait_by_six_months():
    f = facts(rank_since=date(2024, 9, 15), grades={2025: "优秀"})
    verdict = evaluate(f, Conditions(), date(2026, 3, 15))
    assert check(verdict, "years_in_rank").passed is True
    assert "2025 年度优秀缩短后需满 1 年 6 个月" in check(verdict, "years_in_rank").text
    assert not evaluate(f, Conditions(), date(2026, 3, 14)).eligible
    # the year the rank began does not count
    g = facts(rank_since=date(2024, 9, 15), grades={2024: "优秀", 2025: "称职"})
    assert not evaluate(g, Conditions(), date(2026, 3, 15)).eligible


def test_the_ladder_default_and_the_position_minimum():
    f = facts(rank="二级调研员", rank_since=date(2024, 1, 1))  # next: 一级调研员, 3 years
    assert not evaluate(f, Conditions(), date(2026, 12, 31)).eligible
    assert evaluate(f, Conditions(), date(2027, 1, 1)).eligible
    assert evaluate(f, Conditions(min_years_in_rank=1), date(2025, 1, 1)).eligible
    top = facts(rank="一级巡视员", rank_since=date(2026, 1, 1))
    assert evaluate(top, Conditions(), ON).eligible


def test_month_only_rank_date_counts_from_the_months_last_day():
    f = facts(rank_since=date(2024, 3, 1), rank_since_precision="month")
    assert not evaluate(f, Conditions(), date(2026, 3, 30)).eligible
    verdict = evaluate(f, Conditions(), date(2026, 3, 31))
    assert verdict.eligible
    assert "按该月最后一天计" in check(verdict, "years_in_rank").text
    assert "2024.03" in check(verdict, "years_in_rank").text


def test_minimum_rank_and_already_at_the_target():
    assert not evaluate(
        facts(rank="三级主任科员"), Conditions(min_rank="二级主任科员"), ON
    ).eligible
    verdict = evaluate(facts(), Conditions(post_kind="职级", target_level="二级主任科员"), ON)
    assert not verdict.eligible
    assert "已不低于拟任职级二级主任科员" in verdict.failed[0].text
    assert not evaluate(facts(rank=None), Conditions(min_rank="一级科员"), ON).eligible


def test_age_on_the_stated_date_birthday_that_day():
    f = facts(birth_date=date(1990, 9, 1))
    assert age_on(date(1990, 9, 1), date(2026, 9, 1)) == 36
    assert age_on(date(1990, 9, 1), date(2026, 8, 31)) == 35
    assert not evaluate(f, Conditions(max_age=35), date(2026, 9, 1)).eligible
    verdict = evaluate(f, Conditions(max_age=35), date(2026, 8, 31))
    assert verdict.eligible
    assert check(verdict, "age").text == "2026-08-31 时 35 周岁，需不超过 35 周岁"
    # the position's stated date wins over the date asked for
    stated = Conditions(max_age=35, age_on=date(2026, 8, 31))
    assert check(evaluate(f, stated, date(2027, 1, 1)), "age").passed is True


def test_born_on_29_february_turns_a_year_older_on_1_march():
    assert age_on(date(1992, 2, 29), date(2027, 2, 28)) == 34
    assert age_on(date(1992, 2, 29), date(2027, 3, 1)) == 35


def test_month_only_birth_date_counts_as_the_oldest_possible():
    f = facts(birth_date=date(1990, 9, 20), birth_precision="month")
    verdict = evaluate(f, Conditions(max_age=35), date(2026, 9, 1))
    assert not verdict.eligible
    assert "按该月第一天计" in check(verdict, "age").text


def test_county_level_needs_work_grassroots_and_college():
    conditions = Conditions(post_kind="领导职务", target_level="县处级副职")
    f = facts(work_start=date(2022, 7, 1), education="中专", grassroots_days=800)
    verdict = evaluate(f, conditions, ON)
    failed = {c.rule for c in verdict.failed}
    assert failed == {"years_work", "education"}
    assert check(verdict, "years_grassroots").passed is True
    assert check(verdict, "education").text == "学历为中专，需为大学专科及以上"


def test_grassroots_short_of_the_minimum_is_checked_by_hand():
    f = facts(grassroots_days=400)
    verdict = evaluate(f, Conditions(min_years_grassroots=2), ON)
    grassroots = check(verdict, "years_grassroots")
    assert grassroots.passed is None and verdict.eligible
    assert grassroots.text == (
        "基层工作经历按派往基层单位的挂职锻炼累计 1 年 1 个月，未达 2 年，需人工核对（简历）"
    )


def test_party_membership_and_other_conditions():
    assert not evaluate(facts(political_status="群众"), Conditions(party_member=True), ON).eligible
    pre = evaluate(facts(political_status="中共预备党员"), Conditions(party_member=True), ON)
    assert pre.eligible and check(pre, "party").passed is None
    other = evaluate(facts(), Conditions(other_conditions="具有财会工作经历"), ON)
    assert check(other, "other").text == "其他条件：具有财会工作经历，需人工核对"


def test_deputy_to_head_is_listed_for_a_check_by_hand():
    f = facts(leadership_level="乡科级副职")
    verdict = evaluate(f, Conditions(post_kind="领导职务", target_level="乡科级正职"), ON)
    assert check(verdict, "leading_post").passed is None


def test_sentence_in_another_language_translates_terms_and_spans():
    f = facts(rank_since=date(2025, 2, 1), grades={2025: "基本称职"})
    verdict = evaluate(f, Conditions(), ON)
    catalogue = {
        "上年度（%(year)s）考核为%(grade)s": "Previous year (%(year)s): %(grade)s",
        "%(years)s 年 %(months)s 个月": "%(years)s y %(months)s m",
    }
    words = {"基本称职": "Basically competent"}
    text = sentence(verdict.checks[0], lambda m: catalogue.get(m, m), lambda v: words.get(v, v))
    assert text == "Previous year (2025): Basically competent"
    years = check(verdict, "years_in_rank")
    assert "1 y 7 m" in sentence(years, lambda m: catalogue.get(m, m), lambda v: v)


def test_one_evaluator_for_the_roster_keeps_each_cadre_apart():
    """The roster is judged by one Evaluator (checks made once per rank, grade, 学历 …)."""
    from cadre_app.services.selection.rules import Evaluator

    judge = Evaluator(Conditions(min_rank="二级主任科员", min_education="大学本科"), ON)
    cadres = [
        facts(cadre_id=1),
        facts(cadre_id=2, grades={2025: "基本称职"}, education="中专"),
        facts(cadre_id=3, rank="一级科员"),
        facts(cadre_id=4),
        facts(cadre_id=5, grades={2025: "基本称职"}),
    ]
    verdicts = [judge(f) for f in cadres]
    assert [v.eligible for v in verdicts] == [True, False, False, True, False]
    assert {c.rule for c in verdicts[1].failed} == {"grade", "education"}
    assert {c.rule for c in verdicts[2].failed} == {"rank"}
    assert {c.rule for c in verdicts[4].failed} == {"grade"}
    assert verdicts[1].failed[0] is verdicts[4].failed[0]  # made once, shared


def test_the_rosters_evaluator_keeps_only_what_did_not_pass_and_judges_alike():
    """``keep_passed=False`` (the roster's run) gives the same verdicts and the same failed
    and by-hand checks, in the same order, as the full evaluation, without the passes."""
    from cadre_app.services.selection.rules import Evaluator

    conditions = Conditions(
        post_kind="领导职务",
        target_level="县处级副职",  # county level: work, grassroots and 学历 defaults
        min_rank="二级主任科员",
        party_member=True,
        max_age=40,
        other_conditions="熟悉预算业务",
    )
    cadres = [
        facts(cadre_id=1, leadership_level="乡科级正职", grassroots_days=800),
        facts(cadre_id=2, grades={2025: "基本称职"}, education="中专"),
        facts(cadre_id=3, rank="一级科员", birth_date=date(1980, 1, 1)),
        facts(cadre_id=4, discipline=(("诫勉", date(2026, 6, 1)),), political_status="预备党员"),
        facts(cadre_id=5, rank_since=date(2025, 1, 1), work_start=date(2024, 7, 1)),
        facts(cadre_id=6, grades={}, political_veto=("2026年专项考察", date(2026, 5, 1))),
    ]
    full, lean = Evaluator(conditions, ON), Evaluator(conditions, ON, keep_passed=False)
    for f in cadres * 2:  # twice: the memoised checks too
        whole, kept = full(f), lean(f)
        assert kept.eligible == whole.eligible
        assert kept.checks == tuple(c for c in whole.checks if c.passed is not True)
        assert all(c.passed is not True for c in kept.checks)
    assert [lean(f).eligible for f in cadres] == [True, False, False, False, False, False]
    assert {c.rule for c in lean(cadres[0]).checks} == {"leading_post", "other"}


def test_an_admonition_talk_held_counts_as_admonition_from_the_day_held():
    """A 诫勉谈话 held (talks) excludes as a 诫勉 does, worded as a talk; the period and its
    last day are those of a recorded 诫勉 (and of the talk's own page)."""
    from cadre_app.services.selection.rules import ADMONITION_TALK
    from cadre_app.services.talks.rules import admonition_effects

    held = date(2026, 3, 14)
    talked = facts(discipline=((ADMONITION_TALK, held),))
    last = evaluate(talked, Conditions(), date(2026, 9, 14))
    assert not last.eligible
    assert check(last, "discipline").text == "诫勉谈话影响期至 2026-09-14（2026-03-14 谈话）"
    assert evaluate(talked, Conditions(), date(2026, 9, 15)).eligible
    assert admonition_effects(held)["no_promotion_until"] == date(2026, 9, 14)
    # with a record of the same 诫勉 too, the later end is named once
    both = facts(discipline=((ADMONITION_TALK, held), ("诫勉", date(2026, 4, 1))))
    verdict = evaluate(both, Conditions(), date(2026, 9, 20))
    assert check(verdict, "discipline").text == "诫勉影响期至 2026-10-01（2026-04-01 决定）"
