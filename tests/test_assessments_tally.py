"""The tally (services.assessments.tally) on plain data: scores, shares, weights, the folding
of small rater groups, the talk trigger at exactly the threshold, and a small example worked
by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cadre_app.models.assessments import DEFAULT_POINTS
from cadre_app.services.assessments import rules, tally
from cadre_app.services.assessments.tally import Group, Item, Setup

POSITIVE = (
    Item("政治忠诚", "忠诚一"),
    Item("政治忠诚", "忠诚二"),
    Item("政治担当", "担当一"),
)
NEGATIVE = (Item("政治立场", "立场一"), Item("廉洁自律", "廉洁一"))
LEADERS, PEERS, SUBORDINATES, CLIENTS = (
    Group(1, "领导", 30, 0),
    Group(2, "同事", 40, 1),
    Group(3, "下属", 30, 2),
    Group(4, "服务对象", 0, 3),
)


def setup(groups=(LEADERS, PEERS, SUBORDINATES, CLIENTS), **kw) -> Setup:
    return Setup(POSITIVE, NEGATIVE, dict(DEFAULT_POINTS), groups, **kw)


def ballot(positive: str, negative: str = "00", overall: int = 1) -> str:
    """Answers text: ratings as 1-4 (好..差), ticks as 0/1, overall 1-4."""
    return f"{positive}|{negative}|{overall}"


def entries(group: Group, n: int, text: str, subject: int = 7) -> list[tuple[int, int, str]]:
    return [(group.id, subject, text)] * n


def test_a_small_example_worked_by_hand():
    # 3 leaders, 3 peers. Points 好100 较好80 一般60 差0.
    rows = (
        entries(LEADERS, 2, ballot("111", "10", 1))  # 好 好 好, ticks 立场一
        + entries(LEADERS, 1, ballot("234", "00", 2))  # 较好 一般 差
        + entries(PEERS, 3, ballot("221", "01", 2))  # 较好 较好 好, ticks 廉洁一
    )
    result = tally.tally(setup(), rows)[7]
    assert result.ballots == 6 and result.shown
    assert result.turnout == [["领导", 3], ["同事", 3], ["下属", 0], ["服务对象", 0]]
    whole = result.whole
    # item 1: 好 x2, 较好 x4 -> (200 + 320) / 6
    assert whole.ratings[0] == [2, 4, 0, 0]
    assert whole.item_scores[0] == pytest.approx(520 / 6)
    # item 2: 好 x2, 一般 x1, 较好 x3 -> (200 + 60 + 240) / 6
    assert whole.item_scores[1] == pytest.approx(500 / 6)
    # item 3: 好 x2, 差 x1, 好 x3 -> 500 / 6
    assert whole.item_scores[2] == pytest.approx(500 / 6)
    assert whole.aspect_scores == [
        ["政治忠诚", pytest.approx((520 / 6 + 500 / 6) / 2)],
        ["政治担当", pytest.approx(500 / 6)],
    ]
    assert whole.positive_score == pytest.approx(1520 / 18)
    # 好+较好: 18 answers, one 一般 and one 差
    assert whole.good_share == pytest.approx(16 / 18)
    assert whole.ticks == [2, 3] and whole.tick_shares == [pytest.approx(1 / 3), 0.5]
    assert whole.overall == [2, 4, 0, 0]
    leaders, peers = result.buckets
    assert (leaders.kind, leaders.groups, leaders.figures.ballots) == ("group", ["领导"], 3)
    assert leaders.figures.positive_score == pytest.approx((300 + 300 + 80 + 60 + 0) / 9)
    assert peers.figures.positive_score == pytest.approx((80 + 80 + 100) / 3)
    # weighted: (30 x leaders + 40 x peers) / 70; 下属 has no ballots and no weight counted
    expected = (30 * (740 / 9) + 40 * (260 / 3)) / 70
    assert result.weighted_score == pytest.approx(expected)
    # both negative items reach one third: 2/6 and 3/6
    assert [(f.text, f.ticks) for f in result.flagged] == [("立场一", 2), ("廉洁一", 3)]


def test_weights_shape_the_weighted_score_not_the_whole():
    rows = entries(LEADERS, 3, ballot("111")) + entries(PEERS, 3, ballot("444"))
    even = tally.tally(setup(groups=(LEADERS, PEERS)), rows)[7]
    assert even.whole.positive_score == pytest.approx(50)
    assert even.weighted_score == pytest.approx((30 * 100 + 40 * 0) / 70)
    leaders_only = Group(2, "同事", 0, 1)
    weighted = tally.tally(setup(groups=(LEADERS, leaders_only)), rows)[7]
    assert weighted.weighted_score == pytest.approx(100)
    nothing = tally.tally(setup(groups=(Group(1, "领导", 0), Group(2, "同事", 0, 1))), rows)[7]
    assert nothing.weighted_score is None


def test_a_group_at_the_minimum_is_shown_one_below_is_folded():
    at_min = entries(LEADERS, 3, ballot("111")) + entries(PEERS, 3, ballot("222"))
    shown = tally.tally(setup(), at_min)[7]
    assert [(b.kind, b.groups) for b in shown.buckets] == [("group", ["领导"]), ("group", ["同事"])]
    below = entries(LEADERS, 2, ballot("111")) + entries(PEERS, 3, ballot("222"))
    folded = tally.tally(setup(), below)[7]
    # the 2 leaders cannot be a pool of their own: they join the smallest shown group
    assert [(b.kind, b.groups, b.figures.ballots) for b in folded.buckets] == [
        ("joined", ["同事", "领导"], 5)
    ]
    assert folded.buckets[0].weight == 70
    # the buckets together are the whole: nothing can be subtracted to find the leaders
    assert folded.buckets[0].figures.ratings == folded.whole.ratings


def test_small_groups_pool_together_when_the_pool_reaches_the_minimum():
    rows = (
        entries(LEADERS, 2, ballot("111"))
        + entries(PEERS, 5, ballot("222"))
        + entries(SUBORDINATES, 1, ballot("333"))
        + entries(CLIENTS, 4, ballot("444"))
    )
    result = tally.tally(setup(), rows)[7]
    assert [(b.kind, b.groups, b.figures.ballots, b.weight) for b in result.buckets] == [
        ("pool", ["领导", "下属"], 3, 60),
        ("group", ["同事"], 5, 40),
        ("group", ["服务对象"], 4, 0),
    ]
    assert all(b.figures.ballots >= 3 for b in result.buckets)
    assert sum(b.figures.ballots for b in result.buckets) == result.ballots


def test_a_small_pool_joins_the_smallest_shown_group_first_in_order_on_a_tie():
    rows = (
        entries(LEADERS, 4, ballot("111"))
        + entries(PEERS, 4, ballot("222"))
        + entries(SUBORDINATES, 6, ballot("333"))
        + entries(CLIENTS, 1, ballot("444"))
    )
    result = tally.tally(setup(), rows)[7]
    assert [(b.kind, b.groups, b.figures.ballots) for b in result.buckets] == [
        ("joined", ["领导", "服务对象"], 5),
        ("group", ["同事"], 4),
        ("group", ["下属"], 6),
    ]


def test_under_the_minimum_in_all_only_the_count_is_shown():
    rows = entries(LEADERS, 1, ballot("111", "11")) + entries(PEERS, 1, ballot("222", "11"))
    result = tally.tally(setup(), rows)[7]
    assert result.ballots == 2 and not result.shown
    assert result.whole is None and result.buckets == [] and result.flagged == []
    assert result.weighted_score is None
    assert result.turnout[:2] == [["领导", 1], ["同事", 1]]
    # all groups small but together enough: one pool, equal to the whole
    rows += entries(SUBORDINATES, 1, ballot("333"))
    pooled = tally.tally(setup(), rows)[7]
    assert [(b.kind, b.groups) for b in pooled.buckets] == [("pool", ["领导", "同事", "下属"])]


def test_a_larger_minimum_is_honoured():
    rows = entries(LEADERS, 4, ballot("111")) + entries(PEERS, 5, ballot("222"))
    result = tally.tally(setup(min_ballots=5), rows)[7]
    assert [(b.kind, b.groups) for b in result.buckets] == [("joined", ["同事", "领导"])]


def test_the_talk_trigger_at_exactly_the_threshold():
    three = entries(LEADERS, 1, ballot("111", "10")) + entries(LEADERS, 2, ballot("111", "00"))
    at = tally.tally(setup(), three)[7]
    assert [(f.text, f.ticks, f.ballots) for f in at.flagged] == [("立场一", 1, 3)]
    four = three + entries(PEERS, 1, ballot("111", "00"))
    below = tally.tally(setup(), four)[7]
    assert below.flagged == []
    assert tally.reaches(1, 3, Fraction(1, 3))
    assert not tally.reaches(1, 4, Fraction(1, 3))
    assert tally.reaches(2, 6, Fraction(1, 3))
    assert not tally.reaches(33, 100, Fraction(1, 3))
    assert not tally.reaches(0, 3, Fraction(0, 1) + Fraction(1, 1000))
    half = tally.tally(setup(threshold=Fraction(1, 2)), three)[7]
    assert half.flagged == []


def test_thresholds_are_read_exactly():
    assert tally.parse_threshold("1/3") == Fraction(1, 3)
    assert tally.parse_threshold(" 30% ") == Fraction(3, 10)
    assert tally.parse_threshold("0.5") == Fraction(1, 2)
    for wrong in ("0", "2", "abc", "", "-1/3"):
        with pytest.raises((ValueError, ZeroDivisionError)):
            tally.parse_threshold(wrong)


def test_subjects_are_tallied_apart_and_asked_subjects_without_ballots_appear():
    rows = entries(LEADERS, 3, ballot("111"), subject=1) + entries(PEERS, 3, ballot("444"), 2)
    result = tally.tally(setup(), rows, subjects=[1, 3])
    assert set(result) == {1, 3}
    assert result[1].whole.positive_score == 100
    assert result[3].ballots == 0 and not result[3].shown


def test_answers_that_do_not_fit_the_checklist_are_refused():
    with pytest.raises(ValueError):
        tally.tally(setup(), [(1, 7, ballot("11"))])
    with pytest.raises(ValueError):
        tally.tally(setup(), [(99, 7, ballot("111"))])


def test_the_result_is_plain_json_data():
    import json

    rows = entries(LEADERS, 3, ballot("123", "10", 2))
    data = tally.tally(setup(), rows)[7].as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["whole"]["overall"] == [0, 3, 0, 0]


def test_answers_encoded_by_the_rules_are_read():
    text = rules.encode(rules.Answers(positive=(0, 1, 3), negative=(True, False), overall=3))
    result = tally.tally(setup(), [(1, 7, text)] * 3)[7]
    assert result.whole.ratings == [[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 0, 3]]
    assert result.whole.overall == [0, 0, 0, 3]


@pytest.mark.parametrize(
    "text", ["115|00|1", "111|02|1", "111|00|5", "111|00|", "111|00", "11a|00|1"]
)
def test_malformed_answers_are_refused(text):
    with pytest.raises(ValueError):
        tally.tally(setup(), [(1, 7, text)] * 3)
