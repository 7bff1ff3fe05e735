"""The printed records besides the 干部任免审批表: the 公务员年度考核登记表, the 谈话记录 and the
ranking report. Real WeasyPrint output, read back with pypdf: each record renders with its key
text, each role gets what it may see (404 for other people's records, 403 for admin and
auditor), and every download is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, CycleState, Department, Role, Talk, TalkState
from cadre_app.services.evaluations import operations as evaluation
from tests.factories import CadreFactory, TalkFactory
from tests.test_evaluation import score, sections  # noqa: F401  (fixture)

TODAY = date(2026, 1, 5)


def read_pdf(response) -> tuple[PdfReader, list[str]]:
    """The PDF of a response and the text of each page (whitespace removed, since WeasyPrint
    places CJK glyphs one by one)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    reader = PdfReader(BytesIO(response.data))
    return reader, ["".join(page.extract_text().split()) for page in reader.pages]


def embedded_fonts(reader: PdfReader) -> set[str]:
    """The font faces a PDF embeds (subset prefixes dropped), from page and XObject resources."""
    found: set[str] = set()

    def walk(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            found.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
        for xobject in (resources.get("/XObject") or {}).values():
            walk(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


def downloads(app, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.action == "download", AuditEvent.object_type == object_type
                )
            )
        )


@pytest.fixture
def evaluated(app, org, sections):  # noqa: F811
    """2025 scored for 李晓明 (budget, last of six) and the other sections' cadres, ranked but
    not confirmed."""
    budget = [org["own_cadre"], *sections["budget"][:5]]
    score(app, 2025, budget, [(70, 72, 74)] + [(90 - i, 88, 86) for i in range(5)])
    score(app, 2025, sections["treasury"], [(80, 80, 80)] * 4, ["称职", "称职", "基本称职", "称职"])
    with app.app_context():
        evaluation.rank_cycle(evaluation.get_cycle(2025), actor="test")
        db.session.commit()
    return {"own": org["own_cadre"], "treasury": sections["treasury"][0]}


def confirm(app, year=2025):
    with app.app_context():
        evaluation.confirm_cycle(evaluation.get_cycle(year), actor="hr", today=TODAY)
        db.session.commit()


# --- 公务员年度考核登记表 ------------------------------------------------------------------


def test_annual_evaluation_form_prints_the_national_fields_and_the_figures(
    app, hr_client, evaluated
):
    reader, pages = read_pdf(
        hr_client.get(f"/records/{evaluated['own']}/annual-evaluation/2025.pdf")
    )
    assert len(pages) == 1
    text = pages[0]
    for label in ("公务员年度考核登记表", "（2025年度）", "个人总结", "主管领导评语和考核等次建议",
                  "考核委员会意见", "本人意见", "任现职时间", "政治面貌"):  # fmt: skip
        assert label in text, label
    assert "李晓明" in text and "预算处" in text and "一级科员" in text
    assert "考核等次建议：称职" in text
    # 40/30/30 of 70, 72, 74 = 71.80; last of six in the section
    assert "71.80" in text and "第6名（共6人）" in text and "第10名（共10人）" in text
    assert "平时考核（40%）" in text and "签名：" in text
    assert "排名末位（科室排名末位）" in text
    assert reader.metadata.title == "2025 年度公务员年度考核登记表（李晓明）"
    assert reader.metadata.author == app.config["ORGANISATION_NAME"]
    assert len(embedded_fonts(reader)) == 1
    events = downloads(app, "evaluation")
    assert len(events) == 1 and "李晓明" in events[0].summary and events[0].actor_name == "hr1"


def test_decided_year_prints_the_final_grade_as_the_committee_opinion(app, hr_client, evaluated):
    confirm(app)
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        evaluation.start_publicity(cycle, start=TODAY, actor="hr")
        evaluation.decide_cycle(cycle, actor="hr", today=TODAY + timedelta(days=30))
        db.session.commit()
    _, pages = read_pdf(hr_client.get(f"/records/{evaluated['own']}/annual-evaluation/2025.pdf"))
    assert "经审核，确定李晓明同志2025年度考核等次为：称职" in pages[0]
    assert "已决定" in pages[0]


def test_cadre_prints_own_form_only_once_the_year_is_confirmed(app, cadre_client, evaluated):
    url = f"/records/{evaluated['own']}/annual-evaluation/2025.pdf"
    assert cadre_client.get(url).status_code == 404  # ranked, not yet confirmed
    confirm(app)
    _, pages = read_pdf(cadre_client.get(url))
    assert "李晓明" in pages[0]
    other = f"/records/{evaluated['treasury']}/annual-evaluation/2025.pdf"
    assert cadre_client.get(other).status_code == 404
    assert (
        cadre_client.get(f"/records/{evaluated['own']}/annual-evaluation/2024.pdf").status_code
        == 404
    )


def test_manager_prints_forms_of_led_sections_only(app, manager_client, evaluated):
    read_pdf(manager_client.get(f"/records/{evaluated['own']}/annual-evaluation/2025.pdf"))
    url = f"/records/{evaluated['treasury']}/annual-evaluation/2025.pdf"
    assert manager_client.get(url).status_code == 404


def test_manager_keeps_the_form_of_a_cadre_evaluated_in_the_led_section(
    app, manager_client, evaluated, org
):
    """The evaluation stays with the section it was made in when the cadre moves."""
    with app.app_context():
        db.session.get(Cadre, evaluated["own"]).department_id = org["treasury"]
        db.session.commit()
    read_pdf(manager_client.get(f"/records/{evaluated['own']}/annual-evaluation/2025.pdf"))


def test_admin_and_auditor_may_not_print_records(app, login_as, evaluated):
    for role in ("admin", "auditor"):
        client = login_as(role)
        assert (
            client.get(f"/records/{evaluated['own']}/annual-evaluation/2025.pdf").status_code == 403
        )
        assert client.get("/records/evaluations/2025/ranking.pdf").status_code == 403
    assert downloads(app, "evaluation") == []


def test_without_a_cjk_font_the_server_answers_503_with_the_reason(
    app, hr_client, evaluated, monkeypatch
):
    monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", [])
    response = hr_client.get(f"/records/{evaluated['own']}/annual-evaluation/2025.pdf")
    assert response.status_code == 503
    assert "中文字体" in response.get_data(as_text=True)
    assert downloads(app, "evaluation") == []


# --- 谈话记录 ------------------------------------------------------------------------------


@pytest.fixture
def talk(app, org, make_user):
    """A 提醒谈话 about 李晓明 held by 王芳 (treasury), recorded in full; 王芳 has an account."""
    with app.app_context():
        record = TalkFactory(
            kind="提醒谈话",
            source="考核排名",
            subject_id=org["own_cadre"],
            conductor_id=org["other_cadre"],
            conductor_name="王芳",
            conductor_unit="国库处",
            conductor_post="处长",
            recorder_name="赵敏",
            recorder_unit="组织人事处",
            recorder_post="一级主任科员",
            reason="2025 年度考核排名末位",
            held_at=datetime(2026, 1, 8, 9, 30),
            place="第三会议室",
            content="指出工作中存在的拖延问题。\n要求按时报送预算材料。",
            measures="每周报告工作进度",
            response="本人接受批评，保证按时完成。",
            response_date=date(2026, 1, 12),
            follow_up_result="三个月内按时报送",
            state=TalkState.FOLLOW_UP,
        )
        db.session.commit()
        talk_id = record.id
    conductor = make_user("wangfang", Role.MANAGER, cadre_id=org["other_cadre"])
    return {"id": talk_id, "conductor": conductor}


TALK_TEXT = (
    *("谈话记录", "（提醒谈话）", "李晓明", "王芳", "国库处", "处长", "赵敏", "组织人事处"),
    *("2026年1月8日09:30", "第三会议室", "2025年度考核排名末位", "每周报告工作进度"),
    *("指出工作中存在的拖延问题。", "要求按时报送预算材料。", "本人接受批评"),
    *("回复日期：2026年1月12日", "三个月内按时报送", "跟踪整改"),
    *("谈话人（签字）", "谈话对象（签字）", "记录人（签字）"),
)


def test_talk_record_prints_parties_content_and_signature_lines(app, hr_client, talk):
    reader, pages = read_pdf(hr_client.get(f"/records/talks/{talk['id']}.pdf"))
    text = "".join(pages)
    for expected in TALK_TEXT:
        assert expected in text, expected
    assert len(embedded_fonts(reader)) == 1  # no bold face
    assert len(reader.pages) == 1
    assert len(downloads(app, "talk")) == 1


def test_talk_record_for_hr_and_the_conductor_only(app, login_as, talk):
    from tests.conftest import login

    conductor = app.test_client()
    assert login(conductor, "wangfang").status_code == 302
    url = f"/records/talks/{talk['id']}.pdf"
    read_pdf(conductor.get(url))
    assert login_as("manager").get(url).status_code == 404  # leads 预算处, conducts nothing
    assert login_as("cadre").get(url).status_code == 404  # the talk is about them
    assert login_as("admin").get(url).status_code == 403
    assert login_as("auditor").get(url).status_code == 403
    assert login_as("hr").get("/records/talks/999999.pdf").status_code == 404
    events = downloads(app, "talk")
    assert [e.actor_name for e in events] == ["wangfang"]


def test_a_long_talk_record_continues_on_a_second_page(app, hr_client, talk):
    with app.app_context():
        record = db.session.get(Talk, talk["id"])
        record.content = "\n".join(f"第{i}点：谈话内容较长，需要续页打印。" * 3 for i in range(60))
        db.session.commit()
    reader, pages = read_pdf(hr_client.get(f"/records/talks/{talk['id']}.pdf"))
    assert len(reader.pages) >= 2
    assert "第59点" in "".join(pages) and "记录人（签字）" in pages[-1]
    assert f"第1页共{len(pages)}页" in pages[0] and f"第{len(pages)}页共{len(pages)}页" in pages[-1]


# --- the ranking report --------------------------------------------------------------------


@pytest.fixture
def big_year(app, org):
    """30 cadres in two sections scored for 2025 and ranked, so the report runs to two pages."""
    with app.app_context():
        ids = [
            CadreFactory(
                staff_no=f"R{i:03d}",
                name=f"排名{i:02d}号",
                gender="女",
                birth_date=date(1988, 1, 1),
                department_id=org["budget"] if i < 18 else org["treasury"],
            ).id
            for i in range(30)
        ]
        db.session.commit()
    grades = ["优秀"] * 5 + ["称职"] * 23 + ["基本称职", "不称职"]
    score(app, 2025, ids, [(95 - i, 90 - i / 2, 85) for i in range(30)], grades)
    with app.app_context():
        evaluation.rank_cycle(evaluation.get_cycle(2025), actor="test")
        db.session.commit()
    return ids


def test_ranking_report_is_landscape_with_repeated_header_and_page_numbers(
    app, hr_client, big_year
):
    reader, pages = read_pdf(hr_client.get("/records/evaluations/2025/ranking.pdf"))
    assert len(pages) == 2
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert "第1页共2页" in pages[0] and "第2页共2页" in pages[1]
    for page in pages:  # the table header on every page, the title in the top margin
        assert "全局排名" in page and "民主测评" in page and "2025年度考核排名表" in page
    first = pages[0]
    assert "总分相同者名次并列" in first  # the tie rule
    assert "优秀5人，未超过20%的比例（30人中最多6人）" in first  # the quota
    assert "设置版本：1" in first and "全部处室" in first
    assert "等次分布（30人）" in first  # the chart's caption, then the SVG's own text:
    assert "5（17%）优秀" in first and "23（77%）称职" in first and "1（3%）不称职" in first
    text = "".join(pages)
    assert "排名00号" in text and "排名29号" in text
    assert len(downloads(app, "evaluation_cycle")) == 1
    assert len(embedded_fonts(reader)) == 1  # the chart's text too: one face, not three


def test_manager_report_holds_only_led_sections(app, manager_client, big_year, org):
    _, pages = read_pdf(manager_client.get("/records/evaluations/2025/ranking.pdf"))
    text = "".join(pages)
    assert "排名00号" in text and "排名17号" in text and "排名18号" not in text
    assert "预算处" in text and "人数：18人" in text
    assert (
        manager_client.get(
            f"/records/evaluations/2025/ranking.pdf?section={org['treasury']}"
        ).status_code
        == 404
    )


def test_hr_report_of_one_section_and_unknown_year(app, hr_client, big_year, org):
    _, pages = read_pdf(
        hr_client.get(f"/records/evaluations/2025/ranking.pdf?section={org['treasury']}")
    )
    text = "".join(pages)
    assert "排名18号" in text and "排名00号" not in text and "范围：国库处" in text
    assert hr_client.get("/records/evaluations/1999/ranking.pdf").status_code == 404


def test_cadre_may_not_print_the_ranking(cadre_client, big_year):
    assert cadre_client.get("/records/evaluations/2025/ranking.pdf").status_code == 403


def test_ranking_report_is_chinese_whatever_the_page_language(app, hr_client, big_year):
    hr_client.post("/auth/language", data={"lang": "en"})
    _, pages = read_pdf(hr_client.get("/records/evaluations/2025/ranking.pdf"))
    assert "5（17%）优秀" in pages[0] and "Excellent" not in pages[0]


def test_states_used_by_the_records_exist():
    assert {s.value for s in CycleState} >= {"confirmed", "decided"}
    assert Department.__tablename__ == "department"
