"""HR's batch export of 干部任免审批表: up to 20 cadres the ZIP or merged PDF downloads at once;
more run as a background job whose progress the page polls; one job per user; jobs are
private, expire after 24 hours, and a failing item marks the job failed. Real WeasyPrint
output read back with pypdf; the job runs in a real thread against the real database."""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures.process import BrokenProcessPool
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, ExportJob, JobState, ResumeEntry, Role, User
from cadre_app.services import batch_export, pdf
from tests.conftest import login
from tests.factories import CadreFactory
from tests.test_pdf import embedded_fonts

JOB_TIMEOUT = 240  # seconds; 21 two-page forms take about 6 s on two cores


@pytest.fixture(autouse=True)
def export_dir(app, tmp_path, monkeypatch) -> Path:
    """Job files go to a temporary folder, not the instance folder."""
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def cadres(app, org) -> list[int]:
    """22 more cadres in 预算处 (批量00号 …) with a two-line résumé; 工号 order = list order."""
    with app.app_context():
        ids = [
            CadreFactory(
                staff_no=f"B{i:03d}",
                name=f"批量{i:02d}号",
                gender="男" if i % 2 else "女",
                birth_date=date(1990, 1 + i % 12, 1),
                department_id=org["budget"],
                position_title="预算处科员",
                resume=[
                    ResumeEntry(
                        start=date(2008, 9, 1), end=date(2012, 7, 1), description="某大学学习"
                    ),
                    ResumeEntry(
                        start=date(2012, 7, 1), end=None, description="测试财政局预算处科员"
                    ),
                ],
            ).id
            for i in range(22)
        ]
        db.session.commit()
        return ids


def pages_of(content: bytes) -> list[str]:
    return ["".join(p.extract_text().split()) for p in PdfReader(BytesIO(content)).pages]


def post_batch(client, cadre_ids, output="zip", **extra):
    data = {"kind": "appointment_form", "output": output, "scope": "selected"}
    data.update(extra)
    return client.post("/records/batch", data={**data, "cadre_ids": [str(i) for i in cadre_ids]})


def wait_for(client, job_id: str) -> tuple[dict, list[int]]:
    """Poll the JSON status as the page does until the job ends; the states and counts seen."""
    seen: list[int] = []
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        response = client.get(f"/records/jobs/{job_id}.json")
        assert response.status_code == 200
        status = response.get_json()
        seen.append(status["done"])
        if status["state"] in ("done", "failed"):
            return status, seen
        time.sleep(0.2)
    pytest.fail(f"job {job_id} still {status['state']} after {JOB_TIMEOUT} s")


def job_id_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    location = response.headers["Location"]
    assert location.startswith("/records/jobs/")
    return location.rsplit("/", 1)[-1]


def audit_events(app, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        stmt = sa.select(AuditEvent).where(AuditEvent.object_type == object_type)
        return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


# --- up to 20: in the request ---------------------------------------------------------------


def test_small_batch_downloads_a_zip_of_two_page_forms(app, hr_client, cadres):
    response = post_batch(hr_client, cadres[:3])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert names == [f"B00{i}_批量0{i}号_干部任免审批表.pdf" for i in range(3)]
        for i, name in enumerate(names):
            pages = pages_of(archive.read(name))
            assert len(pages) == 2 and f"批量0{i}号" in pages[0] and "干部任免审批表" in pages[0]
    (event,) = audit_events(app, "cadre")
    assert event.action == "download" and "3 份" in event.summary
    assert event.after == {"staff_nos": ["B000", "B001", "B002"]}


def test_small_batch_merged_pdf_has_two_pages_per_cadre_in_staff_number_order(
    app, hr_client, cadres
):
    response = post_batch(hr_client, [cadres[4], cadres[1], cadres[2], cadres[1]], output="pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pages_of(response.data)
    assert len(pages) == 6  # three cadres (one chosen twice), two pages each
    assert ["批量01号" in pages[0], "批量02号" in pages[2], "批量04号" in pages[4]] == [True] * 3
    assert PdfReader(BytesIO(response.data)).metadata.title == "干部任免审批表（3 份）"


def test_a_whole_section_by_the_filter(app, hr_client, cadres, org):
    response = hr_client.post(
        "/records/batch",
        data={
            "kind": "appointment_form",
            "output": "pdf",
            "scope": "matching",
            "section": str(org["treasury"]),
        },
    )
    assert response.status_code == 200
    pages = pages_of(response.data)
    assert len(pages) == 2 and "王芳" in pages[0]


def test_batch_page_searches_and_refuses_an_empty_choice(app, hr_client, cadres):
    html = hr_client.get("/records/batch?q=批量01").get_data(as_text=True)
    assert "批量01号" in html and "批量02号" not in html and 'name="cadre_ids"' in html
    assert "共 1 人" in html
    empty = post_batch(hr_client, [])
    assert empty.status_code == 400 and "请至少勾选一名干部" in empty.get_data(as_text=True)


def test_a_cadre_deleted_after_choosing_is_reported(app, hr_client, cadres):
    with app.app_context():
        db.session.delete(db.session.get(Cadre, cadres[0]))
        db.session.commit()
    response = post_batch(hr_client, cadres[:2])
    assert response.status_code == 400 and "已不存在" in response.get_data(as_text=True)


# --- more than 20: a background job --------------------------------------------------------


@pytest.mark.committed  # the job runs in a thread, on connections of its own
def test_a_large_batch_runs_as_a_job_with_progress_and_a_download(app, hr_client, cadres):
    response = post_batch(hr_client, cadres[:21])
    job_id = job_id_of(response)
    page = hr_client.get(f"/records/jobs/{job_id}").get_data(as_text=True)
    assert 'class="progress' in page and "/static/js/job-progress.js" in page
    assert f"/records/jobs/{job_id}.json" in page
    status, seen = wait_for(hr_client, job_id)
    assert status["state"] == "done", status
    assert status["done"] == status["total"] == 21
    assert seen == sorted(seen) and any(0 < n < 21 for n in seen), seen  # real progress
    # the page read again from the database shows the download
    again = hr_client.get(f"/records/jobs/{job_id}").get_data(as_text=True)
    assert status["download_url"] in again and "已完成" in again
    download = hr_client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    with zipfile.ZipFile(BytesIO(download.data)) as archive:
        assert len(archive.namelist()) == 21
        assert all(len(PdfReader(archive.open(n)).pages) == 2 for n in archive.namelist())
    events = audit_events(app, "export_job")
    assert [e.action for e in events] == ["export", "download"]
    listing = hr_client.get("/records/batch").get_data(as_text=True)
    assert status["download_url"] in listing  # the user's job list


@pytest.mark.committed  # the job runs in a thread, on connections of its own
def test_a_large_merged_job_and_a_second_job_refused_while_it_runs(app, hr_client, cadres):
    job_id = job_id_of(post_batch(hr_client, cadres[:21], output="pdf"))
    second = post_batch(hr_client, cadres[:22])
    assert second.status_code == 409
    assert "已有一个导出任务正在进行" in second.get_data(as_text=True)
    status, _ = wait_for(hr_client, job_id)
    assert status["state"] == "done", status
    content = hr_client.get(status["download_url"]).data
    pages = pages_of(content)
    assert len(pages) == 42 and "批量00号" in pages[0] and "批量20号" in pages[40]
    with app.app_context():
        assert (
            batch_export.active_job(
                db.session.scalar(sa.select(User.id).where(User.username == "hr1"))
            )
            is None
        )


@pytest.mark.committed  # the job runs in a thread, on connections of its own
def test_a_failing_item_marks_the_job_failed(app, hr_client, users, cadres, export_dir):
    """A cadre deleted between the choice and its turn: the job fails with the reason and
    leaves no file, and the user may start again."""
    with app.app_context():
        hr = db.session.get(User, users["hr"].id)
        kind = batch_export.KINDS["appointment_form"]
        job = batch_export.create_job(
            hr, kind, cadres[:21], batch_export.Output.ZIP, today=date(2026, 1, 5)
        )
        db.session.commit()
        job_id = job.id
        db.session.delete(db.session.get(Cadre, cadres[20]))  # the last in 工号 order
        db.session.commit()
    batch_export.start(app, job_id)
    status, seen = wait_for(hr_client, job_id)
    assert status["state"] == "failed"
    assert "第 21 份无法生成" in status["message"] and "已不存在" in status["message"]
    assert status["download_url"] is None and max(seen) < 21
    assert list(export_dir.iterdir()) == []  # no partial file left
    page = hr_client.get(f"/records/jobs/{job_id}").get_data(as_text=True)
    assert "第 21 份无法生成" in page
    assert hr_client.get(f"/records/jobs/{job_id}/download").status_code == 404
    with app.app_context():
        assert batch_export.active_job(users["hr"].id) is None


# --- private, expiring, never stuck ---------------------------------------------------------


def finished_job(app, user_id: int, export_dir: Path, *, age: timedelta = timedelta(0)) -> str:
    """A done job of ``user_id`` created ``age`` ago, with a real one-form ZIP as its file."""
    with app.app_context():
        cadre_id = db.session.scalar(sa.select(Cadre.id).order_by(Cadre.id).limit(1))
        kind = batch_export.KINDS["appointment_form"]
        job_id = "ab" * 16
        path = export_dir / f"{job_id}.zip"
        with path.open("wb") as sink:
            batch_export.produce(
                kind, [cadre_id], batch_export.Output.ZIP, {"today": "2026-01-05"}, sink
            )
        created = utcnow() - age
        db.session.add(
            ExportJob(
                id=job_id,
                kind=kind.code,
                user_id=user_id,
                params={"cadre_ids": [cadre_id], "output": "zip", "today": "2026-01-05"},
                state=JobState.DONE,
                total=1,
                done=1,
                result_path=str(path),
                result_name="干部任免审批表_1份_20260105.zip",
                created_at=created,
                finished_at=created,
            )
        )
        db.session.commit()
        return job_id


def test_jobs_are_visible_to_their_owner_only(app, hr_client, users, make_user, export_dir):
    job_id = finished_job(app, users["hr"].id, export_dir)
    make_user("hr2", Role.HR)
    other = app.test_client()
    assert login(other, "hr2").status_code == 302
    for url in (f"/records/jobs/{job_id}", f"/records/jobs/{job_id}.json",
                f"/records/jobs/{job_id}/download"):  # fmt: skip
        assert other.get(url).status_code == 404, url
        assert hr_client.get(url).status_code == 200, url
    assert job_id not in other.get("/records/batch").get_data(as_text=True)
    assert hr_client.get("/records/jobs/not-a-job.json").status_code == 404


def test_an_expired_job_answers_404_and_is_swept_with_its_file(app, hr_client, users, export_dir):
    job_id = finished_job(app, users["hr"].id, export_dir, age=timedelta(hours=25))
    response = hr_client.get(f"/records/jobs/{job_id}/download")
    assert response.status_code == 404
    assert "只保留 24 小时" in response.get_data(as_text=True)
    assert hr_client.get(f"/records/jobs/{job_id}.json").status_code == 404
    assert (export_dir / f"{job_id}.zip").exists()
    hr_client.get("/records/batch")  # listing sweeps
    with app.app_context():
        assert db.session.get(ExportJob, job_id) is None
    assert not (export_dir / f"{job_id}.zip").exists()
    assert audit_events(app, "export_job") == []


def test_a_job_whose_process_died_is_reported_failed_and_does_not_block(app, hr_client, users):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with app.app_context():
        db.session.add(
            ExportJob(
                id="cd" * 16,
                kind="appointment_form",
                user_id=users["hr"].id,
                params={
                    "cadre_ids": [1],
                    "output": "zip",
                    "worker": {"host": batch_export._HOST, "pid": dead.pid},
                    "heartbeat": utcnow().isoformat(),
                },
                state=JobState.RUNNING,
                total=30,
                done=10,
                created_at=utcnow(),
            )
        )
        db.session.commit()
    status = hr_client.get(f"/records/jobs/{'cd' * 16}.json").get_json()
    assert status["state"] == "failed" and "后台导出已中断" in status["message"]
    with app.app_context():
        assert batch_export.active_job(users["hr"].id) is None


@pytest.mark.slow
def test_a_large_zip_is_laid_out_in_worker_processes(app, cadres, monkeypatch):
    """Same files, same order, whether rendered here or in two spawned processes."""
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    kind = batch_export.KINDS["appointment_form"]
    seen: list[int] = []
    pooled: list[int] = []
    real_render_all = batch_export.pdf_pool.render_all

    def spy(app_, specs, *, workers):  # calls through: the real processes render
        pooled.append(workers)
        return real_render_all(app_, specs, workers=workers)

    monkeypatch.setattr(batch_export.pdf_pool, "render_all", spy)
    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
        sink = BytesIO()
        batch_export.produce(
            kind,
            cadres[:4],
            batch_export.Output.ZIP,
            {"today": "2026-01-05"},
            sink,
            progress=seen.append,
        )
    assert seen == [1, 2, 3, 4] and pooled == [2]
    with zipfile.ZipFile(BytesIO(sink.getvalue())) as archive:
        names = archive.namelist()
        assert names == [f"B00{i}_批量0{i}号_干部任免审批表.pdf" for i in range(4)]
        for i, name in enumerate(names):
            pages = pages_of(archive.read(name))
            assert len(pages) == 2 and f"批量0{i}号" in pages[0]


@pytest.mark.slow
def test_a_large_merged_pdf_is_laid_out_in_worker_processes_and_joined(app, cadres, monkeypatch):
    """The same pages in the same order as in one process, a moving progress count, and
    the batch's title; each worker's share embeds its own font subset."""
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    kind = batch_export.KINDS["appointment_form"]
    params = {"today": "2026-01-05"}
    pooled: list[int] = []
    real_render_merged = batch_export.pdf_pool.render_merged

    def spy(app_, forms, *, workers, **kw):  # calls through: the real processes render
        pooled.append(workers)
        return real_render_merged(app_, forms, workers=workers, **kw)

    monkeypatch.setattr(batch_export.pdf_pool, "render_merged", spy)
    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
        here = BytesIO()
        batch_export.produce(kind, cadres[:5], batch_export.Output.PDF, params, here)
        monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
        seen: list[int] = []
        pooled_pdf = BytesIO()
        batch_export.produce(
            kind, cadres[:5], batch_export.Output.PDF, params, pooled_pdf, progress=seen.append
        )
    assert pooled == [2]
    assert seen == sorted(seen) and seen[-1] == 5 and len(set(seen)) >= 3, seen
    assert pages_of(pooled_pdf.getvalue()) == pages_of(here.getvalue())
    assert len(pages_of(pooled_pdf.getvalue())) == 10
    reader = PdfReader(BytesIO(pooled_pdf.getvalue()))
    assert reader.metadata.title == "干部任免审批表（5 份）"
    assert len(embedded_fonts(pooled_pdf.getvalue())) == 2


@pytest.mark.slow
def test_an_error_in_a_worker_process_reaches_the_caller(app, cadres, monkeypatch):
    """No CJK font on the workers' configuration: the refusal comes back, no PDF is made."""
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", [])
    kind = batch_export.KINDS["appointment_form"]
    sink = BytesIO()
    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
        with pytest.raises(pdf.PdfUnavailable, match="fonts-noto-cjk"):
            batch_export.produce(
                kind, cadres[:4], batch_export.Output.PDF, {"today": "2026-01-05"}, sink
            )
    assert sink.getvalue() == b""


def test_shares_are_contiguous_and_even():
    assert batch_export.pdf_pool.shares(5, 2) == [range(0, 3), range(3, 5)]
    assert batch_export.pdf_pool.shares(200, 2) == [range(0, 100), range(100, 200)]
    assert batch_export.pdf_pool.shares(1, 2) == [range(0, 1)]


def test_a_merged_batch_is_cut_into_parts_of_at_most_100_forms_per_worker_round():
    part_count = batch_export.pdf_pool.part_count
    assert [part_count(n, 2) for n in (40, 200, 201, 400, 500)] == [2, 2, 4, 4, 6]
    assert part_count(500, 1) == 5 and part_count(3, 4) == 4


@pytest.mark.slow
def test_a_worker_lays_out_several_parts_one_after_another(app, cadres, monkeypatch):
    """Parts of at most PART_FORMS forms (here 2): five forms in four parts on two workers,
    the same pages in the same order, one font subset per part, each with its own tag."""
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    monkeypatch.setattr(batch_export.pdf_pool, "PART_FORMS", 2)
    kind = batch_export.KINDS["appointment_form"]
    params = {"today": "2026-01-05"}
    seen: list[int] = []
    sink = BytesIO()
    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
        batch_export.produce(
            kind, cadres[:5], batch_export.Output.PDF, params, sink, progress=seen.append
        )
    pages = pages_of(sink.getvalue())
    assert len(pages) == 10 and seen[-1] == 5
    assert all(f"批量0{i}号" in pages[2 * i] for i in range(5)), pages
    assert len(embedded_fonts(sink.getvalue())) == 4


@pytest.mark.slow
def test_rendering_workers_run_at_lower_priority(app, monkeypatch):
    """PDF_WORKER_NICE: the web process keeps the CPU when it asks for it during a batch."""
    own = os.nice(0)
    with batch_export.pdf_pool.make_pool(app, 1) as pool:
        assert pool.submit(os.nice, 0).result() == min(19, own + app.config["PDF_WORKER_NICE"])
    monkeypatch.setitem(app.config, "PDF_WORKER_NICE", 0)
    with batch_export.pdf_pool.make_pool(app, 1) as pool:
        assert pool.submit(os.nice, 0).result() == own


@pytest.mark.slow
def test_a_worker_process_that_dies_fails_the_batch_with_a_reason(app, cadres, monkeypatch):
    """A rendering process killed mid-batch (as the kernel does when memory runs out): the
    caller gets BrokenProcessPool instead of waiting forever, and the job's message says
    what happened."""
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    kind = batch_export.KINDS["appointment_form"]

    def kill_workers(done: int) -> None:
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)

    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
        with pytest.raises(BrokenProcessPool) as broken:
            batch_export.produce(
                kind,
                cadres[:6],
                batch_export.Output.PDF,
                {"today": "2026-01-05"},
                BytesIO(),
                progress=kill_workers,
            )
    assert "后台进程意外退出" in batch_export.failure_message(broken.value)


@pytest.mark.committed  # the job runs in a thread, on connections of its own
@pytest.mark.slow
def test_large_batches_take_turns_on_the_worker_processes(
    app, hr_client, cadres, export_dir, monkeypatch
):
    """While another batch holds the worker processes (the host's lock file), a large job
    waits, says so on its progress page and keeps its heartbeat; it runs once the lock is
    free."""
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
    lock = (export_dir / batch_export.WORKERS_LOCK).open("a+b")
    fcntl.flock(lock, fcntl.LOCK_EX)  # another batch is running
    try:
        job_id = job_id_of(post_batch(hr_client, cadres[:21], output="pdf"))
        deadline = time.monotonic() + JOB_TIMEOUT
        while True:
            status = hr_client.get(f"/records/jobs/{job_id}.json").get_json()
            if status["message"] == batch_export.WAITING_MESSAGE:
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["state"] == "running" and status["done"] == 0
        page = hr_client.get(f"/records/jobs/{job_id}").get_data(as_text=True)
        assert "排队中" in page
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    status, seen = wait_for(hr_client, job_id)
    assert status["state"] == "done" and not status["message"], status
    assert len(pages_of(hr_client.get(status["download_url"]).data)) == 42


def _forms(app, cadres, count: int) -> list:
    kind = batch_export.KINDS["appointment_form"]
    with app.app_context():
        return [
            (kind.template, kind.build(db.session.get(Cadre, cadre_id), {"today": "2026-01-05"}))
            for cadre_id in (cadres * 3)[:count]
        ]


@pytest.mark.slow
def test_a_failing_part_ends_the_batch_before_the_others_finish(app, cadres):
    """Part one fails at its third form while part two has 30 good ones: the error comes
    back while part two is still being laid out, and its worker is stopped."""
    good = _forms(app, cadres, 32)
    items = [*good[:2], ("no_such_form.html", {}), *good[:29], *good[:30]]  # two parts of 32/30
    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
    seen: list[int] = []
    with pytest.raises(Exception, match="no_such_form") as failed:
        batch_export.pdf_pool.render_merged(
            app, items, workers=2, title="t", author="a", progress=seen.append
        )
    assert "TemplateNotFound" in type(failed.value).__name__
    assert len(seen) < 30, seen  # part two alone would have ticked 30 times
    deadline = time.monotonic() + 30
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert multiprocessing.active_children() == []  # stopped, not left to finish


@pytest.mark.slow
def test_a_stuck_batch_gives_up_and_says_so(app, cadres, monkeypatch):
    monkeypatch.setattr(batch_export.pdf_pool, "deadline", lambda forms: 0.5)
    items = _forms(app, cadres, 8)
    with app.app_context():
        if batch_export.pdf_pool.worker_count(app) < 2:
            pytest.skip("one core: batches are rendered in this process")
    with pytest.raises(TimeoutError) as stuck:
        batch_export.pdf_pool.render_merged(app, items, workers=2, title="t", author="a")
    assert "排版进程长时间没有完成" in batch_export.failure_message(stuck.value)
    monkeypatch.undo()
    assert batch_export.pdf_pool.deadline(200) == 60 + 200 * 5


@pytest.mark.slow
def test_workers_end_when_the_process_that_started_them_is_killed(tmp_path):
    """A web worker killed mid-batch leaves no rendering process behind."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import time\n"
        "from cadre_app.services import pdf_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = pdf_pool.make_pool(pdf_pool.worker_app({}), 2)\n"
        "    futures = [pool.submit(time.sleep, 60) for _ in range(2)]\n"
        "    time.sleep(3)\n"
        "    print(' '.join(str(p) for p in pool._processes), flush=True)\n"
        "    time.sleep(60)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in pids), pids
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(FileNotFoundError):  # a zombie has exited: not alive
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return False
    return True
