"""Issue 16, finding 4: the auditor sees who did what to which record and when, and which
fields changed (by their Chinese names), never the values: a talk's contents, a relative, a
score, a phone, a political status, a birth date. The stored before/after stay as they were
(the chain covers them); only what the page and the export show changes."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre
from cadre_app.services.audit import queries as audit_query
from cadre_app.services.core import audit
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.roster import operations as roster
from cadre_app.services.talks import operations as talks

TALK_REASON = "反映其收受礼金问题"
TALK_CONTENT = "本人承认收受购物卡两张"
RELATIVE = "李大宝"
RELATIVE_JOB = "某某矿业公司董事长"
PHONE = "13912345678"
SCORES = (87.25, 91.5, 78.75)
TODAY = date(2026, 9, 1)


def _seed(app, org) -> None:
    """Real changes through the domains' own operations, as HR makes them."""
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        roster.update_cadre(
            cadre,
            {"phone": PHONE, "political_status": "中共预备党员"},
            expected_version=cadre.version,
            actor="hr1",
            today=TODAY,
        )
        roster.add_family_member(
            cadre,
            {
                "relation": "父亲",
                "name": RELATIVE,
                "birth_date": date(1960, 5, 17),
                "employer_and_post": RELATIVE_JOB,
            },
            actor="hr1",
            today=TODAY,
        )
        talk = talks.create_talk(
            {
                "kind": "提醒谈话",
                "source": "信访举报",
                "subject_id": cadre.id,
                "reason": TALK_REASON,
            },
            actor="hr1",
            today=TODAY,
        )
        talks.update_talk(
            talk, {"content": TALK_CONTENT}, expected_version=talk.version, actor="hr1", today=TODAY
        )
        cycle, _created = evaluation.ensure_cycle(2025, actor="hr1")
        ordinary, democratic, leader = SCORES
        evaluation.set_scores(
            cycle, cadre, ordinary=ordinary, democratic=democratic, leader=leader, actor="hr1"
        )
        db.session.commit()


VALUES = (
    TALK_REASON,
    TALK_CONTENT,
    RELATIVE,
    RELATIVE_JOB,
    PHONE,
    "中共预备党员",
    "1960-05-17",
    "87.25",
    "91.5",
    "78.75",
)


def _all_pages(client) -> str:
    return client.get("/audit/?per_page=200").get_data(as_text=True)


def test_the_page_names_the_fields_but_shows_no_value(app, org, users, auditor_client):
    _seed(app, org)
    html = _all_pages(auditor_client)
    for label in (
        "手机号",
        "政治面貌",
        "出生日期",
        "工作单位及职务",
        "谈话内容",
        "家庭成员",
        "考核成绩",
        "平时考核",
    ):
        assert label in html, label
    for value in VALUES:
        assert value not in html, value
    # who, what and which record are still there
    assert "hr1" in html and "T0001 李晓明" in html and "修改字段" in html


def test_the_export_names_the_fields_but_holds_no_value(app, org, users, auditor_client):
    _seed(app, org)
    response = auditor_client.get("/audit/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["审计日志"]
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    for value in VALUES:
        assert value not in cells, value
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    fields = " ".join(r["修改字段"] or "" for r in rows)
    assert "手机号" in fields and "政治面貌" in fields and "谈话内容" in fields
    assert any(r["摘要"] == "T0001 李晓明" and r["对象类型"] == "家庭成员" for r in rows)


def test_what_is_stored_is_unchanged_and_the_chain_holds(app, org, users):
    _seed(app, org)
    with app.app_context():
        stored = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "family_member")
        ).one()
        assert RELATIVE in stored.summary and stored.after["name"] == RELATIVE
        assert list(audit.verify()) == []


def test_an_old_failed_login_stored_as_typed_is_shown_masked(app, users, auditor_client):
    with app.app_context():  # as the login stored them before it masked unknown names
        audit.record("login_failed", object_type="user", summary="Hunter2@pass", result="fail")
        audit.record("login_failed", object_type="user", summary="hr1（账户已锁定）", result="fail")
        db.session.commit()
    html = _all_pages(auditor_client)
    assert "Hunter2@pass" not in html and "H***（12 字符" in html
    assert "hr1（账户已锁定）" in html  # a known account's name stays


def test_fields_are_labels_of_what_differs_only(app_ctx):
    describer = audit_query.Describer()
    fields = describer.fields(
        "talk",
        {"kind": "约谈", "place": None, "content": "a"},
        {"kind": "约谈", "place": "501", "content": "b", "version": 2},
    )
    assert fields == ("地点", "谈话内容")
    assert describer.fields("cadre", None, {"name": "李晓明", "phone": None}) == ("姓名",)
    assert (
        audit_query.record_label("T0001 李晓明 提醒谈话：年度考核末位") == "T0001 李晓明 提醒谈话"
    )
    assert audit_query.record_label("2025 年度考核 T0001 李晓明（更正理由：笔误）") == (
        "2025 年度考核 T0001 李晓明"
    )
