"""The 干部任免审批表 as PDF: one cadre with a full record (photo, 12 résumé lines, 4 family
members, 3 decided evaluation years). Reports the first render in the process, then the
median of ``--repeat`` warm renders after a warm-up, split into form data, layout and
writing, plus an optional merged batch. Target (DESIGN.md): a warm two-page form ≤ 300 ms.

    .venv/bin/python bench/bench_pdf.py [--repeat 20] [--batch 0]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python bench/bench_pdf.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from common import bench_app, describe, portrait_jpeg, timed  # noqa: E402 (sys.path set by common)

from cadre_app.extensions import db
from cadre_app.models import (
    AppointmentDraft,
    Cadre,
    CadrePhoto,
    CycleState,
    Department,
    Evaluation,
    EvaluationCycle,
    FamilyMember,
    Organisation,
    ResumeEntry,
)
from cadre_app.services.core import idcard, pdf
from cadre_app.services.records import appointment_form

TODAY = date(2026, 5, 10)


def make_cadre() -> int:
    org = Organisation(name="基准市财政局")
    section = Department(organisation=org, name="预算处", sort_order=1)
    born = date(1988, 4, 16)
    cadre = Cadre(
        staff_no="P0001",
        name="欧阳晓明",
        gender="男",
        ethnicity="汉族",
        birth_date=born,
        native_place="河北保定",
        birthplace="天津",
        political_status="中共党员",
        party_join_date=date(2009, 6, 1),
        work_start_date=date(2010, 7, 1),
        health="健康",
        id_number=idcard.make("110105", born, 11),
        ft_education="大学本科",
        ft_degree="学士",
        ft_school="某财经大学财政学专业",
        pt_education="研究生",
        pt_degree="硕士",
        pt_school="某大学公共管理学院公共管理专业",
        professional_title="经济师",
        expertise="财政预算管理、政府采购",
        department=section,
        position_title="预算处一级主任科员",
        rank="一级主任科员",
        rewards="2015年度嘉奖\n2019年度记三等功\n2023年度嘉奖",
        photo=CadrePhoto(content_type="image/jpeg", data=portrait_jpeg()),
    )
    cadre.resume = [
        ResumeEntry(
            start=date(2006 + i, 9, 1),
            end=date(2007 + i, 8, 1) if i < 11 else None,
            description=f"基准市财政局第{i + 1}处科员（负责部门预算编制、审核与绩效评价工作）",
        )
        for i in range(12)
    ]
    cadre.family = [
        FamilyMember(
            relation=relation,
            name=name,
            birth_date=date(year, 3, 1),
            political_status="中共党员",
            employer_and_post="某中学教师",
            sort_order=i,
        )
        for i, (relation, name, year) in enumerate(
            (("妻子", "孙晨", 1989), ("儿子", "欧阳一", 2016), ("父亲", "欧阳建国", 1960))
            + (("母亲", "王秀英", 1962),)
        )
    ]
    db.session.add_all([org, section, cadre])
    db.session.flush()
    for year, grade in ((2023, "称职"), (2024, "优秀"), (2025, "称职")):
        cycle = EvaluationCycle(year=year, state=CycleState.DECIDED)
        db.session.add(cycle)
        db.session.flush()
        db.session.add(
            Evaluation(
                cycle_id=cycle.id,
                cadre_id=cadre.id,
                department_id=section.id,
                final_grade=grade,
            )
        )
    db.session.add(
        AppointmentDraft(
            cadre_id=cadre.id,
            proposed_post="基准市财政局预算处副处长",
            post_to_remove="基准市财政局预算处一级主任科员",
            reason="工作需要，经民主推荐、组织考察，拟提任。",
            filled_by="张人事",
        )
    )
    db.session.commit()
    return cadre.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--batch", type=int, default=0, help="also a merged PDF of N forms")
    args = parser.parse_args()
    app = bench_app("bench-pdf-")
    with app.app_context():
        cadre = db.session.get(Cadre, make_cadre())
        print(f"database: {db.engine.dialect.name}")
        print(f"HarfBuzz subsetting available: {pdf.harfbuzz_subset_available()}")
        print(f"CJK font family: {pdf.cjk_font_family()}")

        start = time.perf_counter()
        content = appointment_form.render(cadre, today=TODAY)
        print(f"  first render in this process                  {_ms(start):8.1f} ms")

        draft = db.session.get(AppointmentDraft, cadre.id)
        data = appointment_form.form_data(cadre, draft, today=TODAY)
        template = appointment_form.TEMPLATE
        whole = timed(lambda: appointment_form.render(cadre, today=TODAY), args.repeat)
        print(describe("warm form (data + layout + write)", whole) + f"   min {min(whole):6.1f} ms")
        print(
            describe(
                "  form data (queries, photo, fitting)",
                timed(lambda: appointment_form.form_data(cadre, draft, today=TODAY), args.repeat),
            )
        )
        print(
            describe(
                "  layout (Jinja + WeasyPrint render)",
                timed(lambda: pdf.render_document(template, data), args.repeat),
            )
        )
        document = pdf.render_document(template, data)
        print(describe("  write PDF (fonts subset)", timed(document.write_pdf, args.repeat)))
        print(
            f"  size {len(content) / 1024:.0f} KB, target ≤ 300 ms: "
            f"{'met' if statistics.median(whole) <= 300 else 'NOT met'}"
        )

        if args.batch:
            start = time.perf_counter()
            merged = pdf.render_many(
                [(template, data)] * args.batch, title="批量", author="基准市财政局"
            )
            print(
                f"  merged batch of {args.batch}: {_ms(start):8.1f} ms, {len(merged) / 1024:.0f} KB"
            )


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    main()
