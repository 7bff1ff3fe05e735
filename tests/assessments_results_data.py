"""Assessments with real ballots for the results tests: built with the demo's builders
(services.assessments.demo), cast through the ballot machinery, closed through on_close."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Assessment, Department
from cadre_app.services.assessments import demo, rules
from cadre_app.services.ballots.operations import GroupSpec
from tests.factories import CadreFactory

N_POS, N_NEG = len(rules.DEFAULT_POSITIVE), len(rules.DEFAULT_NEGATIVE)
GROUPS = (GroupSpec("领导", 30, 5), GroupSpec("同事", 40, 10), GroupSpec("下属", 30, 5))


def text(positive: str, ticks: tuple[int, ...] = (), overall: int = 0) -> str:
    """Answers: ``positive`` a rating digit (1-4) repeated over all 15 items, or 15 digits."""
    digits = positive * N_POS if len(positive) == 1 else positive
    return rules.encode(
        rules.Answers(
            tuple(int(d) - 1 for d in digits),
            tuple(i in ticks for i in range(N_NEG)),
            overall,
        )
    )


@dataclass
class Built:
    assessment_id: int
    subject_ids: list[int]  # AssessmentSubject ids
    cadre_ids: list[int]


def build(
    cadre_ids: list[int],
    ballots: dict[str, list[dict[int, str]]] | None = None,
    *,
    close: bool = True,
    title: str = "2025年度政治素质考察",
    groups=GROUPS,
    threshold: str = "1/3",
) -> Built:
    """An assessment of ``cadre_ids``; ``ballots``: per group, one {subject index: text}
    per ballot. Opened an hour ago, closed now when ``close``. Inside an app context."""
    from cadre_app.models import Cadre

    now = clock.utcnow()
    cadres = [db.session.get(Cadre, i) for i in cadre_ids]
    assessment = demo.build_assessment(
        title,
        cadres,
        checklist=demo.default_checklist(actor="test"),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        groups=groups,
        talk_threshold=threshold,
    )
    demo.open_assessment(assessment, at=now - timedelta(hours=1))
    subjects = [s.id for s in assessment.subjects]
    for group, rows in (ballots or {}).items():
        demo.cast_ballots(
            assessment,
            group,
            [{subjects[k]: v for k, v in row.items()} for row in rows],
            now=now,
        )
    if close:
        demo.close_assessment(assessment, at=now, today=clock.today())
    db.session.commit()
    return Built(assessment.id, subjects, cadre_ids)


def standard(org: dict[str, int], **kw) -> Built:
    """李晓明 (预算处, the manager's section and the demo cadre) and 王芳 (国库处): 3 leaders,
    4 peers, 2 subordinates (folded); 王芳 has 立场一 ticked by 3 of 9 (exactly 1/3)."""
    own, other = org["own_cadre"], org["other_cadre"]
    good, fair = text("1"), text("2")
    return build(
        [own, other],
        {
            "领导": [{0: good, 1: text("1", (0,))}] * 3,
            "同事": [{0: fair, 1: fair}] * 4,
            "下属": [{0: text("3"), 1: text("2")}] * 2,
        },
        **kw,
    )


def random_ballots(n_subjects: int, n_ballots: int, seed: int = 1) -> list[dict[int, str]]:
    rng = random.Random(seed)
    return [
        {k: demo.answers_text(rng, N_POS, N_NEG) for k in range(n_subjects)}
        for _ in range(n_ballots)
    ]


def more_cadres(n: int, department_id: int) -> list[int]:
    section = db.session.get(Department, department_id)
    ids = [c.id for c in CadreFactory.create_batch(n, department=section)]
    db.session.commit()
    return ids


def assessment(built: Built) -> Assessment:
    found = db.session.get(Assessment, built.assessment_id)
    assert found is not None
    return found


def today() -> date:
    return clock.today()


def later(days: int) -> datetime:
    return clock.utcnow() + timedelta(days=days)
