"""The structure figures as pure rules, against the hand-counted organisation of
tests/analytics_org.py and at the age boundaries (the birthday that day)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from cadre_app.services.analytics import rules
from tests import analytics_org as org


def _structure() -> rules.Structure:
    facts = [f for f, _precision in org.CADRES.values()]
    ages, profiles = rules.group_facts(facts, on=org.ON, lines=org.LINES)
    grades: dict[int, dict[str | None, int]] = defaultdict(dict)
    for by_year in org.GRADES.values():
        for year, grade in by_year.items():
            grades[year][grade] = grades[year].get(grade, 0) + 1
    sections = [rules.Section(1, "预算处"), rules.Section(2, "国库处"), rules.Section(3, "空处")]
    return rules.structure(
        ages, profiles, sections=sections, grades=grades, on=org.ON, lines=org.LINES
    )


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(1995, 6, 16), "≤30"),  # 30, 31 tomorrow
        (date(1995, 6, 15), "31–35"),  # 31 that day
        (date(1990, 6, 16), "31–35"),  # 35
        (date(1990, 6, 15), "36–40"),  # 36 that day
        (date(1985, 6, 16), "36–40"),
        (date(1985, 6, 15), "41–45"),
        (date(1980, 6, 15), "46–50"),
        (date(1975, 6, 16), "46–50"),
        (date(1975, 6, 15), "51–55"),
        (date(1970, 6, 16), "51–55"),
        (date(1970, 6, 15), ">55"),  # 56 that day
    ],
)
def test_age_band_turns_on_the_birthday(born, band):
    assert rules.AGE_BANDS[rules.band_of(born, org.ON)] == band
    # the SQL form (cutoff dates) agrees with the rule
    assert rules.band_from_cutoffs(born, rules.band_cutoffs(org.ON)) == rules.band_of(born, org.ON)


def test_born_on_29_february_turns_older_on_1_march():
    born = date(1996, 2, 29)
    assert rules.band_of(born, date(2027, 2, 28)) == 0  # still 30
    assert rules.band_of(born, date(2027, 3, 1)) == 1  # 31
    for on in (date(2027, 2, 28), date(2027, 3, 1), date(2028, 2, 29)):
        assert rules.band_from_cutoffs(born, rules.band_cutoffs(on)) == rules.band_of(born, on)


def test_cutoffs_agree_with_the_rule_on_every_day_around_the_boundaries():
    on = date(2028, 2, 29)  # a leap day: the cutoff years are not all leap years
    for floor in rules.BAND_FLOORS:
        for offset in range(-3, 4):
            born = date(on.year - floor, 3, 1).toordinal() + offset
            born_day = date.fromordinal(born)
            assert rules.band_from_cutoffs(born_day, rules.band_cutoffs(on)) == rules.band_of(
                born_day, on
            ), born_day


def test_higher_of_full_time_and_in_service_education():
    assert rules.highest_education("大学本科", "研究生") == "研究生"
    assert rules.highest_education("研究生", "大学本科") == "研究生"
    assert rules.highest_education(None, "大学专科") == "大学专科"
    assert rules.highest_education(None, None) == "未填"
    assert rules.highest_education("不明", None) == "未填"


def test_party_groups():
    assert rules.party_group("中共党员") == "中共党员"
    assert rules.party_group("九三学社社员") == "民主党派"
    assert rules.party_group("台盟盟员") == "民主党派"
    assert rules.party_group("无党派人士") == "无党派人士"
    assert rules.party_group(None) == "未填"


def test_pyramid_of_the_hand_counted_organisation():
    s = _structure()
    assert [(r["band"], r["male"], r["female"]) for r in s.pyramid] == org.EXPECTED_PYRAMID
    assert (s.total, s.male, s.female) == (10, 5, 5)


def test_education_ranks_posts_and_party():
    s = _structure()
    assert s.education == org.EXPECTED_EDUCATION
    assert s.ranks == org.EXPECTED_RANKS
    assert list(s.ranks) == list(org.EXPECTED_RANKS)  # senior first
    assert s.leadership == org.EXPECTED_LEADERSHIP
    assert s.party == org.EXPECTED_PARTY
    assert (s.party_members, s.party_share) == (5, "50.0%")


def test_young_cadres_by_section_with_the_month_only_birth_dates():
    """H1 (1990.06, no ID) is counted from 1 June: 36, not young; H2 (1990.06, the ID's
    20 June) is 35: young. E (四级调研员) is young at 40 under the 县处级 line."""
    s = _structure()
    assert {r["id"]: (r["young"], r["total"]) for r in s.young_by_section} == org.EXPECTED_YOUNG
    assert [r["name"] for r in s.young_by_section] == ["预算处", "国库处"]  # 空处 has nobody
    assert (s.young, s.young_share) == (5, "50.0%")
    assert s.young_by_section[0]["share"] == "60.0%"


def test_young_line_is_the_setting_in_force():
    facts = [f for f, _p in org.CADRES.values()]
    ages, _profiles = rules.group_facts(facts, on=org.ON, lines={"乡科级": 34, "县处级": 40})
    young = {g.department_id: 0 for g in ages}
    for g in ages:
        young[g.department_id] += g.young
    assert young == {1: 0, 2: 2}  # A, C and H2 are 35: no longer young at a line of 34


def test_five_year_grade_trend():
    s = _structure()
    assert s.trend == org.EXPECTED_TREND


def test_an_empty_organisation():
    s = rules.structure([], [], sections=[], grades={}, on=org.ON, lines=org.LINES)
    assert s.total == 0 and s.young_share == "–" and s.trend == []
    assert [r["total"] for r in s.pyramid] == [0] * 7
