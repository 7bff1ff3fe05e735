"""The test factories make valid rows: unique 工号 and 身份证号 that agree with the birth date
and sex, evaluations in the cadre's own section, relations given as objects or ids."""

from __future__ import annotations

from datetime import date

from cadre_app.extensions import db
from cadre_app.models import CycleState, TalkState
from cadre_app.services.core import idcard
from tests.factories import CadreFactory, EvaluationFactory, TalkFactory


def test_cadres_get_unique_staff_numbers_and_valid_id_numbers(app_ctx):
    first = CadreFactory(gender="女", birth_date=date(1988, 2, 29))
    others = CadreFactory.create_batch(3, department_id=first.department_id)
    db.session.commit()
    assert idcard.problem(first.id_number) is None
    assert idcard.birth_date(first.id_number) == date(1988, 2, 29)
    assert idcard.sex(first.id_number) == "女"
    assert {c.department for c in others} == {first.department}
    everyone = [first, *others]
    assert len({c.staff_no for c in everyone}) == len({c.id_number for c in everyone}) == 4


def test_an_evaluation_and_a_talk_about_a_cadre(app_ctx):
    cadre = CadreFactory()
    evaluation = EvaluationFactory(cadre_id=cadre.id)
    talk = TalkFactory(subject=cadre)
    db.session.commit()
    assert evaluation.department_id == cadre.department_id
    assert evaluation.cycle.state is CycleState.COLLECTING
    assert talk.state is TalkState.TRIGGERED and talk.subject_id == cadre.id
