"""Ranking, quota and bottom-ranked rules on crafted data (no database)."""

from __future__ import annotations

import pandas as pd
import pytest

from cadre_app.services.evaluations import rules as ranking
from cadre_app.services.evaluations.operations import consequences, declining


def frame(rows):
    """rows: (staff_no, section, ordinary, democratic, leader[, grade[, no_grade]])"""
    records = []
    for i, row in enumerate(rows):
        staff_no, section, o, d, l_, *rest = row
        records.append(
            {
                "cadre_id": i + 1,
                "staff_no": staff_no,
                "department_id": section,
                "ordinary": o,
                "democratic": d,
                "leader": l_,
                "grade": rest[0] if rest else "称职",
                "no_grade": rest[1] if len(rest) > 1 else False,
            }
        )
    return pd.DataFrame(records)


def by_staff(result):
    return {r.staff_no: r for r in result.itertuples()}


def test_total_is_weighted_and_rounded_half_up():
    result = by_staff(ranking.rank(frame([("A", 1, 90, 80, 70), ("B", 1, 85.5, 90.25, 77.75)])))
    assert result["A"].total == 81.0  # 36 + 24 + 21
    # 34.2 + 27.075 + 23.325 = 84.6 exactly; with weights 40/30/30
    assert result["B"].total == 84.6
    half = by_staff(ranking.rank(frame([("C", 1, 85.13, 85.12, 85.12)])))
    assert half["C"].total == 85.12  # 34.052 + 25.536 + 25.536 = 85.124 -> 85.12
    up = ranking.rank(frame([("D", 1, 80.01, 80.0, 80.0)]), ranking.Weights(50, 25, 25)).iloc[0]
    assert up.total == 80.01  # 40.005 + 20 + 20 = 80.005 -> half up 80.01, not banker's 80.00


def test_competition_ranking_ties_at_the_top():
    rows = [("A", 1, 90, 90, 90), ("B", 1, 90, 90, 90), ("C", 1, 80, 80, 80), ("D", 1, 70, 70, 70)]
    result = by_staff(ranking.rank(frame(rows)))
    assert [result[k].section_rank for k in "ABCD"] == [1, 1, 3, 4]
    assert [result[k].overall_rank for k in "ABCD"] == [1, 1, 3, 4]


def test_ties_at_the_bottom_all_flagged():
    rows = [(f"S{i}", 1, 90 - i, 90 - i, 90 - i) for i in range(4)]
    rows += [("Y", 1, 50, 50, 50), ("Z", 1, 50, 50, 50)]
    result = by_staff(ranking.rank(frame(rows)))
    assert result["Y"].section_rank == result["Z"].section_rank == 5
    assert result["Y"].bottom and result["Z"].bottom
    assert not result["S3"].bottom
    assert "末位" in result["Y"].bottom_reason


def test_section_of_four_has_no_bottom_flag_by_rank():
    rows = [(f"S{i}", 7, 90 - i, 90, 90) for i in range(4)]
    result = ranking.rank(frame(rows))
    assert not result["bottom"].any()


def test_section_of_five_flags_its_last():
    rows = [(f"S{i}", 7, 90 - i, 90, 90) for i in range(5)]
    result = by_staff(ranking.rank(frame(rows)))
    assert result["S4"].bottom and sum(r.bottom for r in result.values()) == 1


def test_grades_basic_and_unfit_are_flagged_whatever_the_section_size():
    rows = [("A", 1, 90, 90, 90, "基本称职"), ("B", 2, 90, 90, 90, "不称职"), ("C", 3, 90, 90, 90)]
    result = by_staff(ranking.rank(frame(rows)))
    assert result["A"].bottom and result["A"].bottom_reason == "等次为基本称职"
    assert result["B"].bottom and not result["C"].bottom


def test_equal_totals_across_sections():
    rows = [("A", 1, 80, 80, 80), ("B", 2, 80, 80, 80), ("C", 2, 90, 90, 90)]
    result = by_staff(ranking.rank(frame(rows)))
    assert result["A"].section_rank == 1 and result["B"].section_rank == 2
    assert result["A"].overall_rank == result["B"].overall_rank == 2
    assert result["C"].overall_rank == 1


def test_missing_component_is_not_ranked():
    rows = [("A", 1, 80, None, 80), ("B", 1, 70, 70, 70)]
    result = by_staff(ranking.rank(frame(rows)))
    assert not result["A"].complete and not result["A"].ranked
    assert pd.isna(result["A"].overall_rank) and pd.isna(result["A"].total)
    assert result["B"].overall_rank == 1


def test_no_grade_cadres_are_not_ranked_nor_flagged():
    rows = [("A", 1, 10, 10, 10, None, True)] + [(f"S{i}", 1, 90 - i, 90, 90) for i in range(5)]
    result = by_staff(ranking.rank(frame(rows)))
    assert not result["A"].ranked and not result["A"].bottom
    assert result["S4"].bottom


def test_same_input_same_output_whatever_the_row_order():
    rows = [(f"S{i:02d}", i % 3, 60 + (i * 7) % 40, 70 + i % 5, 80 - i % 9) for i in range(30)]
    first = ranking.rank(frame(rows))
    second = ranking.rank(frame(list(reversed(rows))))
    columns = ["staff_no", "total", "section_rank", "overall_rank", "bottom"]
    pd.testing.assert_frame_equal(first[columns], second[columns])


def test_weights_must_sum_to_100():
    with pytest.raises(ValueError):
        ranking.Weights(50, 30, 30)


@pytest.mark.parametrize(
    "evaluated, excellent, ok, allowed",
    [
        (10, 2, True, 2),
        (10, 3, False, 2),
        (100, 20, True, 20),
        (100, 21, False, 20),
        (11, 3, False, 2),
    ],
)
def test_quota_at_exactly_twenty_percent_and_just_above(evaluated, excellent, ok, allowed):
    check = ranking.quota(evaluated, excellent, 20)
    assert check.ok is ok and check.allowed == allowed
    if not ok:
        message = check.message()
        assert str(evaluated) in message and f"须调整 {excellent - allowed} 人" in message


def test_raised_quota_with_approval():
    assert ranking.quota(100, 25, 25).ok and not ranking.quota(100, 26, 25).ok


def test_consequences():
    assert consequences("优秀", []) == ["嘉奖"]
    assert "连续三年优秀：记三等功，优先晋升" in consequences("优秀", ["优秀", "优秀"])
    assert any("次年不得晋升" in c for c in consequences("基本称职", ["称职"]))
    assert any("辞退" in c for c in consequences("不称职", ["不称职"]))
    assert not any("辞退" in c for c in consequences("不称职", ["称职"]))


def test_declining_three_years():
    assert declining({2023: 90, 2024: 85, 2025: 80})
    assert not declining({2023: 90, 2024: 85, 2025: 85})
    assert not declining({2023: 90, 2025: 80})
    assert not declining({2024: 85, 2025: 80})
    assert declining({2021: 70, 2022: 95, 2023: 90, 2024: 85})


def test_cycle_steps_follow_the_state():
    """What the ranking page offers and the routes accept, from one function: rank and
    confirm while collecting; then 公示; 决定 only after the 公示 ends (waiting with its end
    date before); archive; nothing once archived. Only ranking can be undone (repeated)."""
    from datetime import date

    from cadre_app.services.evaluations.rules import cycle_step, cycle_steps

    today = date(2026, 1, 9)

    def names(state, end=None):
        return [
            (s.name, s.available, s.irreversible)
            for s in cycle_steps(state, publicity_end=end, today=today)
        ]

    collecting = [("rank", True, False), ("confirm", True, True)]
    assert names("collecting") == names("ranked") == collecting
    assert names("confirmed") == [("publicity", True, True)]
    assert names("publicised", date(2026, 1, 9)) == [("decide", False, True)]
    assert cycle_step("decide", "publicised", publicity_end=today, today=today).wait_until == today
    assert names("publicised", date(2026, 1, 8)) == [("decide", True, True)]
    assert names("decided") == [("archive", True, True)]
    assert names("archived") == []
    assert cycle_step("decide", "collecting", publicity_end=None, today=today) is None
