"""民主推荐's pure rules: the up-to-N rule of a ballot (弃权 allowed, more refused, someone not
listed refused), the answers' text, when a round may open its ballot, and the tally (counts
and shares whole and by group, small groups folded as the assessments' tally folds them,
the order and its tie-break)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from cadre_app.models import Stage
from cadre_app.services.assessments.tally import Group
from cadre_app.services.ballots.operations import GroupSpec
from cadre_app.services.selection import recommendation as rec
from cadre_app.services.selection.recommendation_kind import decode, encode, read_choice

LISTED = {11, 12, 13, 14}


def posted(*ids: object) -> MultiDict:
    return MultiDict([("c", str(i)) for i in ids])


def test_a_ballot_may_name_up_to_the_places(app_ctx):
    assert read_choice(LISTED, 2, posted(12, 11)) == ([11, 12], None)
    assert read_choice(LISTED, 2, posted(13)) == ([13], None)


def test_a_ballot_naming_nobody_is_a_valid_abstention(app_ctx):
    assert read_choice(LISTED, 2, posted()) == ([], None)
    assert encode([]) == "" and decode("") == []


def test_a_ballot_naming_more_than_the_places_is_refused_with_the_numbers(app_ctx):
    chosen, message = read_choice(LISTED, 2, posted(11, 12, 13))
    assert chosen is None
    assert message == "最多可推荐 2 人，您选了 3 人。请取消多选的人后再提交。"
    chosen, message = read_choice(LISTED, 1, posted(11, 12))
    assert chosen is None and "最多可推荐 1 人" in message


def test_the_same_name_ticked_twice_counts_once(app_ctx):
    assert read_choice(LISTED, 1, posted(11, 11)) == ([11], None)


@pytest.mark.parametrize("value", ["99", "abc", "-1", ""])
def test_someone_not_listed_is_refused(app_ctx, value):
    chosen, message = read_choice(LISTED, 3, posted(11, value))
    assert chosen is None and "不在候选人名单中" in message


def test_the_answers_text_is_the_ids_ascending():
    assert encode([14, 11, 12]) == "11,12,14"
    assert decode("11,12,14") == [11, 12, 14]
    with pytest.raises(ValueError):
        decode("12,11")


NOW = datetime(2026, 5, 1, 9, 0)
GOOD = rec.Opening(
    "推荐", NOW, NOW + timedelta(days=1), (GroupSpec("领导", 40, 5), GroupSpec("干部", 60, 20))
)


def test_a_round_at_recommendation_with_more_candidates_than_places_may_open(app_ctx):
    assert rec.open_problems(Stage.RECOMMENDATION, 3, 2, GOOD, NOW) == []


def test_recommendation_needs_more_candidates_than_places(app_ctx):
    errors = rec.open_problems(Stage.RECOMMENDATION, 2, 2, GOOD, NOW)
    assert errors == [(None, "民主推荐须差额进行：候选人（现有 2 人）须多于职位数（2 个）。")]


def test_recommendation_opens_only_at_its_stage(app_ctx):
    errors = rec.open_problems(Stage.MOTION, 3, 1, GOOD, NOW)
    assert [m for _f, m in errors] == ["只有处于“民主推荐”阶段的选任工作才能发起民主推荐投票。"]


def test_groups_and_window_are_checked(app_ctx):
    bad = rec.Opening(
        " ",
        NOW,
        NOW - timedelta(hours=1),
        (GroupSpec("领导", 140, 0), GroupSpec("领导", 0, 5)),
    )
    fields = [f for f, _m in rec.open_problems(Stage.RECOMMENDATION, 3, 1, bad, NOW)]
    assert fields.count("groups") == 3  # weight out of range, a name twice, no usable group
    assert "title" in fields and "closes_at" in fields
    ended = rec.Opening("推荐", NOW - timedelta(days=2), NOW, GOOD.groups)
    assert rec.open_problems(Stage.RECOMMENDATION, 3, 1, ended, NOW) == [
        ("closes_at", "结束时间已过，请重新填写。")
    ]


# --- the tally ---------------------------------------------------------------------------------

LEADERS, STAFF, OTHERS = (
    Group(1, "领导", 40, 0),
    Group(2, "干部", 60, 1),
    Group(3, "服务对象", 0, 2),
)
GROUPS = [LEADERS, STAFF, OTHERS]


def ballots(group: Group, *answers: str) -> list[tuple[int, int, str]]:
    return [(group.id, 7, a) for a in answers]


def test_counts_and_shares_whole_and_by_group():
    entries = ballots(LEADERS, "11,12", "11", "12", "") + ballots(
        STAFF, "12,13", "12", "11,12", "", "13"
    )
    result = rec.tally([11, 12, 13, 14], 2, GROUPS, entries, min_ballots=3)
    assert result.shown and result.ballots == 9 and result.abstained == 2
    whole = {f.candidate: (f.votes, f.share) for f in result.whole}
    assert whole == {11: (3, 3 / 9), 12: (5, 5 / 9), 13: (2, 2 / 9), 14: (0, 0.0)}
    assert [f.candidate for f in result.whole] == [12, 11, 13, 14]  # most votes first
    assert [b.groups for b in result.buckets] == [["领导"], ["干部"]]
    leaders, staff = result.buckets
    assert [f.votes for f in leaders.figures] == [2, 2, 0, 0] and leaders.ballots == 4
    assert staff.figures[1].share == 3 / 5 and staff.abstained == 1
    assert result.weighted[12] == pytest.approx((40 * 2 / 4 + 60 * 3 / 5) / 100)
    assert result.turnout == [["领导", 4], ["干部", 5], ["服务对象", 0]]


def test_a_small_group_is_folded_so_no_figure_reveals_it():
    entries = ballots(LEADERS, "11", "12", "11") + ballots(STAFF, "12", "12", "13", "12")
    entries += ballots(OTHERS, "14")  # one ballot: never shown apart
    result = rec.tally([11, 12, 13, 14], 1, GROUPS, entries, min_ballots=3)
    assert [(b.kind, b.groups) for b in result.buckets] == [
        ("joined", ["领导", "服务对象"]),
        ("group", ["干部"]),
    ]
    assert result.buckets[0].ballots == 4 and result.buckets[0].figures[3].votes == 1
    assert sum(b.ballots for b in result.buckets) == result.ballots == 8
    assert result.turnout[2] == ["服务对象", 1]  # the count of ballots is never folded


def test_with_too_few_ballots_only_the_turnout_is_shown():
    result = rec.tally([11, 12, 13], 1, GROUPS, ballots(LEADERS, "11", "12"), min_ballots=3)
    assert not result.shown and result.ballots == 2
    assert result.whole == [] and result.buckets == [] and result.abstained == 0


def test_a_tie_is_broken_by_the_weighted_share_then_the_list_order():
    # all three have 2 votes; 12's come from the heavier group (60), 11's from the lighter
    # (40), 13 has one of each: weighted 2/3×60%, 1/3×40%+1/3×60%, 2/3×40%
    entries = ballots(LEADERS, "11", "11", "13") + ballots(STAFF, "12", "12", "13")
    result = rec.tally([11, 12, 13], 1, GROUPS, entries, min_ballots=3)
    assert [f.candidate for f in result.whole] == [12, 13, 11]
    even = ballots(STAFF, "11", "12", "13")
    assert [f.candidate for f in rec.tally([13, 12, 11], 1, GROUPS, even).whole] == [13, 12, 11]


def test_a_ballot_that_does_not_fit_the_list_is_an_error():
    with pytest.raises(ValueError):
        rec.tally([11, 12], 1, GROUPS, ballots(LEADERS, "11,12"))  # more than the places
    with pytest.raises(ValueError):
        rec.tally([11, 12], 1, GROUPS, ballots(LEADERS, "99"))  # not a candidate
    with pytest.raises(ValueError):
        rec.tally([11, 12], 1, GROUPS, [(42, 7, "11")])  # unknown group
