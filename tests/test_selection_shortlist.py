"""The shortlist (issue 14, point 3): the score's parts (pure), gathered from the other
domains, and HR curating a round's shortlist: add by search with a reason, remove with a
reason (kept, shown struck), order by score, assign the managers who review it."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.extensions import db
from cadre_app.services.core import settings
from cadre_app.services.selection import shortlist
from cadre_app.services.selection.shortlist import (
    CandidateFacts,
    SecondmentFact,
    YearGrade,
    score,
)
from tests.factories import EvaluationCycleFactory, EvaluationFactory

D = shortlist.DEFAULT_SETTINGS


def parts(s):
    return {p.key: p for p in s.parts}


# --- the score, pure ----------------------------------------------------------------------


def test_every_part_is_shown_with_its_weight_and_note():
    facts = CandidateFacts(
        grades=[YearGrade(2025, "优秀", 2), YearGrade(2024, "称职", None), YearGrade(2023, "称职")],
        training_year=2025,
        training_counted=81.0,
        training_required=90.0,
        secondments=[SecondmentFact("下派", "示例县财政局", True, "优秀")],
        conclusion="合格",
        conclusion_title="2025年度政治素质考察",
        honours=[(2026, 1, "先进个人")],
        year=2026,
    )
    s = score(facts, D)
    got = parts(s)
    assert [p.key for p in s.parts] == ["grades", "training", "secondment", "political", "honours"]
    assert got["grades"].points == pytest.approx(86.7)  # (100 + 80 + 80) / 3
    assert got["grades"].note == "2023年称职；2024年称职；2025年优秀（处内第2名）"
    assert got["training"].points == 90.0 and "已获81学时，要求90学时" in got["training"].note
    assert got["secondment"].points == 100.0 and "鉴定优秀" in got["secondment"].note
    assert got["political"].points == 100.0
    assert got["honours"].points == 50 and got["honours"].note == "2026年第1季度先进个人"
    # 86.7×40% + 90×20% + 100×15% + 100×15% + 50×10% = 34.7 + 18 + 15 + 15 + 5
    assert s.total == pytest.approx(87.7)
    assert s.as_json()["total"] == s.total and len(s.as_json()["parts"]) == 5


def test_missing_data_counts_zero_and_says_so():
    s = score(CandidateFacts(), D)
    got = parts(s)
    assert s.total == 0
    assert got["grades"].note == "无已确定的年度考核等次"
    assert got["training"].note == "无学时记录"
    assert got["secondment"].note == "无挂职锻炼经历"
    assert got["political"].note == "无政治素质考察结论"
    assert got["honours"].note == "近3年无光荣榜表彰"


def test_honours_of_the_recent_years_count_fifty_each_at_most_a_hundred():
    old = (2022, 4, "先进个人")  # 2026 - 3 + 1 = 2024 is the first year counted
    three = [(2026, 2, "先进个人"), (2025, 3, "优秀共产党员"), (2024, 1, "先进个人")]
    assert parts(score(CandidateFacts(honours=[old], year=2026), D))["honours"].points == 0
    one = parts(score(CandidateFacts(honours=[three[2], old], year=2026), D))["honours"]
    assert one.points == 50 and one.note == "2024年第1季度先进个人"
    assert parts(score(CandidateFacts(honours=three, year=2026), D))["honours"].points == 100


def test_only_the_configured_number_of_recent_years_count():
    grades = [YearGrade(2025, "称职"), YearGrade(2024, "称职"), YearGrade(2023, "不称职")]
    assert parts(score(CandidateFacts(grades=grades), D))["grades"].points == pytest.approx(53.3)
    two_years = D | {"years": 2}
    assert parts(score(CandidateFacts(grades=grades), two_years))["grades"].points == 80


def test_training_is_capped_at_the_requirement():
    facts = CandidateFacts(training_year=2025, training_counted=120, training_required=90)
    assert parts(score(facts, D))["training"].points == 100


def test_the_best_secondment_counts_and_one_under_way_counts_half():
    on_post = SecondmentFact("上挂", "省财政厅", False, None)
    done = SecondmentFact("驻村", "某村", True, "称职")
    assert parts(score(CandidateFacts(secondments=[on_post]), D))["secondment"].points == 50
    both = parts(score(CandidateFacts(secondments=[on_post, done]), D))["secondment"]
    assert both.points == 80 and "驻村" in both.note


def test_a_political_veto_is_named():
    got = parts(score(CandidateFacts(conclusion="不合格"), D))["political"]
    assert got.points == 0 and "一票否决" in got.note


def test_weights_come_from_the_settings_and_missing_keys_keep_defaults():
    facts = CandidateFacts(grades=[YearGrade(2025, "优秀")])
    only_grades = {"weights": {"grades": 100, "training": 0, "secondment": 0, "political": 0}}
    assert score(facts, only_grades).total == 100
    assert shortlist.merged_settings(only_grades)["grade_points"]["优秀"] == 100
    assert shortlist.merged_settings(only_grades)["weights"]["honours"] == 10


def test_order_is_by_total_then_staff_number_unscored_last():
    class Row:
        def __init__(self, staff_no, total):
            self.staff_no, self.score = staff_no, ({"total": total} if total is not None else None)

    rows = [Row("G3", 70), Row("G2", None), Row("G1", 70), Row("G4", 90)]
    assert [r.staff_no for r in shortlist.ordered(rows)] == ["G4", "G1", "G3", "G2"]


# --- gathering from the other domains -----------------------------------------------------


def test_gather_reads_decided_grades_and_the_settings_in_force(app, org):
    with app.app_context():
        cycle = EvaluationCycleFactory(year=2024, state="decided")
        EvaluationFactory(
            cycle=cycle,
            cadre_id=org["own_cadre"],
            department_id=org["budget"],
            final_grade="优秀",
            section_rank=1,
        )
        open_cycle = EvaluationCycleFactory(year=2025, state="ranked")
        EvaluationFactory(
            cycle=open_cycle,
            cadre_id=org["own_cadre"],
            department_id=org["budget"],
            proposed_grade="不称职",
        )
        db.session.flush()
        facts = shortlist.gather([org["own_cadre"]], today=date(2026, 3, 1))[org["own_cadre"]]
        assert facts.grades == [YearGrade(2024, "优秀", 1)]  # 2025 not decided yet
        assert facts.conclusion is None and facts.secondments == []
        settings.update(
            shortlist.SETTINGS_KEY,
            {"weights": {"grades": 100, "training": 0, "secondment": 0, "political": 0}},
            actor="admin",
        )
        got = shortlist.scores_for([org["own_cadre"]], today=date(2026, 3, 1))[org["own_cadre"]]
        assert got.total == 100 and got.settings_version is not None
