"""Results on real ballots (services.assessments.results): the tally read from the ballot
box, the 提醒谈话 closing opens (once), conclusions (rules, versions, audit, the snapshot),
the 政治素质档案 and the veto selection reads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AssessmentState, AssessmentSubject, AuditEvent, Talk
from cadre_app.services.assessments import results
from tests import assessments_results_data as data


def _subject(subject_id: int) -> AssessmentSubject:
    found = db.session.get(AssessmentSubject, subject_id)
    assert found is not None
    return found


def test_the_tally_reads_the_box_and_folds_the_small_group(app_ctx, org):
    built = data.standard(org)
    figures = results.subject_tallies(data.assessment(built))
    own = figures[built.subject_ids[0]]
    assert own.ballots == 9
    assert own.turnout == [["领导", 3], ["同事", 4], ["下属", 2]]
    assert [(b.kind, b.groups, b.figures.ballots) for b in own.buckets] == [
        ("joined", ["领导", "下属"], 5),
        ("group", ["同事"], 4),
    ]
    # whole: 3 x 100 + 4 x 80 + 2 x 60 per item
    assert own.whole.positive_score == pytest.approx((300 + 320 + 120) / 9)
    assert own.whole.good_share == pytest.approx(7 / 9)
    # weighted: (30 + 30) x (300 + 120) / 5 and 40 x 80, over 100
    assert own.weighted_score == pytest.approx((60 * 84 + 40 * 80) / 100)


def test_closing_opens_one_reminder_talk_at_exactly_the_threshold(app_ctx, org):
    built = data.standard(org)
    other = _subject(built.subject_ids[1])
    own = _subject(built.subject_ids[0])
    assert own.talk_id is None
    talk = db.session.get(Talk, other.talk_id)
    assert talk is not None
    assert (talk.kind, talk.source, talk.subject_id) == (
        "提醒谈话",
        "政治素质考察",
        org["other_cadre"],
    )
    assert (
        talk.reason
        == "反向测评：“对党中央决策部署打折扣、做选择、搞变通”3/9 人勾选，达到 1/3 的提醒标准"
    )
    # on_close again (a retried close): no second talk
    assert results.on_close(data.assessment(built), actor="hr", today=data.today()) == []
    talks = db.session.scalars(sa.select(Talk).where(Talk.subject_id == org["other_cadre"])).all()
    assert len(talks) == 1


def test_below_the_threshold_no_talk_is_opened(app_ctx, org):
    good = data.text("1")
    built = data.build(
        [org["own_cadre"]],
        {"领导": [{0: data.text("1", (4,))}] + [{0: good}] * 3},  # 1 of 4 < 1/3
    )
    assert _subject(built.subject_ids[0]).talk_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Talk)) == 0


def test_too_few_ballots_open_no_talk(app_ctx, org):
    built = data.build([org["own_cadre"]], {"领导": [{0: data.text("1", (0,))}] * 2})
    assert _subject(built.subject_ids[0]).talk_id is None
    figures = results.subject_tallies(data.assessment(built))[built.subject_ids[0]]
    assert figures.ballots == 2 and not figures.shown


def test_a_conclusion_is_recorded_with_its_figures_and_audited(app_ctx, org):
    built = data.standard(org)
    subject = _subject(built.subject_ids[1])
    changed = results.record_conclusion(
        subject,
        "基本合格",
        "  反向测评有一项达到三分之一。 ",
        expected_version=subject.version,
        actor="hr1",
        today=date(2026, 1, 5),
    )
    db.session.commit()
    assert changed
    subject = _subject(built.subject_ids[1])
    assert (subject.conclusion, subject.conclusion_reason) == (
        "基本合格",
        "反向测评有一项达到三分之一。",
    )
    assert (subject.concluded_on, subject.concluded_by) == (date(2026, 1, 5), "hr1")
    assert subject.result["ballots"] == 9
    assert subject.result["flagged"][0]["text"] == subject.result["negative_items"][0][1]
    assert subject.result["threshold"] == "1/3"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "assessment")
    ).all()[-1]
    assert "基本合格" in event.summary and "王芳" in event.summary
    # posted again: nothing changes, even with the old version
    assert not results.record_conclusion(
        subject,
        "基本合格",
        "反向测评有一项达到三分之一。",
        expected_version=1,
        actor="hr1",
        today=date(2026, 1, 6),
    )


def test_a_stale_form_is_refused(app_ctx, org):
    built = data.standard(org)
    subject = _subject(built.subject_ids[0])
    version = subject.version
    results.record_conclusion(
        subject, "合格", None, expected_version=version, actor="a", today=data.today()
    )
    db.session.commit()
    with pytest.raises(results.VersionConflict):
        results.record_conclusion(
            subject,
            "不合格",
            "另一人的意见",
            expected_version=version,
            actor="b",
            today=data.today(),
        )


@pytest.mark.parametrize(
    "conclusion, reason, field",
    [
        (None, None, "conclusion"),
        ("优秀", "x", "conclusion"),
        ("基本合格", "  ", "reason"),
        ("不合格", None, "reason"),
        ("合格", "字" * 1001, "reason"),
    ],
)
def test_bad_conclusions_are_refused_and_nothing_is_written(
    app_ctx, org, conclusion, reason, field
):
    built = data.standard(org)
    subject = _subject(built.subject_ids[0])
    with pytest.raises(results.ResultsError) as refused:
        results.record_conclusion(
            subject,
            conclusion,
            reason,
            expected_version=subject.version,
            actor="hr",
            today=data.today(),
        )
    assert field in [f for f, _m in refused.value.errors]
    db.session.rollback()
    assert _subject(built.subject_ids[0]).conclusion is None


def test_no_conclusion_before_closing_nor_after_archiving(app_ctx, org):
    built = data.standard(org, close=False)
    subject = _subject(built.subject_ids[0])
    with pytest.raises(results.WrongState):
        results.record_conclusion(
            subject, "合格", None, expected_version=1, actor="hr", today=data.today()
        )
    assessment = data.assessment(built)
    assessment.state = AssessmentState.ARCHIVED
    with pytest.raises(results.WrongState):
        results.record_conclusion(
            subject, "合格", None, expected_version=1, actor="hr", today=data.today()
        )


def test_dossier_and_veto(app_ctx, org):
    cadre = org["other_cadre"]
    first = data.standard(org, title="第一次考察")
    second = data.standard(org, title="第二次考察")
    s1, s2 = _subject(first.subject_ids[1]), _subject(second.subject_ids[1])
    day = date(2026, 3, 1)
    results.record_conclusion(
        s1, "不合格", "立场问题", expected_version=s1.version, actor="hr", today=day
    )
    db.session.commit()
    assert results.political_veto(cadre, day).conclusion == "不合格"
    assert results.political_veto(cadre, day - timedelta(days=1)) is None  # not yet concluded
    assert results.political_veto(org["own_cadre"], day) is None
    later = day + timedelta(days=200)
    results.record_conclusion(
        s2, "合格", None, expected_version=s2.version, actor="hr", today=later
    )
    db.session.commit()
    entries = results.dossier(cadre)
    assert [(e.title, e.conclusion) for e in entries] == [
        ("第二次考察", "合格"),
        ("第一次考察", "不合格"),
    ]
    assert entries[1].reason == "立场问题" and entries[1].ballots == 9
    assert entries[1].flagged and entries[1].positive_score is not None
    # the later 合格 lifts the veto; on a day between, the 不合格 is still in force
    assert results.political_veto(cadre, later) is None
    assert results.political_veto(cadre, later - timedelta(days=1)).title == "第一次考察"
    assert results.dossier(cadre, on=day) == [entries[1]]


def test_unconcluded_subjects_are_not_in_the_dossier(app_ctx, org):
    data.standard(org)
    assert results.dossier(org["own_cadre"]) == []


def test_managers_see_only_concluded_subjects_of_their_sections(app_ctx, org):
    built = data.standard(org)
    assessment = data.assessment(built)
    assert len(results.visible_subjects(assessment, None)) == 2
    assert results.visible_subjects(assessment, [org["budget"]]) == []
    own = _subject(built.subject_ids[0])
    other = _subject(built.subject_ids[1])
    results.record_conclusion(
        own, "合格", None, expected_version=own.version, actor="hr", today=data.today()
    )
    results.record_conclusion(
        other, "合格", None, expected_version=other.version, actor="hr", today=data.today()
    )
    assert [s.id for s in results.visible_subjects(assessment, [org["budget"]])] == [own.id]


def test_turnout_counts_while_open(app_ctx, org):
    built = data.standard(org, close=False)
    counts = results.turnout(data.assessment(built))
    assert [(t["name"], t["cast"], t["issued"]) for t in counts] == [
        ("领导", 3, 3),
        ("同事", 4, 4),
        ("下属", 2, 2),
    ]
