"""The honour roll's pure rules at their boundaries: quarters and their labels, the steps
between states, and who may nominate, read and edit what."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.models import HonourState
from cadre_app.services.honours import rules
from cadre_app.services.honours.rules import RuleBroken

S = HonourState


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 1, 1), (2026, 1)),
        (date(2026, 3, 31), (2026, 1)),
        (date(2026, 4, 1), (2026, 2)),
        (date(2026, 9, 30), (2026, 3)),
        (date(2026, 10, 1), (2026, 4)),
        (date(2026, 12, 31), (2026, 4)),
    ],
)
def test_a_day_falls_in_its_quarter(day, expected):
    assert rules.quarter_of(day) == expected


def test_quarter_labels_print_as_the_roll_does():
    assert rules.quarter_label(2026, 1) == "2026年第一季度"
    assert rules.quarter_label(2025, 4) == "2025年第四季度"
    assert rules.quarter_key(2026, 3) == "2026-3"
    assert rules.previous_quarter(2026, 1) == (2025, 4)
    assert rules.previous_quarter(2026, 3) == (2026, 2)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-1", (2026, 1)),
        (" 2026Q4 ", (2026, 4)),
        ("2026q2", (2026, 2)),
        ("2026年第三季度", (2026, 3)),
        ("2026年第一季度", (2026, 1)),
        ("2026-5", None),
        ("2026-0", None),
        ("26-1", None),
        ("", None),
        (None, None),
        ("2026-1; drop", None),
    ],
)
def test_quarters_are_read_in_the_ways_people_write_them(text, expected):
    assert rules.parse_quarter(text) == expected


def test_a_quarter_may_be_honoured_from_its_first_day_on():
    rules.check_quarter(2026, 2, date(2026, 4, 1))  # the first day: allowed
    with pytest.raises(RuleBroken, match="尚未开始"):
        rules.check_quarter(2026, 2, date(2026, 3, 31))
    with pytest.raises(RuleBroken, match="2000"):
        rules.check_quarter(1999, 4, date(2026, 4, 1))
    rules.check_quarter(2000, 1, date(2026, 4, 1))
    with pytest.raises(RuleBroken, match="1 至 4"):
        rules.check_quarter(2026, 5, date(2027, 1, 1))


def test_managers_nominate_only_for_the_sections_they_lead():
    assert rules.may_nominate(is_hr=True, led_department_ids=None, department_id=7)
    assert rules.may_nominate(is_hr=False, led_department_ids=[3, 7], department_id=7)
    assert not rules.may_nominate(is_hr=False, led_department_ids=[3], department_id=7)
    assert not rules.may_nominate(is_hr=False, led_department_ids=[], department_id=7)
    assert not rules.may_nominate(is_hr=False, led_department_ids=None, department_id=7)


@pytest.mark.parametrize("state", [S.NOMINATED, S.APPROVED, S.RETURNED])
def test_an_unpublished_entry_is_read_by_hr_and_its_sections_managers_only(state):
    assert rules.may_read(state, is_hr=True, led_department_ids=[], department_id=7)
    assert rules.may_read(state, is_hr=False, led_department_ids=[7], department_id=7)
    assert not rules.may_read(state, is_hr=False, led_department_ids=[3], department_id=7)
    assert not rules.may_read(state, is_hr=False, led_department_ids=[], department_id=7)


def test_a_published_entry_is_read_by_everyone():
    assert rules.may_read(S.PUBLISHED, is_hr=False, led_department_ids=[], department_id=7)


def test_a_manager_edits_until_hr_approves_hr_always():
    for state in S:
        assert rules.may_edit(state, is_hr=True, leads_section=False)
    assert rules.may_edit(S.NOMINATED, is_hr=False, leads_section=True)
    assert rules.may_edit(S.RETURNED, is_hr=False, leads_section=True)
    assert not rules.may_edit(S.APPROVED, is_hr=False, leads_section=True)
    assert not rules.may_edit(S.PUBLISHED, is_hr=False, leads_section=True)
    assert not rules.may_edit(S.NOMINATED, is_hr=False, leads_section=False)


def test_the_steps_between_states():
    rules.check_step(S.NOMINATED, S.APPROVED, None)
    rules.check_step(S.NOMINATED, S.RETURNED, "事迹不具体")
    rules.check_step(S.APPROVED, S.RETURNED, "重复")
    rules.check_step(S.RETURNED, S.NOMINATED, None)
    for old, new in [
        (S.PUBLISHED, S.RETURNED),
        (S.PUBLISHED, S.APPROVED),
        (S.RETURNED, S.APPROVED),
        (S.NOMINATED, S.PUBLISHED),  # a quarter is published as a whole
    ]:
        with pytest.raises(RuleBroken):
            rules.check_step(old, new, "x")
    with pytest.raises(RuleBroken, match="原因"):
        rules.check_step(S.NOMINATED, S.RETURNED, "  ")
    with pytest.raises(RuleBroken, match="1000"):
        rules.check_step(S.NOMINATED, S.RETURNED, "长" * 1001)
    rules.check_step(S.NOMINATED, S.RETURNED, "长" * 1000)


def test_publishing_makes_only_approved_entries_public():
    assert rules.publishable([S.APPROVED, S.NOMINATED, S.RETURNED, S.PUBLISHED, S.APPROVED]) == 2
    assert rules.publishable([S.NOMINATED]) == 0


def test_title_and_deeds_are_required_and_bounded():
    assert rules.check_text("先进个人", "事迹") == []
    assert [f for f, _m in rules.check_text(" ", "")] == ["title", "deeds"]
    assert rules.check_text("长" * 50, "长" * 5000) == []
    assert [f for f, _m in rules.check_text("长" * 51, "长" * 5001)] == ["title", "deeds"]
    assert rules.paragraphs("第一段\n\n  第二段 \n") == ["第一段", "第二段"]
