"""赛道相马's rules on plain data: which ids may be compared, which cell is best, which rows
differ, the three-year trend, whole months in rank, the higher education."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.services.selection import comparison as c


def test_two_to_six_ids_in_the_order_given_repeats_dropped(app_ctx):
    assert c.parse_ids(["3", "1", "3", " 2 "]) == [3, 1, 2]
    assert c.parse_ids([str(i) for i in range(1, 7)]) == [1, 2, 3, 4, 5, 6]
    assert c.parse_ids(["5", "", "6"]) == [5, 6]


@pytest.mark.parametrize(
    "raw, words",
    [
        (["1"], "现选 1 名"),
        ([], "现选 0 名"),
        (["1", "1"], "现选 1 名"),
        ([str(i) for i in range(1, 8)], "现选 7 名"),
        (["1", "x"], "“x”不是干部编号"),
        (["1", "-2"], "不是干部编号"),
        (["1", "9" * 13], "不是干部编号"),
    ],
)
def test_too_few_too_many_or_not_ids_are_refused_in_words(app_ctx, raw, words):
    with pytest.raises(c.CompareError) as refused:
        c.parse_ids(raw)
    assert words in str(refused.value)
    if "名" in words:
        assert "请选择 2 至 6 名干部" in str(refused.value)


def test_the_best_value_is_marked_ties_all_of_them():
    assert c.mark_best([90.0, 85.5, 90.0], "high") == [True, False, True]
    assert c.mark_best([3, 1, 2], "low") == [False, True, False]
    assert c.mark_best([None, 80, 70], "high") == [False, True, False]


def test_nobody_stands_out_when_all_equal_one_value_or_the_row_does_not_rank():
    assert c.mark_best([88, 88, 88], "high") == [False, False, False]
    assert c.mark_best([None, 88, None], "high") == [False, False, False]
    assert c.mark_best([1, 2, 3], None) == [False, False, False]


def test_a_row_differs_when_any_shown_text_differs():
    assert c.differs(["优秀", "称职"])
    assert not c.differs(["优秀", "优秀", "优秀"])


@pytest.mark.parametrize(
    "totals, expected",
    [
        ([80, 85, 90.5], ("up", 10.5)),
        ([90, 85, 80], ("down", -10.0)),
        ([85, 85, 85], ("flat", 0.0)),
        ([80, 90, 85], ("mixed", 5.0)),
        ([None, 80, 82], ("up", 2.0)),
        ([None, None, 82], ("unknown", None)),
        ([], ("unknown", None)),
    ],
)
def test_the_three_year_trend(totals, expected):
    assert c.trend(totals) == expected


def test_whole_months_in_rank_count_the_day():
    assert c.months_between(date(2024, 3, 15), date(2026, 3, 14)) == 23
    assert c.months_between(date(2024, 3, 15), date(2026, 3, 15)) == 24
    assert c.months_between(date(2026, 5, 1), date(2026, 3, 1)) == 0


def test_the_higher_education_of_full_time_and_in_service():
    assert c.education_level("大学本科", "研究生") == c.education_level("研究生")
    assert c.education_level("大学本科") > c.education_level("大学专科")
    assert c.education_level(None, "不详") is None
