"""Batch export of 干部任免审批表: N cadres with full records (photo, 8 résumé lines, 4 family
members, 3 decided evaluation years, a draft), as one merged PDF and as a ZIP of separate PDFs,
the way HR's job runs: created and queued as the batch page does, taken by a real
``flask worker`` with two worker processes (the parts of the batch laid out side by side, then
joined, the file stored in the database), timed from the enqueue until the job is done as
its progress page would see it. Side by side in the same run: the same batch laid out in
this one process by ``batch_export.produce`` (the bare work, one core).

Targets on this 2-core machine (issue 9): through the queue, within 1.1 × the figures of the
process-pool design it replaced (merged 16 s, ZIP as a job 23.5 s): merged ≤ 17.6 s, ZIP ≤ 25.9 s.

    .venv/bin/python bench/bench_batch.py [--count 200] [--no-bare]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB CADRE_REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/bench_batch.py
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date
from io import BytesIO

from common import bench_app, portrait_jpeg, run_job, start_worker  # noqa: E402

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
from cadre_app.services.core import idcard, pdf, queue
from cadre_app.services.records import batch as batch_export

TODAY = date(2026, 5, 10)
TARGETS = {batch_export.Output.PDF: 17.6, batch_export.Output.ZIP: 25.9}


def make_cadres(count: int) -> list[int]:
    """``count`` cadres with full records in two sections; commits; ids in 工号 order."""
    org = Organisation(name="基准市财政局")
    sections = [Department(organisation=org, name=n, sort_order=i) for i, n in enumerate("甲乙")]
    db.session.add_all([org, *sections])
    photo = portrait_jpeg()
    cadres = []
    for i in range(count):
        born = date(1975 + i % 25, 1 + i % 12, 1 + i % 28)
        cadre = Cadre(
            staff_no=f"P{i:04d}",
            name=f"欧阳{i:03d}",
            gender="男" if i % 2 else "女",
            ethnicity="汉族",
            birth_date=born,
            native_place="河北保定",
            birthplace="天津",
            political_status="中共党员",
            party_join_date=date(2009, 6, 1),
            work_start_date=date(2010, 7, 1),
            health="健康",
            id_number=idcard.make("110105", born, 2 * i + 1),
            ft_education="大学本科",
            ft_degree="学士",
            ft_school="某财经大学财政学专业",
            professional_title="经济师",
            expertise="财政预算管理",
            department=sections[i % 2],
            position_title="一级主任科员",
            rank="一级主任科员",
            rewards="2019年度嘉奖\n2023年度记三等功",
            photo=CadrePhoto(content_type="image/jpeg", data=photo),
        )
        cadre.resume = [
            ResumeEntry(
                start=date(2010 + k, 7, 1),
                end=date(2011 + k, 7, 1) if k < 7 else None,
                description=f"基准市财政局第{k + 1}处科员（负责预算编制与绩效评价）",
            )
            for k in range(8)
        ]
        cadre.family = [
            FamilyMember(relation=r, name=f"{r}{i}", birth_date=date(y, 3, 1), sort_order=k)
            for k, (r, y) in enumerate((("妻子", 1989), ("儿子", 2016), ("父亲", 1960)))
        ] + [FamilyMember(relation="母亲", name=f"母亲{i}", employer_and_post="退休", sort_order=3)]
        cadres.append(cadre)
    db.session.add_all(cadres)
    db.session.flush()
    for year, grade in ((2023, "称职"), (2024, "优秀"), (2025, "称职")):
        cycle = EvaluationCycle(year=year, state=CycleState.DECIDED)
        db.session.add(cycle)
        db.session.flush()
        db.session.add_all(
            Evaluation(
                cycle_id=cycle.id, cadre_id=c.id, department_id=c.department_id, final_grade=grade
            )
            for c in cadres
        )
    db.session.add_all(
        AppointmentDraft(cadre_id=c.id, proposed_post="预算处副处长", reason="工作需要。")
        for c in cadres
    )
    db.session.commit()
    return [c.id for c in cadres]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare(ids: list[int], output: batch_export.Output) -> tuple[float, int]:
    """The batch laid out here, in one process: seconds and bytes."""
    kind = batch_export.KINDS["appointment_form"]
    params = {"today": TODAY.isoformat(), "filled_by": "基准"}
    sink = BytesIO()
    start = time.perf_counter()
    batch_export.produce(kind, ids, output, params, sink)
    return time.perf_counter() - start, len(sink.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--no-bare", action="store_true", help="skip the one-process runs")
    args = parser.parse_args()
    app = bench_app("bench-batch-")
    with app.app_context():
        start = time.perf_counter()
        ids = make_cadres(args.count)
        print(f"database: {db.engine.dialect.name}; {args.count} cadres made in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        print(f"HarfBuzz subsetting: {pdf.harfbuzz_subset_available()}; "
              f"font: {pdf.cjk_font_family()}")  # fmt: skip
        bare(ids[:2], batch_export.Output.PDF)  # warm-up: fonts, templates, imports
    worker = start_worker(app, workers=2)
    try:
        print(f"queue: {queue.describe(app)}; flask worker with 2 processes")
        run_job(app, ids[:2], batch_export.Output.PDF, today=TODAY)  # warm the workers
        for output in (batch_export.Output.PDF, batch_export.Output.ZIP):
            seconds, job = run_job(app, ids, output, today=TODAY)
            target = TARGETS[output]
            verdict = "met" if seconds <= target and job.state.value == "done" else "NOT met"
            line = (
                f"{output.label:<20} {len(ids)} forms through the queue {seconds:6.1f} s  "
                f"{(job.result_size or 0) / 1e6:6.2f} MB  {job.state.value}  "
                f"target ≤ {target:.1f} s: {verdict}"
            )
            if not args.no_bare:
                with app.app_context():
                    alone, size = bare(ids, output)
                line += f"\n{'':<20} the same in one process {alone:6.1f} s  {size / 1e6:6.2f} MB"
                line += f"  (queue/bare = {seconds / alone:.2f})"
            print(line)
    finally:
        worker.terminate()
        worker.wait(30)
    print(f"this process: peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
