"""策论: the file checked by its bytes and size; reviewers assigned by HR (two or more, never
the author); grades with the final grade by rules.essay_grade, locked once it exists; a
reviewer never sees another's grade before giving theirs; 采纳; the download; who reads what."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Essay, EssayReview, Role
from cadre_app.services.training import essays, rules
from tests.conftest import count_rows, login
from tests.factories import CadreFactory, EssayFactory, docx_bytes, pdf_bytes

MB = 1024 * 1024


# --- the file ------------------------------------------------------------------------------------


def test_the_real_type_is_read_from_the_bytes():
    assert essays.check_file(pdf_bytes(), "策论.pdf") == "pdf"
    assert essays.check_file(docx_bytes(), "策论.DOCX") == "docx"
    with pytest.raises(essays.EssayError, match="内容不是有效的 PDF 或 DOCX"):
        essays.check_file(b"just text, not a PDF", "fake.pdf")
    with pytest.raises(essays.EssayError, match="内容是 PDF 文件"):
        essays.check_file(pdf_bytes(), "renamed.docx")
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "no word document in here")
    with pytest.raises(essays.EssayError, match="内容不是有效的 PDF 或 DOCX"):
        essays.check_file(plain_zip.getvalue(), "archive.docx")
    with pytest.raises(essays.EssayError, match="只接受 PDF"):
        essays.check_file(pdf_bytes(), "essay.exe")
    with pytest.raises(essays.EssayError, match="请选择策论文件"):
        essays.check_file(b"", "essay.pdf")


def test_ten_megabytes_pass_and_one_byte_more_does_not():
    assert essays.check_file(pdf_bytes(10 * MB), "big.pdf") == "pdf"
    with pytest.raises(essays.EssayError, match="超过 10 MB"):
        essays.check_file(pdf_bytes(10 * MB + 1), "big.pdf")


def test_a_safe_download_name():
    assert essays.safe_filename("../../etc/passwd.pdf", "pdf") == "passwd.pdf"
    assert essays.safe_filename('C:\\Users\\a\\关于"预算"改革.pdf', "pdf") == "关于_预算_改革.pdf"
    assert essays.safe_filename("evil\r\nX-Header: 1.docx", "docx") == "evil_X-Header_ 1.docx"
    assert essays.safe_filename("noext", "docx") == "noext.docx"


# --- recording -----------------------------------------------------------------------------------


def _upload(**overrides):
    data = {
        "author_staff_no": "T0001",
        "title": "关于优化预算绩效评价的建议",
        "topic": "预算管理",
        "submitted_on": "2026-04-01",
        "programme_id": "",
        "file": (io.BytesIO(pdf_bytes()), "策论.pdf"),
    }
    data.update(overrides)
    return data


def test_hr_uploads_an_essay_once_even_when_posted_twice(app, hr_client, org):
    first = hr_client.post("/training/essays/new", data=_upload())
    assert first.status_code == 302
    again = hr_client.post("/training/essays/new", data=_upload())
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    with app.app_context():
        essay = db.session.scalar(sa.select(Essay))
        assert (essay.file_type, essay.file_name, essay.file_data) == (
            "pdf",
            "策论.pdf",
            pdf_bytes(),
        )
        assert essay.author_id == org["own_cadre"] and essay.final_grade is None
    assert count_rows(app, Essay) == 1


def test_a_pdf_that_is_not_a_pdf_is_refused_and_nothing_written(app, hr_client, users):
    fake = hr_client.post(
        "/training/essays/new", data=_upload(file=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "a.pdf"))
    )
    assert fake.status_code == 400
    assert "内容不是有效的 PDF 或 DOCX" in fake.get_data(as_text=True)
    assert count_rows(app, Essay) == 0


def test_an_upload_of_ten_megabytes_and_one_byte_is_refused_with_a_message(app, hr_client, users):
    """Above the app's 8 MB request limit: the essay pages raise it, so the person reads
    why (not a bare 413), and nothing is written."""
    response = hr_client.post(
        "/training/essays/new", data=_upload(file=(io.BytesIO(pdf_bytes(10 * MB + 1)), "a.pdf"))
    )
    assert response.status_code == 400
    assert "超过 10 MB 的上限" in response.get_data(as_text=True)
    assert count_rows(app, Essay) == 0
    ok = hr_client.post(
        "/training/essays/new", data=_upload(file=(io.BytesIO(pdf_bytes(10 * MB)), "a.pdf"))
    )
    assert ok.status_code == 302 and count_rows(app, Essay) == 1


def test_a_docx_essay_and_its_download(app, hr_client, login_as, org):
    hr_client.post(
        "/training/essays/new",
        data=_upload(file=(io.BytesIO(docx_bytes()), "../x/关于*改革?.docx")),
    )
    with app.app_context():
        essay_id = db.session.scalar(sa.select(Essay.id))
    for client in (hr_client, login_as("cadre"), login_as("manager")):
        response = client.get(f"/training/essays/{essay_id}/download")
        assert response.status_code == 200
        assert response.mimetype == essays.FILE_TYPES["docx"]
        assert response.data == docx_bytes()
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="essay-')
        assert "filename*=UTF-8''%E5%85%B3%E4%BA%8E_%E6%94%B9%E9%9D%A9.docx" in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        downloads = db.session.scalars(
            sa.select(AuditEvent.actor_name).where(
                AuditEvent.object_type == "essay", AuditEvent.action == "download"
            )
        ).all()
    assert sorted(downloads) == ["cadre1", "hr1", "manager1"]


# --- reviewers and grades ------------------------------------------------------------------------


@pytest.fixture
def review_setup(app, make_user, users, org):
    """An essay by 李晓明 (预算处), and reviewers: HR, a manager of 国库处, a leader's cadre
    account; also the author's own account (users['cadre']) and a plain cadre account."""
    with app.app_context():
        treasury = db.session.get(Cadre, org["other_cadre"]).department
        leader = CadreFactory(staff_no="L0001", department=treasury, leadership_level="县处级正职")
        plain = CadreFactory(staff_no="P0001", department=treasury)
        essay = EssayFactory(author_id=org["own_cadre"], title="预算改革策论")
        db.session.commit()
        essay_id, leader_id, plain_id = essay.id, leader.id, plain.id
    return {
        "essay": essay_id,
        "hr": users["hr"],
        "other_manager": make_user("manager2", Role.MANAGER, section_ids=(org["treasury"],)),
        "leader": make_user("leader1", Role.CADRE, cadre_id=leader_id),
        "plain": make_user("plain1", Role.CADRE, cadre_id=plain_id),
        "author": users["cadre"],
        "manager": users["manager"],
    }


def _assign(hr_client, essay_id, *user_ids):
    return hr_client.post(
        f"/training/essays/{essay_id}/reviewers", data={"reviewers": [str(i) for i in user_ids]}
    )


def _client(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def _grade(client, essay_id, grade, comment=""):
    return client.post(
        f"/training/essays/{essay_id}/review", data={"grade": grade, "comment": comment}
    )


def _final(app, essay_id):
    with app.app_context():
        essay = db.session.get(Essay, essay_id)
        grades = [r.grade for r in essay.reviews if r.grade]
        assert essay.final_grade == rules.essay_grade(grades)  # always the rule's answer
        return essay.final_grade


def test_reviewer_assignment_rules(app, hr_client, review_setup, users):
    essay_id = review_setup["essay"]
    one = _assign(hr_client, essay_id, review_setup["other_manager"].id)
    assert one.status_code == 400 and "至少需要 2 名评审人" in one.get_data(as_text=True)
    author = _assign(hr_client, essay_id, review_setup["author"].id, review_setup["hr"].id)
    assert author.status_code == 400 and "作者本人不能评审" in author.get_data(as_text=True)
    admin = _assign(hr_client, essay_id, users["admin"].id, review_setup["hr"].id)
    assert admin.status_code == 400 and "不能担任评审人" in admin.get_data(as_text=True)
    plain = _assign(hr_client, essay_id, review_setup["plain"].id, review_setup["hr"].id)
    assert plain.status_code == 400 and "不是领导干部账号" in plain.get_data(as_text=True)
    assert count_rows(app, EssayReview) == 0
    ok = _assign(hr_client, essay_id, review_setup["other_manager"].id, review_setup["leader"].id)
    assert ok.status_code == 302
    twice = _assign(hr_client, essay_id, review_setup["leader"].id)
    assert twice.status_code == 400 and "已是本篇策论的评审人" in twice.get_data(as_text=True)
    assert count_rows(app, EssayReview) == 2


def test_two_reviewers_give_the_final_grade_and_then_grades_are_locked(
    app, hr_client, review_setup
):
    essay_id = review_setup["essay"]
    _assign(hr_client, essay_id, review_setup["other_manager"].id, review_setup["leader"].id)
    first = _client(app, review_setup["other_manager"])
    second = _client(app, review_setup["leader"])
    assert _grade(first, essay_id, "极好").status_code == 400  # not a grade
    assert _grade(first, essay_id, "优秀", "论证充分").status_code == 302
    assert _final(app, essay_id) is None  # one grade: no final yet
    assert _grade(first, essay_id, "良好", "再想想").status_code == 302  # may change: no final
    assert _grade(second, essay_id, "合格", "建议可行性一般").status_code == 302
    assert _final(app, essay_id) == "合格"  # (3 + 2) / 2 rounded down
    locked = _grade(first, essay_id, "优秀")
    assert locked.status_code == 302
    with app.app_context():
        grades = sorted(
            db.session.scalars(sa.select(EssayReview.grade).where(EssayReview.essay_id == essay_id))
        )
    assert grades == ["合格", "良好"]
    assert "已锁定" in first.get(f"/training/essays/{essay_id}/review").get_data(as_text=True)
    # the same grade posted twice is not a second change
    with app.app_context():
        before = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.object_type == "essay")
        )
    assert _grade(second, essay_id, "合格", "建议可行性一般").status_code == 302
    with app.app_context():
        after = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.object_type == "essay")
        )
    assert after == before


def test_three_reviewers_and_half_failing(app, hr_client, review_setup):
    essay_id = review_setup["essay"]
    reviewers = [review_setup[k] for k in ("other_manager", "leader", "hr")]
    _assign(hr_client, essay_id, *(u.id for u in reviewers))
    clients = [_client(app, u) for u in reviewers]
    _grade(clients[0], essay_id, "优秀")
    _grade(clients[1], essay_id, "不合格")
    assert _final(app, essay_id) == "不合格"  # half the graders say 不合格
    _grade(clients[2], essay_id, "优秀")  # the third still gives theirs: recomputed
    assert _final(app, essay_id) == "良好"  # (4 + 1 + 4) / 3 = 3


def test_a_reviewer_never_sees_another_grade_before_giving_theirs(app, hr_client, review_setup):
    essay_id = review_setup["essay"]
    users = [review_setup[k] for k in ("other_manager", "leader", "manager")]
    _assign(hr_client, essay_id, *(u.id for u in users))
    first, second, third = (_client(app, u) for u in users)
    _grade(first, essay_id, "优秀", "独到的见解ABC")
    _grade(second, essay_id, "良好", "数据翔实XYZ")
    assert _final(app, essay_id) == "良好"
    # the third reviewer is also the manager of the author's section: still blind
    for url in (
        f"/training/essays/{essay_id}",
        f"/training/essays/{essay_id}/review",
        "/training/essays/reviews",
        "/training/essays?year=2026",
        f"/cadres/{review_setup['author'].cadre_id}?tab=training",
    ):
        page = third.get(url).get_data(as_text=True)
        for secret in ("独到的见解ABC", "数据翔实XYZ", 'data-grade="优秀"', 'data-grade="良好"'):
            assert secret not in page, (url, secret)
        if not url.endswith("/review"):  # (the grading form offers every grade)
            assert "<strong>良好" not in page and "<td>良好</td>" not in page, url
    # filtering by grade tells nothing either: still "under review" to the third reviewer
    pending = third.get("/training/essays?year=2026&grade=pending").get_data(as_text=True)
    assert f'data-essay="{essay_id}"' in pending
    graded = third.get("/training/essays?year=2026&grade=良好").get_data(as_text=True)
    assert f'data-essay="{essay_id}"' not in graded
    _grade(third, essay_id, "合格", "一般")
    page = third.get(f"/training/essays/{essay_id}").get_data(as_text=True)
    assert "独到的见解ABC" in page and "数据翔实XYZ" in page
    assert review_setup["other_manager"].username not in page  # names stay with HR


def test_the_author_sees_grades_without_names_after_the_final_grade(
    app, hr_client, login_as, review_setup
):
    essay_id = review_setup["essay"]
    _assign(hr_client, essay_id, review_setup["other_manager"].id, review_setup["leader"].id)
    author = login_as("cadre")
    _grade(_client(app, review_setup["other_manager"]), essay_id, "良好", "结构清楚")
    assert "结构清楚" not in author.get(f"/training/essays/{essay_id}").get_data(as_text=True)
    _grade(_client(app, review_setup["leader"]), essay_id, "良好", "对策具体")
    page = author.get(f"/training/essays/{essay_id}").get_data(as_text=True)
    assert "结构清楚" in page and "对策具体" in page
    assert "leader1" not in page and "manager2" not in page
    hr_page = hr_client.get(f"/training/essays/{essay_id}").get_data(as_text=True)
    assert "leader1" in hr_page or "结构清楚" in hr_page  # HR sees every review
    me = author.get("/me?tab=training").get_data(as_text=True)
    section = me.split('data-testid="profile-essays"')[1].split("</table>")[0]
    assert "预算改革策论" in section and "良好" in section and "8" in section  # 8 学时


def test_hr_removes_a_reviewer_only_before_they_grade(app, hr_client, review_setup):
    essay_id = review_setup["essay"]
    _assign(hr_client, essay_id, review_setup["other_manager"].id, review_setup["leader"].id)
    _grade(_client(app, review_setup["leader"]), essay_id, "合格")
    with app.app_context():
        reviews = {
            r.reviewer_id: r.id
            for r in db.session.scalars(
                sa.select(EssayReview).where(EssayReview.essay_id == essay_id)
            )
        }
    graded = hr_client.post(
        f"/training/essays/{essay_id}/reviewers/{reviews[review_setup['leader'].id]}/remove"
    )
    assert graded.status_code == 400 and "不能移除" in graded.get_data(as_text=True)
    pending = hr_client.post(
        f"/training/essays/{essay_id}/reviewers/{reviews[review_setup['other_manager'].id]}/remove"
    )
    assert pending.status_code == 302 and count_rows(app, EssayReview) == 1


# --- 采纳 ----------------------------------------------------------------------------------------


def test_hr_marks_an_essay_adopted_with_date_and_note(app, hr_client, review_setup):
    essay_id = review_setup["essay"]
    url = f"/training/essays/{essay_id}/adopt"
    early = hr_client.post(url, data={"adopted_on": "2026-03-01", "adopted_note": ""})
    assert early.status_code == 400 and "不能早于提交日期" in early.get_data(as_text=True)
    data = {"adopted_on": "2026-05-20", "adopted_note": "局党组会采纳"}
    assert hr_client.post(url, data=data).status_code == 302
    assert hr_client.post(url, data=data).status_code == 302  # posted twice: one change
    with app.app_context():
        essay = db.session.get(Essay, essay_id)
        assert (essay.adopted, essay.adopted_on, essay.adopted_note) == (
            True,
            date(2026, 5, 20),
            "局党组会采纳",
        )
        events = db.session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.object_type == "essay")
        ).all()
    assert sum("标记为采纳" in (s or "") for s in events) == 1
    page = hr_client.get("/training/essays?year=2026&adopted=1").get_data(as_text=True)
    assert "预算改革策论" in page
    assert hr_client.post(url, data={"undo": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Essay, essay_id).adopted is False


# --- who reads what ------------------------------------------------------------------------------


def test_reviewers_authors_and_managers_read_only_what_is_theirs(
    app, hr_client, login_as, review_setup, org
):
    essay_id = review_setup["essay"]
    with app.app_context():
        stranger_essay = EssayFactory(author_id=org["other_cadre"], title="国库处的策论").id
        db.session.commit()
    _assign(hr_client, essay_id, review_setup["other_manager"].id, review_setup["leader"].id)
    reviewer = _client(app, review_setup["leader"])
    assert reviewer.get(f"/training/essays/{essay_id}").status_code == 200
    assert reviewer.get(f"/training/essays/{essay_id}/download").status_code == 200
    assert reviewer.get(f"/training/essays/{stranger_essay}").status_code == 404
    assert reviewer.get(f"/training/essays/{stranger_essay}/download").status_code == 404
    assert reviewer.get("/training/essays").status_code == 403  # the list is HR's and managers'
    author = login_as("cadre")
    assert author.get(f"/training/essays/{essay_id}").status_code == 200
    assert author.get(f"/training/essays/{stranger_essay}/download").status_code == 404
    assert author.get(f"/training/essays/{essay_id}/review").status_code == 404
    manager = login_as("manager")  # leads 预算处, the author's section
    assert manager.get(f"/training/essays/{essay_id}").status_code == 200
    assert manager.get(f"/training/essays/{stranger_essay}").status_code == 404
    page = manager.get("/training/essays?year=2026").get_data(as_text=True)
    assert "预算改革策论" in page and "国库处的策论" not in page
    # the other manager reviews it, though it is not their section's; nothing else of 预算处
    other = _client(app, review_setup["other_manager"])
    assert other.get(f"/training/essays/{essay_id}").status_code == 200
    assert "预算改革策论" not in other.get("/training/essays?year=2026").get_data(as_text=True)
    assert other.post(f"/training/essays/{essay_id}/adopt", data={}).status_code == 403


def test_the_dashboard_points_a_reviewer_to_their_essays(app, hr_client, review_setup):
    essay_id = review_setup["essay"]
    leader = _client(app, review_setup["leader"])
    assert 'data-testid="essay-review-panel"' not in leader.get("/").get_data(as_text=True)
    _assign(hr_client, essay_id, review_setup["other_manager"].id, review_setup["leader"].id)
    panel = leader.get("/").get_data(as_text=True)
    assert 'data-testid="essay-review-panel"' in panel and "待评定 1 篇" in panel
    queue = leader.get("/training/essays/reviews").get_data(as_text=True)
    assert "预算改革策论" in queue
    _grade(leader, essay_id, "良好")
    assert "均已评定" in leader.get("/").get_data(as_text=True)


def test_an_essay_edit_replaces_the_file_only_when_one_is_given(app, hr_client, review_setup):
    essay_id = review_setup["essay"]
    data = {
        "author_staff_no": "T0001",
        "title": "预算改革策论（修改稿）",
        "topic": "",
        "submitted_on": "2026-04-01",
        "programme_id": "",
    }
    assert hr_client.post(f"/training/essays/{essay_id}/edit", data=data).status_code == 302
    with app.app_context():
        essay = db.session.get(Essay, essay_id)
        assert essay.title == "预算改革策论（修改稿）" and essay.file_data == pdf_bytes()
    bad = dict(data, file=(io.BytesIO(b"nope"), "x.docx"))
    assert hr_client.post(f"/training/essays/{essay_id}/edit", data=bad).status_code == 400
    good = dict(data, file=(io.BytesIO(docx_bytes()), "修改稿.docx"))
    assert hr_client.post(f"/training/essays/{essay_id}/edit", data=good).status_code == 302
    with app.app_context():
        essay = db.session.get(Essay, essay_id)
        assert (essay.file_type, essay.file_name) == ("docx", "修改稿.docx")


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_nine_megabyte_essay_passes_the_csrf_check_above_the_app_request_limit(
    app, users, csrf_on
):
    """The CSRF check reads the body before the view: the essay pages raise the request
    limit (8 MB for the app) before it does, so a 9 MB essay with its token is accepted and
    one without a token is still refused."""
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert login(client, "hr1", csrf_token=token).status_code == 302
    form = client.get("/training/essays/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    big = _upload(file=(io.BytesIO(pdf_bytes(9 * MB)), "big.pdf"))
    assert client.post("/training/essays/new", data=big).status_code == 400  # no token
    assert count_rows(app, Essay) == 0
    big = _upload(file=(io.BytesIO(pdf_bytes(9 * MB)), "big.pdf"), csrf_token=token)
    assert client.post("/training/essays/new", data=big).status_code == 302
    assert count_rows(app, Essay) == 1
    # the limit is raised on the essay upload pages only
    other = client.post(
        "/training/lectures/new", data={"csrf_token": token, "notes": "x" * (9 * MB)}
    )
    assert other.status_code == 413


@pytest.mark.committed  # two threads, each with its own connection
def test_two_reviewers_grading_at_once_bothcount_rows(app, make_user, users, org):
    """Each grading locks the essay and reads the grades back after writing its own, so the
    second of two simultaneous gradings sees the first and the final grade is set."""
    import threading

    with app.app_context():
        essay = EssayFactory(author_id=org["own_cadre"])
        db.session.commit()
        essay_id = essay.id
    reviewers = [make_user(f"rev{i}", Role.HR) for i in range(2)]
    with app.app_context():
        for user in reviewers:
            db.session.add(EssayReview(essay_id=essay_id, reviewer_id=user.id))
        db.session.commit()
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def grade(user_id: int, value: str) -> None:
        try:
            with app.app_context():
                review = db.session.scalar(
                    sa.select(EssayReview).where(
                        EssayReview.essay_id == essay_id, EssayReview.reviewer_id == user_id
                    )
                )
                barrier.wait(timeout=10)
                essays.submit_grade(review, value, None, actor=f"u{user_id}")
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [
        threading.Thread(target=grade, args=(reviewers[0].id, "优秀")),
        threading.Thread(target=grade, args=(reviewers[1].id, "合格")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert _final(app, essay_id) == "良好"  # (4 + 2) / 2


def test_the_file_is_the_last_column_of_an_essay_row_on_sqlite(app):
    """Migration 0010 (and the model): on SQLite every column read by the lists lies
    before the file's overflow pages (PostgreSQL keeps large values out of line)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite storage matter")
        columns = [row[1] for row in db.session.execute(sa.text("PRAGMA table_info(essay)"))]
    assert columns[-1] == "file_data"
