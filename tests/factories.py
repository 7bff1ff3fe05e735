"""factory_boy factories for the rows most tests need: organisations and their sections,
cadres, evaluation cycles and evaluations, talks.

Each call adds the row to ``db.session`` and flushes, inside an app context the caller has
pushed; the caller commits (as a view would). The session is looked up at every call, because
the conftest binds ``db.session`` to each test's own transaction.

A relation may be given as an object (``department=section``) or as an id
(``department_id=org["budget"]``); given neither, a new one is made. Every cadre gets a
unique 工号 and a valid 身份证号 that matches its birth date and sex::

    with app.app_context():
        section = DepartmentFactory(name="预算处")
        ids = [c.id for c in CadreFactory.create_batch(5, department=section)]
        TalkFactory(subject_id=ids[0], kind="函询")
        db.session.commit()
"""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from cadre_app.extensions import db
from cadre_app.models import (
    Cadre,
    Department,
    Evaluation,
    EvaluationCycle,
    Organisation,
    Talk,
)
from cadre_app.services.core import idcard


def _session() -> Any:
    return db.session


def _made_unless_id_given(relation: str, made_by: type[factory.Factory]) -> factory.Maybe:
    """``relation`` made by ``made_by`` unless ``<relation>_id`` is given."""
    return factory.Maybe(
        f"{relation}_id", yes_declaration=None, no_declaration=factory.SubFactory(made_by)
    )


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"

    #: Relations that may be given as an object or as an id (see _made_unless_id_given).
    _relations: tuple[str, ...] = ()

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        for relation in cls._relations:  # of the object and the id, pass the one given
            for key in (relation, f"{relation}_id"):
                if kwargs.get(key) is None:
                    kwargs.pop(key, None)
        return kwargs


class OrganisationFactory(_Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试单位{n}")


class DepartmentFactory(_Factory):
    """A section (科室) of a new organisation unless one is given."""

    class Meta:
        model = Department

    _relations = ("organisation",)
    organisation_id = None
    organisation = _made_unless_id_given("organisation", OrganisationFactory)
    name = factory.Sequence(lambda n: f"科室{n}")


def _id_number(cadre: Any, n: int) -> str:
    """Unique within a run: a region and a sequence number drawn from the factory's counter
    ``n``, the sequence odd for 男 and even for 女 (GB 11643)."""
    region = f"{110101 + (n // 500) % 800:06d}"
    return idcard.make(region, cadre.birth_date, (n % 500) * 2 + (cadre.gender == "男"))


class CadreFactory(_Factory):
    """A cadre (一级科员) of a new section unless one is given."""

    class Meta:
        model = Cadre

    _relations = ("department",)
    staff_no = factory.Sequence(lambda n: f"F{n:05d}")
    name = factory.Sequence(lambda n: f"干部{n:05d}")
    gender = "男"
    birth_date = date(1990, 1, 1)
    id_number = factory.LazyAttributeSequence(_id_number)
    department_id = None
    department = _made_unless_id_given("department", DepartmentFactory)
    rank = "一级科员"


class EvaluationCycleFactory(_Factory):
    """A cycle collecting scores, with the default settings, for a year no test names."""

    class Meta:
        model = EvaluationCycle

    year = factory.Sequence(lambda n: 3000 + n)


class EvaluationFactory(_Factory):
    """One cadre in one cycle, evaluated in the cadre's own section unless told otherwise."""

    class Meta:
        model = Evaluation

    _relations = ("cycle", "cadre", "department")
    cycle_id = None
    cycle = _made_unless_id_given("cycle", EvaluationCycleFactory)
    cadre_id = None
    cadre = _made_unless_id_given("cadre", CadreFactory)
    department_id = None
    department = None

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        kwargs = super()._adjust_kwargs(**kwargs)
        if "department" not in kwargs and "department_id" not in kwargs:
            cadre = kwargs.get("cadre") or db.session.get(Cadre, kwargs["cadre_id"])
            kwargs["department_id"] = cadre.department_id
        return kwargs


class TalkFactory(_Factory):
    """A 提醒谈话 just triggered by the ranking, about a new cadre unless one is given."""

    class Meta:
        model = Talk

    _relations = ("subject", "conductor")
    kind = "提醒谈话"
    source = "考核排名"
    subject_id = None
    subject = _made_unless_id_given("subject", CadreFactory)
    conductor_id = None
    conductor = None
    reason = factory.Sequence(lambda n: f"测试谈话{n}")


# --- h3: 业务微讲座 and 策论 ------------------------------------------------------------------

from cadre_app.models import Essay, Lecture  # noqa: E402  (h3's block, kept apart for merging)


def pdf_bytes(size: int = 0) -> bytes:
    """A small real PDF header and body, padded to ``size`` bytes when given."""
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return body + b"%" * max(0, size - len(body))


def docx_bytes() -> bytes:
    """A minimal DOCX: a ZIP holding word/document.xml; the same bytes on every call (the
    members' times are fixed, so two calls a second apart agree)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<w:document/>"),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


class LectureFactory(_Factory):
    """A 业务微讲座 held on 2026-03-10, by a new cadre unless a speaker is given."""

    class Meta:
        model = Lecture

    _relations = ("speaker",)
    speaker_id = None
    speaker = _made_unless_id_given("speaker", CadreFactory)
    topic = factory.Sequence(lambda n: f"测试讲座{n}")
    held_on = date(2026, 3, 10)
    duration_hours = 2


class EssayFactory(_Factory):
    """A 策论 (a small PDF) submitted on 2026-04-01, by a new cadre unless an author is given."""

    class Meta:
        model = Essay

    _relations = ("author",)
    author_id = None
    author = _made_unless_id_given("author", CadreFactory)
    title = factory.Sequence(lambda n: f"测试策论{n}")
    submitted_on = date(2026, 4, 1)
    file_name = "essay.pdf"
    file_type = "pdf"
    file_data = factory.LazyFunction(pdf_bytes)
    file_size = factory.LazyAttribute(lambda o: len(o.file_data))


# --- h4: development plans and the programme ---------------------------------------------------

from cadre_app.models.training import (  # noqa: E402  (h4's block, kept apart for merging)
    Cohort,
    DevelopmentPlan,
    PlanMilestone,
    PlanState,
    Programme,
)


class ProgrammeFactory(_Factory):
    """A programme (五航工程-like), active."""

    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"测试培养项目{n}")
    active = True


class CohortFactory(_Factory):
    """A cohort of a new programme unless one is given."""

    class Meta:
        model = Cohort

    _relations = ("programme",)
    programme_id = None
    programme = _made_unless_id_given("programme", ProgrammeFactory)
    year = 2026
    name = factory.Sequence(lambda n: f"第{n}期")


class PlanFactory(_Factory):
    """A development plan in force for a new cadre unless one is given, 2026 to 2027."""

    class Meta:
        model = DevelopmentPlan

    _relations = ("cadre",)
    cadre_id = None
    cadre = _made_unless_id_given("cadre", CadreFactory)
    period_start = date(2026, 1, 1)
    period_end = date(2027, 12, 31)
    goals = "提升业务能力"
    state = PlanState.ACTIVE
    review_interval_months = 3


class MilestoneFactory(_Factory):
    """A milestone (未开始) of a given plan."""

    class Meta:
        model = PlanMilestone

    _relations = ("plan",)
    plan_id = None
    plan = None
    title = factory.Sequence(lambda n: f"节点{n}")
    due_date = date(2026, 6, 30)


# --- h5 (issue 11: training PDFs and demo) ---------------------------------------------------


def training_record(
    cadre_id: int,
    name: str,
    start: date,
    hours: float | int,
    *,
    leave: float | int = 0,
    mode: str = "脱产",
    category: str = "专题培训班",
    days: int = 5,
    certificate_no: str | None = None,
) -> Any:
    """A course of one participant with attendance recorded as the rules decide it (1/7 leave
    rule, settings in force); returns the Enrolment."""
    from datetime import timedelta
    from decimal import Decimal

    from cadre_app.models.training import Enrolment, TrainingCourse
    from cadre_app.services.core import settings
    from cadre_app.services.training import ledger, rules

    version, value = settings.current(rules.SETTINGS_KEY)
    course = TrainingCourse(
        name=name,
        category=category,
        mode=mode,
        organiser="测试主办单位",
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        hours=rules.hours(hours),
    )
    outcome = rules.course_outcome(course.hours, Decimal(str(leave)), value)
    enrolment = Enrolment(
        course=course,
        cadre_id=cadre_id,
        attended_hours=outcome.attended,
        leave_hours=rules.hours(leave),
        passed=outcome.passed,
        hours_earned=outcome.earned,
        certificate_no=certificate_no,
        settings_version=version,
    )
    db.session.add(enrolment)
    db.session.flush()
    ledger.refresh_years([cadre_id], [course.end_date.year])  # as the training writers do
    return enrolment
