"""The 干部任免审批表: plain data from the record, HR's draft form, the PDF (two pages, CJK
fonts subset, nothing fetched), who may download it (audited), and the CLI."""

from __future__ import annotations

import base64
import html
import re
import subprocess
from datetime import date
from io import BytesIO
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from PIL import Image

from cadre_app.extensions import db
from cadre_app.models import (
    AppointmentDraft,
    AuditEvent,
    Cadre,
    CadrePhoto,
    CycleState,
    FamilyMember,
    ResumeEntry,
)
from cadre_app.services.core import pdf
from cadre_app.services.records import appointment_form
from tests.conftest import office_today
from tests.factories import EvaluationCycleFactory, EvaluationFactory
from tests.test_pdf import (
    canary_server,
    cut_text,
    embedded_fonts,
    has_embedded_files,
    hostile_markup,
    pdf_reader,
    pdf_text,
)

TODAY = date(2026, 5, 10)


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (150, 200), (180, 200, 230)).save(out, "PNG")
    return out.getvalue()


def fill_record(cadre_id: int, *, resume_lines: int = 4, pieces: list[str] | None = None) -> None:
    """Give a cadre a full record: every field, photo, résumé, family, three decided years
    and one still collecting. ``pieces`` replace every free-text value (cut to the column
    sizes; each piece is one résumé line)."""
    cadre = db.session.get(Cadre, cadre_id)
    text = " ".join(pieces) if pieces else None
    cadre.ethnicity, cadre.native_place, cadre.birthplace = "汉族", "河北保定", "天津"
    cadre.political_status, cadre.party_join_date = "中共党员", date(2018, 6, 1)
    cadre.work_start_date, cadre.health = date(2017, 7, 1), "健康"
    cadre.ft_education, cadre.ft_degree, cadre.ft_school = "大学本科", "学士", "某大学财政学专业"
    cadre.pt_education, cadre.pt_degree = "研究生", "硕士"
    cadre.pt_school = (text or "某大学公共管理专业")[:100]
    cadre.professional_title, cadre.expertise = "经济师", (text or "预算管理")[:200]
    cadre.position_title = (text or "预算处一级科员")[:100]
    cadre.rewards = "\n".join(pieces) if pieces else "2021年度嘉奖\n2023年度记三等功"
    if pieces:
        resume_lines = len(pieces)
    cadre.photo = CadrePhoto(content_type="image/png", data=_png())
    cadre.resume = [
        ResumeEntry(
            start=date(2013 + i % 10, 9, 1),
            end=date(2014 + i % 10, 7, 1) if i < resume_lines - 1 else None,
            description=pieces[i]
            if pieces
            else f"示例市财政局预算处科员（第{i + 1}段，负责部门预算编制与审核）",
        )
        for i in range(resume_lines)
    ]
    cadre.family = [
        FamilyMember(
            relation="父亲",
            name="李建国",
            birth_date=date(1968, 5, 12),
            political_status="中共党员",
            employer_and_post=(text or "某中学教师")[:200],
        ),
        FamilyMember(relation="母亲", name="王秀英", political_status="群众", sort_order=1),
    ]
    for year, grade, state in (
        (2022, "优秀", CycleState.DECIDED),
        (2023, "称职", CycleState.DECIDED),
        (2024, "优秀", CycleState.ARCHIVED),
        (2025, "称职", CycleState.DECIDED),
        (2026, "优秀", CycleState.COLLECTING),
    ):
        EvaluationFactory(
            cycle=EvaluationCycleFactory(year=year, state=state),
            cadre=cadre,
            final_grade=grade if state is not CycleState.COLLECTING else None,
            proposed_grade=grade,
        )
    db.session.commit()


@pytest.fixture
def record(app, org):
    with app.app_context():
        fill_record(org["own_cadre"])
    return org


def cut_boxes(cadre_id: int) -> list[str]:
    """Texts that the laid-out form cuts (see tests.test_pdf.cut_text)."""
    cadre = db.session.get(Cadre, cadre_id)
    draft = db.session.get(AppointmentDraft, cadre_id)
    data = appointment_form.form_data(cadre, draft, today=TODAY)
    return cut_text(pdf.render_document(appointment_form.TEMPLATE, data))


def _pdf(client, cadre_id: int):
    return client.get(f"/records/{cadre_id}/appointment-form.pdf")


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


# --- plain data ----------------------------------------------------------------------------


def test_form_data_from_the_record_with_defaults(app, record):
    with app.app_context():
        cadre = db.session.get(Cadre, record["own_cadre"])
        data = appointment_form.form_data(cadre, None, today=TODAY, filled_by="张人事")
        expected = {
            "姓名": "李晓明",
            "出生年月": "1995.03",
            "年龄": 31,
            "入党时间": "2018.06",
            "参加工作时间": "2017.07",
            "拟任职务": "",
            "拟免职务": "",
            "任免理由": [],
            "呈报单位": "测试财政局",  # the cadre's bureau
            "填表人": "张人事",
            "呈报日期": "2026年5月10日",
        }
        assert {key: data[key] for key in expected} == expected
        assert data["学历学位"]["全日制教育"]["学历学位"] == ["大学", "学士"]
        assert data["学历学位"]["在职教育"]["毕业院校系及专业"] == "某大学公共管理专业"
        assert data["简历"] == [entry.line for entry in cadre.resume]
        assert (
            data["简历"][0]
            == "2013.09--2014.07 示例市财政局预算处科员（第1段，负责部门预算编制与审核）"
        )
        assert data["年度考核结果"] == "2023年度考核称职；2024年度考核优秀；2025年度考核称职"
        assert data["奖惩情况"] == ["2021年度嘉奖", "2023年度记三等功"]
        father, mother = data["家庭主要成员"][:2]
        assert (father["称谓"], father["年龄"], father["工作单位及职务"]) == (
            "父亲",
            57,
            "某中学教师",
        )
        assert (mother["年龄"], mother["工作单位及职务"]) == ("", "")
        assert len(data["家庭主要成员"]) == appointment_form.FAMILY_ROWS
        assert data["照片"].startswith("data:image/png;base64,")


def test_ages_are_computed_at_the_stated_date(app, record):
    with app.app_context():
        cadre = db.session.get(Cadre, record["own_cadre"])
        for age_date, age, father in ((date(2026, 3, 7), 30, 57), (date(2026, 5, 12), 31, 58)):
            draft = AppointmentDraft(cadre_id=cadre.id, age_date=age_date)
            data = appointment_form.form_data(cadre, draft, today=TODAY)
            assert (data["年龄"], data["家庭主要成员"][0]["年龄"]) == (age, father)


def test_long_text_gets_a_smaller_font(app, record):
    with app.app_context():
        cadre = db.session.get(Cadre, record["own_cadre"])
        short = appointment_form.form_data(cadre, None, today=TODAY)["layout"]
        cadre.resume = [
            ResumeEntry(start=date(2000, 1, 1), description="单位" * 30) for _ in range(40)
        ]
        long = appointment_form.form_data(cadre, None, today=TODAY)["layout"]
        db.session.rollback()

    def size(layout: dict) -> float:
        """The font size of the 简历 box: its class, looked up in the form's rules."""
        declarations = layout["rules"][layout["styles"]["简历"]]
        return float(declarations.split("font-size: ")[1].split("pt")[0])

    assert size(long) < size(short) <= 12


def test_sizes_are_classes_not_style_attributes(app, record):
    """WeasyPrint shares computed styles between elements with the same classes, never
    between elements with style attributes: only the photo may carry one."""
    with app.app_context():
        cadre = db.session.get(Cadre, record["own_cadre"])
        data = appointment_form.form_data(cadre, None, today=TODAY)
        html = pdf._html(appointment_form.TEMPLATE, data, pdf.cjk_font_family())
    assert html.count("style=") == 1 and "background-image: url('data:image/png" in html
    layout = data["layout"]
    assert set(layout["styles"].values()) <= set(layout["rules"])
    for name, declarations in layout["rules"].items():
        assert f"div.{name} {{ {declarations} }}" in html


# --- the 简历 split (pure) -----------------------------------------------------------------


def test_wrap_breaks_by_character_width():
    wrap = appointment_form.wrap
    assert wrap("", 5) == [""]
    assert wrap("一二三四五六七", 3) == ["一二三", "四五六", "七"]
    assert wrap("ab一二", 2.2) == ["ab一", "二"]  # 0.6 + 0.6 + 1 = 2.2 em
    assert wrap("一" * 9, 3.5) == ["一" * 3] * 3


def _entries(count: int, text: str = "示例市财政局预算处科员") -> list[tuple[str, str]]:
    return [(f"{2000 + i}.01--{2001 + i}.01", f"{text}第{i + 1}段") for i in range(count)]


def test_a_short_resume_keeps_the_largest_size_on_page_one():
    split = appointment_form.split_resume(_entries(5))
    assert (split.size, len(split.pages)) == (12, 1)
    assert split.pages[0] == tuple(_entries(5))


def test_a_long_resume_stays_at_the_minimum_size_and_continues_in_order():
    entries = _entries(80, "示例市财政局预算处科员，负责部门预算编制与审核，兼任综合协调与对外联络")
    split = appointment_form.split_resume(entries)
    assert split.size == appointment_form.RESUME_MIN_PT == 10.5
    assert len(split.pages) >= 3
    assert [piece for page in split.pages for piece in page] == entries  # none lost, none cut
    assert split == appointment_form.split_resume(entries)  # deterministic
    # each page holds what its box holds at 10.5pt, one line kept for （转续页）
    line_mm = 10.5 * split.leading * 25.4 / 72
    for page, (_w, height) in zip(
        split.pages, [(0, 130.0)] + [appointment_form.CONTINUATION_BOX] * 10, strict=False
    ):
        width = 149.6 / (10.5 * 25.4 / 72) * 0.96 - 8.4
        lines = sum(len(appointment_form.wrap(text, width)) for _p, text in page)
        assert (lines + 1) * line_mm <= height * 0.98


def test_an_entry_longer_than_a_page_is_cut_at_a_line_and_goes_on_without_its_period():
    entries = [("2000.01--2001.01", "甲" * 30 * 40), ("2001.01--", "最后一段")]
    split = appointment_form.split_resume(entries)
    first, second = split.pages[0], split.pages[1]
    assert first[0][0] == "2000.01--2001.01" and second[0][0] == ""
    assert "".join(text for page in split.pages for _p, text in page).startswith("甲" * 1200)
    assert split.pages[-1][-1] == ("2001.01--", "最后一段")


def test_a_whole_entry_moves_to_the_next_sheet_rather_than_being_split():
    """An entry of two lines that finds one line left on page 1 starts the 续页 whole."""
    width = 149.6 / (10.5 * 25.4 / 72) * 0.96 - 8.4
    one_line = "示" * int(width)
    entries = [(f"{2000 + i}.01--", one_line) for i in range(22)]
    entries += [("2030.01--", one_line * 2)] + [("2031.01--", one_line)] * 5  # 29 lines
    split = appointment_form.split_resume(entries)
    assert split.pages[0] == tuple(entries[:22]) and split.pages[1] == tuple(entries[22:])


# --- the PDF -------------------------------------------------------------------------------


def test_pdf_is_two_pages_with_subset_cjk_font_and_text(app, record, hr_client):
    response = _pdf(hr_client, record["own_cadre"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="appointment-form-T0001.pdf"')
    assert f"filename*=UTF-8''{quote('干部任免审批表-李晓明.pdf')}" in disposition
    content = response.data
    assert len(pdf_reader(content).pages) == 2
    fonts = embedded_fonts(content)
    assert len(fonts) == 1 and "CJK" in fonts[0]["name"], fonts
    prefix, _, _ = fonts[0]["name"].lstrip("/").partition("+")
    assert len(prefix) == 6 and prefix.isupper()  # a subset, not the 20 MB font
    assert fonts[0]["files"] & {"/FontFile2", "/FontFile3"}
    assert not has_embedded_files(content)
    text = pdf_text(content)
    for expected in (
        "干部任免审批表",
        "李晓明",
        "1995.03",
        "（31岁）",
        "2025年度考核称职",
        "李建国",
    ):
        assert expected in text, expected
    meta = pdf_reader(content).metadata
    assert (
        meta.title == "干部任免审批表（李晓明）" and meta.author == app.config["ORGANISATION_NAME"]
    )


def pdf_words(content: bytes) -> list[list[tuple[str, float]]]:
    """Each page's words as pdftotext -bbox reads them from the real PDF: (text, height in
    pt). The height is the font's size times its line box (the same for every size), so
    words of one height are set at one size."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    word = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)')
    return [
        [(html.unescape(text), float(y2) - float(y1)) for y1, y2, text in word.findall(page)]
        for page in out.split("<page ")[1:]
    ]


def long_resume(cadre_id: int, lines: int) -> None:
    """``lines`` résumé entries, every third one long enough to wrap, each ending 第N段."""
    cadre = db.session.get(Cadre, cadre_id)
    cadre.resume = [
        ResumeEntry(
            start=date(1980 + i // 2, 1 + 6 * (i % 2), 1),
            end=date(1980 + (i + 1) // 2, 1 + 6 * ((i + 1) % 2), 1) if i < lines - 1 else None,
            description="示例市财政局预算处科员，负责部门预算编制与审核"
            + ("，兼任综合协调与对外联络工作" if i % 3 == 0 else "")
            + f"第{i + 1}段",
        )
        for i in range(lines)
    ]
    db.session.commit()


def test_a_long_resume_continues_on_attached_sheets_at_a_readable_size(app, org, hr_client):
    """60 entries do not fit page 1 at 10.5pt: page 1 holds the first ones and says so, the
    rest follow page 2 on 续页 with the cadre's name and 简历（续）, pages numbered; the type
    stays at 10.5pt (the labels' size) and nothing is cut."""
    with app.app_context():
        fill_record(org["own_cadre"])
        long_resume(org["own_cadre"], 60)
    content = _pdf(hr_client, org["own_cadre"]).data
    pages = pdf_words(content)
    assert len(pages) == 4
    text = ["".join(word for word, _h in page) for page in pages]
    assert "第1段" in text[0] and "第60段" not in text[0] and "（转续页）" in text[0]
    assert "年度考核结果" in text[1]  # page 2 of the form comes before the sheets
    for sheet in text[2:]:
        assert "干部任免审批表（续页）" in sheet and "李晓明" in sheet and "（续）" in sheet
    assert "第60段" in text[3] and "第60段" not in text[2]
    assert [f"第{n}页，共4页" in text[n - 1] for n in (1, 2, 3, 4)] == [True] * 4
    # every entry printed once, in order
    printed = "".join(text)
    found = [int(n) for n in re.findall(r"第(\d+)段", printed)]
    assert found == list(range(1, 61))
    label = next(h for w, h in pages[0] if w == "历")  # the 简历 label, 10.5pt
    resume = [h for page in pages for w, h in page if "示例市财政局预算处科员" in w]
    assert len(resume) == 60 and min(resume) >= label - 0.01
    with app.app_context():
        assert cut_boxes(org["own_cadre"]) == []


def test_everything_long_at_once_still_fits_two_pages_and_a_resume_sheet(app, org, hr_client):
    """40 résumé lines, 12 family members, 20 lines of rewards and of reasons, every field at
    its longest: smaller type, never a third page but the 简历's 续页; what cannot fit is
    named to HR."""
    with app.app_context():
        fill_record(org["own_cadre"], resume_lines=40)
        cadre = db.session.get(Cadre, org["own_cadre"])
        cadre.rewards = "\n".join(
            f"{2000 + i}年度嘉奖（表彰其在预算编制工作中的突出贡献）" for i in range(20)
        )
        cadre.expertise, cadre.pt_school = "财政" * 100, "某大学" * 33
        cadre.position_title = "预算处" * 33
        cadre.birthplace, cadre.native_place = "内蒙古自治区" * 8, "新疆维吾尔自治区" * 6
        cadre.family = [
            FamilyMember(
                relation="其他",
                name=f"亲属{i}",
                birth_date=date(1960, 1, 1),
                political_status="九三学社社员",
                employer_and_post="某单位" * 66,
                sort_order=i,
            )
            for i in range(12)
        ]
        db.session.add(
            AppointmentDraft(
                cadre_id=cadre.id,
                proposed_post="副处长" * 66,
                post_to_remove="科员" * 100,
                reason="\n".join("该同志政治立场坚定，工作扎实，群众公认。" for _ in range(20)),
            )
        )
        db.session.commit()
    content = _pdf(hr_client, org["own_cadre"]).data
    assert len(pdf_reader(content).pages) == 3
    assert "亲属11" in pdf_text(content) and "第40段" in pdf_reader(content).pages[2].extract_text()
    page = hr_client.get(f"/records/{org['own_cadre']}/appointment-form").get_data(as_text=True)
    warning = page.split('data-testid="overflow"')[1].split("</div>")[0]
    for label in ("熟悉专业有何专长", "奖惩情况", "任免理由", "家庭主要成员及重要社会关系"):
        assert label in warning
    assert "简历" not in warning and "姓名" not in warning
    with app.app_context():
        assert len(cut_boxes(org["own_cadre"])) >= 4  # what the warning names is really cut


def test_large_photos_are_scaled_down_for_the_form(app, app_ctx):
    out = BytesIO()
    Image.new("RGBA", (900, 1200), (10, 20, 30, 0)).save(out, "PNG")
    uri = appointment_form.photo_data_uri(CadrePhoto(content_type="image/png", data=out.getvalue()))
    assert uri.startswith("data:image/jpeg;base64,")
    scaled = Image.open(BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert scaled.size == (450, 600) and scaled.getpixel((5, 5)) == (255, 255, 255)
    broken = CadrePhoto(cadre_id=1, content_type="image/jpeg", data=b"not an image")
    assert appointment_form.photo_data_uri(broken) is None


def test_hostile_text_in_every_free_text_field_is_printed_not_fetched(app, org, hr_client):
    with canary_server() as canary:
        pieces = hostile_markup(canary.url)
        hostile = " ".join(pieces)
        with app.app_context():
            fill_record(org["own_cadre"], pieces=pieces)
        response = hr_client.post(
            f"/records/{org['own_cadre']}/appointment-form",
            data={
                "proposed_post": hostile[:200],
                "post_to_remove": hostile[:200],
                "reason": hostile,
                "reporting_unit": hostile[:100],
                "age_date": "2026-05-10",
                "filled_by": hostile[:50],
                "fill_date": "2026-05-10",
            },
        )
        assert response.status_code == 302
        content = _pdf(hr_client, org["own_cadre"]).data
        assert canary.paths == []
    assert len(pdf_reader(content).pages) == 2
    assert not has_embedded_files(content)
    printed = "".join(pdf_text(content).split())
    assert printed.count("<imgsrc=http://127.0.0.1") >= 6  # printed as text everywhere


# --- HR's form -----------------------------------------------------------------------------


def test_hr_form_prefills_defaults_then_saves_the_draft_and_opens_the_pdf(app, org, hr_client):
    url = f"/records/{org['own_cadre']}/appointment-form"
    page = hr_client.get(url).get_data(as_text=True)
    assert 'value="测试财政局"' in page and f'value="{office_today().isoformat()}"' in page
    assert 'value="hr1"' in page  # 填表人: the HR user
    values = {
        "proposed_post": "预算处副处长",
        "post_to_remove": "预算处一级科员",
        "reason": "工作需要。",
        "reporting_unit": "测试财政局党组",
        "age_date": "2026.03",
        "filled_by": "张人事",
        "fill_date": "2026年05月10日",
    }
    response = hr_client.post(url, data=values)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/records/{org['own_cadre']}/appointment-form.pdf"
    )
    with app.app_context():
        draft = db.session.get(AppointmentDraft, org["own_cadre"])
        assert (draft.proposed_post, draft.age_date, draft.fill_date) == (
            "预算处副处长",
            date(2026, 3, 1),
            date(2026, 5, 10),
        )
        assert draft.updated_by == "hr1"
    assert [e.object_type for e in _events(app, "create")] == ["appointment_draft"]
    hr_client.post(url, data=values | {"reason": "工作需要，拟提任。"})
    updates = _events(app, "update")
    assert len(updates) == 1 and updates[0].after == {"reason": "工作需要，拟提任。"}
    assert 'value="预算处副处长"' in hr_client.get(url).get_data(as_text=True)
    text = pdf_text(_pdf(hr_client, org["own_cadre"]).data)
    assert "预算处副处长" in text and "测试财政局党组" in text and "张人事" in text


def test_saving_text_too_long_to_print_comes_back_to_the_form_with_the_warning(app, org, hr_client):
    """Saved, but no PDF yet: the form names the box that would be cut and still offers
    the PDF as saved. The warning is on this page, not left for whatever page comes next."""
    url = f"/records/{org['own_cadre']}/appointment-form"
    values = {
        "proposed_post": "预算处副处长",
        "reason": "\n".join("该同志政治立场坚定，工作扎实，群众公认。" * 3 for _ in range(25)),
        "reporting_unit": "测试财政局党组",
        "age_date": "2026.03",
        "filled_by": "张人事",
        "fill_date": "2026年05月10日",
    }
    response = hr_client.post(url, data=values)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = hr_client.get(url).get_data(as_text=True)
    assert "已保存，但有内容过长，尚未生成 PDF。" in page
    warning = page.split('data-testid="overflow"')[1].split("</div>")[0]
    assert "任免理由" in warning
    assert "按已保存内容下载 PDF" in page
    elsewhere = hr_client.get("/cadres/").get_data(as_text=True)
    assert "内容过长" not in elsewhere
    with app.app_context():
        assert db.session.get(AppointmentDraft, org["own_cadre"]).proposed_post == "预算处副处长"


def test_hr_form_refuses_a_bad_date_and_saves_nothing(app, org, hr_client):
    response = hr_client.post(
        f"/records/{org['own_cadre']}/appointment-form",
        data={"reporting_unit": "测试财政局", "age_date": "2026-13-01", "filled_by": "张"},
    )
    assert response.status_code == 400
    assert "不存在" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AppointmentDraft, org["own_cadre"]) is None


# --- who may download ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, own, other",
    [
        ("hr", 200, 200),
        ("manager", 200, 404),  # leads 预算处 (the own cadre), not 国库处
        ("cadre", 200, 404),
        ("admin", 403, 403),
        ("auditor", 403, 403),
    ],
)
def test_who_may_download_the_pdf(app, org, login_as, role, own, other):
    client = login_as(role)
    assert _pdf(client, org["own_cadre"]).status_code == own
    assert _pdf(client, org["other_cadre"]).status_code == other
    assert _pdf(client, 999999).status_code == (403 if own == 403 else 404)


def test_anonymous_users_are_sent_to_login(client, org):
    response = _pdf(client, org["own_cadre"])
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_only_hr_fills_in_the_form(app, org, login_as):
    for role in ("manager", "cadre", "admin", "auditor"):
        assert (
            login_as(role).get(f"/records/{org['own_cadre']}/appointment-form").status_code == 403
        )
    assert login_as("hr").get("/records/999999/appointment-form").status_code == 404


def test_every_download_is_audited(app, org, login_as):
    _pdf(login_as("cadre"), org["own_cadre"])
    _pdf(login_as("hr"), org["other_cadre"])
    _pdf(login_as("cadre"), org["other_cadre"])  # refused: not audited as a download
    events = _events(app, "download")
    assert [(e.actor_name, e.object_type, e.object_id) for e in events] == [
        ("cadre1", "cadre", str(org["own_cadre"])),
        ("hr1", "cadre", str(org["other_cadre"])),
    ]
    assert "干部任免审批表" in events[0].summary


def test_without_a_cjk_font_the_pdf_answers_503_and_says_what_to_install(
    app, org, hr_client, monkeypatch
):
    monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", [])
    response = _pdf(hr_client, org["own_cadre"])
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.get_data(as_text=True)
    assert _events(app, "download") == []


# --- command line --------------------------------------------------------------------------


def test_cli_writes_the_pdf(app, record, runner, tmp_path):
    target = tmp_path / "form.pdf"
    result = runner.invoke(args=["records", "appointment-form", "T0001", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert len(pdf_reader(target.read_bytes()).pages) == 2
    assert "李晓明" in pdf_text(target.read_bytes())
    assert [e.actor_name.startswith("cli:") for e in _events(app, "export")] == [True]


def test_cli_writes_lrmx(app, record, runner, tmp_path):
    target = tmp_path / "form.lrmx"
    result = runner.invoke(
        args=["records", "appointment-form", "T0001", "-o", str(target), "--format", "lrmx"]
    )
    assert result.exit_code == 0, result.output
    text = target.read_bytes().decode("utf-8")
    assert "李晓明" in text and "********" in text  # masked, as every download is


def test_cli_writes_the_full_id_only_with_a_reason_audited(app, record, runner, tmp_path):
    """Issue 16, finding 6, for the command line too: --full-id needs --reason, and the
    number leaving the system is audited as a reveal of that cadre's ID."""
    from cadre_app.services.core import idcard

    target = tmp_path / "form.lrmx"
    base = ["records", "appointment-form", "T0001", "-o", str(target), "--format", "lrmx"]
    for extra in (["--full-id"], ["--full-id", "--reason", "x"], ["--reason", "报送组织部"]):
        result = runner.invoke(args=[*base, *extra])
        assert result.exit_code == 2 and not target.exists(), extra
    result = runner.invoke(args=[*base, "--full-id", "--reason", "报送市委组织部"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        full = db.session.get(Cadre, record["own_cadre"]).id_number
    text = target.read_bytes().decode("utf-8")
    assert full and f"<ShenFenZheng>{full}</ShenFenZheng>" in text
    assert idcard.problem(full) is None
    [reveal] = _events(app, "reveal")
    assert "完整身份证号随.lrmx导出" in reveal.summary
    [export] = _events(app, "export")
    assert "理由：报送市委组织部" in export.summary


def test_cli_refuses_an_unknown_staff_number(app, org, runner, tmp_path):
    target = tmp_path / "x.pdf"
    result = runner.invoke(args=["records", "appointment-form", "NOPE", "-o", str(target)])
    assert result.exit_code == 1
    assert "没有工号为“NOPE”的干部" in result.output
    assert not target.exists()


def test_a_cadre_does_not_see_hrs_proposal_on_their_own_form(app, hr_client, cadre_client, org):
    import io

    from pypdf import PdfReader

    own = org["own_cadre"]
    hr_client.post(
        f"/records/{own}/appointment-form",
        data={
            "proposed_post": "预算处副处长（拟）",
            "post_to_remove": "",
            "reason": "工作需要，拟提拔",
            "reporting_unit": "测试财政局",
            "age_date": "2026-11-26",
            "filled_by": "人事处",
            "fill_date": "2026-11-26",
        },
    )

    def text(client):
        reader = PdfReader(io.BytesIO(client.get(f"/records/{own}/appointment-form.pdf").data))
        return "".join(page.extract_text() for page in reader.pages).replace(" ", "")

    assert "预算处副处长" in text(hr_client)
    mine = text(cadre_client)
    assert "预算处副处长" not in mine and "工作需要" not in mine and "李晓明" in mine
