"""The 干部任免审批表 exchange file (.lrmx): HR and others download it, HR imports it through the
browser (upload, preview, confirm) or ``flask records import-lrmx``; a bad file writes nothing."""

from __future__ import annotations

import base64
import re
from datetime import date
from io import BytesIO
from urllib.parse import quote
from xml.sax.saxutils import escape

import pytest
import sqlalchemy as sa
from PIL import Image

from cadre_app.extensions import db
from cadre_app.models import (
    AppointmentDraft,
    AuditEvent,
    Cadre,
    CadrePhoto,
    FamilyMember,
    ImportUpload,
    ResumeEntry,
)
from cadre_app.services.core import idcard, photos
from cadre_app.services.records import lrmx, lrmx_import
from cadre_app.services.roster import operations as roster
from tests.conftest import count_rows
from tests.factories import (
    CadreFactory,
    DepartmentFactory,
    EvaluationCycleFactory,
    EvaluationFactory,
    OrganisationFactory,
)

TODAY = date(2026, 3, 2)
OWN_ID = idcard.make("110105", date(1995, 3, 8), 11)  # 李晓明 of the org fixture


def _png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (30, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _stored_photo() -> bytes:
    """The photo as the app stores it (normalised: a form-size JPEG without metadata)."""
    return photos.normalise(_png())


def _fill(cadre: Cadre) -> None:
    """Every box of the form filled in, with a photo, résumé, family and a draft."""
    for attr, value in {
        "ethnicity": "汉族",
        "native_place": "山东济南",
        "birthplace": "北京",
        "political_status": "中共党员",
        "party_join_date": date(2016, 6, 1),
        "work_start_date": date(2017, 7, 1),
        "health": "健康",
        "ft_education": "大学本科",
        "ft_degree": "学士",
        "ft_school": "中央财经大学会计学院会计学专业",
        "pt_education": "研究生",
        "pt_degree": "硕士",
        "pt_school": "中央党校经济学专业",
        "professional_title": "会计师",
        "expertise": "预算管理 & 绩效评价 <专项>",
        "position_title": "预算处一级科员",
        "rewards": "2022年度嘉奖\n2023年度嘉奖",
    }.items():
        setattr(cadre, attr, value)
    cadre.photo = CadrePhoto(content_type="image/jpeg", data=_stored_photo())
    cadre.resume = [
        ResumeEntry(start=date(2013, 9, 1), end=date(2017, 7, 1), description="中央财经大学学习"),
        ResumeEntry(start=date(2017, 7, 1), end=date(2020, 6, 1), description="预算处科员"),
        ResumeEntry(start=date(2020, 6, 1), end=None, description="预算处一级科员"),
    ]
    cadre.family = [
        FamilyMember(
            relation="父亲",
            name="李建国",
            birth_date=date(1965, 3, 1),
            political_status="中共党员",
            employer_and_post="济南市某中学教师",
            sort_order=0,
        ),
        FamilyMember(
            relation="母亲",
            name="王秀兰",
            birth_date=date(1967, 8, 1),
            political_status="群众",
            employer_and_post="退休",
            sort_order=1,
        ),
    ]
    db.session.add(
        AppointmentDraft(
            cadre_id=cadre.id,
            proposed_post="预算处副处长",
            post_to_remove="预算处一级科员",
            reason="工作需要。",
            reporting_unit="测试财政局",
            age_date=date(2026, 1, 1),
            filled_by="张三",
            fill_date=date(2026, 1, 1),
        )
    )


@pytest.fixture
def filled(app, org) -> int:
    """李晓明 (the cadre user's record) with every box of the form filled in."""
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        _fill(cadre)
        db.session.commit()
        return cadre.id


def _export(app, cadre_id: int) -> bytes:
    with app.app_context():
        cadre = db.session.get(Cadre, cadre_id)
        return lrmx.export_lrmx(cadre, db.session.get(AppointmentDraft, cadre_id), today=TODAY)


def _parse(app, content: bytes) -> lrmx.LrmxRecord:
    with app.app_context():
        return lrmx.parse_lrmx(content)


def _swap(content: bytes, element: str, text: str, *, markup: bool = False) -> bytes:
    """The file with one element's text (or, with ``markup``, its children) replaced."""
    pattern = rf"<{element}>.*?</{element}>".encode()
    new = f"<{element}>{text if markup else escape(text)}</{element}>".encode()
    out, n = re.subn(pattern, lambda _m: new, content, count=1, flags=re.S)
    assert n == 1, element
    return out


def _minimal(**texts: str) -> bytes:
    """A small valid file for a new cadre; keyword arguments set element texts."""
    values = {
        "XingMing": "赵新",
        "XingBie": "女",
        "ChuShengNianYue": "199202",
        "ShenFenZheng": idcard.make("310101", date(1992, 2, 14), 24),
    } | texts
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in values.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Person>{body}</Person>'.encode()


def _run_import(runner, tmp_path, content: bytes, *options: str):
    path = tmp_path / "import.lrmx"
    path.write_bytes(content)
    return runner.invoke(args=["records", "import-lrmx", str(path), *options])


# --- export ---------------------------------------------------------------------------------


def test_export_writes_every_element_of_the_form(app, filled):
    content = _export(app, filled)
    assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Person>')
    text = content.decode("utf-8")
    for element in lrmx.ELEMENTS:
        assert f"<{element}>" in text, element
    assert "<ChuShengNianYue>199503</ChuShengNianYue>" in text
    assert "<RuDangShiJian>201606</RuDangShiJian>" in text
    assert f"<ShenFenZheng>{OWN_ID}</ShenFenZheng>" in text  # the full number: HR exchange
    assert "<NiRenZhiWu>预算处副处长</NiRenZhiWu>" in text
    assert "预算管理 &amp; 绩效评价 &lt;专项&gt;" in text
    assert "2013.09--2017.07 中央财经大学学习\n2017.07--2020.06 预算处科员\n" in text
    assert "2020.06--        预算处一级科员</JianLi>" in text
    assert text.count("<Item>") == 2 and "<ChuShengRiQi>196503</ChuShengRiQi>" in text
    record = _parse(app, content)
    assert record.photo == _stored_photo()
    assert record.text("QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi") == "中央财经大学会计学院会计学专业"


def test_export_without_a_draft_uses_the_organisation_and_the_date(app, org):
    with app.app_context():
        cadre = db.session.get(Cadre, org["other_cadre"])
        text = lrmx.export_lrmx(cadre, None, today=TODAY).decode()
    assert "<ChengBaoDanWei>测试财政局</ChengBaoDanWei>" in text
    assert "<JiSuanNianLingShiJian>202603</JiSuanNianLingShiJian>" in text
    assert "<TianBiaoShiJian>202603</TianBiaoShiJian>" in text
    assert "<ZhaoPian></ZhaoPian>" in text and "<NiRenZhiWu></NiRenZhiWu>" in text
    assert "<JiaTingChengYuan></JiaTingChengYuan>" in text


def test_annual_results_come_from_decided_cycles(app, org):
    with app.app_context():
        cadre_id, section = org["own_cadre"], org["budget"]
        for year, state, grade in (
            (2022, "decided", "优秀"),  # more than three years before TODAY
            (2023, "archived", None),  # 不定等次
            (2024, "decided", "称职"),
            (2025, "ranked", "优秀"),  # not decided yet
        ):
            EvaluationFactory(
                cycle=EvaluationCycleFactory(year=year, state=state),
                cadre_id=cadre_id,
                department_id=section,
                final_grade=grade if state != "ranked" else None,
                proposed_grade=grade,
                no_grade=grade is None,
            )
        db.session.commit()
        expected = "2023年度考核不定等次；2024年度考核称职"
        assert lrmx.annual_results(cadre_id, today=TODAY) == expected
        text = lrmx.export_lrmx(db.session.get(Cadre, cadre_id), None, today=TODAY).decode()
    assert f"<NianDuKaoHeJieGuo>{expected}</NianDuKaoHeJieGuo>" in text


# --- round trip -----------------------------------------------------------------------------


def test_round_trip_through_an_empty_database(app, runner, tmp_path):
    """Export a fully filled cadre, delete everyone, import the file with the CLI as a new
    cadre, export again: the same file, byte for byte."""
    with app.app_context():
        section = DepartmentFactory(
            organisation=OrganisationFactory(name="测试财政局"), name="预算处"
        )
        cadre = CadreFactory(
            staff_no="T0001",
            name="李晓明",
            gender="男",
            birth_date=date(1995, 3, 8),
            id_number=OWN_ID,
            department=section,
            rank="一级科员",
        )
        _fill(cadre)
        db.session.commit()
        cadre_id = cadre.id
    first = _export(app, cadre_id)
    with app.app_context():
        db.session.execute(sa.delete(AppointmentDraft))
        roster.delete_cadre(db.session.get(Cadre, cadre_id), actor="test")
        db.session.commit()
    assert count_rows(app, Cadre) == 0 and count_rows(app, ResumeEntry) == 0

    result = _run_import(runner, tmp_path, first, "--department", "预算处", "--rank", "一级科员")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "G00001"  # the file has no 工号: a generated one
    with app.app_context():
        imported = db.session.scalar(sa.select(Cadre))
        assert imported.staff_no == "G00001" and imported.rank == "一级科员"
        assert imported.birth_date == date(1995, 3, 8)  # the day from the ID number
        assert imported.political_status == "中共党员"
        imported_id = imported.id
    second = _export(app, imported_id)
    assert _parse(app, second) == _parse(app, first)
    assert second == first


def test_round_trip_through_the_browser_updates_nothing(app, hr_client, filled):
    """Importing a cadre's own export matches by ID number and changes nothing."""
    content = _export(app, filled)
    token = _token(_upload(hr_client, content))
    html = hr_client.get(f"/records/lrmx/import/{token}").get_data(as_text=True)
    assert "将更新该干部" in html and "T0001" in html
    assert "整体替换" not in html and "无变化。" in html
    before = count_rows(app, AuditEvent)
    with app.app_context():
        version = db.session.get(Cadre, filled).version
    assert hr_client.post(f"/records/lrmx/import/{token}/confirm").status_code == 302
    with app.app_context():
        assert db.session.get(Cadre, filled).version == version  # nothing changed: not saved
    assert count_rows(app, AuditEvent) == before + 1  # only the import event
    assert _export(app, filled) == content


def test_a_masked_export_imports_back_keeping_the_stored_number(app, hr_client, filled):
    """The .lrmx everyone downloads carries a masked 身份证号 (issue 16): importing it back
    matches the cadre by name and mask, and the stored full number stays."""
    with app.app_context():
        cadre = db.session.get(Cadre, filled)
        content = lrmx.export_lrmx(
            cadre, db.session.get(AppointmentDraft, filled), today=TODAY, mask_id=True
        )
    assert OWN_ID.encode() not in content and idcard.mask(OWN_ID).encode() in content
    changed = _swap(content, "ZhuanYeJiShuZhiWu", "高级会计师")
    token = _token(_upload(hr_client, changed))
    html = hr_client.get(f"/records/lrmx/import/{token}").get_data(as_text=True)
    assert "将更新该干部" in html and "T0001" in html and "身份证号保持不变" in html
    assert hr_client.post(f"/records/lrmx/import/{token}/confirm").status_code == 302
    with app.app_context():
        cadre = db.session.get(Cadre, filled)
        assert cadre.id_number == OWN_ID and cadre.professional_title == "高级会计师"


def test_a_masked_number_that_matches_nobody_is_refused(app, hr_client, filled):
    content = _minimal(ShenFenZheng=idcard.mask(idcard.make("310101", date(1992, 2, 14), 24)))
    record = _parse(app, content)
    assert record.id_number is None and record.id_number_masked
    response = _upload(hr_client, content)
    html = hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已脱敏" in html and "完整身份证号" in html
    before = count_rows(app, Cadre)
    token = _token(response)
    assert hr_client.post(f"/records/lrmx/import/{token}/confirm").status_code in (302, 400)
    assert count_rows(app, Cadre) == before


# --- the browser: upload, preview, confirm --------------------------------------------------


def _upload(client, content: bytes, filename: str = "赵新.lrmx"):
    return client.post(
        "/records/lrmx/import",
        data={"file": (BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _token(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/records/lrmx/import/([A-Za-z0-9_-]{43})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_hr_imports_a_new_cadre_choosing_section_and_rank(app, hr_client, users, org):
    page = hr_client.get("/records/lrmx/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(True)
    content = _minimal(QuanRiZhiJiaoYu_XueLi="硕士研究生", QuanRiZhiJiaoYu_XueWei="")
    token = _token(_upload(hr_client, content))
    with app.app_context():
        upload = db.session.scalar(sa.select(ImportUpload))
        assert upload.kind == "lrmx" and upload.user_id == users["hr"].id
        assert upload.content == content and upload.filename == "赵新.lrmx"
    assert count_rows(app, Cadre) == 2  # nothing yet

    html = hr_client.get(f"/records/lrmx/import/{token}").get_data(as_text=True)
    assert "将新建干部 赵新" in html and "G00001" in html
    assert 'name="department_id"' in html and 'name="rank"' in html
    assert "“硕士研究生”按“研究生”导入" in html and "记为“硕士”" in html

    missing = hr_client.post(f"/records/lrmx/import/{token}/confirm")
    assert missing.status_code == 400 and "新建干部须选择处室和职级" in missing.get_data(True)
    assert count_rows(app, Cadre) == 2

    confirmed = hr_client.post(
        f"/records/lrmx/import/{token}/confirm",
        data={"department_id": str(org["treasury"]), "rank": "四级主任科员"},
    )
    assert confirmed.status_code == 302
    with app.app_context():
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "G00001"))
        assert confirmed.headers["Location"] == f"/cadres/{cadre.id}"
        assert (cadre.name, cadre.department_id, cadre.rank) == (
            "赵新",
            org["treasury"],
            "四级主任科员",
        )
        assert (cadre.ft_education, cadre.ft_degree) == ("研究生", "硕士")
        assert cadre.birth_date == date(1992, 2, 14) and cadre.updated_by == "hr1"
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
        assert "create" in actions and "import" in actions
    assert "已新建干部 赵新（工号 G00001）" in hr_client.get("/cadres/").get_data(True)

    again = hr_client.post(
        f"/records/lrmx/import/{token}/confirm",
        data={"department_id": str(org["treasury"]), "rank": "四级主任科员"},
    )
    assert again.status_code == 409 and "此文件已经导入过" in again.get_data(True)
    assert count_rows(app, Cadre) == 3


def test_an_upload_belongs_to_its_uploader(app, hr_client, make_user, login_as):
    from cadre_app.models import Role

    token = _token(_upload(hr_client, _minimal()))
    make_user("hr2", Role.HR)
    from tests.conftest import login

    other = app.test_client()
    login(other, "hr2")
    assert other.get(f"/records/lrmx/import/{token}").status_code == 404
    assert other.post(f"/records/lrmx/import/{token}/confirm").status_code == 404
    assert login_as("manager").get(f"/records/lrmx/import/{token}").status_code == 403


def test_matching_by_id_number_updates_and_the_preview_lists_changes(app, hr_client, filled):
    content = _export(app, filled)
    content = _swap(content, "XianRenZhiWu", "预算处副处长")
    content = _swap(content, "JianLi", "2013.09--2017.07 中央财经大学学习\n2017.07--  预算处工作")
    content = _swap(content, "MinZu", "")  # empty: keeps the stored value
    content = _swap(content, "ZhaoPian", "")  # no photo: keeps the stored one
    content = _swap(content, "NiRenZhiWu", "国库处处长")
    content = _swap(content, "NianDuKaoHeJieGuo", "2024年度考核优秀")
    token = _token(_upload(hr_client, content))
    html = hr_client.get(f"/records/lrmx/import/{token}").get_data(as_text=True)
    assert f"身份证号 {idcard.mask(OWN_ID)} 与 李晓明（工号 T0001，预算处）相同" in html
    assert "现任职务</th><td>预算处一级科员</td><td>预算处副处长</td>" in html
    assert "民族" not in html.split('data-testid="changes"')[1].split("</table>")[0]
    assert "整体替换" in html and "2017.07--        预算处工作" in html
    assert "文件中没有照片，保留原有照片。" in html
    assert "国库处处长" in html and "年度考核结果不从文件导入" in html

    assert hr_client.post(f"/records/lrmx/import/{token}/confirm").status_code == 302
    with app.app_context():
        cadre = db.session.get(Cadre, filled)
        assert cadre.staff_no == "T0001" and cadre.position_title == "预算处副处长"
        assert cadre.ethnicity == "汉族" and cadre.photo.data == _stored_photo()
        assert [e.description for e in cadre.resume] == ["中央财经大学学习", "预算处工作"]
        assert len(cadre.family) == 2  # unchanged: not replaced
        assert db.session.get(AppointmentDraft, filled).proposed_post == "国库处处长"
        events = db.session.scalars(sa.select(AuditEvent.object_type)).all()
        assert {"cadre", "resume_entry", "appointment_draft"} <= set(events)
        assert "family_member" not in events


def test_photo_and_family_are_replaced_when_the_file_differs(app, hr_client, filled):
    jpeg = BytesIO()
    Image.new("RGB", (30, 40), (10, 120, 10)).save(jpeg, "JPEG")
    content = _swap(_export(app, filled), "ZhaoPian", base64.b64encode(jpeg.getvalue()).decode())
    content = _swap(
        content,
        "JiaTingChengYuan",
        "<Item><ChengWei>配偶</ChengWei><XingMing>钱多</XingMing><ChuShengRiQi>199506"
        "</ChuShengRiQi><ZhengZhiMianMao>群众</ZhengZhiMianMao></Item>",
        markup=True,
    )
    token = _token(_upload(hr_client, content))
    html = hr_client.get(f"/records/lrmx/import/{token}").get_data(as_text=True)
    assert "将替换照片。" in html and "配偶 钱多 1995.06 群众" in html
    assert "父亲 李建国 1965.03 中共党员 济南市某中学教师" in html
    assert hr_client.post(f"/records/lrmx/import/{token}/confirm").status_code == 302
    with app.app_context():
        cadre = db.session.get(Cadre, filled)
        assert cadre.photo.content_type == "image/jpeg" and cadre.photo.data == jpeg.getvalue()
        assert [(m.relation, m.name, m.birth_date) for m in cadre.family] == [
            ("配偶", "钱多", date(1995, 6, 1))
        ]
        events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.object_type)).all()
        assert ("delete", "family_member") in events and ("create", "family_member") in events
        assert ("update", "cadre_photo") in events


def test_a_preview_with_errors_has_no_confirm_button(app, hr_client, org):
    content = _minimal(
        QuanRiZhiJiaoYu_XueLi="博士后",
        ZaiZhiJiaoYu_XueWei="荣誉称号",
        XingBie="男",  # the ID number says 女
    )
    token = _token(_upload(hr_client, content))
    html = hr_client.get(f"/records/lrmx/import/{token}").get_data(as_text=True)
    assert "全日制教育学历（QuanRiZhiJiaoYu_XueLi）“博士后”无法对应到本系统的选项" in html
    assert "在职教育学位（ZaiZhiJiaoYu_XueWei）“荣誉称号”无法对应" in html
    assert "性别为女" in html
    assert 'data-testid="confirm"' not in html
    response = hr_client.post(
        f"/records/lrmx/import/{token}/confirm",
        data={"department_id": str(org["budget"]), "rank": "一级科员"},
    )
    assert response.status_code == 400 and count_rows(app, Cadre) == 2


# --- refused files --------------------------------------------------------------------------

_GOOD_ID = idcard.make("310101", date(1992, 2, 14), 24)
BAD_ID = _GOOD_ID[:17] + ("0" if _GOOD_ID[17] != "0" else "1")
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Person><XingMing>&lol3;</XingMing></Person>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Person [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Person><XingMing>&x;</XingMing></Person>"""

REFUSED = {
    "malformed": (b"<Person><XingMing>x</Person>", "不是格式正确的 XML"),
    "billion laughs": (BILLION_LAUGHS, "DOCTYPE/ENTITY"),
    "external entity": (EXTERNAL_ENTITY, "DOCTYPE/ENTITY"),
    "wrong root": (b"<Root><XingMing>x</XingMing></Root>", "根元素应为 Person"),
    "month 13": (_minimal(ChuShengNianYue="199013"), "出生年月（ChuShengNianYue）“199013”不是"),
    "five digits": (_minimal(RuDangShiJian="19900"), "入党时间（RuDangShiJian）“19900”不是"),
    "text date": (_minimal(CanJiaGongZuoShiJian="二〇一〇"), "（CanJiaGongZuoShiJian）“二〇一〇”"),
    "bad checksum": (_minimal(ShenFenZheng=BAD_ID), "身份证号（ShenFenZheng）：身份证号校验位错误"),
    "birth disagrees": (_minimal(ChuShengNianYue="199203"), "（ChuShengNianYue）“199203”不一致"),
    "photo not an image": (_minimal(ZhaoPian="aGVsbG8="), "照片（ZhaoPian）须为 JPEG 或 PNG 图片"),
    "photo not base64": (_minimal(ZhaoPian="@@@"), "照片（ZhaoPian）不是有效的 Base64 编码"),
    "resume line": (_minimal(JianLi="2010.13--2012.01 某单位"), "简历（JianLi）第 1 行的年月"),
    "gender": (_minimal(XingBie="未知"), "性别（XingBie）“未知”应为“男”或“女”"),
    "too large": (b" " * (5 * 1024 * 1024 + 1), "超过了 5 MB 的上限"),
}  # fmt: skip


@pytest.mark.parametrize("content, message", REFUSED.values(), ids=REFUSED.keys())
def test_bad_files_are_refused_with_a_clear_message(app, content, message):
    with app.app_context(), pytest.raises(lrmx.LrmxError) as refused:
        lrmx.parse_lrmx(content)
    assert message in str(refused.value)


@pytest.mark.parametrize("content, message", REFUSED.values(), ids=REFUSED.keys())
def test_bad_files_write_nothing_from_the_browser_or_the_cli(
    app, hr_client, runner, tmp_path, content, message
):
    before = (count_rows(app, Cadre), count_rows(app, AuditEvent))
    response = _upload(hr_client, content)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    result = _run_import(runner, tmp_path, content, "--department", "预算处", "--rank", "一级科员")
    assert result.exit_code == 1 and message in result.stderr and not result.stdout
    assert (count_rows(app, Cadre), count_rows(app, AuditEvent), count_rows(app, ImportUpload)) == (
        *before,
        0,
    )


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ({"TianBiaoShiJian": "20231024"}, {"TianBiaoShiJian": date(2023, 10, 24)}),
        ({"JiSuanNianLingShiJian": "2023.10.24"}, {"JiSuanNianLingShiJian": date(2023, 10, 24)}),
        ({"TianBiaoShiJian": "2023.10"}, {"TianBiaoShiJian": date(2023, 10, 1)}),
        ({"ChuShengNianYue": "1992.02"}, {"ChuShengNianYue": date(1992, 2, 1)}),
        ({"ChuShengNianYue": "19920214"}, {"ChuShengNianYue": date(1992, 2, 14)}),
        ({"ChuShengNianYue": "1992年2月"}, {"ChuShengNianYue": date(1992, 2, 1)}),
    ],
)
def test_dates_as_other_software_writes_them_are_read(app, texts, expected):
    """Other tools write 填表时间 and 计算年龄时间 as YYYYMMDD and dates as YYYY.MM or
    YYYY.MM.DD (DOMAIN.md, .lrmx): all are read, not refused."""
    record = _parse(app, _minimal(**texts))
    for element, value in expected.items():
        assert record.dates[element] == value, (element, record.dates)


def test_all_wrong_elements_are_named_at_once(app):
    with app.app_context(), pytest.raises(lrmx.LrmxError) as refused:
        lrmx.parse_lrmx(_minimal(ChuShengNianYue="199013", TianBiaoShiJian="abc", XingBie="?"))
    assert len(refused.value.messages) == 3


# --- the CLI --------------------------------------------------------------------------------


def test_cli_updates_a_matched_cadre_and_prints_its_staff_number(app, runner, tmp_path, filled):
    content = _swap(_export(app, filled), "XianRenZhiWu", "预算处副处长")
    result = _run_import(runner, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "T0001"
    with app.app_context():
        cadre = db.session.get(Cadre, filled)
        assert cadre.position_title == "预算处副处长" and cadre.updated_by.startswith("cli:")


def test_cli_needs_section_and_rank_for_a_new_cadre(app, runner, tmp_path, org):
    result = _run_import(runner, tmp_path, _minimal())
    assert result.exit_code == 1 and "--department" in result.stderr and "--rank" in result.stderr
    unknown = _run_import(
        runner, tmp_path, _minimal(), "--department", "无此处", "--rank", "一级科员"
    )
    assert unknown.exit_code == 1 and "没有名为“无此处”的处室" in unknown.stderr
    bad_rank = _run_import(runner, tmp_path, _minimal(), "--department", "预算处", "--rank", "处长")
    assert bad_rank.exit_code == 1 and "职级“处长”不在职级序列中" in bad_rank.stderr
    assert count_rows(app, Cadre) == 2


def test_generated_staff_numbers_follow_the_highest_in_use(app, runner, tmp_path, org):
    with app.app_context():
        db.session.get(Cadre, org["other_cadre"]).staff_no = "G00041"
        db.session.commit()
    result = _run_import(
        runner, tmp_path, _minimal(), "--department", "国库处", "--rank", "一级科员"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "G00042"


def test_a_file_without_id_number_makes_a_new_cadre(app, runner, tmp_path, org):
    content = _minimal(ShenFenZheng="", ChuShengNianYue="199202")
    result = _run_import(runner, tmp_path, content, "--department", "国库处", "--rank", "一级科员")
    assert result.exit_code == 0, result.output
    assert "无法与已有干部比对" in result.stderr
    with app.app_context():
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "G00001"))
        assert cadre.id_number is None and cadre.birth_date == date(1992, 2, 1)


# --- the mapping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, level, degree",
    [
        ("大学本科", "大学本科", None),
        ("大学", "大学本科", None),
        ("本科毕业", "大学本科", None),
        ("硕士研究生", "研究生", "硕士"),
        ("中央党校研究生", "研究生", None),
        ("大专", "大学专科", None),
        ("博士后", None, None),
    ],
)
def test_education_normalisation(raw, level, degree):
    assert lrmx.normalise_education(raw) == (level, degree)


@pytest.mark.parametrize(
    "raw, degree",
    [("学士", "学士"), ("经济学硕士", "硕士"), ("工商管理硕士", "硕士"), ("MBA", "硕士"),
     ("法学博士学位", "博士"), ("无", "无"), ("双学位", None)],
)  # fmt: skip
def test_degree_normalisation(raw, degree):
    assert lrmx.normalise_degree(raw) == degree


def test_family_statuses_are_mapped_or_refused(app, org):
    family = (
        "<JiaTingChengYuan><Item><ChengWei>配偶</ChengWei><XingMing>钱多</XingMing>"
        "<ChuShengRiQi>199305</ChuShengRiQi><ZhengZhiMianMao>党员</ZhengZhiMianMao>"
        "<GongZuoDanWeiJiZhiWu>某公司职员</GongZuoDanWeiJiZhiWu></Item>"
        "<Item><ChengWei>父亲</ChengWei><XingMing>赵大</XingMing>"
        "<ZhengZhiMianMao>宗教人士</ZhengZhiMianMao></Item></JiaTingChengYuan>"
    )
    content = _minimal().replace(b"</Person>", family.encode() + b"</Person>")
    with app.app_context():
        preview = lrmx_import.preview_import(lrmx.parse_lrmx(content), today=TODAY)
    assert preview.family_values[0]["political_status"] == "中共党员"
    assert "家庭成员第 1 项政治面貌（ZhengZhiMianMao）“党员”按“中共党员”导入。" in preview.notes
    assert any("第 2 项政治面貌（ZhengZhiMianMao）“宗教人士”无法对应" in e for e in preview.errors)


def test_resume_lines_wrap_and_open_ends(app):
    text = "2010.09--2014.07 某大学\n  经济学专业学习\n2014.07--至今 某局科员"
    with app.app_context():
        record = lrmx.parse_lrmx(_minimal(JianLi=text))
    assert [(r.start, r.end, r.description) for r in record.resume] == [
        (date(2010, 9, 1), date(2014, 7, 1), "某大学经济学专业学习"),
        (date(2014, 7, 1), None, "某局科员"),
    ]


def test_gb_encoded_files_are_read(app):
    text = _minimal().decode().replace("UTF-8", "GB2312")
    with app.app_context():
        assert lrmx.parse_lrmx(text.encode("gb2312")).text("XingMing") == "赵新"


# --- download and access --------------------------------------------------------------------


def test_download_is_audited_and_named_after_the_cadre(app, hr_client, filled):
    response = hr_client.get(f"/records/{filled}/appointment-form.lrmx")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('李晓明.lrmx')}" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert OWN_ID.encode() not in response.data  # masked by default, HR too (issue 16)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "download"))
        assert event.object_id == str(filled) and event.actor_name == "hr1"
        assert ".lrmx" in event.summary


def test_download_access_per_role(app, login_as, client, org):
    own = f"/records/{org['own_cadre']}/appointment-form.lrmx"
    other = f"/records/{org['other_cadre']}/appointment-form.lrmx"
    assert client.get(own).status_code == 302  # to the login page
    expected = {
        "hr": (200, 200),
        "manager": (200, 404),  # leads 预算处 only
        "cadre": (200, 404),  # own record only
        "admin": (403, 403),
        "auditor": (403, 403),
    }
    for role, (own_status, other_status) in expected.items():
        user = login_as(role)
        assert (user.get(own).status_code, user.get(other).status_code) == (
            own_status,
            other_status,
        ), role
    assert login_as("hr").get("/records/999999/appointment-form.lrmx").status_code == 404


def test_only_hr_gets_the_full_id_number_in_the_lrmx(hr_client, manager_client, cadre_client, org):
    """...and only by asking with a reason (issue 16; tests/test_exposure_id_export.py)."""
    from cadre_app.services.core import idcard as _idcard

    own = org["own_cadre"]
    full = _idcard.make("110105", __import__("datetime").date(1995, 3, 8), 11)
    asked = {"reason": "报送上级组织部门", "confirm": "y"}
    url = f"/records/{own}/appointment-form-full-id.lrmx"
    assert full.encode() in hr_client.post(url, data=asked).data
    for client in (manager_client, cadre_client):
        assert client.post(url, data=asked).status_code == 403
    for client in (hr_client, manager_client, cadre_client):
        data = client.get(f"/records/{own}/appointment-form.lrmx").data
        assert full.encode() not in data and _idcard.mask(full).encode() in data


def test_a_cadres_own_lrmx_leaves_out_hrs_proposal(app, hr_client, cadre_client, org):
    own = org["own_cadre"]
    hr_client.post(
        f"/records/{own}/appointment-form",
        data={
            "proposed_post": "预算处副处长（拟）",
            "reason": "工作需要，拟提拔",
            "reporting_unit": "测试财政局",
            "age_date": "2026-11-26",
            "filled_by": "人事处",
            "fill_date": "2026-11-26",
        },
    )
    assert "预算处副处长".encode() in hr_client.get(f"/records/{own}/appointment-form.lrmx").data
    mine = cadre_client.get(f"/records/{own}/appointment-form.lrmx").data
    assert "预算处副处长".encode() not in mine and "工作需要".encode() not in mine
