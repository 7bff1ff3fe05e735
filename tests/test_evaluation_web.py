"""Evaluation pages and commands: ranking views per role, HR steps, the CLI."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import CycleState, Talk
from cadre_app.services.evaluations import operations as evaluation
from tests.conftest import office_today
from tests.test_evaluation import score, sections  # noqa: F401  (fixture)

#: The tick an irreversible step asks for (审核确认, 公示, 决定, 归档).
CONFIRMED = {"confirmed": "1"}


def test_ranking_page_for_hr_shows_chart_tie_rule_and_bottom(app, hr_client, sections):  # noqa: F811
    score(app, 2025, sections["budget"], [(90 - i, 90, 90) for i in range(6)])
    hr_client.post("/evaluations/2025/rank")
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "<svg" in html and "等次分布" in html
    assert "总分相同者名次并列" in html
    assert 'class="table-danger" data-staff-no="B05"' in html
    assert "预算处5号" in html


def test_scores_not_yet_ranked_say_so_not_incomplete(app, hr_client, sections):  # noqa: F811
    """After a score import, before ranking: complete rows wait for the ranking (no total,
    no 末位 either way); only a row with a missing score is 成绩不全."""
    score(app, 2025, sections["budget"][:2], [(90, 90, 90), (80, 80, 80)])
    score(app, 2025, sections["budget"][2:3], [(70, None, 70)])
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    rows = {
        no: html.split(f'data-staff-no="{no}"', 1)[1].split("</tr>", 1)[0] for no in ("B00", "B02")
    }
    assert "待排名" in rows["B00"] and "成绩不全" not in rows["B00"]
    assert ">否<" not in rows["B00"]  # not ranked: not "not bottom" either
    assert "成绩不全" in rows["B02"] and "待排名" not in rows["B02"]
    hr_client.post("/evaluations/2025/rank")
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    ranked = html.split('data-staff-no="B00"', 1)[1].split("</tr>", 1)[0]
    assert "待排名" not in ranked and "270.00" not in ranked and ">否<" in ranked


def test_manager_sees_only_led_sections(app, manager_client, sections):  # noqa: F811
    score(app, 2025, sections["budget"] + sections["treasury"], [(80, 80, 80)] * 10)
    html = manager_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "预算处1号" in html and "国库处1号" not in html
    from tests.conftest import login  # noqa: F401

    with app.app_context():
        treasury_id = db.session.scalar(sa.text("SELECT id FROM department WHERE name='国库处'"))
    assert manager_client.get(f"/evaluations/2025/ranking?section={treasury_id}").status_code == 404
    assert manager_client.post("/evaluations/2025/rank").status_code == 403


def test_a_managers_quota_box_counts_the_sections_of_the_chart(
    app,
    hr_client,
    manager_client,
    sections,  # noqa: F811
):
    """The chart and the quota box of a manager's page count the same rows: their sections,
    not the bureau's (HR's unfiltered page counts the whole cycle)."""
    score(app, 2025, sections["budget"], [(80, 80, 80)] * 6)
    score(app, 2025, sections["treasury"], [(90, 90, 90)] * 4, grades=["优秀"] * 4)
    quota = manager_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    quota = quota.split('data-testid="quota">', 1)[1].split("</p>", 1)[0]
    assert "优秀 0 人" in quota and "6 人中最多 1 人" in quota, quota
    bureau = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    bureau = bureau.split('data-testid="quota">', 1)[1].split("</p>", 1)[0]
    assert "参加考核 10 人" in bureau and "现有 4 人" in bureau, bureau


def test_confirm_over_quota_answers_409_and_changes_nothing(app, hr_client, sections):  # noqa: F811
    ids = sections["budget"] + sections["treasury"]
    score(app, 2025, ids, [(85, 85, 85)] * 10, ["优秀"] * 3 + ["称职"] * 7)
    response = hr_client.post("/evaluations/2025/confirm", data=CONFIRMED)
    assert response.status_code == 409
    assert "须调整 1 人" in response.get_data(as_text=True)
    with app.app_context():
        assert evaluation.get_cycle(2025).state is CycleState.COLLECTING
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Talk)) == 0


def test_confirm_then_publicity_then_decide_through_the_pages(app, hr_client, sections):  # noqa: F811
    score(app, 2025, sections["budget"], [(90 - i, 90, 90) for i in range(6)])
    assert hr_client.post("/evaluations/2025/confirm", data=CONFIRMED).status_code == 302
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "待安排" in html  # the reminder talk's state next to the bottom-ranked
    assert (
        hr_client.post(
            "/evaluations/2025/publicity", data={"start": "2026-01-05", **CONFIRMED}
        ).status_code
        == 302
    )
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        assert cycle.publicity_end == date(2026, 1, 9)
    # deciding before the publicity ends is refused with a 409 (today may be before or after)
    response = hr_client.post("/evaluations/2025/decide", data=CONFIRMED)
    assert response.status_code in (302, 409)


def test_decide_is_not_offered_during_the_publicity(app, hr_client, sections):  # noqa: F811
    """While the 公示 runs the page offers no 确定考核结果 button (it would answer 409) but
    says until when; the route refuses it from the same rule, and nothing changes."""
    score(app, 2025, sections["budget"], [(90 - i, 90, 90) for i in range(6)])
    with app.app_context():
        cycle = evaluation.get_cycle(2025)
        evaluation.confirm_cycle(cycle, actor="hr", today=office_today())
        evaluation.start_publicity(cycle, start=office_today(), actor="hr")
        end = cycle.publicity_end.isoformat()
        db.session.commit()
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "/evaluations/2025/decide" not in html and 'data-testid="decide-button"' not in html
    waiting = html.split('data-testid="decide-waiting">', 1)[1].split("</span>", 1)[0]
    assert f"公示期至 {end}" in waiting
    refused = hr_client.post("/evaluations/2025/decide", data=CONFIRMED)
    assert refused.status_code == 409 and f"公示期至 {end}" in refused.get_data(as_text=True)
    archived = hr_client.post("/evaluations/2025/archive", data=CONFIRMED)
    assert archived.status_code == 409  # not a step of this state either
    with app.app_context():
        assert evaluation.get_cycle(2025).state is CycleState.PUBLICISED


def test_irreversible_steps_ask_for_a_ticked_confirmation(app, hr_client, sections):  # noqa: F811
    """审核确认 cannot be undone: the page's form has a required tick box, and a post without
    it is refused (400) with nothing confirmed and no talk opened; ticked, it goes through."""
    score(app, 2025, sections["budget"], [(90 - i, 90, 90) for i in range(6)])
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    form = html.split('action="/evaluations/2025/confirm"', 1)[1].split("</form>", 1)[0]
    assert 'type="checkbox" name="confirmed" value="1"' in form and "required" in form
    assert "不能撤销" in form
    unticked = hr_client.post("/evaluations/2025/confirm")
    assert unticked.status_code == 400 and "不能撤销" in unticked.get_data(as_text=True)
    with app.app_context():
        assert evaluation.get_cycle(2025).state is CycleState.COLLECTING
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Talk)) == 0
    assert hr_client.post("/evaluations/2025/confirm", data=CONFIRMED).status_code == 302
    with app.app_context():
        assert evaluation.get_cycle(2025).state is CycleState.CONFIRMED
    page = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "/evaluations/2025/confirm" not in page and "/evaluations/2025/publicity" in page


def test_cli_rank_and_confirm(app, runner, sections):  # noqa: F811
    ids = sections["budget"] + sections["treasury"]
    score(app, 2025, ids, [(85, 85, 85)] * 10, ["优秀"] * 3 + ["称职"] * 7)
    ranked = runner.invoke(args=["evaluations", "rank", "--year", "2025"])
    assert ranked.exit_code == 0 and "ranked 10" in ranked.output
    refused = runner.invoke(args=["evaluations", "rank", "--year", "2025", "--confirm"])
    assert refused.exit_code == 1 and "须调整 1 人" in refused.output
    with app.app_context():
        assert evaluation.get_cycle(2025).state is CycleState.RANKED
    missing = runner.invoke(args=["evaluations", "rank", "--year", "1999"])
    assert missing.exit_code == 1


def test_score_entry_page(app, hr_client, sections):  # noqa: F811
    cadre_id = sections["budget"][0]
    hr_client.post("/evaluations/new", data={"year": "2025"})
    bad = hr_client.post(
        f"/evaluations/2025/scores/{cadre_id}",
        data={"ordinary": "120", "democratic": "80", "leader": "80", "proposed_grade": "称职"},
    )
    assert bad.status_code == 400 and "0 至 100" in bad.get_data(as_text=True)
    ok = hr_client.post(
        f"/evaluations/2025/scores/{cadre_id}",
        data={"ordinary": "88.5", "democratic": "80", "leader": "80", "proposed_grade": "称职"},
    )
    assert ok.status_code == 302
    again = hr_client.post(
        f"/evaluations/2025/scores/{cadre_id}",
        data={"ordinary": "89", "democratic": "80", "leader": "80", "proposed_grade": "称职"},
    )
    assert again.status_code == 400 and "更正理由" in again.get_data(as_text=True)


def test_cadre_sees_own_results_only_after_confirmation(app, cadre_client, org, sections):  # noqa: F811
    score(
        app, 2025, [org["own_cadre"]] + sections["budget"][:4], [(70, 70, 70)] + [(90, 90, 90)] * 4
    )
    before = cadre_client.get("/me?tab=evaluation").get_data(as_text=True)
    assert "70.00" not in before
    with app.app_context():
        evaluation.confirm_cycle(evaluation.get_cycle(2025), actor="hr", today=date(2026, 1, 5))
        db.session.commit()
    after = cadre_client.get("/me?tab=evaluation").get_data(as_text=True)
    assert "70.00" in after and "2025" in after
    assert "预算处1号" not in after  # nobody else's results


def test_quarterly_grades(app, hr_client, org):
    cadre_id = org["own_cadre"]
    response = hr_client.post(
        f"/evaluations/2025/quarterly/{cadre_id}",
        data={"q1": "好", "q2": "较好", "q3": "", "q4": "一般"},
    )
    assert response.status_code == 302
    html = hr_client.get(f"/cadres/{cadre_id}?tab=evaluation").get_data(as_text=True)
    assert "暂无年度考核记录" in html  # quarterly grades alone make no annual evaluation
    bad = hr_client.post(f"/evaluations/2025/quarterly/{cadre_id}", data={"q1": "优"})
    assert bad.status_code == 400


def test_ranking_workbook_matches_the_page(app, hr_client, sections):  # noqa: F811
    import io
    import re

    import openpyxl

    ids = sections["budget"] + sections["treasury"]
    score(
        app,
        2025,
        ids,
        [(90 - i, 85 + i % 3, 80) for i in range(10)],
        ["优秀", "优秀"] + ["称职"] * 7 + ["基本称职"],
    )
    hr_client.post("/evaluations/2025/confirm", data=CONFIRMED)
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    page_rows = []
    for row in re.findall(r"<tr class=\"[^\"]*\" data-staff-no=\"[^\"]+\">(.*?)</tr>", html, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        page_rows.append(cells)
    response = hr_client.get("/evaluations/2025/ranking.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["考核排名"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "工号",
        "姓名",
        "部门",
        "平时考核",
        "民主测评",
        "领导评价",
        "总分",
        "部门排名",
        "全局排名",
        "等次",
        "末位",
        "谈话状态",
    ]
    book_rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert len(book_rows) == len(page_rows) == 10
    for page, book in zip(page_rows, book_rows, strict=True):
        overall, section, staff_no, name, dept, o, d, l_, total, grade, bottom, talk = page[:12]
        assert book[0] == staff_no and book[1] == name.split()[0] and book[2] == dept
        assert f"{book[3]:.2f}" == o and f"{book[6]:.2f}" == total
        assert str(book[7]) == section and str(book[8]) == overall
        assert book[9] == grade and book[10] == ("是" if "是" in bottom else "否")
        assert (book[11] or "") == talk
