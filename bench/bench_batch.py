"""Batch export of 干部任免审批表: N cadres with full records (photo, 8 résumé lines, 4 family
members, 3 decided evaluation years, a draft), rendered the way a background job renders them
(``batch_export.produce``, with a progress callback) as one merged PDF and as a ZIP of
separate PDFs. Batches of ``PDF_PARALLEL_FROM`` (40) or more are laid out in ``PDF_WORKERS``
spawned processes (``services/pdf_pool.py``). Prints time, size and this process's peak memory
(the workers' memory is not included).

Targets on this 2-core machine (issue 5): 200 forms merged ≤ 20 s, as a ZIP ≤ 40 s.

    .venv/bin/python bench/bench_batch.py [--count 200] [--job] [--in-process]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python bench/bench_batch.py

``--job`` also runs both through ``batch_export.run_job`` (progress written to the
database every few items), to show what the job machinery adds. ``--in-process`` also lays
out the merged PDF in this process alone, for comparison.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

from common import bench_app, portrait_jpeg  # noqa: E402 (sys.path set by common)

from cadre_app.extensions import db
from cadre_app.models import (
    AppointmentDraft,
    Cadre,
    CadrePhoto,
    CycleState,
    Department,
    Evaluation,
    EvaluationCycle,
    ExportJob,
    FamilyMember,
    Organisation,
    ResumeEntry,
    Role,
    User,
)
from cadre_app.services.core import idcard, pdf
from cadre_app.services.records import batch as batch_export

TODAY = date(2026, 5, 10)
TARGETS = {batch_export.Output.PDF: 20.0, batch_export.Output.ZIP: 40.0}


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


def run(ids: list[int], output: batch_export.Output, folder: Path) -> Path:
    kind = batch_export.KINDS["appointment_form"]
    params = {"today": TODAY.isoformat(), "filled_by": "基准"}
    path = folder / f"batch.{output.value}"
    ticks: list[int] = []
    start = time.perf_counter()
    with path.open("wb") as sink:
        batch_export.produce(kind, ids, output, params, sink, progress=ticks.append)
    seconds = time.perf_counter() - start
    target = TARGETS[output]
    verdict = "met" if seconds <= target else "NOT met"
    print(
        f"{output.label:<20} {len(ids)} forms {seconds:7.1f} s  {path.stat().st_size / 1e6:7.2f} MB"
        f"  peak RSS {peak_mb():6.0f} MB  target ≤ {target:.0f} s: {verdict}"
    )
    if output is batch_export.Output.ZIP:
        with zipfile.ZipFile(path) as archive:
            raw = sum(info.file_size for info in archive.infolist())
            print(f"{'':<20} {len(archive.infolist())} files, {raw / 1e6:.2f} MB uncompressed")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--job", action="store_true", help="also the ZIP as a background job")
    parser.add_argument("--in-process", action="store_true", help="also merged in one process")
    args = parser.parse_args()
    app = bench_app("bench-batch-")
    folder = Path(tempfile.mkdtemp(prefix="bench-batch-out-"))
    app.config["EXPORT_DIR"] = str(folder)
    with app.app_context():
        start = time.perf_counter()
        ids = make_cadres(args.count)
        print(f"database: {db.engine.dialect.name}; {args.count} cadres made in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        print(f"HarfBuzz subsetting: {pdf.harfbuzz_subset_available()}; "
              f"font: {pdf.cjk_font_family()}")  # fmt: skip
        run(ids[:2], batch_export.Output.PDF, folder)  # warm-up: fonts, templates, imports
        merged = run(ids, batch_export.Output.PDF, folder)
        print(f"{'':<20} {merged.stat().st_size / args.count / 1024:.1f} KB per form merged")
        run(ids, batch_export.Output.ZIP, folder)
        if args.in_process:
            app.config["PDF_PARALLEL_FROM"] = len(ids) + 1
            print("in this process alone:")
            run(ids, batch_export.Output.PDF, folder)
            app.config["PDF_PARALLEL_FROM"] = 40
        if args.job:
            user = User(username="bench-hr", role=Role.HR, password_hash="x")
            db.session.add(user)
            db.session.commit()
            kind = batch_export.KINDS["appointment_form"]
            for output in (batch_export.Output.PDF, batch_export.Output.ZIP):
                job = batch_export.create_job(
                    user, kind, ids, output, today=TODAY, filled_by="基准"
                )
                db.session.commit()
                start = time.perf_counter()
                batch_export.run_job(app, job.id)
                seconds = time.perf_counter() - start
                db.session.expire_all()
                job = db.session.get(ExportJob, job.id)
                print(f"{output.label + ' as a job':<20} {job.total} forms {seconds:7.1f} s  "
                      f"state {job.state}")  # fmt: skip
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"largest worker process so far: peak RSS {children:.0f} MB")


if __name__ == "__main__":
    main()
