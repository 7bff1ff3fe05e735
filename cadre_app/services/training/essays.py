"""策论: a cadre's policy essay (the file itself, PDF or DOCX ≤ 10 MB, kept in the database),
its reviewers (two or more user accounts assigned by HR), their grades and the final grade,
and adoption (采纳).

Services flush and never commit; the view owns the transaction. Every change is audited
(object type ``essay``).

Rules kept here:
- the file's real type is read from its bytes, not its name: a PDF starts ``%PDF-``; a DOCX is
  a ZIP holding ``word/document.xml``; the name's extension must say the same; at most 10 MB;
- reviewers are HR or manager accounts, or an account linked to a cadre who holds a leading
  post (领导职务); never the author's own account, never twice; at least two in all;
- the final grade is always ``rules.essay_grade`` of the grades given (None until two have
  graded), recomputed whenever a grade comes in;
- a reviewer changes their grade only while the essay has no final grade; once it has one,
  the grades given are locked (a third reviewer may still give theirs, which recomputes it);
- a reviewer never sees another's grade, nor the final grade, before giving their own.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Essay, EssayReview, Role, User
from cadre_app.models.training import ESSAY_GRADES, Programme
from cadre_app.services.core import audit, settings
from cadre_app.services.training import ledger, rules

MAX_FILE_BYTES = 10 * 1024 * 1024
MIN_REVIEWERS = 2
TITLE_MAX = 200
TOPIC_MAX = 200
COMMENT_MAX = 2000
NOTE_MAX = 500
FILE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
#: Roles whose accounts may review (a cadre account only when its cadre holds a leading post).
REVIEWER_ROLES = (Role.HR, Role.MANAGER, Role.CADRE)


class EssayError(ValueError):
    """A rule was broken; ``errors`` are (field or None, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class DuplicateEssay(Exception):
    """The same author, title and submission date are already recorded (a form posted twice)."""

    def __init__(self, essay: Essay):
        super().__init__(f"duplicate of essay {essay.id}")
        self.essay = essay


class GradeLocked(Exception):
    """The essay has its final grade: the grades given can no longer change."""


class AlreadyDone(Exception):
    """The same grade and comment were already given (a form posted twice)."""


def grade_labels() -> dict[str, str]:
    """Each stored grade in the UI's language."""
    return {"优秀": _("优秀"), "良好": _("良好"), "合格": _("合格"), "不合格": _("不合格")}


def grade_rule_text() -> str:
    """``rules.essay_grade`` in words, stated on the pages."""
    return _(
        "最终等次：至少两名评审人评定后产生。各评审等次按 优秀 4、良好 3、合格 2、不合格 1 计分，"
        "取平均分向下取整对应的等次（两个等次之间取较低者）；半数或以上评审人评为不合格的，"
        "最终为不合格。合格及以上计入学时。"
    )


# --- the file ---------------------------------------------------------------------------------


def file_type_of(data: bytes) -> str | None:
    """'pdf' or 'docx' by the bytes themselves; None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except (zipfile.BadZipFile, ValueError):
            return None
    return None


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_filename(name: str, file_type: str) -> str:
    """A file name fit for a download header and a disk: no folders, no control or reserved
    characters, at most 100 characters, ending with the real type's extension."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._") or _("策论")
    return f"{stem[:95]}.{file_type}"


def check_file(data: bytes, filename: str) -> str:
    """The file's type ('pdf' or 'docx'), or EssayError naming what is wrong with it."""
    if not data:
        raise EssayError([("file", _("请选择策论文件（PDF 或 DOCX）。"))])
    if len(data) > MAX_FILE_BYTES:
        size = len(data) / 1024 / 1024
        raise EssayError(
            [
                (
                    "file",
                    _(
                        "文件大小 %(size).1f MB，超过 10 MB 的上限。",
                        size=math.floor(size * 10) / 10,
                    ),
                )
            ]
        )
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if extension not in FILE_TYPES:
        raise EssayError([("file", _("只接受 PDF（.pdf）或 Word（.docx）文件。"))])
    real = file_type_of(data)
    if real is None:
        raise EssayError(
            [
                (
                    "file",
                    _("文件扩展名为 .%(ext)s，但内容不是有效的 PDF 或 DOCX 文件。", ext=extension),
                )
            ]
        )
    if real != extension:
        raise EssayError(
            [
                (
                    "file",
                    _(
                        "文件扩展名为 .%(ext)s，但内容是 %(real)s 文件：请改正扩展名后再上传。",
                        ext=extension,
                        real=real.upper(),
                    ),
                )
            ]
        )
    return real


# --- essays -----------------------------------------------------------------------------------

FIELDS = ("author_id", "title", "topic", "submitted_on", "programme_id")


def snapshot(essay: Essay) -> dict[str, Any]:
    values = {attr: getattr(essay, attr) for attr in FIELDS}
    values |= {"file_name": essay.file_name, "file_size": essay.file_size}
    values |= {"final_grade": essay.final_grade, "adopted": essay.adopted}
    return values


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}


def _check(values: dict[str, Any], *, today: date) -> Cadre | None:
    errors: list[tuple[str | None, str]] = []
    author = None
    if values.get("author_id") is None:
        errors.append(("author_id", _("请选择作者。")))
    else:
        author = db.session.get(Cadre, values["author_id"])
        if author is None:
            errors.append(("author_id", _("名册中没有这名作者。")))
    if not values.get("title"):
        errors.append(("title", _("请填写策论题目。")))
    elif len(values["title"]) > TITLE_MAX:
        errors.append(("title", _("策论题目不能超过 %(n)d 字。", n=TITLE_MAX)))
    if values.get("topic") and len(values["topic"]) > TOPIC_MAX:
        errors.append(("topic", _("选题方向不能超过 %(n)d 字。", n=TOPIC_MAX)))
    submitted = values.get("submitted_on")
    if submitted is None:
        errors.append(("submitted_on", _("请填写提交日期。")))
    elif submitted > today:
        errors.append(("submitted_on", _("提交日期不能晚于今天。")))
    if values.get("programme_id") is not None and (
        db.session.get(Programme, values["programme_id"]) is None
    ):
        errors.append(("programme_id", _("没有这个培养项目。")))
    if errors:
        raise EssayError(errors)
    return author


def _find_same(author_id: int, title: str, submitted_on: date) -> Essay | None:
    return db.session.scalar(
        sa.select(Essay).where(
            Essay.author_id == author_id, Essay.title == title, Essay.submitted_on == submitted_on
        )
    )


def create_essay(
    values: dict[str, Any],
    file_name: str,
    data: bytes,
    *,
    actor: str | None,
    today: date,
) -> Essay:
    """Record an essay with its file. Raises EssayError (every problem of the fields and the
    file at once), or DuplicateEssay for the same author, title and date."""
    values = _clean({k: values.get(k) for k in FIELDS})
    errors: list[tuple[str | None, str]] = []
    author = None
    try:
        author = _check(values, today=today)
    except EssayError as error:
        errors += error.errors
    file_type = None
    try:
        file_type = check_file(data, file_name)
    except EssayError as error:
        errors += error.errors
    if errors:
        raise EssayError(errors)
    assert author is not None and file_type is not None
    same = _find_same(author.id, values["title"], values["submitted_on"])
    if same is not None:
        raise DuplicateEssay(same)
    version, _value = settings.current(rules.SETTINGS_KEY)
    essay = Essay(
        **values,
        file_name=safe_filename(file_name, file_type),
        file_type=file_type,
        file_size=len(data),
        file_data=data,
        settings_version=version,
        created_by=actor,
    )
    db.session.add(essay)
    db.session.flush()
    audit.record(
        "create",
        object_type="essay",
        object_id=essay.id,
        summary=_("登记策论：%(author)s《%(title)s》", author=author.name, title=essay.title),
        after=snapshot(essay),
        actor_name=actor,
    )
    return essay


def update_essay(
    essay: Essay,
    values: dict[str, Any],
    file_name: str | None,
    data: bytes | None,
    *,
    actor: str | None,
    today: date,
) -> list[str]:
    """Change the record and, when a file is given, replace the file. Returns the names of
    the fields changed."""
    values = _clean({k: values.get(k) for k in FIELDS})
    errors: list[tuple[str | None, str]] = []
    try:
        _check(values, today=today)
    except EssayError as error:
        errors += error.errors
    file_type = None
    if data:
        try:
            file_type = check_file(data, file_name or "")
        except EssayError as error:
            errors += error.errors
    if values.get("author_id") is not None and values["author_id"] != essay.author_id:
        reviewer_cadres = set(
            db.session.scalars(
                sa.select(User.cadre_id)
                .join(EssayReview, EssayReview.reviewer_id == User.id)
                .where(EssayReview.essay_id == essay.id)
            )
        )
        if values["author_id"] in reviewer_cadres:
            errors.append(("author_id", _("作者不能是本篇策论的评审人。")))
    if errors:
        raise EssayError(errors)
    same = _find_same(values["author_id"], values["title"], values["submitted_on"])
    if same is not None and same.id != essay.id:
        raise EssayError([("title", _("已登记同一作者、同一日期、同一题目的策论。"))])
    before = snapshot(essay)
    old_author, old_year = essay.author_id, essay.submitted_on.year
    changed = [k for k in FIELDS if getattr(essay, k) != values[k]]
    for key in changed:
        setattr(essay, key, values[key])
    if data and file_type:
        essay.file_name = safe_filename(file_name or "", file_type)
        essay.file_type, essay.file_size, essay.file_data = file_type, len(data), data
        changed += ["file_name", "file_size"]
    if not changed:
        return []
    db.session.flush()
    if "author_id" in changed or "submitted_on" in changed:
        ledger.refresh_years([old_author, essay.author_id], [old_year, essay.submitted_on.year])
    after = snapshot(essay)
    audit.record(
        "update",
        object_type="essay",
        object_id=essay.id,
        summary=_("修改策论《%(title)s》", title=essay.title),
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        actor_name=actor,
    )
    return changed


def delete_essay(essay: Essay, *, actor: str | None) -> None:
    audit.record(
        "delete",
        object_type="essay",
        object_id=essay.id,
        summary=_("删除策论《%(title)s》", title=essay.title),
        before=snapshot(essay),
        actor_name=actor,
    )
    author_id, year = essay.author_id, essay.submitted_on.year
    db.session.delete(essay)
    db.session.flush()
    ledger.refresh_years([author_id], [year])


# --- reviewers --------------------------------------------------------------------------------


def eligible_reviewers(essay: Essay | None = None) -> list[User]:
    """Accounts that may review: HR, managers, and accounts linked to a cadre with a leading
    post; enabled; not the author's own account."""
    leader = sa.and_(User.role == Role.CADRE, Cadre.leadership_level.is_not(None))
    stmt = (
        sa.select(User)
        .outerjoin(Cadre, Cadre.id == User.cadre_id)
        .where(
            User.is_enabled.is_(True),
            sa.or_(User.role.in_((Role.HR, Role.MANAGER)), leader),
        )
        .order_by(User.role, User.username)
    )
    if essay is not None:
        stmt = stmt.where(sa.or_(User.cadre_id.is_(None), User.cadre_id != essay.author_id))
    return list(db.session.scalars(stmt))


def user_label(user: User) -> str:
    """How an account is named on the pages: the person's name, else the cadre's, else the
    login name."""
    return user.real_name or (user.cadre.name if user.cadre else "") or user.username


def _reviewer_problem(user: User | None, essay: Essay) -> str | None:
    if user is None or not user.is_enabled:
        return _("没有这个账号，或账号已停用。")
    if user.cadre_id is not None and user.cadre_id == essay.author_id:
        return _("作者本人不能评审自己的策论。")
    if user.role not in REVIEWER_ROLES:
        return _(
            "%(name)s的账号不能担任评审人（系统管理员、审计员不阅看人事材料）。",
            name=user_label(user),
        )
    if user.role is Role.CADRE and (user.cadre is None or not user.cadre.leadership_level):
        return _("%(name)s不是领导干部账号，不能担任评审人。", name=user_label(user))
    return None


def assign_reviewers(essay: Essay, user_ids: Iterable[int], *, actor: str | None) -> list[str]:
    """Add reviewers. Each must be eligible and not assigned yet, and the essay must then have
    at least two. Returns the names added."""
    wanted = list(dict.fromkeys(user_ids))
    assigned = {r.reviewer_id for r in essay.reviews}
    errors: list[tuple[str | None, str]] = []
    users = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted or [-1])))
    }
    for user_id in wanted:
        user = users.get(user_id)
        problem = _reviewer_problem(user, essay)
        if problem:
            errors.append(("reviewers", problem))
        elif user_id in assigned:
            errors.append(("reviewers", _("%(name)s已是本篇策论的评审人。", name=user_label(user))))
    if not wanted:
        errors.append(("reviewers", _("请选择评审人。")))
    elif not errors and len(assigned) + len(wanted) < MIN_REVIEWERS:
        errors.append(("reviewers", _("每篇策论至少需要 %(n)d 名评审人。", n=MIN_REVIEWERS)))
    if errors:
        raise EssayError(errors)
    names = []
    for user_id in wanted:
        essay.reviews.append(EssayReview(reviewer_id=user_id))
        names.append(user_label(users[user_id]))
    db.session.flush()
    audit.record(
        "update",
        object_type="essay",
        object_id=essay.id,
        summary=_("《%(title)s》指定评审人：%(names)s", title=essay.title, names="、".join(names)),
        after={"reviewers_added": names},
        actor_name=actor,
    )
    return names


def remove_reviewer(review: EssayReview, *, actor: str | None) -> None:
    """Take off a reviewer who has not graded yet (a grade given stays)."""
    if review.grade is not None:
        raise EssayError([(None, _("该评审人已经评定等次，不能移除。"))])
    essay = review.essay
    user = db.session.get(User, review.reviewer_id)
    name = user_label(user) if user else str(review.reviewer_id)
    essay.reviews.remove(review)
    db.session.flush()
    audit.record(
        "update",
        object_type="essay",
        object_id=essay.id,
        summary=_("《%(title)s》移除评审人：%(name)s", title=essay.title, name=name),
        before={"reviewer": name},
        actor_name=actor,
    )


def _lock(essay: Essay) -> None:
    """Hold the essay's row until the transaction ends (PostgreSQL; SQLite's write lock does
    the same once the grade is written), so two reviewers grading at once both count."""
    db.session.execute(sa.select(Essay.id).where(Essay.id == essay.id).with_for_update())


def submit_grade(
    review: EssayReview, grade: str, comment: str | None, *, actor: str | None
) -> None:
    """A reviewer's grade and comment; the final grade is recomputed. Raises EssayError for a
    bad grade, GradeLocked when a given grade would change after the final grade exists,
    AlreadyDone when nothing changes."""
    comment = (comment or "").strip() or None
    if grade not in ESSAY_GRADES:
        raise EssayError([("grade", _("等次须为：%(g)s。", g="、".join(grade_labels().values())))])
    if comment and len(comment) > COMMENT_MAX:
        raise EssayError([("comment", _("评语不能超过 %(n)d 字。", n=COMMENT_MAX))])
    essay = review.essay
    _lock(essay)
    db.session.refresh(essay, ["final_grade"])
    db.session.refresh(review, ["grade", "comment"])
    if review.grade is not None and (review.grade, review.comment) == (grade, comment):
        raise AlreadyDone()
    if review.grade is not None and essay.final_grade is not None:
        raise GradeLocked()
    before = {"grade": review.grade, "comment": review.comment}
    review.grade, review.comment, review.graded_at = grade, comment, utcnow()
    db.session.flush()
    final_before = essay.final_grade
    recompute_final(essay)
    audit.record(
        "update",
        object_type="essay",
        object_id=essay.id,
        summary=_("《%(title)s》评审人评定等次", title=essay.title),
        before=before | {"final_grade": final_before},
        after={"grade": grade, "comment": comment, "final_grade": essay.final_grade},
        actor_name=actor,
    )


def recompute_final(essay: Essay) -> None:
    """``final_grade`` = ``rules.essay_grade`` of the grades stored (read back from the
    database, so a grade another reviewer just committed counts)."""
    grades = db.session.scalars(
        sa.select(EssayReview.grade).where(
            EssayReview.essay_id == essay.id, EssayReview.grade.is_not(None)
        )
    ).all()
    final = rules.essay_grade(grades)
    if final != essay.final_grade:
        essay.final_grade = final
        essay.graded_at = utcnow() if final is not None else None
        db.session.flush()
        ledger.refresh_years([essay.author_id], [essay.submitted_on.year])
    db.session.flush()


def adopt(
    essay: Essay, adopted_on: date, note: str | None, *, actor: str | None, today: date
) -> None:
    """Mark the essay 采纳 (adopted by the leaders) on a date, with a note."""
    note = (note or "").strip() or None
    errors: list[tuple[str | None, str]] = []
    if adopted_on > today:
        errors.append(("adopted_on", _("采纳日期不能晚于今天。")))
    elif adopted_on < essay.submitted_on:
        errors.append(("adopted_on", _("采纳日期不能早于提交日期。")))
    if note and len(note) > NOTE_MAX:
        errors.append(("adopted_note", _("采纳说明不能超过 %(n)d 字。", n=NOTE_MAX)))
    if errors:
        raise EssayError(errors)
    before = {
        "adopted": essay.adopted,
        "adopted_on": essay.adopted_on,
        "adopted_note": essay.adopted_note,
    }
    after = {"adopted": True, "adopted_on": adopted_on, "adopted_note": note}
    if before == after:
        raise AlreadyDone()
    essay.adopted, essay.adopted_on, essay.adopted_note = True, adopted_on, note
    db.session.flush()
    audit.record(
        "update",
        object_type="essay",
        object_id=essay.id,
        summary=_("《%(title)s》标记为采纳", title=essay.title),
        before=before,
        after=after,
        actor_name=actor,
    )


def unadopt(essay: Essay, *, actor: str | None) -> None:
    if not essay.adopted:
        raise AlreadyDone()
    before = {"adopted": True, "adopted_on": essay.adopted_on, "adopted_note": essay.adopted_note}
    essay.adopted, essay.adopted_on, essay.adopted_note = False, None, None
    db.session.flush()
    audit.record(
        "update",
        object_type="essay",
        object_id=essay.id,
        summary=_("《%(title)s》取消采纳", title=essay.title),
        before=before,
        after={"adopted": False, "adopted_on": None, "adopted_note": None},
        actor_name=actor,
    )


def record_download(essay: Essay, *, actor: str | None) -> bytes:
    """The file's bytes; the download is audited (the caller commits)."""
    data = db.session.scalar(sa.select(Essay.file_data).where(Essay.id == essay.id))
    audit.record(
        "download",
        object_type="essay",
        object_id=essay.id,
        summary=_("下载策论《%(title)s》", title=essay.title),
        actor_name=actor,
    )
    return data or b""


# --- who sees what ----------------------------------------------------------------------------


def load(essay_id: int) -> Essay | None:
    return db.session.get(
        Essay,
        essay_id,
        options=[
            so.joinedload(Essay.author).joinedload(Cadre.department),
            so.selectinload(Essay.reviews),
        ],
    )


def review_of(essay: Essay, user: Any) -> EssayReview | None:
    return next((r for r in essay.reviews if r.reviewer_id == getattr(user, "id", None)), None)


def may_read(essay: Essay, user: Any, visible_departments: Sequence[int] | None) -> bool:
    """HR; a manager of the author's section; an assigned reviewer; the author."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role is Role.HR:
        return True
    if review_of(essay, user) is not None:
        return True
    if user.role is Role.MANAGER and visible_departments is not None:
        return essay.author.department_id in set(visible_departments)
    return user.cadre_id is not None and user.cadre_id == essay.author_id


@dataclass(frozen=True)
class ReviewView:
    """What a reader sees of one review."""

    label: str  # the reviewer's name (HR) or 评审人 1, 2 …
    grade: str | None
    comment: str | None
    graded_at: Any
    review_id: int
    removable: bool


def visible_reviews(essay: Essay, user: Any) -> dict[str, Any]:
    """What ``user`` may see of the reviews (the page states it in words):

    - an assigned reviewer who has not graded yet: nothing of the others, no final grade;
    - HR: every review with the reviewer's name;
    - a reviewer who has graded: every grade and comment, without the others' names;
    - the author and managers: the final grade once it exists, and then the grades and
      comments without reviewers' names.
    """
    mine = review_of(essay, user)
    blind = mine is not None and mine.grade is None
    if blind:
        return {"blind": True, "final": None, "reviews": [], "named": False}
    named = user.role is Role.HR
    if not named and mine is None and essay.final_grade is None:
        return {"blind": False, "final": None, "reviews": [], "named": False}
    ids = [r.reviewer_id for r in essay.reviews]
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids or [-1])))}
    views = []
    for n, review in enumerate(sorted(essay.reviews, key=lambda r: r.id), start=1):
        if named:
            label = user_label(users[review.reviewer_id]) if review.reviewer_id in users else "—"
        elif review is mine:
            label = _("我")
        else:
            label = _("评审人 %(n)d", n=n)
        if not named and review.grade is None:
            continue
        views.append(
            ReviewView(
                label,
                review.grade,
                review.comment,
                review.graded_at,
                review.id,
                review.grade is None,
            )
        )
    return {"blind": False, "final": essay.final_grade, "reviews": views, "named": named}


def pending_essay_ids(user: Any) -> set[int]:
    """Essays ``user`` is to review and has not graded: their grades stay hidden to them."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        db.session.scalars(
            sa.select(EssayReview.essay_id).where(
                EssayReview.reviewer_id == user.id, EssayReview.grade.is_(None)
            )
        )
    )


# --- lists ------------------------------------------------------------------------------------


@dataclass
class EssayFilters:
    year: int
    department_id: int | None = None
    grade: str | None = None  # a grade, or "pending" (no final grade yet)
    adopted: bool = False
    q: str | None = None


@dataclass(frozen=True)
class EssayRow:
    id: int
    title: str
    topic: str | None
    submitted_on: date
    author_id: int
    author_name: str
    department: str
    final_grade: str | None
    adopted: bool
    reviewers: int
    graded: int


def list_essays(
    filters: EssayFilters, *, visible_departments: Sequence[int] | None, hidden: set[int]
) -> list[EssayRow]:
    """The year's essays (by submission date), newest first. ``hidden``: essays whose final
    grade the reader may not see yet (they are to review them)."""
    in_year = [
        Essay.submitted_on >= date(filters.year, 1, 1),
        Essay.submitted_on <= date(filters.year, 12, 31),
    ]
    counts = (
        sa.select(
            EssayReview.essay_id.label("essay_id"),
            sa.func.count().label("reviewers"),
            sa.func.count(EssayReview.grade).label("graded"),
        )
        .where(EssayReview.essay_id.in_(sa.select(Essay.id).where(*in_year)))
        .group_by(EssayReview.essay_id)
        .subquery()
    )
    conditions: list[Any] = list(in_year)
    if visible_departments is not None:
        conditions.append(Cadre.department_id.in_(list(visible_departments) or [-1]))
    if filters.department_id:
        conditions.append(Cadre.department_id == filters.department_id)
    if filters.grade == "pending":  # as the reader sees it: hidden final grades count as none
        pending = Essay.final_grade.is_(None)
        conditions.append(sa.or_(pending, Essay.id.in_(hidden)) if hidden else pending)
    elif filters.grade:
        conditions.append(Essay.final_grade == filters.grade)
        if hidden:
            conditions.append(Essay.id.not_in(hidden))
    if filters.adopted:
        conditions.append(Essay.adopted.is_(True))
    if filters.q:
        like = f"%{filters.q.replace('%', '').replace('_', '')}%"
        conditions.append(
            sa.or_(
                Essay.title.like(like),
                Essay.topic.like(like),
                Cadre.name.like(like),
                Cadre.staff_no.like(like),
            )
        )
    stmt = (
        sa.select(
            Essay.id,
            Essay.title,
            Essay.topic,
            Essay.submitted_on,
            Essay.author_id,
            Cadre.name,
            Department.name,
            Essay.final_grade,
            Essay.adopted,
            sa.func.coalesce(counts.c.reviewers, 0),
            sa.func.coalesce(counts.c.graded, 0),
        )
        .join(Cadre, Cadre.id == Essay.author_id)
        .join(Department, Department.id == Cadre.department_id)
        .outerjoin(counts, counts.c.essay_id == Essay.id)
        .where(*conditions)
        .order_by(Essay.submitted_on.desc(), Essay.id.desc())
    )
    rows = []
    for row in db.session.execute(stmt):
        values = list(row)
        if values[0] in hidden:
            values[7] = None
            values[10] = 0
        rows.append(EssayRow(*values))
    return rows


def years() -> list[int]:
    found = db.session.scalars(
        sa.select(sa.func.distinct(sa.extract("year", Essay.submitted_on)))
    ).all()
    return sorted({int(y) for y in found if y is not None}, reverse=True)


@dataclass(frozen=True)
class ToReview:
    essay_id: int
    review_id: int
    title: str
    author_name: str
    submitted_on: date
    grade: str | None
    final_grade: str | None
    assigned_at: Any


def to_review(user_id: int) -> list[ToReview]:
    """The essays assigned to a reviewer: those still to grade first, then the graded, each
    by submission date."""
    stmt = (
        sa.select(
            Essay.id,
            EssayReview.id,
            Essay.title,
            Cadre.name,
            Essay.submitted_on,
            EssayReview.grade,
            Essay.final_grade,
            EssayReview.assigned_at,
        )
        .join(EssayReview, EssayReview.essay_id == Essay.id)
        .join(Cadre, Cadre.id == Essay.author_id)
        .where(EssayReview.reviewer_id == user_id)
        .order_by(EssayReview.grade.is_not(None), Essay.submitted_on, Essay.id)
    )
    rows = []
    for row in db.session.execute(stmt):
        values = list(row)
        if values[5] is None:
            values[6] = None  # no final grade shown before giving one's own
        rows.append(ToReview(*values))
    return rows


def pending_count(user_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                EssayReview.reviewer_id == user_id, EssayReview.grade.is_(None)
            )
        )
        or 0
    )


@dataclass(frozen=True)
class CadreEssay:
    id: int
    title: str
    submitted_on: date
    final_grade: str | None
    adopted: bool
    adopted_on: date | None
    credit: Any


def for_cadre(cadre_id: int, *, hidden: set[int]) -> list[CadreEssay]:
    """The cadre's essays, newest first, with the grade and the 学时 each earns."""
    from cadre_app.services.training import settings_ops

    essays = db.session.scalars(
        sa.select(Essay)
        .where(Essay.author_id == cadre_id)
        .order_by(Essay.submitted_on.desc(), Essay.id.desc())
    ).all()
    rows = []
    for essay in essays:
        grade = None if essay.id in hidden else essay.final_grade
        credit = rules.essay_credit(grade, settings_ops.values_of(essay.settings_version))
        rows.append(
            CadreEssay(
                essay.id,
                essay.title,
                essay.submitted_on,
                grade,
                essay.adopted,
                essay.adopted_on,
                credit,
            )
        )
    return rows
