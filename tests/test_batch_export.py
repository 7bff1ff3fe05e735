"""HR's batch export of 干部任免审批表: up to 20 cadres the ZIP or merged PDF downloads at once;
more run as a background job whose progress the page polls; one job per user; jobs are
private, expire after 24 hours, and a failing item marks the job failed. Real WeasyPrint
output read back with pypdf; jobs run on the task queue, taken by a real consumer (worker
threads of this process) against the real database; tests/test_multihost.py runs real
``flask worker`` processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from huey.exceptions import TaskTimeout
from pypdf import PdfReader

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import (
    AuditEvent,
    Cadre,
    ExportChunk,
    ExportJob,
    ExportPart,
    JobState,
    ResumeEntry,
    Role,
    User,
)
from cadre_app.services.core import queue
from cadre_app.services.records import batch as batch_export
from cadre_app.services.records import batch_jobs
from tests.conftest import login
from tests.factories import CadreFactory
from tests.test_pdf import embedded_fonts

JOB_TIMEOUT = 240  # seconds; 21 two-page forms take about 6 s on two cores


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


def test_a_form_with_resume_sheets_keeps_its_pages_together_in_the_batch(app, hr_client, cadres):
    """A cadre whose 简历 runs to a 续页 gets three pages, and the next form still starts on
    its own first page; the page numbers count each form's own pages."""
    with app.app_context():
        cadre = db.session.get(Cadre, cadres[1])
        cadre.resume = [
            ResumeEntry(
                start=date(1980 + i, 1, 1), description=f"测试财政局预算处科员负责预算审核第{i}段"
            )
            for i in range(40)
        ]
        db.session.commit()
    response = post_batch(hr_client, [cadres[0], cadres[1], cadres[2]], output="pdf")
    pages = pages_of(response.data)
    assert len(pages) == 7
    assert "批量00号" in pages[0] and "批量01号" in pages[2] and "批量02号" in pages[5]
    assert "干部任免审批表（续页）" in pages[4] and "批量01号" in pages[4]
    assert "第39段" in pages[4] and "第3页，共3页" in pages[4] and "共3页" not in pages[5]


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


# --- more than 20: a background job on the task queue ---------------------------------------


def test_a_large_batch_runs_as_a_job_with_progress_and_a_download(
    app, hr_client, cadres, queue_worker
):
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
    assert int(download.headers["Content-Length"]) == len(download.data)
    with zipfile.ZipFile(BytesIO(download.data)) as archive:
        assert len(archive.namelist()) == 21
        assert all(len(PdfReader(archive.open(n)).pages) == 2 for n in archive.namelist())
    events = audit_events(app, "export_job")
    assert [e.action for e in events] == ["export", "download"]
    listing = hr_client.get("/records/batch").get_data(as_text=True)
    assert status["download_url"] in listing  # the user's job list


def test_a_large_merged_job_and_a_second_job_refused_while_it_runs(
    app, hr_client, cadres, queue_worker
):
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
        hr_id = db.session.scalar(sa.select(User.id).where(User.username == "hr1"))
        assert batch_jobs.active_job(hr_id) is None


def test_a_queued_job_says_it_waits_for_a_worker(app, hr_client, cadres):
    """No worker yet: the job waits in the queue, and its page says so."""
    job_id = job_id_of(post_batch(hr_client, cadres[:21]))
    status = hr_client.get(f"/records/jobs/{job_id}.json").get_json()
    assert status["state"] == "queued" and status["message"] == batch_jobs.WAITING_MESSAGE
    queue.huey.flush()


def new_job(app, user_id, cadre_ids, output=batch_export.Output.ZIP) -> str:
    with app.app_context():
        hr = db.session.get(User, user_id)
        kind = batch_export.KINDS["appointment_form"]
        job = batch_jobs.create_job(hr, kind, cadre_ids, output, today=date(2026, 1, 5))
        db.session.commit()
        return job.id


def start(app, job_id: str) -> None:
    with app.app_context():
        batch_jobs.enqueue(db.session.get(ExportJob, job_id))


def chunks_of(app, job_id: str) -> list[str]:
    with app.app_context():
        stmt = sa.select(ExportChunk.name).where(ExportChunk.job_id == job_id)
        return list(db.session.scalars(stmt))


def test_a_failing_item_marks_the_job_failed(app, hr_client, users, cadres, queue_worker):
    """A cadre deleted between the choice and its turn: the job fails with the reason and
    leaves no file, and the user may start again."""
    job_id = new_job(app, users["hr"].id, cadres[:21])
    with app.app_context():
        db.session.delete(db.session.get(Cadre, cadres[20]))  # the last in 工号 order
        db.session.commit()
    start(app, job_id)
    status, seen = wait_for(hr_client, job_id)
    assert status["state"] == "failed"
    assert "第 21 份无法生成" in status["message"] and "已不存在" in status["message"]
    assert status["download_url"] is None and max(seen) < 21
    assert chunks_of(app, job_id) == []  # no partial file left
    page = hr_client.get(f"/records/jobs/{job_id}").get_data(as_text=True)
    assert "第 21 份无法生成" in page
    assert hr_client.get(f"/records/jobs/{job_id}/download").status_code == 404
    with app.app_context():
        assert batch_jobs.active_job(users["hr"].id) is None


# --- parts: any worker lays out a run of the forms, the last one queues the join ------------


def test_a_merged_batch_is_laid_out_in_parts_and_joined_in_order(
    app, hr_client, users, cadres, queue_worker, monkeypatch
):
    """The same pages in the same order as in one piece, the batch's title, each part's
    own font subset with its own tag, and the parts' files gone after the join."""
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    job_id = new_job(app, users["hr"].id, cadres[:5], batch_export.Output.PDF)
    with app.app_context():
        parts = db.session.scalars(sa.select(ExportPart).where(ExportPart.job_id == job_id))
        assert [(p.start, p.stop) for p in parts] == [(0, 3), (3, 5)]
    start(app, job_id)
    status, _ = wait_for(hr_client, job_id)
    assert status["state"] == "done", status
    joined = hr_client.get(status["download_url"]).data
    with app.app_context():
        here = BytesIO()
        kind = batch_export.KINDS["appointment_form"]
        params = {"today": "2026-01-05", "filled_by": None}
        batch_export.produce(kind, cadres[:5], batch_export.Output.PDF, params, here)
    assert pages_of(joined) == pages_of(here.getvalue())
    assert len(pages_of(joined)) == 10
    assert PdfReader(BytesIO(joined)).metadata.title == "干部任免审批表（5 份）"
    assert len(embedded_fonts(joined)) == 2
    assert chunks_of(app, job_id) == ["result"]


def test_a_zip_batch_in_parts_keeps_the_files_in_order(
    app, hr_client, users, cadres, queue_worker, monkeypatch
):
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    job_id = new_job(app, users["hr"].id, cadres[:4])
    start(app, job_id)
    status, _ = wait_for(hr_client, job_id)
    assert status["state"] == "done", status
    with zipfile.ZipFile(BytesIO(hr_client.get(status["download_url"]).data)) as archive:
        names = archive.namelist()
        assert names == [f"B00{i}_批量0{i}号_干部任免审批表.pdf" for i in range(4)]
        for i, name in enumerate(names):
            pages = pages_of(archive.read(name))
            assert len(pages) == 2 and f"批量0{i}号" in pages[0]


def test_a_file_is_stored_in_chunks_and_read_back_whole(app, users, cadres, monkeypatch):
    monkeypatch.setattr(batch_jobs, "CHUNK_BYTES", 1000)
    job_id = new_job(app, users["hr"].id, cadres[:21])
    content = os.urandom(3500)
    with app.app_context():
        batch_jobs.store(job_id, "result", content)
        db.session.commit()
        assert len(chunks_of(app, job_id)) == 4
        assert b"".join(batch_jobs.stored_chunks(job_id, "result")) == content
        batch_jobs.store(job_id, "result", b"short")  # replaces, never appends
        db.session.commit()
        assert batch_jobs.stored(job_id, "result") == b"short"


def test_shares_are_contiguous_and_even():
    assert batch_export.shares(5, 2) == [range(0, 3), range(3, 5)]
    assert batch_export.shares(200, 2) == [range(0, 100), range(100, 200)]
    assert batch_export.shares(1, 2) == [range(0, 1)]


def test_a_batch_is_cut_into_parts_of_at_most_100_forms_per_worker_round():
    part_count = batch_export.part_count
    assert [part_count(n, 2) for n in (40, 200, 201, 400, 401, 500)] == [2, 2, 4, 4, 6, 6]
    assert part_count(150, 1) == 2 and part_count(100, 1) == 1
    assert batch_export.deadline(200) == 60 + 200 * 5


# --- private, expiring, never stuck ---------------------------------------------------------


def finished_job(app, user_id: int, *, age: timedelta = timedelta(0)) -> str:
    """A done job of ``user_id`` created ``age`` ago, with a real one-form ZIP as its file."""
    with app.app_context():
        cadre_id = db.session.scalar(sa.select(Cadre.id).order_by(Cadre.id).limit(1))
        kind = batch_export.KINDS["appointment_form"]
        job_id = "ab" * 16
        sink = BytesIO()
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
                result_name="干部任免审批表_1份_20260105.zip",
                result_size=len(sink.getvalue()),
                created_at=created,
                heartbeat_at=created,
                finished_at=created,
            )
        )
        db.session.flush()
        batch_jobs.store(job_id, "result", sink.getvalue())
        db.session.commit()
        return job_id


def test_jobs_are_visible_to_their_owner_only(app, hr_client, users, make_user):
    job_id = finished_job(app, users["hr"].id)
    make_user("hr2", Role.HR)
    other = app.test_client()
    assert login(other, "hr2").status_code == 302
    for url in (f"/records/jobs/{job_id}", f"/records/jobs/{job_id}.json",
                f"/records/jobs/{job_id}/download"):  # fmt: skip
        assert other.get(url).status_code == 404, url
        assert hr_client.get(url).status_code == 200, url
    assert job_id not in other.get("/records/batch").get_data(as_text=True)
    assert hr_client.get("/records/jobs/not-a-job.json").status_code == 404


def test_an_expired_job_answers_404_and_is_swept_with_its_file(app, hr_client, users):
    job_id = finished_job(app, users["hr"].id, age=timedelta(hours=25))
    response = hr_client.get(f"/records/jobs/{job_id}/download")
    assert response.status_code == 404
    assert "只保留 24 小时" in response.get_data(as_text=True)
    assert hr_client.get(f"/records/jobs/{job_id}.json").status_code == 404
    assert chunks_of(app, job_id) == ["result"]
    hr_client.get("/records/batch")  # listing sweeps
    with app.app_context():
        assert db.session.get(ExportJob, job_id) is None
    assert chunks_of(app, job_id) == []
    assert audit_events(app, "export_job") == []


def test_the_periodic_housekeeping_deletes_expired_jobs(app, users):
    job_id = finished_job(app, users["hr"].id, age=timedelta(hours=25))
    queue.bind(app)
    batch_jobs.housekeeping.call_local()
    with app.app_context():
        assert db.session.get(ExportJob, job_id) is None
    assert chunks_of(app, job_id) == []


def test_a_job_no_worker_takes_is_reported_failed_and_does_not_block(app, hr_client, users):
    """No sign of life for LOST_AFTER (no worker running at all): failed, with the reason."""
    job_id = new_job(app, users["hr"].id, [1, 2, 3] * 7)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.heartbeat_at = utcnow() - batch_jobs.LOST_AFTER - timedelta(seconds=1)
        db.session.commit()
        queue.configure(app).storage.delete_data(queue._BEAT_KEY)  # no worker ever seen
    status = hr_client.get(f"/records/jobs/{job_id}.json").get_json()
    assert status["state"] == "failed" and "后台导出已中断" in status["message"]
    assert "flask worker" in status["message"]
    with app.app_context():
        assert batch_jobs.active_job(users["hr"].id) is None


def test_a_job_waiting_behind_other_batches_is_not_lost_while_a_worker_runs(app, hr_client, users):
    job_id = new_job(app, users["hr"].id, [1, 2, 3] * 7)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.heartbeat_at = utcnow() - batch_jobs.LOST_AFTER - timedelta(minutes=5)
        db.session.commit()
        queue.configure(app)
        queue.beat()  # a worker reported just now: it is busy with other batches
    status = hr_client.get(f"/records/jobs/{job_id}.json").get_json()
    assert status["state"] == "queued" and status["message"] == batch_jobs.WAITING_MESSAGE
    queue.huey.flush()


def dead_pid() -> int:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return dead.pid


def test_a_part_whose_worker_died_is_laid_out_again_and_the_job_completes(
    app, hr_client, users, cadres, queue_worker
):
    """A part left running by a worker that was killed is queued again by ``recover`` (at
    each worker's start and every minute) and the job completes."""
    job_id = new_job(app, users["hr"].id, cadres[:21])
    with app.app_context():
        part = db.session.get(ExportPart, (job_id, 0))
        part.state, part.attempts, part.done = JobState.RUNNING, 1, 7
        part.worker, part.heartbeat_at = f"{queue.HOST}:{dead_pid()}", utcnow()
        job = db.session.get(ExportJob, job_id)
        job.state, job.done = JobState.RUNNING, 7
        db.session.commit()
        # the worker's own recover (at its start and every minute) may take the part first:
        # one of the two queues it again, exactly once (attempts below)
        assert batch_jobs.recover() in (0, 1)
    status, seen = wait_for(hr_client, job_id)
    assert status["state"] == "done", status
    assert status["done"] == 21 and seen == sorted(seen)
    with app.app_context():
        assert db.session.get(ExportPart, (job_id, 0)).attempts == 2


def test_a_part_silent_on_another_host_is_queued_again_after_a_minute(app, users, cadres):
    job_id = new_job(app, users["hr"].id, cadres[:21])
    with app.app_context():
        part = db.session.get(ExportPart, (job_id, 0))
        part.state, part.attempts, part.worker = JobState.RUNNING, 1, "elsewhere:123"
        part.heartbeat_at = utcnow() - timedelta(seconds=30)
        db.session.get(ExportJob, job_id).state = JobState.RUNNING
        db.session.commit()
        assert batch_jobs.recover() == 0  # still beating recently: left alone
        part = db.session.get(ExportPart, (job_id, 0))
        part.heartbeat_at = utcnow() - batch_jobs.PART_LOST_AFTER - timedelta(seconds=1)
        db.session.commit()
        assert batch_jobs.recover() == 1
        assert db.session.get(ExportPart, (job_id, 0)).state is JobState.QUEUED
    queue.huey.flush()


def test_a_part_lost_too_often_fails_the_job_with_the_reason(app, hr_client, users, cadres):
    job_id = new_job(app, users["hr"].id, cadres[:21])
    with app.app_context():
        part = db.session.get(ExportPart, (job_id, 0))
        part.state, part.attempts = JobState.RUNNING, batch_jobs.MAX_ATTEMPTS
        part.worker, part.heartbeat_at = f"{queue.HOST}:{dead_pid()}", utcnow()
        db.session.get(ExportJob, job_id).state = JobState.RUNNING
        db.session.commit()
        assert batch_jobs.recover() == 0
    status = hr_client.get(f"/records/jobs/{job_id}.json").get_json()
    assert status["state"] == "failed" and "多次意外退出" in status["message"]


def test_a_part_taken_twice_is_laid_out_once(app, users, cadres, queue_worker):
    """A task delivered twice (a worker killed after its work): the second finds the part
    taken and does nothing."""
    job_id = new_job(app, users["hr"].id, cadres[:21])
    with app.app_context():
        assert batch_jobs._claim(job_id, 0) is not None
        assert batch_jobs._claim(job_id, 0) is None
        db.session.remove()


def test_an_error_in_a_part_fails_the_job_with_the_reason(
    app, hr_client, users, cadres, queue_worker, monkeypatch
):
    """No CJK font on the worker: the refusal is the job's message, no file is left."""
    monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", [])
    job_id = new_job(app, users["hr"].id, cadres[:21])
    start(app, job_id)
    status, _ = wait_for(hr_client, job_id)
    assert status["state"] == "failed" and "fonts-noto-cjk" in status["message"]
    assert chunks_of(app, job_id) == []


def test_each_part_is_queued_with_its_deadline_as_the_workers_timeout(
    app, users, cadres, monkeypatch
):
    """A process worker interrupts a part past its deadline (Huey's task timeout)."""
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 3)
    job_id = new_job(app, users["hr"].id, cadres[:5])
    with app.app_context():
        queue.configure(app).flush()
        start(app, job_id)
        pending = queue.huey.pending()
    queue.huey.flush()
    assert sorted((t.args[1], t.timeout) for t in pending) == [
        (0, batch_export.deadline(3)),
        (1, batch_export.deadline(2)),
    ]
    assert "长时间没有完成" in batch_jobs.failure_message(TaskTimeout("part 0"))


def test_a_part_past_its_deadline_fails_the_job_and_says_so(
    app, hr_client, users, cadres, queue_worker, monkeypatch
):
    monkeypatch.setattr(batch_export, "deadline", lambda forms: 0.0)
    job_id = new_job(app, users["hr"].id, cadres[:21])
    start(app, job_id)
    status, _ = wait_for(hr_client, job_id)
    assert status["state"] == "failed" and "排版进程长时间没有完成" in status["message"]
