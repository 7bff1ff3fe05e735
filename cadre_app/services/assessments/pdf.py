"""Plain data for the 测评结果汇总表 (templates/pdf/assessment_result.html: one subject;
templates/pdf/assessment_summary.html: the whole assessment), turned into bytes by
services.core.pdf (which refuses without a CJK font).

Official Chinese records: the keys are what they print and are not translated. Figures are
the folded ones of services.assessments.tally (no small group can be read off a record).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from cadre_app import clock
from cadre_app.models import RATINGS, Assessment, AssessmentSubject
from cadre_app.services.assessments import results, tally
from cadre_app.services.records.appointment_form import long_date, organisation_name

TITLE = "政治素质测评结果汇总表"
SUBJECT_TEMPLATE = "assessment_result.html"
SUMMARY_TEMPLATE = "assessment_summary.html"


def score(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def share(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else "—"


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(clock.zone()).date()


def window(assessment: Assessment) -> str:
    box = assessment.box
    return (
        f"{long_date(_day(box.opens_at))}至{long_date(_day(assessment.closed_at or box.closes_at))}"
    )


def _head(assessment: Assessment) -> dict[str, Any]:
    return {
        "标题": TITLE,
        "测评名称": assessment.title,
        "测评目的": assessment.purpose,
        "测评时间": window(assessment),
        "测评表": f"{assessment.checklist.name}（第 {assessment.checklist.version} 版）",
        "合并规则": results.folding_rule(assessment.min_group_ballots),
        "提醒标准": results.talk_rule(assessment.talk_threshold),
        "打印时间": long_date(clock.today()),
    }


def subject_data(
    assessment: Assessment, subject: AssessmentSubject, figures: tally.SubjectTally
) -> dict[str, Any]:
    """The 测评结果汇总表 of one subject as plain values."""
    setup = results.setup_of(assessment)
    cadre = subject.cadre
    data = _head(assessment)
    whole = figures.whole
    buckets = figures.buckets if len(figures.buckets) > 1 else []
    positive = []
    previous = None
    for index, item in enumerate(setup.positive):
        aspect_rows = sum(1 for i in setup.positive if i.category == item.category)
        positive.append(
            {
                "方面": item.category if item.category != previous else None,
                "方面行数": aspect_rows,
                "方面得分": score(_aspect(whole, item.category)) if whole else "—",
                "项目": f"{index + 1}. {item.text}",
                "评价": [str(n) for n in whole.ratings[index]] if whole else ["—"] * 4,
                "得分": score(whole.item_scores[index]) if whole else "—",
                "分组得分": [score(b.figures.item_scores[index]) for b in buckets],
            }
        )
        previous = item.category
    negative = []
    flagged = {f.index for f in figures.flagged}
    previous = None
    for index, item in enumerate(setup.negative):
        negative.append(
            {
                "类别": item.category if item.category != previous else None,
                "类别行数": sum(1 for i in setup.negative if i.category == item.category),
                "项目": f"{index + 1}. {item.text}",
                "人数": str(whole.ticks[index]) if whole else "—",
                "占比": share(whole.tick_shares[index]) if whole else "—",
                "提醒": index in flagged,
            }
        )
        previous = item.category
    data.update(
        {
            "单位": organisation_name(cadre),
            "姓名": cadre.name,
            "工号": cadre.staff_no,
            "处室": cadre.department.name if cadre.department else "",
            "职务": cadre.position_title or cadre.rank or "",
            "有效票数": figures.ballots,
            "投票情况": "；".join(f"{name} {n} 票" for name, n in figures.turnout),
            "显示": figures.shown,
            "评价等次": list(RATINGS),
            "分组": [
                {
                    "名称": results.bucket_label(b.kind, b.groups),
                    "票数": b.figures.ballots,
                    "权重": b.weight,
                    "正向得分": score(b.figures.positive_score),
                    "好和较好": share(b.figures.good_share),
                }
                for b in buckets
            ],
            "正向": positive,
            "反向": negative,
            "正向得分": score(whole.positive_score) if whole else "—",
            "加权得分": score(figures.weighted_score),
            "好和较好": share(whole.good_share) if whole else "—",
            "总体评价": [
                {"等次": r, "人数": whole.overall[i] if whole else 0} for i, r in enumerate(RATINGS)
            ],
            "提醒项目": [f.text for f in figures.flagged],
            "结论选项": ["合格", "基本合格", "不合格"],
            "结论": subject.conclusion or "",
            "理由": subject.conclusion_reason or "",
            "结论日期": long_date(subject.concluded_on) or "　　　　年　　月　　日",
        }
    )
    return data


def _aspect(whole: tally.Figures | None, aspect: str) -> float | None:
    if whole is None:
        return None
    return next((s for a, s in whole.aspect_scores if a == aspect), None)


def summary_data(
    assessment: Assessment,
    subjects: list[AssessmentSubject],
    figures: dict[int, tally.SubjectTally],
) -> dict[str, Any]:
    """The whole assessment's 测评结果汇总表 (one row per subject) as plain values."""
    data = _head(assessment)
    data["单位"] = organisation_name(subjects[0].cadre) if subjects else ""
    data["投票情况"] = "；".join(
        f"{t['name']} {t['cast']} 票（权重 {t['weight']}）" for t in results.turnout(assessment)
    )
    data["行"] = [
        {
            "序号": row["number"],
            "姓名": row["name"],
            "处室": row["department"],
            "票数": row["ballots"],
            "正向得分": score(row["positive_score"]),
            "加权得分": score(row["weighted_score"]),
            "好和较好": share(row["good_share"]),
            "总体评价": "／".join(str(n) for n in row["overall"]) if row["overall"] else "—",
            "提醒项目": "；".join(row["flagged"]) or ("票数不足" if not row["shown"] else "无"),
            "结论": row["conclusion"] or "",
        }
        for row in results.summary_rows(assessment, subjects, figures)
    ]
    return data
