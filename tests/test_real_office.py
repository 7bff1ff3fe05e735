"""Moving in from real offices (issue 10, item 4 and the acceptance's "real office" set): the
committed workbook and .lrmx files of tests/data/real/ (see tests/real_office.py) import
cleanly through the web routes; many .lrmx files import at once, one preview for all,
all-or-nothing, on the task queue when large, with guards against oversized ZIPs."""

from __future__ import annotations

import re
import time
import zipfile
from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, LrmxImportJob
from cadre_app.services.records import lrmx, lrmx_batch
from tests import real_office
from tests.conftest import count_rows
from tests.real_office import HERE, WORKBOOK, ZIP_NAME

REAL = {path.name: path.read_bytes() for path in HERE.iterdir()}


def _post_files(client, url: str, files: list[tuple[str, bytes]]):
    return client.post(
        url,
        data={"file": [(BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data",
    )


def _batch_token(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/records/lrmx/batch/([A-Za-z0-9_-]{43})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _cadre(name: str) -> Cadre:
    return db.session.scalar(sa.select(Cadre).where(Cadre.name == name))


def test_the_committed_set_is_what_the_generator_writes(tmp_path):
    """The files under tests/data/real are the generator's (regenerate with
    ``python -m tests.real_office``); the ZIP's names are GBK without the UTF-8 flag."""
    real_office.write_all(tmp_path)
    for path in tmp_path.iterdir():
        if path.suffix != ".xlsx":  # openpyxl stamps the time into the workbook
            assert path.read_bytes() == REAL[path.name], path.name
    with zipfile.ZipFile(BytesIO(REAL[ZIP_NAME])) as archive:
        assert all(not info.flag_bits & 0x800 for info in archive.infolist())
        names = [lrmx_batch.zip_member_name(info) for info in archive.infolist()]
    assert names == ["王伟.lrmx", "陈静.lrmx"]


def test_a_real_office_set_imports_cleanly_through_the_web(app, hr_client, org):
    # 1. the roster workbook: blank 工号, month-only births, 学历 本科, 学位 with discipline
    response = _post_files(hr_client, "/cadres/import", [(WORKBOOK, REAL[WORKBOOK])])
    assert response.status_code == 302, response.get_data(as_text=True)
    token = response.headers["Location"].rsplit("/", 1)[-1]
    preview = hr_client.get(f"/cadres/import/{token}").get_data(as_text=True)
    assert "G00001" in preview and "G00002" in preview
    assert hr_client.post(f"/cadres/import/{token}/confirm").status_code == 302
    with app.app_context():
        zhang = _cadre("张建国")
        assert zhang.staff_no == "G00001" and zhang.birth_date == date(1978, 5, 23)
        assert zhang.birth_date_precision == "month"
        assert (zhang.ft_education, zhang.ft_degree, zhang.ft_degree_level) == (
            "大学本科",
            "经济学学士",
            "学士",
        )
        assert (zhang.party_join_date, zhang.party_join_date_precision) == (
            date(2000, 6, 1),
            "month",
        )
        liu = _cadre("刘洋")
        assert (liu.staff_no, liu.ft_education, liu.ft_degree_level) == ("G00002", "研究生", "硕士")
        assert _cadre("周敏").staff_no == "R0103"

    # 2. two .lrmx files and a GBK-named ZIP of two more, in one upload
    files = [(n, REAL[n]) for n in ("张建国.lrmx", "李秀英.lrmx", ZIP_NAME)]
    token = _batch_token(_post_files(hr_client, "/records/lrmx/import", files))
    html = hr_client.get(f"/records/lrmx/batch/{token}").get_data(as_text=True)
    assert "共 4 个文件：新建 3 人，更新 1 人，不能导入 0 个。" in html
    for name in ("张建国.lrmx", "李秀英.lrmx", "王伟.lrmx", "陈静.lrmx"):
        assert name in html
    assert "G00003" in html and "G00005" in html and 'data-testid="confirm"' in html

    before = count_rows(app, AuditEvent)
    data = {
        "department_all": str(org["budget"]),
        "rank_all": "一级科员",
        "department_2": str(org["treasury"]),  # 王伟 (the ZIP's first file) elsewhere
        "rank_2": "三级主任科员",
    }
    response = hr_client.post(f"/records/lrmx/batch/{token}/confirm", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count_rows(app, AuditEvent) > before
    with app.app_context():
        zhang = _cadre("张建国")  # updated, not duplicated
        assert zhang.staff_no == "G00001" and zhang.birth_date_precision == "month"
        assert (zhang.pt_education, zhang.pt_degree, zhang.pt_degree_level) == (
            "研究生",
            "公共管理硕士（MPA）",
            "硕士",
        )
        assert [m.name for m in zhang.family] == ["赵丽"] and len(zhang.resume) == 4
        li = _cadre("李秀英")
        assert (li.ft_education, li.ft_degree, li.ft_degree_level) == (
            "研究生",
            "工商管理硕士",
            "硕士",
        )
        assert li.birth_date == date(1985, 11, 7) and li.birth_date_precision == "month"
        wang = _cadre("王伟")
        assert (wang.ft_degree, wang.ft_degree_level) == ("法学博士", "博士")
        assert (wang.department_id, wang.rank) == (org["treasury"], "三级主任科员")
        assert wang.party_join_date_precision == "day"  # 2012.06.01 was written to the day
        chen = _cadre("陈静")
        assert chen.birth_date == date(1993, 8, 2) and chen.birth_date_precision == "month"
        assert (chen.department_id, chen.rank) == (org["budget"], "一级科员")
        assert sorted(c.staff_no for c in (li, wang, chen)) == ["G00003", "G00004", "G00005"]
        chen_id, zhang_id = chen.id, zhang.id
    profile = hr_client.get(f"/cadres/{chen_id}").get_data(as_text=True)
    assert "1993.08" in profile and "1993.08.02" not in profile and "金融硕士" in profile

    # 3. the export still writes the official form
    exported = hr_client.get(f"/records/{zhang_id}/appointment-form.lrmx").get_data()
    assert b"<ChuShengNianYue>197805</ChuShengNianYue>" in exported
    assert "<ZaiZhiJiaoYu_XueWei>公共管理硕士（MPA）</ZaiZhiJiaoYu_XueWei>".encode() in exported
    assert b"<TianBiaoShiJian>202310</TianBiaoShiJian>" in exported  # 20231024 read, YYYYMM out


def test_one_bad_file_refuses_the_whole_batch_with_its_reason(app, hr_client, org):
    bad = REAL["李秀英.lrmx"].replace(b">198511<", b">198512<")
    files = [("张建国.lrmx", REAL["张建国.lrmx"]), ("坏文件.lrmx", bad), ("空.lrmx", b"")]
    token = _batch_token(_post_files(hr_client, "/records/lrmx/import", files))
    html = hr_client.get(f"/records/lrmx/batch/{token}").get_data(as_text=True)
    assert "不能导入 2 个" in html and "不一致" in html and "文件是空的" in html
    assert 'data-testid="confirm"' not in html
    before = count_rows(app, Cadre)
    data = {"department_all": str(org["budget"]), "rank_all": "一级科员"}
    response = hr_client.post(f"/records/lrmx/batch/{token}/confirm", data=data)
    assert response.status_code == 400 and "本批未导入任何数据" in response.get_data(as_text=True)
    assert count_rows(app, Cadre) == before


def test_new_cadres_need_a_section_and_rank_and_nothing_is_written_without(app, hr_client, org):
    files = [("李秀英.lrmx", REAL["李秀英.lrmx"]), (ZIP_NAME, REAL[ZIP_NAME])]
    token = _batch_token(_post_files(hr_client, "/records/lrmx/import", files))
    before = count_rows(app, Cadre)
    response = hr_client.post(f"/records/lrmx/batch/{token}/confirm", data={"rank_all": "一级科员"})
    assert response.status_code == 400
    assert "须选择部门和职级" in response.get_data(as_text=True)
    assert count_rows(app, Cadre) == before
    # the refusal released the upload: choosing a section now imports all three
    data = {"department_all": str(org["budget"]), "rank_all": "一级科员"}
    assert hr_client.post(f"/records/lrmx/batch/{token}/confirm", data=data).status_code == 302
    assert count_rows(app, Cadre) == before + 3
    again = hr_client.post(f"/records/lrmx/batch/{token}/confirm", data=data)
    assert again.status_code == 409


def test_two_files_of_one_person_are_both_refused(hr_client, org):
    files = [("a.lrmx", REAL["张建国.lrmx"]), ("b.lrmx", REAL["张建国.lrmx"])]
    token = _batch_token(_post_files(hr_client, "/records/lrmx/import", files))
    html = hr_client.get(f"/records/lrmx/batch/{token}").get_data(as_text=True)
    assert "不能导入 2 个" in html and "同一人只能有一个文件" in html


def _zip(entries: dict[str, bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_zip_guards_refuse_with_chinese_messages(hr_client, monkeypatch, org):
    bomb = _zip({"a.lrmx": b" " * (lrmx.MAX_FILE_BYTES + 1)})  # 5 MB of spaces: a few KB zipped
    response = _post_files(hr_client, "/records/lrmx/import", [("bomb.zip", bomb)])
    assert response.status_code == 400 and "解压后超过 5 MB" in response.get_data(as_text=True)

    monkeypatch.setattr(lrmx_batch, "MAX_TOTAL_BYTES", 2000)
    big = _zip({f"{i}.lrmx": REAL["张建国.lrmx"] for i in range(3)})
    response = _post_files(hr_client, "/records/lrmx/import", [("big.zip", big)])
    assert response.status_code == 400 and "解压后总计超过" in response.get_data(as_text=True)

    monkeypatch.setattr(lrmx_batch, "MAX_TOTAL_BYTES", 10**8)
    monkeypatch.setattr(lrmx_batch, "MAX_FILES", 2)
    response = _post_files(hr_client, "/records/lrmx/import", [("many.zip", big)])
    assert response.status_code == 400 and "一次最多导入 2 个" in response.get_data(as_text=True)

    nested = _zip({"inner.zip": big})
    response = _post_files(hr_client, "/records/lrmx/import", [("nested.zip", nested)])
    assert "请解开后再上传" in response.get_data(as_text=True)
    empty = _zip({"readme.txt": b"x"})
    response = _post_files(hr_client, "/records/lrmx/import", [("empty.zip", empty)])
    assert "没有 .lrmx 文件" in response.get_data(as_text=True)
    response = _post_files(hr_client, "/records/lrmx/import", [("broken.zip", b"PK\x03\x04xx")])
    assert "不是有效的 ZIP" in response.get_data(as_text=True)


def test_a_single_file_keeps_the_single_file_preview(hr_client, org):
    response = _post_files(
        hr_client, "/records/lrmx/import", [("王伟.lrmx", real_lrmx("王伟.lrmx"))]
    )
    assert response.status_code == 302
    assert re.fullmatch(r"/records/lrmx/import/[A-Za-z0-9_-]{43}", response.headers["Location"])


def real_lrmx(name: str) -> bytes:
    return real_office.lrmx_files()[name]


@pytest.mark.committed
def test_a_large_batch_runs_on_the_queue_with_a_progress_page(
    app, hr_client, org, queue_worker, monkeypatch
):
    app.config["LRMX_BATCH_QUEUE_THRESHOLD"] = 2
    try:
        files = [(n, REAL[n]) for n in ("张建国.lrmx", "李秀英.lrmx", ZIP_NAME)]
        token = _batch_token(_post_files(hr_client, "/records/lrmx/import", files))
        html = hr_client.get(f"/records/lrmx/batch/{token}").get_data(as_text=True)
        assert "确认后在后台导入" in html
        data = {"department_all": str(org["budget"]), "rank_all": "一级科员"}
        response = hr_client.post(f"/records/lrmx/batch/{token}/confirm", data=data)
        assert response.status_code == 302
        page = response.headers["Location"]
        assert page.startswith("/records/lrmx/batch/job/")
        for _ in range(100):
            with app.app_context():
                state = db.session.scalar(sa.select(LrmxImportJob.state))
            if state in ("done", "failed"):
                break
            time.sleep(0.1)
        html = hr_client.get(page).get_data(as_text=True)
        assert state == "done", html
        assert "已导入全部 4 个文件" in html and "G00001" in html
        assert count_rows(app, Cadre) == 2 + 4
        with app.app_context():
            job = db.session.scalar(sa.select(LrmxImportJob))
            assert (job.checked, job.total) == (4, 4)
    finally:
        app.config["LRMX_BATCH_QUEUE_THRESHOLD"] = 30
