"""The pure rules of assessments, no app and no database: the state machine (every pair of
states), the answers' encoding, check_answers, the default checklist's shape, and the checks
HR's forms rely on (checklists: items, points; operations: details, opening, threshold)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from itertools import product

import pytest

from cadre_app.models.assessments import ASPECTS, DEFAULT_POINTS, RATINGS
from cadre_app.models.assessments import AssessmentState as S
from cadre_app.services.assessments import checklists, operations, rules
from cadre_app.services.assessments.checklists import ChecklistSpec, ItemSpec
from cadre_app.services.ballots.operations import GroupSpec

#: DOMAIN.md / the issue: 草拟 → 进行中 → 已关闭 → 已归档, nothing else; written out here so that
#: a change to rules.TRANSITIONS must change this too.
ALLOWED = {(S.DRAFT, S.OPEN), (S.OPEN, S.CLOSED), (S.CLOSED, S.ARCHIVED)}


@pytest.mark.parametrize("origin, target", list(product(S, S)))
def test_every_pair_of_states(origin, target):
    assert rules.can_step(origin, target) is ((origin, target) in ALLOWED)


def test_only_a_draft_may_change_subjects_groups_and_checklist():
    assert [s for s in S if not rules.is_frozen(s)] == [S.DRAFT]


# --- the answers ----------------------------------------------------------------------------


def test_encode_and_decode_round_trip():
    answers = rules.Answers(positive=(0, 1, 2, 3), negative=(True, False, True), overall=1)
    text = rules.encode(answers)
    assert text == "1234|101|2"
    assert rules.decode(text) == answers


def test_an_empty_negative_list_still_round_trips():
    answers = rules.Answers(positive=(0,), negative=(), overall=3)
    assert rules.encode(answers) == "1||4"
    assert rules.decode("1||4") == answers


@pytest.mark.parametrize(
    "answers, ok",
    [
        (rules.Answers((0, 1, 2), (True, False), 0), True),
        (rules.Answers((0, 1), (True, False), 0), False),  # one positive answer missing
        (rules.Answers((0, 1, 2), (True,), 0), False),  # one negative missing
        (rules.Answers((0, 1, 4), (True, False), 0), False),  # no fifth rating
        (rules.Answers((0, 1, -1), (True, False), 0), False),
        (rules.Answers((0, 1, 2), (True, False), 4), False),  # overall out of range
        (rules.Answers((3, 3, 3), (False, False), 3), True),
    ],
)
def test_check_answers(answers, ok):
    assert rules.check_answers(answers, 3, 2) is ok


def test_the_default_checklist_has_the_localitys_shape():
    assert len(rules.DEFAULT_POSITIVE) == 15
    assert [i.category for i in rules.DEFAULT_POSITIVE[::3]] == list(ASPECTS)
    assert len(rules.DEFAULT_NEGATIVE) == 22
    assert len({i.category for i in rules.DEFAULT_NEGATIVE}) == 8
    assert checklists.check_spec(checklists.default_spec()) == []


# --- checklists -----------------------------------------------------------------------------


def test_parse_items_reads_each_separator_and_skips_blank_lines():
    items, errors = checklists.parse_items(
        "政治忠诚：甲\n\n政治定力:乙\n 政治担当 | 丙 \n", "positive"
    )
    assert errors == []
    assert items == (
        ItemSpec("政治忠诚", "甲"),
        ItemSpec("政治定力", "乙"),
        ItemSpec("政治担当", "丙"),
    )
    assert checklists.items_text(items) == "政治忠诚 | 甲\n政治定力 | 乙\n政治担当 | 丙"


def test_parse_items_names_the_lines_it_cannot_read():
    _items, errors = checklists.parse_items("无类别\n政治忠诚：\n：无类别", "negative")
    assert [m for _f, m in errors] == [
        "第 1 行缺少类别，应写作“类别：条目内容”。",
        "第 2 行缺少条目内容。",
        "第 3 行缺少类别，应写作“类别：条目内容”。",
    ]


@pytest.mark.parametrize(
    "points, message",
    [
        (dict(DEFAULT_POINTS), None),
        ({"好": 5, "较好": 4, "一般": 3, "差": -1}, None),
        ({"好": 100, "较好": 100, "一般": 60, "差": 0}, "依次递减"),  # equal is not descending
        ({"好": 0, "较好": 60, "一般": 80, "差": 100}, "依次递减"),
        ({"好": 100, "较好": 80.5, "一般": 60, "差": 0}, "须为整数"),
        ({"好": 100, "较好": 80, "一般": 60}, "须为整数"),  # 差 missing
        ({"好": 5000, "较好": 80, "一般": 60, "差": 0}, "-1000 到 1000"),
        ({"好": True, "较好": 80, "一般": 60, "差": 0}, "须为整数"),
    ],
)
def test_points_must_be_descending_integers(points, message):
    errors = checklists.check_points(points)
    if message is None:
        assert errors == []
    else:
        assert len(errors) == 1 and message in errors[0][1]


def _spec(**changes) -> ChecklistSpec:
    base = {
        "name": "测评表",
        "points": dict(DEFAULT_POINTS),
        "positive": (ItemSpec("政治忠诚", "甲"),),
        "negative": (ItemSpec("任意类别", "乙"),),
    }
    return ChecklistSpec(**(base | changes))


def test_check_spec():
    assert checklists.check_spec(_spec()) == []
    assert checklists.check_spec(_spec(negative=())) == []  # negative items are optional
    assert checklists.check_spec(_spec(positive=())) == [("positive", "正向测评至少需要一个条目。")]
    wrong = checklists.check_spec(_spec(positive=(ItemSpec("任意类别", "甲"),)))
    assert wrong[0][0] == "positive" and "不是正向测评的方面" in wrong[0][1]
    twice = checklists.check_spec(_spec(negative=(ItemSpec("甲", "乙"), ItemSpec("甲", "乙"))))
    assert twice == [("negative", "条目重复：乙")]
    assert checklists.check_spec(_spec(name=" "))[0] == ("name", "请填写测评表名称。")
    long = checklists.check_spec(_spec(positive=(ItemSpec("政治忠诚", "字" * 201),)))
    assert "条目过长" in long[0][1]


def test_positive_items_are_ordered_by_aspect_and_stable_within_one():
    items = (
        ItemSpec("政治自律", "e"),
        ItemSpec("政治忠诚", "a1"),
        ItemSpec("政治能力", "d"),
        ItemSpec("政治忠诚", "a2"),
    )
    ordered = checklists.ordered_positive(items)
    assert [i.text for i in ordered] == ["a1", "a2", "d", "e"]
    assert _spec(positive=items).same_content(_spec(positive=ordered))


# --- assessments: details, opening, the threshold -------------------------------------------

OPENS = datetime(2026, 5, 1, 1, 0)
CLOSES = datetime(2026, 5, 8, 9, 30)


@pytest.mark.parametrize(
    "text, value",
    [
        ("1/3", Fraction(1, 3)),
        ("1／3", Fraction(1, 3)),
        ("0.3", Fraction(3, 10)),
        ("30%", Fraction(3, 10)),
        ("1", Fraction(1)),
        ("0", None),
        ("4/3", None),
        ("-1/3", None),
        ("1/0", None),
        ("三分之一", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_threshold(text, value):
    assert operations.parse_threshold(text) == value


def _details(**changes) -> operations.Details:
    base = {
        "title": "测评",
        "purpose": "年度",
        "cadre_ids": (1, 2),
        "groups": (GroupSpec("领导", 40, 5), GroupSpec("同事", 60, 10)),
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "checklist_id": 1,
    }
    return operations.Details(**(base | changes))


def test_check_details():
    assert operations.check_details(_details()) == []
    assert operations.check_details(_details(cadre_ids=())) == []  # a draft may lack subjects
    fields = {
        "title": _details(title=""),
        "purpose": _details(purpose="其他"),
        "closes_at": _details(closes_at=OPENS),
        "min_group_ballots": _details(min_group_ballots=0),
        "talk_threshold": _details(talk_threshold="2"),
    }
    for field, details in fields.items():
        assert [f for f, _m in operations.check_details(details)] == [field], field


@pytest.mark.parametrize(
    "groups, message",
    [
        ((GroupSpec("领导", 101, 5),), "权重须在 0 到 100 之间"),
        ((GroupSpec("领导", 10, -1),), "票数须在 0 到 5000 之间"),
        ((GroupSpec("领导", 10, 1), GroupSpec("领导", 10, 1)), "测评组“领导”重复。"),
        ((GroupSpec("长" * 33, 10, 1),), "过长"),
        (tuple(GroupSpec(f"组{i}", 10, 1) for i in range(9)), "测评组不能超过 8 个。"),
    ],
)
def test_group_rules(groups, message):
    errors = operations.check_groups(groups)
    assert errors and message in errors[0][1]


def test_open_problems():
    now = OPENS - timedelta(days=1)
    groups = (GroupSpec("领导", 40, 5),)
    assert operations.open_problems(1, groups, OPENS, CLOSES, now) == []
    # opening ahead of the window is fine; ballots wait for opens_at (services.ballots)
    assert operations.open_problems(1, groups, OPENS, CLOSES, OPENS + timedelta(hours=1)) == []
    assert [f for f, _m in operations.open_problems(0, groups, OPENS, CLOSES, now)] == ["subjects"]
    for no_use in ((GroupSpec("领导", 0, 5),), (GroupSpec("领导", 40, 0),), ()):
        assert [f for f, _m in operations.open_problems(1, no_use, OPENS, CLOSES, now)] == [
            "groups"
        ]
    assert [f for f, _m in operations.open_problems(1, groups, CLOSES, OPENS, now)] == ["closes_at"]
    over = operations.open_problems(1, groups, OPENS, CLOSES, CLOSES)
    assert over == [("closes_at", "测评结束时间已过，请先修改测评时间。")]


def test_the_settings_defaults_give_groups_that_can_open():
    groups = operations.default_groups(rules.DEFAULT_SETTINGS)
    assert [g.name for g in groups] == ["领导", "同事", "下属", "服务对象"]
    assert sum(g.weight for g in groups) == 100
    assert operations.check_groups(groups) == []
    assert operations.open_problems(1, groups, OPENS, CLOSES, OPENS) == []
    assert RATINGS == ("好", "较好", "一般", "差")


@pytest.mark.parametrize(
    "typed, stored", [("1/3", "1/3"), ("0.3", "3/10"), ("30%", "3/10"), ("1", "1"), ("2/6", "1/3")]
)
def test_the_threshold_is_stored_as_a_fraction(typed, stored):
    assert operations.threshold_text(typed) == stored
    assert Fraction(stored) == operations.parse_threshold(typed)
