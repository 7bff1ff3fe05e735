"""Eligibility of the roster on a real database: facts gathered from the other domains (the
roster, decided evaluations, discipline records, political-quality conclusions, secondments to
基层单位), the stored run with its rules, and ``flask selection``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import openpyxl
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import (
    AuditEvent,
    Cadre,
    CycleState,
    Department,
    DisciplineRecord,
    EligibilityRun,
    Position,
    Secondment,
    SecondmentState,
    TalkState,
)
from cadre_app.services.assessments import results
from cadre_app.services.selection.rules import add_months
from tests import assessments_results_data as data
from tests.factories import (
    CadreFactory,
    EvaluationCycleFactory,
    EvaluationFactory,
    TalkFactory,
)

ON = date(2026, 9, 1)


def talked_on() -> date:
    """The day a 诫勉谈话 was held, 30 days ago (in an app context)."""
    return data.today() - timedelta(days=30)


def _roster(app) -> dict[str, int]:
    """Six cadres, each excluded by one rule but the first."""
    with app.app_context():
        section = db.session.scalar(sa.select(Department).order_by(Department.id))
        common = {
            "department": section,
            "rank": "二级主任科员",
            "rank_since": date(2022, 1, 1),
            "work_start_date": date(2012, 7, 1),
            "ft_education": "大学本科",
            "political_status": "中共党员",
            "birth_date": date(1992, 5, 1),
        }
        people = {
            "ok": CadreFactory(staff_no="E001", name="甲", **common),
            "graded": CadreFactory(staff_no="E002", name="乙", **common),
            "admonished": CadreFactory(staff_no="E003", name="丙", **common),
            "vetoed": CadreFactory(staff_no="E004", name="丁", **common),
            "young_in_rank": CadreFactory(
                staff_no="E005", name="戊", **(common | {"rank_since": date(2025, 3, 1)})
            ),
            "talked": CadreFactory(staff_no="E006", name="己", **common),
        }
        cycle = EvaluationCycleFactory(year=2025, state=CycleState.DECIDED)
        undecided = EvaluationCycleFactory(year=2024, state=CycleState.RANKED)
        for key, cadre in people.items():
            grade = "基本称职" if key == "graded" else "称职"
            EvaluationFactory(cycle=cycle, cadre=cadre, final_grade=grade, total=80)
            EvaluationFactory(cycle=undecided, cadre=cadre, final_grade="不称职", total=50)
        db.session.add(
            DisciplineRecord(
                cadre_id=people["admonished"].id, kind="诫勉", decided_on=date(2026, 3, 14)
            )
        )
        # a 诫勉谈话 held in the talks domain, never entered as a record here; and a 提醒谈话
        # held the same day, which does not exclude
        for kind in ("诫勉谈话", "提醒谈话"):
            TalkFactory(
                subject=people["talked"] if kind == "诫勉谈话" else people["ok"],
                kind=kind,
                source="考核排名",
                state=TalkState.HELD,
                held_at=datetime.combine(talked_on(), time(15, 30)),
            )
        db.session.add(
            Secondment(
                cadre_id=people["ok"].id,
                kind="下派",
                host_unit="青山县财政局",
                host_type="基层单位",
                start_date=date(2023, 1, 1),
                planned_end=date(2024, 12, 31),
                state=SecondmentState.ARCHIVED,
            )
        )
        db.session.commit()
        built = data.build([people["vetoed"].id, people["ok"].id])
        assessment = data.assessment(built)
        subject = next(s for s in assessment.subjects if s.cadre_id == people["vetoed"].id)
        results.record_conclusion(
            subject,
            "不合格",
            "测评反映问题经核实",
            expected_version=subject.version,
            actor="hr",
            today=data.today(),
        )
        position = Position(
            title="综合科副科长",
            department_id=section.id,
            post_kind="领导职务",
            target_level="乡科级副职",
            min_rank="三级主任科员",
            min_years_grassroots=2,
            party_member=True,
            max_age=35,
        )
        db.session.add(position)
        db.session.commit()
        ids = {key: cadre.id for key, cadre in people.items()}
        ids["position"] = position.id
        return ids


def test_the_roster_is_judged_with_facts_from_every_domain(app, org):
    from cadre_app.services.selection import eligibility

    ids = _roster(app)
    with app.test_request_context():
        position = db.session.get(Position, ids["position"])
        on = max(ON, data.today())  # the veto was concluded today
        stored = eligibility.run(position, on, actor="hr")
        db.session.commit()
        by_cadre = {cid: eligibility.checks_of(stored, cid) for cid in ids.values()}
        texts = {
            key: [eligibility.sentence(c) for c in by_cadre[ids[key]]]
            for key in ("ok", "graded", "admonished", "vetoed", "young_in_rank")
        }
        verdicts = {key: eligibility.is_eligible(stored, ids[key]) for key in texts}
        assert verdicts["ok"] is True
        # the undecided 2024 不称职 is not read; 2025's decided grade is
        assert verdicts["graded"] is False
        assert "上年度（2025）考核为基本称职" in texts["graded"]
        if on <= date(2026, 9, 14):
            assert verdicts["admonished"] is False
            assert "诫勉影响期至 2026-09-14（2026-03-14 决定）" in texts["admonished"]
        assert verdicts["vetoed"] is False
        assert any(t.startswith("政治素质考察结论为不合格") for t in texts["vetoed"])
        assert verdicts["young_in_rank"] is False
        # the 诫勉谈话 of 30 days ago (talks) excludes for 6 months; the 提醒谈话 does not
        assert eligibility.is_eligible(stored, ids["talked"]) is False
        held = talked_on()
        end = add_months(held, 6).isoformat()
        talked = [c for c in by_cadre[ids["talked"]] if c.passed is False]
        assert [eligibility.sentence(c) for c in talked] == [
            f"诫勉谈话影响期至 {end}（{held.isoformat()} 谈话）"
        ]
        assert not any("诫勉" in t for t in texts["ok"])
        # grassroots: the 2-year 下派 to 基层单位 reaches the minimum of 2 years
        assert not any("基层" in t for t in texts["ok"])
        assert any("需人工核对（简历）" in t for t in texts["graded"])
        # the rule set in force is kept with the result
        assert stored.rules["conditions"]["min_rank"] == "三级主任科员"
        assert stored.rules["settings"]["effect_months"]["诫勉"] == 6
        assert stored.eligible_count == len(eligibility.eligible_ids(stored))
        assert sorted(eligibility.by_cadre(stored)) == sorted(
            cid for cid in db.session.scalars(sa.select(Cadre.id))
        )
        assert ids["ok"] in eligibility.eligible_ids(stored)


def test_settings_in_force_change_the_result_and_are_recorded(app, org):
    from cadre_app.services.core import settings
    from cadre_app.services.selection import eligibility

    ids = _roster(app)
    with app.test_request_context():
        settings.update("selection", {"effect_months": {"诫勉": 3}}, actor="admin")
        db.session.commit()
        position = db.session.get(Position, ids["position"])
        stored = eligibility.run(position, date(2026, 7, 1), actor="hr")
        assert not any(
            c.rule == "discipline" for c in eligibility.checks_of(stored, ids["admonished"])
        )
        assert stored.rules["settings_version"] is not None
        assert stored.rules["settings"]["effect_months"]["诫勉"] == 3
        assert stored.rules["settings"]["effect_months"]["记过"] == 12


def test_cli_adds_a_position_and_lists_every_cadre_with_reasons(app, org, runner, tmp_path):
    ids = _roster(app)
    with app.app_context():
        section = db.session.get(Cadre, ids["ok"]).department.name
    result = runner.invoke(
        args=[
            "selection",
            "positions",
            "add",
            "--title",
            "预算科副科长",
            "--section",
            section,
            "--min-rank",
            "三级主任科员",
            "--min-years-in-rank",
            "2",
            "--min-education",
            "大学本科",
            "--max-age",
            "40",
            "--party-member",
        ]
    )
    assert result.exit_code == 0, result.output
    new_id = int(result.output.strip())
    out = tmp_path / "e.xlsx"
    result = runner.invoke(
        args=["selection", "eligible", str(new_id), "--as-of", "2026-06-01", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines() if hasattr(result, "stdout") else result.output.splitlines()
    assert "E001 甲 符合" in lines
    assert any(line.startswith("E002 乙 不符合 上年度（2025）考核为基本称职") for line in lines)
    assert any(line.startswith("E003 丙 不符合 诫勉影响期至 2026-09-14") for line in lines)
    sheet = openpyxl.load_workbook(out)["资格审查"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("工号", "姓名", "部门", "结论", "原因")
    assert rows[[r[0] for r in rows].index("E002")][:2] == ("E002", "乙")
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(EligibilityRun)
                .where(EligibilityRun.position_id == new_id)
            )
            == 1
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.object_type == "position", AuditEvent.action == "create")
            )
            == 1
        )
    bad = runner.invoke(
        args=[
            "selection",
            "positions",
            "add",
            "--title",
            "x",
            "--section",
            "无此部门",
            "--min-rank",
            "一级科员",
        ]
    )
    assert bad.exit_code == 1 and "没有名为" in bad.output
    assert runner.invoke(args=["selection", "eligible", "999999"]).exit_code == 1
