"""The printed training records (issue 11, item 9): the 干部教育培训档案 of one cadre and the
cohort report, rendered by the real engine and read back with ``pdftotext``.

The known cadre (李晓明, 一级科员, 90 学时 a year, online at most 45):
- 2024: a course of 14 学时 with 2 on leave, exactly 1/7: 结业, earns 12 → short 78;
- 2025: 40 学时 脱产 (cert JY2025001), 14 学时 在职 with 3 on leave (above 1/7: 未结业, 0),
  60 学时 网络 (capped at 45), a lecture given (4) and one heard (1), an essay graded 良好 by
  two reviewers (8) and one still under review: earned 113, counted 40 + 45 + 5 + 8 = 98.
"""

from __future__ import annotations

import subprocess
import zipfile
from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    Essay,
    EssayReview,
    Lecture,
    LectureAttendee,
    MilestoneState,
    PlanMilestone,
    PlanState,
    Programme,
)
from cadre_app.services.records import batch as batch_export
from cadre_app.services.training import pdf as training_pdf
from cadre_app.services.training import rules
from tests.conftest import office_today
from tests.factories import CadreFactory, training_record


def pdf_text(content: bytes) -> str:
    """The PDF's text as ``pdftotext`` reads it, whitespace removed (lines wrap anywhere)."""
    assert content.startswith(b"%PDF-")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return "".join(out.stdout.decode("utf-8").split())


def pdf_lines(content: bytes) -> list[str]:
    """The lines of ``pdftotext -layout`` (a table row is a line), whitespace removed."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return ["".join(line.split()) for line in out.stdout.decode("utf-8").splitlines()]


def _essay(author_id: int, title: str, submitted: date, grades: dict[int, str | None]) -> Essay:
    essay = Essay(
        author_id=author_id,
        title=title,
        submitted_on=submitted,
        file_name="a.pdf",
        file_type="pdf",
        file_size=4,
        file_data=b"%PDF",
    )
    for reviewer_id, grade in grades.items():
        essay.reviews.append(EssayReview(reviewer_id=reviewer_id, grade=grade))
    given = [g for g in grades.values() if g]
    essay.final_grade = rules.essay_grade(given) if len(given) == len(grades) else None
    db.session.add(essay)
    return essay


@pytest.fixture
def records(app, org, users):
    """The known cadre's records (see the module's docstring)."""
    own, other = org["own_cadre"], org["other_cadre"]
    hr, manager = users["hr"].id, users["manager"].id
    with app.app_context():
        training_record(own, "统计业务培训", date(2024, 5, 6), 14, leave=2, mode="在职")
        training_record(
            own, "青年干部履职能力提升班", date(2025, 5, 12), 40, certificate_no="JY2025001"
        )
        training_record(own, "公文写作与信息报送", date(2025, 10, 20), 14, leave=3, mode="在职")
        training_record(
            own, "2025年网络专题学习", date(2025, 2, 17), 60, mode="网络", category="网络培训"
        )
        given = Lecture(
            speaker_id=own, topic="部门预算编制要点", held_on=date(2025, 6, 3), duration_hours=1.5
        )
        given.attendees.append(LectureAttendee(cadre_id=other, rating=5))
        heard = Lecture(
            speaker_id=other, topic="国库集中支付流程", held_on=date(2025, 7, 8), duration_hours=1
        )
        heard.attendees.append(LectureAttendee(cadre_id=own, rating=4))
        db.session.add_all([given, heard])
        _essay(own, "关于预算绩效的思考", date(2025, 8, 1), {hr: "良好", manager: "优秀"})
        _essay(own, "政府采购改革建议", date(2025, 11, 3), {hr: "合格", manager: None})
        db.session.commit()
    return org


def test_the_record_of_a_known_cadre_prints_every_year_with_its_totals(app, hr_client, records):
    response = hr_client.get(f"/training/{records['own_cadre']}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "training-record-T0001.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "干部教育培训档案" in text and "李晓明" in text and "T0001" in text
    assert "预算处" in text and "一级科员" in text and "1995.03" in text
    # 2024: exactly 1/7 on leave still passes and earns the hours attended
    assert "2024年度合计：面授培训12，网络培训0，业务微讲座0，策论0；本年获得12学时。" in text
    assert "计入学时12，尚差78学时" in text
    # 2025: the course over the leave limit is 未结业 and earns nothing; online capped at 45
    assert "2025年度合计：面授培训40，网络培训60，业务微讲座5，策论8；本年获得113学时。" in text
    assert "网络培训获得60、上限45、计入45；计入学时98，尚差0学时" in text
    assert "未结业" in text and "JY2025001" in text
    assert (
        "部门预算编制要点" in text and "主讲" in text and "国库集中支付流程（主讲：王芳）" in text
    )
    assert "关于预算绩效的思考" in text and "良好" in text and "评审中" in text
    # this year, with no record yet, is there too, short of the whole requirement
    this_year = office_today().year
    assert f"{this_year}年度合计" in text
    assert "本人签字" in text and "组织人事部门审核" in text
    with app.app_context():
        (event,) = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "download", AuditEvent.object_type == "cadre"
            )
        )
        assert event.object_id == str(records["own_cadre"]) and "干部教育培训档案" in event.summary


def test_record_data_totals_by_year(app, records):
    with app.app_context():
        cadre = db.session.get(Cadre, records["own_cadre"])
        data = training_pdf.record_data(cadre, today=date(2025, 12, 31))
    years = {y["年度"]: y for y in data["years"]}
    assert list(years) == [2024, 2025]
    assert years[2025]["本年合计"] == "113" and years[2025]["计入合计"] == "98"
    assert years[2025]["尚差"] == "0" and years[2025]["完成"]
    assert years[2024]["计入合计"] == "12" and years[2024]["尚差"] == "78"
    failed = [c for c in years[2025]["courses"] if c["未结业"]]
    assert [(c["名称"], c["计入"]) for c in failed] == [("公文写作与信息报送", "0")]
    assert data["总计"] == "125"


def test_a_senior_cadre_is_measured_over_the_five_year_window(app, records):
    with app.app_context():
        senior = CadreFactory(rank="四级调研员", department_id=records["budget"])
        training_record(senior.id, "2021年的班", date(2021, 4, 5), 100)  # outside 2022–2026
        training_record(senior.id, "2022年的班", date(2022, 4, 4), 200)
        training_record(senior.id, "2026年的班", date(2026, 4, 6), 300)
        db.session.flush()
        data = training_pdf.record_data(senior, today=date(2026, 6, 1))
        book = training_pdf.SettingsBook()
        tally = training_pdf.tallies([senior.id], book)[senior.id]
        in_2025 = training_pdf.standing(tally, senior.rank, 2025, book.current)
    years = {y["年度"]: y for y in data["years"]}
    assert list(years) == [2021, 2022, 2026]
    assert years[2026]["要求"] == "550" and years[2026]["要求期间"] == "2022—2026年"
    assert years[2026]["计入合计"] == "500" and years[2026]["尚差"] == "50"
    assert in_2025.window == (2021, 2025) and in_2025.counted == 300  # the 2021 and 2022 classes
    assert "每5年累计不少于550学时" in data["要求说明"]


def test_a_manager_prints_their_sections_cadres_and_a_cadre_only_their_own(
    manager_client, cadre_client, records
):
    own, other = records["own_cadre"], records["other_cadre"]
    assert manager_client.get(f"/training/{own}/record.pdf").status_code == 200
    assert manager_client.get(f"/training/{other}/record.pdf").status_code == 404
    response = cadre_client.get(f"/training/{own}/record.pdf")
    assert response.status_code == 200 and "李晓明" in pdf_text(response.data)
    assert cadre_client.get(f"/training/{other}/record.pdf").status_code == 404
    assert cadre_client.get("/training/999999/record.pdf").status_code == 404


def test_without_a_cjk_font_the_record_is_refused_naming_the_package(
    app, hr_client, records, monkeypatch
):
    monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", [])
    response = hr_client.get(f"/training/{records['own_cadre']}/record.pdf")
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.get_data(as_text=True)


def test_the_record_is_a_batch_kind_hr_prints_for_many(app, hr_client, records):
    assert batch_export.KINDS["training_record"].label == "干部教育培训档案"
    assert "干部教育培训档案" in hr_client.get("/records/batch").get_data(as_text=True)
    ids = [str(records["own_cadre"]), str(records["other_cadre"])]
    form = {"kind": "training_record", "scope": "selected", "cadre_ids": ids}
    merged = hr_client.post("/records/batch", data={**form, "output": "pdf"})
    assert merged.status_code == 200 and merged.mimetype == "application/pdf"
    text = pdf_text(merged.data)
    assert text.index("李晓明") < text.index("王芳")  # in 工号 order
    assert "计入学时98，尚差0学时" in text
    archive = hr_client.post("/records/batch", data={**form, "output": "zip"})
    with zipfile.ZipFile(BytesIO(archive.data)) as zf:
        assert zf.namelist() == [
            "T0001_李晓明_干部教育培训档案.pdf",
            "T0002_王芳_干部教育培训档案.pdf",
        ]


@pytest.fixture
def cohort(app, records):
    today = office_today()
    with app.app_context():
        programme = Programme(name="五航工程")
        cohort = Cohort(programme=programme, year=2025, name="2025级")
        cohort.members = [
            db.session.get(Cadre, records["own_cadre"]),
            db.session.get(Cadre, records["other_cadre"]),
        ]
        plan = DevelopmentPlan(
            cadre_id=records["own_cadre"],
            period_start=date(2025, 1, 1),
            period_end=date(2026, 12, 31),
            state=PlanState.ACTIVE,
            cohort=cohort,
        )
        plan.milestones = [
            PlanMilestone(title="结业", due_date=date(2025, 6, 30), state=MilestoneState.DONE),
            PlanMilestone(title="策论", due_date=today - timedelta(days=3)),
            PlanMilestone(title="微讲座", due_date=today + timedelta(days=30)),
        ]
        db.session.add_all([programme, cohort, plan])
        db.session.commit()
        return cohort.id


def test_the_cohort_report_lists_each_member(app, hr_client, cohort):
    response = hr_client.get(f"/training/cohorts/{cohort}/report.pdf?year=2025")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "五航工程2025级培养对象情况报告" in text
    assert "培养对象：2人" in text and "学时达标：1人，未达标1人" in text
    assert "逾期里程碑：1个" in text
    # 李晓明: 98 of 90; plan 生效 with 1 of 3 milestones done, one overdue; two essays
    rows = {line[1:6]: line for line in pdf_lines(response.data) if line[1:2] == "T"}
    assert rows["T0001"] == "1T0001李晓明预算处一级科员98/90（100%）0生效1/312篇：良好、评审中11是"
    # 王芳 (四级主任科员, 90 a year): gave one lecture (4) and heard one (1), no plan
    assert rows["T0002"] == "2T0002王芳国库处四级主任科员5/90（5%）85未制定——11否"
    with app.app_context():
        data = training_pdf.cohort_data(
            db.session.get(Cohort, cohort),
            year=2025,
            today=clock.today(),
            generated_at=clock.utcnow(),
        )
    rows = {r["姓名"]: r for r in data["rows"]}
    assert rows["王芳"]["主讲"] == 1 and rows["王芳"]["听讲"] == 1
    assert rows["李晓明"]["里程碑"] == "1/3" and rows["李晓明"]["逾期"] == 1


def test_the_cohort_report_is_hr_only(manager_client, cadre_client, hr_client, cohort):
    assert manager_client.get(f"/training/cohorts/{cohort}/report.pdf").status_code == 403
    assert cadre_client.get(f"/training/cohorts/{cohort}/report.pdf").status_code == 403
    assert hr_client.get(f"/training/cohorts/{cohort}/report.pdf?year=1900").status_code == 400


def test_the_profile_tab_offers_the_record_to_its_readers(
    hr_client, manager_client, cadre_client, records
):
    own, other = records["own_cadre"], records["other_cadre"]
    link = f'href="/training/{own}/record.pdf"'
    assert link in hr_client.get(f"/cadres/{own}?tab=training").get_data(as_text=True)
    assert link in manager_client.get(f"/cadres/{own}?tab=training").get_data(as_text=True)
    assert link in cadre_client.get("/me?tab=training").get_data(as_text=True)
    # 王芳 has only heard a lecture and given one: still a record to print
    page = hr_client.get(f"/cadres/{other}?tab=training").get_data(as_text=True)
    assert f'href="/training/{other}/record.pdf"' in page


def test_no_print_button_without_any_record(app, hr_client, org):
    page = hr_client.get(f"/cadres/{org['own_cadre']}?tab=training").get_data(as_text=True)
    assert "record.pdf" not in page and "暂无培训记录" in page
