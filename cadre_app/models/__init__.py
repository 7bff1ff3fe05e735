"""All models, imported here so that Alembic sees every table."""

from cadre_app.models.accounts import Role, SectionHead, User, UserSession
from cadre_app.models.audit import AuditEvent
from cadre_app.models.calendar import Holiday, HolidaySource
from cadre_app.models.evaluations import CycleState, Evaluation, EvaluationCycle, QuarterlyGrade
from cadre_app.models.lrmx_job import LrmxImportJob
from cadre_app.models.organisation import Department, Organisation, department_manager
from cadre_app.models.records import (
    AppointmentDraft,
    ExportChunk,
    ExportJob,
    ExportPart,
    JobState,
)
from cadre_app.models.roster import Cadre, CadrePhoto, FamilyMember, ResumeEntry
from cadre_app.models.secondments import (
    APPRAISAL_GRADES,
    HOST_TYPES,
    SECONDMENT_KINDS,
    Secondment,
    SecondmentEvent,
    SecondmentState,
)
from cadre_app.models.setting import Setting
from cadre_app.models.talks import TALK_KINDS, TALK_SOURCES, Talk, TalkState
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    Enrolment,
    Essay,
    EssayReview,
    Lecture,
    LectureAttendee,
    MilestoneState,
    PlanComment,
    PlanCourse,
    PlanMilestone,
    PlanReview,
    PlanState,
    Programme,
    TrainingCourse,
    cohort_member,
)
from cadre_app.models.upload import ImportUpload

__all__ = [
    "APPRAISAL_GRADES",
    "HOST_TYPES",
    "SECONDMENT_KINDS",
    "Secondment",
    "SecondmentEvent",
    "SecondmentState",
    "AppointmentDraft",
    "ExportChunk",
    "ExportJob",
    "ExportPart",
    "JobState",
    "TALK_KINDS",
    "TALK_SOURCES",
    "CycleState",
    "Evaluation",
    "EvaluationCycle",
    "Holiday",
    "HolidaySource",
    "QuarterlyGrade",
    "Talk",
    "TalkState",
    "AuditEvent",
    "Cadre",
    "CadrePhoto",
    "Department",
    "FamilyMember",
    "ImportUpload",
    "LrmxImportJob",
    "Organisation",
    "ResumeEntry",
    "Role",
    "SectionHead",
    "Setting",
    "User",
    "UserSession",
    "department_manager",
    "Cohort",
    "DevelopmentPlan",
    "Enrolment",
    "Essay",
    "EssayReview",
    "Lecture",
    "LectureAttendee",
    "MilestoneState",
    "PlanComment",
    "PlanCourse",
    "PlanMilestone",
    "PlanReview",
    "PlanState",
    "Programme",
    "TrainingCourse",
    "cohort_member",
]
