"""Issue 16, finding 6: no click exports every full ID number. The roster workbook and the
.lrmx are masked by default, for HR too; a full-ID export needs an explicit choice with a
reason and is audited as a reveal of each ID in it (one ``reveal`` event per cadre, so the
auditor finds every reveal of a person's number under that person). The CLI writes full
numbers only with ``--full-ids --reason``. A masked workbook re-imports as "unchanged"."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre
from cadre_app.services.core import idcard
from cadre_app.services.roster import excel as roster_excel
from cadre_app.services.roster.excel import HEADER

FULL_ROUTE = "/cadres/export-full"


def _ids(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Cadre.staff_no, Cadre.id_number)).all())


def _exported(data: bytes) -> dict[str, str]:
    sheet = openpyxl.load_workbook(BytesIO(data))["干部名册"]
    column = HEADER.index("身份证号")
    return {r[0]: r[column] for r in sheet.iter_rows(min_row=2, values_only=True)}


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return list(events)


def test_hr_export_is_masked_by_default(app, hr_client, org):
    numbers = _ids(app)
    response = hr_client.get("/cadres/export.xlsx")
    assert response.status_code == 200
    assert _exported(response.data) == {no: idcard.mask(n) for no, n in numbers.items()}
    for number in numbers.values():
        assert number.encode() not in response.data
    assert _events(app, "reveal") == []


def test_a_full_id_export_needs_a_reason_and_a_confirmation(app, hr_client, org):
    page = hr_client.get(FULL_ROUTE)
    assert page.status_code == 200 and "理由" in page.get_data(as_text=True)
    for data in ({}, {"reason": "报送", "confirm": "y"}, {"reason": "报送组织部审核"}):
        refused = hr_client.post(FULL_ROUTE, data=data)
        assert refused.status_code == 400
        assert refused.mimetype == "text/html"
    html = hr_client.post(FULL_ROUTE, data={}).get_data(as_text=True)
    assert "请填写导出完整身份证号的理由" in html and "请勾选确认" in html
    assert _events(app, "reveal") == [] and _events(app, "export") == []


def test_a_full_id_export_reveals_each_number_in_the_log(app, hr_client, auditor_client, org):
    numbers = _ids(app)
    response = hr_client.post(FULL_ROUTE, data={"reason": "报送市委组织部审核", "confirm": "y"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert _exported(response.data) == numbers
    reveals = _events(app, "reveal")
    assert sorted(e.object_id for e in reveals) == sorted(
        [str(org["own_cadre"]), str(org["other_cadre"])]
    )
    assert all(e.actor_name == "hr1" and e.object_type == "cadre" for e in reveals)
    (export,) = _events(app, "export")
    assert "报送市委组织部审核" in export.summary and "完整身份证号 2 个" in export.summary
    # the auditor sees whose numbers were revealed, and why, never the numbers
    html = auditor_client.get(f"/audit/?action=reveal&object_id={org['own_cadre']}").get_data(
        as_text=True
    )
    assert "T0001 李晓明 完整身份证号随干部名册导出" in html
    assert numbers["T0001"] not in html
    log = auditor_client.get("/audit/?action=export").get_data(as_text=True)
    assert "报送市委组织部审核" in log


def test_a_masked_export_reimports_without_touching_the_stored_numbers(app, hr_client, org):
    numbers = _ids(app)
    exported = hr_client.get("/cadres/export.xlsx").data
    with app.app_context():
        summary = roster_excel.apply_import(
            exported, "export.xlsx", actor="hr1", today=_today(), organisation_name="测试财政局"
        )
        db.session.commit()
    assert (summary.created, summary.updated) == (0, 0)
    assert _ids(app) == numbers


def _edited(data: bytes, changes: dict[str, dict[str, str]]) -> bytes:
    """The workbook ``data`` with cells changed: 工号 -> {header: value}."""
    book = openpyxl.load_workbook(BytesIO(data))
    sheet = book["干部名册"]
    for row in sheet.iter_rows(min_row=2):
        for header, value in changes.get(row[0].value, {}).items():
            row[HEADER.index(header)].value = value
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_masked_number_is_unchanged_beside_real_changes(app, hr_client, org):
    numbers = _ids(app)
    exported = hr_client.get("/cadres/export.xlsx").data
    edited = _edited(exported, {"T0001": {"手机号": "13800001111"}})
    with app.app_context():
        preview = roster_excel.preview_import(edited, "x.xlsx", today=_today())
        rows = {r.staff_no: r for r in preview.rows}
        assert not rows["T0001"].errors and rows["T0001"].values == {"phone": "13800001111"}
        summary = roster_excel.apply_import(
            edited, "x.xlsx", actor="hr1", today=_today(), organisation_name="测试财政局"
        )
        db.session.commit()
    assert summary.updated == 1 and _ids(app) == numbers


def test_a_masked_number_that_does_not_agree_or_is_new_is_refused(app, hr_client, org):
    numbers = _ids(app)
    exported = hr_client.get("/cadres/export.xlsx").data
    wrong = _edited(exported, {"T0001": {"身份证号": "999999********0000"}})
    new = _edited(exported, {"T0002": {"工号": "T0999", "身份证号": idcard.mask(numbers["T0002"])}})
    with app.app_context():
        for content, message in ((wrong, "与系统中的号码不符"), (new, "新干部须填写完整号码")):
            preview = roster_excel.preview_import(content, "x.xlsx", today=_today())
            messages = [m for r in preview.rows for _label, m in r.errors]
            assert any(message in m for m in messages), messages
    assert _ids(app) == numbers


def _today():
    from tests.conftest import office_today

    return office_today()


def test_cli_export_is_masked_unless_full_ids_with_a_reason(app, runner, org, tmp_path):
    numbers = _ids(app)
    masked = tmp_path / "masked.xlsx"
    result = runner.invoke(args=["roster", "export", str(masked)])
    assert result.exit_code == 0, result.output
    assert _exported(masked.read_bytes()) == {no: idcard.mask(n) for no, n in numbers.items()}
    refused = runner.invoke(args=["roster", "export", str(tmp_path / "x.xlsx"), "--full-ids"])
    assert refused.exit_code != 0 and "--reason" in refused.output
    assert _events(app, "reveal") == []
    full = tmp_path / "full.xlsx"
    result = runner.invoke(
        args=["roster", "export", str(full), "--full-ids", "--reason", "移交档案室存档"]
    )
    assert result.exit_code == 0, result.output
    assert _exported(full.read_bytes()) == numbers
    reveals = _events(app, "reveal")
    assert len(reveals) == 2 and all(e.actor_name.startswith("cli:") for e in reveals)
    assert "移交档案室存档" in _events(app, "export")[-1].summary
    again = runner.invoke(args=["roster", "import", str(masked), "--dry-run"])
    assert again.output.splitlines()[0] == "imported 0, updated 0, rejected 0"


def test_lrmx_is_masked_for_hr_unless_asked_with_a_reason(app, hr_client, org):
    numbers = _ids(app)
    own = org["own_cadre"]
    plain = hr_client.get(f"/records/{own}/appointment-form.lrmx")
    assert plain.status_code == 200 and numbers["T0001"].encode() not in plain.data
    assert idcard.mask(numbers["T0001"]).encode() in plain.data
    url = f"/records/{own}/appointment-form-full-id.lrmx"
    assert hr_client.post(url, data={"confirm": "y"}).status_code == 400
    assert _events(app, "reveal") == []
    full = hr_client.post(url, data={"reason": "报送上级组织部门", "confirm": "y"})
    assert full.status_code == 200 and numbers["T0001"].encode() in full.data
    (reveal,) = _events(app, "reveal")
    assert reveal.object_id == str(own)
    assert "报送上级组织部门" in _events(app, "download")[-1].summary
