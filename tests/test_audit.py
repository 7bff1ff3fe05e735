"""The audit log: a hash chain that shows tampering, and a read-only page and export for the
auditor (三员分立: only the auditor reads it, nobody edits it)."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.audit import queries as audit_query
from cadre_app.services.audit.queries import AuditFilters
from cadre_app.services.core import audit
from tests.conftest import audit_triggers_off, login

FULL_ID = "110105199001010023"
MASKED_ID = "110105********0023"


def _events(app, **where):
    with app.app_context():
        stmt = sa.select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
        events = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return events


def _record_three(app) -> list[int]:
    with app.app_context():
        ids = [
            audit.record("create", object_type="cadre", object_id=n, summary=f"第 {n} 条").id
            for n in (1, 2, 3)
        ]
        db.session.commit()
        return ids


def _record_at(app, monkeypatch, when: datetime, action: str = "update", **kwargs) -> None:
    """One event stamped ``when`` (naive UTC): the chain stays valid, only the clock is set."""
    monkeypatch.setattr(audit, "utcnow", lambda: when)
    with app.app_context():
        audit.record(action, **kwargs)
        db.session.commit()
    monkeypatch.undo()


# --- the chain -------------------------------------------------------------------------------


def test_each_event_links_to_the_one_before(app, app_ctx):
    first = audit.record("login", object_type="user", object_id=1, actor_name="hr1")
    second = audit.record("update", object_type="cadre", object_id=7, summary="改名")
    third = audit.record("logout", object_type="user", object_id=1)
    db.session.commit()
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    assert list(audit.verify()) == []


def test_verify_passes_and_the_cli_says_ok_on_an_intact_chain(app, runner):
    ids = _record_three(app)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "OK: 3 条记录，哈希链完整"
    assert f"最新记录 {ids[-1]}" in result.output


def test_an_empty_log_verifies(runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "OK: 0 条记录" in result.output


def test_a_row_edited_with_sql_is_detected(app, runner):
    ids = _record_three(app)
    with app.app_context(), audit_triggers_off(db.session.connection()):
        db.session.execute(
            sa.text("UPDATE audit_event SET summary='x' WHERE id=:id"), {"id": ids[1]}
        )
        db.session.commit()
        problems = list(audit.verify())
    assert [p.event_id for p in problems] == [ids[1]]
    assert "内容与哈希不符" in problems[0].message
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"记录 {ids[1]}：内容与哈希不符" in result.output
    assert "OK" not in result.output


def test_a_row_deleted_with_sql_is_detected(app, runner):
    ids = _record_three(app)
    with app.app_context(), audit_triggers_off(db.session.connection()):
        db.session.execute(sa.text("DELETE FROM audit_event WHERE id=:id"), {"id": ids[1]})
        db.session.commit()
        problems = list(audit.verify())
    # The row after the gap no longer links to its predecessor.
    assert [p.event_id for p in problems] == [ids[2]]
    assert "链接断开" in problems[0].message
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"记录 {ids[2]}：与前一条记录的链接断开" in result.output


def test_the_orm_refuses_to_change_or_delete_an_event(app_ctx):
    event = audit.record("create", object_type="cadre", object_id=1, summary="原文")
    db.session.commit()
    event.summary = "改过"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).summary == "原文"


def test_id_numbers_are_masked_before_they_are_stored(app, app_ctx):
    event = audit.record(
        "update",
        object_type="cadre",
        object_id=1,
        before={"id_number": None, "name": "张三"},
        after={"id_number": FULL_ID, "name": "张三"},
    )
    db.session.commit()
    stored = db.session.execute(
        sa.text("SELECT after FROM audit_event WHERE id=:id"), {"id": event.id}
    ).scalar_one()
    assert FULL_ID not in str(stored)
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).after["id_number"] == MASKED_ID


# --- events from signing in and out ----------------------------------------------------------


def test_login_success_failure_and_logout_are_recorded(app, client, users):
    assert login(client, "hr1", "Wrong@pass1").status_code == 401
    assert login(client, "hr1").status_code == 302
    assert client.post("/auth/logout").status_code == 302
    events = _events(app)
    assert [e.action for e in events] == ["login_failed", "login", "logout"]
    failed, success, logout = events
    assert failed.result == "fail" and failed.summary == "hr1" and failed.actor_name is None
    assert success.result == "ok" and success.actor_name == "hr1" and success.actor_role == "hr"
    assert success.object_type == "user" and success.object_id == str(users["hr"].id)
    assert success.ip == "127.0.0.1"
    assert logout.actor_name == "hr1" and logout.object_id == str(users["hr"].id)


# --- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "hr", "manager", "cadre"])
def test_other_roles_are_refused(login_as, role):
    client = login_as(role)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    for url in ("/audit/", "/audit/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


def test_nobody_can_write_to_the_log_through_the_app(auditor_client):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert auditor_client.open("/audit/", method=method).status_code == 405
        assert auditor_client.open("/audit/export.xlsx", method=method).status_code == 405


def test_auditor_sees_events_newest_first_with_the_changed_fields_named(app, auditor_client):
    with app.app_context():
        audit.record(
            "update",
            object_type="cadre",
            object_id=42,
            summary="T0001 李晓明",
            before={"name": "李小明", "id_number": None},
            after={"name": "李晓明", "id_number": FULL_ID},
            actor_name="hr1",
            actor_role="hr",
        )
        db.session.commit()
    response = auditor_client.get("/audit/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "审计日志" in html
    assert "T0001 李晓明" in html  # which record
    assert "姓名" in html and "身份证号" in html  # field labels, not attribute names
    # which fields changed, never the values (issue 16, finding 4)
    assert "李小明" not in html and MASKED_ID not in html and FULL_ID not in html
    assert "干部 #42" in html and "组织人事处" in html
    # The auditor's own login (made by the fixture) is newer, so it comes first.
    assert html.index("登录成功") < html.index("T0001 李晓明")
    assert 'method="post"' not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_filter_by_action(app, auditor_client):
    with app.app_context():
        audit.record("reveal", object_type="cadre", object_id=1, summary="看了身份证号")
        audit.record("update", object_type="cadre", object_id=1, summary="改了职务")
        db.session.commit()
    html = auditor_client.get("/audit/?action=reveal").get_data(as_text=True)
    assert "看了身份证号" in html and "改了职务" not in html
    assert "共 1 条" in html


def test_filter_by_actor_exact_or_prefix(app, auditor_client):
    with app.app_context():
        for name in ("hr1", "hr10", "manager1"):
            audit.record("update", summary=f"by {name}", actor_name=name, actor_role="hr")
        audit.record("update", summary="by a_b", actor_name="a_b")
        audit.record("update", summary="by axb", actor_name="axb")
        db.session.commit()
    exact = auditor_client.get("/audit/?actor=hr1").get_data(as_text=True)
    assert "by hr1" in exact and "by hr10" not in exact and "by manager1" not in exact
    prefix = auditor_client.get("/audit/?actor=hr&actor_prefix=y").get_data(as_text=True)
    assert "by hr1" in prefix and "by hr10" in prefix and "by manager1" not in prefix
    # "_" is a wildcard in SQL LIKE; here it is just a character.
    escaped = auditor_client.get("/audit/?actor=a_&actor_prefix=y").get_data(as_text=True)
    assert "by a_b" in escaped and "by axb" not in escaped


def test_filter_by_date_uses_beijing_days(app, auditor_client, monkeypatch):
    # 16:30 UTC on 1 March is 00:30 on 2 March in Beijing.
    _record_at(app, monkeypatch, datetime(2026, 3, 1, 16, 30), summary="北京时间三月二日")
    _record_at(app, monkeypatch, datetime(2026, 2, 27, 3, 0), summary="二月二十七日")
    html = auditor_client.get("/audit/?date_from=2026-03-02&date_to=2026-03-02").get_data(
        as_text=True
    )
    assert "北京时间三月二日" in html and "二月二十七日" not in html
    assert "2026-03-02 00:30:00" in html
    html = auditor_client.get("/audit/?date_to=2026-03-01").get_data(as_text=True)
    assert "二月二十七日" in html and "北京时间三月二日" not in html
    html = auditor_client.get("/audit/?date_from=2026-02-27&date_to=2026-02-27").get_data(
        as_text=True
    )
    assert "二月二十七日" in html and "北京时间三月二日" not in html


def test_filter_by_object_and_result(app, auditor_client):
    with app.app_context():
        audit.record("update", object_type="cadre", object_id=5, summary="五号")
        audit.record("update", object_type="cadre", object_id=6, summary="六号")
        audit.record("login_failed", object_type="user", summary="坏密码", result="fail")
        db.session.commit()
    html = auditor_client.get("/audit/?object_type=cadre&object_id=5").get_data(as_text=True)
    assert "五号" in html and "六号" not in html
    html = auditor_client.get("/audit/?result=fail").get_data(as_text=True)
    # a name that matches no account is shown masked (issue 16, finding 8)
    assert "坏***（3 字符" in html and "坏密码" not in html and "五号" not in html


def test_pages_of_fifty_keep_the_filters(app, auditor_client):
    with app.app_context():
        for n in range(120):
            audit.record("update", object_type="cadre", object_id=n, summary=f"第{n}条")
        db.session.commit()
    first = auditor_client.get("/audit/?action=update").get_data(as_text=True)
    assert first.count("data-event-id=") == 50
    assert "共 120 条，显示第 1–50 条" in first
    assert "第119条" in first and "第69条" not in first
    assert "/audit/?page=2&amp;action=update" in first
    last = auditor_client.get("/audit/?action=update&page=3").get_data(as_text=True)
    assert last.count("data-event-id=") == 20 and "第0条" in last
    # A page past the end shows the last page rather than nothing.
    beyond = auditor_client.get("/audit/?action=update&page=99").get_data(as_text=True)
    assert beyond.count("data-event-id=") == 20


def test_url_for_options_in_the_query_string_are_not_echoed_into_links(auditor_client):
    html = auditor_client.get("/audit/?_external=1&_scheme=javascript").get_data(as_text=True)
    assert "javascript:" not in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=2026-13-45", "请输入有效日期"),
        ("date_to=yesterday", "请输入有效日期"),
        ("action=drop_table", "未知的操作类型"),
        ("result=maybe", "结果只能是"),
        ("date_from=2026-03-02&date_to=2026-03-01", "结束日期不能早于开始日期"),
        ("actor=" + "x" * 65, "用户名最多 64 个字符"),
    ],
)
def test_invalid_filters_are_a_bad_request_in_chinese(app, auditor_client, query, message):
    response = auditor_client.get(f"/audit/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "筛选条件有误" in html
    before = len(_events(app, action="export"))
    assert auditor_client.get(f"/audit/export.xlsx?{query}").status_code == 400
    assert len(_events(app, action="export")) == before


def test_extreme_dates_do_not_crash(auditor_client):
    response = auditor_client.get("/audit/?date_from=0001-01-01&date_to=9999-12-31")
    assert response.status_code == 200


# --- the export ------------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == audit_query_mimetype()
    return openpyxl.load_workbook(io.BytesIO(response.data))


def audit_query_mimetype() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


RISKY = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_export_is_formula_safe_and_has_the_agreed_header(app, auditor_client):
    with app.app_context():
        for text in RISKY:
            audit.record("update", object_type="department", object_id=1, summary=text)
        audit.record(
            "update",
            object_type="=cmd",
            object_id="-1",
            summary="控制字符\x07也能导出",
            before={"name": "=1+1"},
            after={"name": "@x"},
            actor_name="=evil",
        )
        db.session.commit()
    response = auditor_client.get("/audit/export.xlsx?action=update")
    assert "attachment" in response.headers["Content-Disposition"]
    book = _workbook(response)
    assert book.sheetnames == ["审计日志"]
    sheet = book["审计日志"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(audit_query.COLUMNS)
    assert header == [
        *("时间", "用户", "角色", "IP", "操作", "对象类型"),
        *("对象ID", "摘要", "修改字段", "结果", "哈希"),
    ]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    summaries = {row[7].value: row[7] for row in sheet.iter_rows(min_row=2)}
    for text in RISKY:
        cell = summaries[text.replace("\r", "\n")]  # XML reads a bare CR back as LF
        assert cell.data_type == "s" and cell.quotePrefix  # text even when edited in Excel
    assert "控制字符\\x07也能导出" in summaries
    newest = [cell.value for cell in sheet[2]]
    assert newest[1] == "=evil" and newest[5] == "=cmd" and newest[6] == "-1"
    assert newest[8] == "name" and newest[9] == "成功"  # the field, not its values
    assert isinstance(newest[0], datetime)
    assert sheet.max_row == 1 + len(RISKY) + 1


def test_export_follows_the_filters_and_is_itself_audited(app, auditor_client, users):
    with app.app_context():
        audit.record("reveal", object_type="cadre", object_id=9, summary="查看")
        audit.record("update", object_type="cadre", object_id=9, summary="修改")
        db.session.commit()
    sheet = _workbook(auditor_client.get("/audit/export.xlsx?action=reveal"))["审计日志"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[4], r[7]) for r in rows] == [("查看身份证号", "查看")]
    exports = _events(app, action="export")
    assert len(exports) == 1
    event = exports[0]
    assert event.object_type == "audit_event" and event.actor_name == "auditor1"
    assert event.actor_role == "auditor" and event.result == "ok"
    assert "导出审计日志 1 条" in event.summary and "操作=查看身份证号" in event.summary
    with app.app_context():
        assert list(audit.verify()) == []


def test_export_is_capped_and_says_so(app, auditor_client, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_EXPORT_CAP", 3)
    with app.app_context():
        for n in range(5):
            audit.record("update", summary=f"第{n}条")
        db.session.commit()
    page = auditor_client.get("/audit/?action=update").get_data(as_text=True)
    assert "导出最多包含最新的 3 条记录" in page
    response = auditor_client.get("/audit/export.xlsx?action=update")
    book = _workbook(response)
    assert response.headers["X-Export-Capped"] == "3/5"
    rows = list(book["审计日志"].iter_rows(min_row=2, values_only=True))
    assert [r[7] for r in rows] == ["第4条", "第3条", "第2条"]
    assert "共 5 条" in book["说明"]["A1"].value
    (event,) = _events(app, action="export")
    assert "导出审计日志 3 条" in event.summary and "2 条未导出" in event.summary


# --- the search service ----------------------------------------------------------------------


def test_search_counts_and_pages_without_loading_everything(app, app_ctx):
    for n in range(7):
        audit.record("update" if n % 2 else "create", object_type="cadre", object_id=n)
    db.session.commit()
    page = audit_query.search(AuditFilters(action="update"), page=2, per_page=2)
    assert page.total == 3 and page.pages == 2 and len(page.rows) == 1
    assert page.rows[0].object_id == "1" and page.has_prev and not page.has_next
    everything = audit_query.search(AuditFilters(), page=1, per_page=5)
    assert [r.object_id for r in everything.rows] == ["6", "5", "4", "3", "2"]


def test_filters_refuse_unknown_values():
    with pytest.raises(audit_query.FilterError):
        AuditFilters(action="nope")
    with pytest.raises(audit_query.FilterError):
        AuditFilters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))


def test_page_numbers_leave_gaps():
    page = audit_query.AuditPage(rows=[], total=1000, page=10, per_page=50)
    assert page.page_numbers() == [1, None, 8, 9, 10, 11, 12, None, 20]


def test_bulk_orm_update_and_delete_of_the_log_are_refused(app, hr_client):
    import pytest
    import sqlalchemy as sa

    from cadre_app.extensions import db
    from cadre_app.models import AuditEvent

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= 1
        with pytest.raises(PermissionError):
            db.session.execute(sa.update(AuditEvent).values(summary="x"))
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.execute(sa.delete(AuditEvent))
        db.session.rollback()
