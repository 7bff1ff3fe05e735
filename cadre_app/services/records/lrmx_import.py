"""Importing an ``.lrmx`` file: its values mapped onto the roster, the preview of what would
change, and the all-or-nothing import.

Rules where the format and DOMAIN.md are silent:

- A cadre is matched by 身份证号 only; a file without one makes a new cadre. A new cadre needs a
  部门 and a 职级, which the form does not carry (the caller chooses them), and gets the next
  工号 of the configured scheme (``roster.next_staff_no``), as every new cadre does.
- Roster fields: a value in the file replaces the stored one; an **empty element leaves the stored
  value alone** (other tools leave boxes empty, and the roster holds more than the form). A
  ``YYYYMM`` date is known to the month and stored so; it keeps the stored date (and its
  precision) when the month is the same. 学位 is stored as written (经济学学士) beside its level.
- 简历 and family: the file's list replaces the whole stored list when it differs (compared at
  month precision); an empty list leaves the stored one alone. The photo is replaced when the
  file has one. The draft (拟任/拟免职务, 任免理由, 呈报单位, dates, 填表人) is the form's own data
  and is replaced as a whole. 年度考核结果 is not imported: the evaluations are the source.
- Values that cannot be mapped onto the roster's vocabularies are errors, never dropped; values
  that were mapped to something else are listed as notes.

Services flush, never commit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import AppointmentDraft, Cadre, Department, enums
from cadre_app.services.core import audit, dates, idcard
from cadre_app.services.records.lrmx import (
    DATE_FIELDS,
    DRAFT_FIELDS,
    FAMILY_FIELDS,
    TEXT_FIELDS,
    LrmxError,
    LrmxRecord,
    annual_results,
    element_label,
    normalise_degree,
    normalise_education,
    normalise_political_status,
)
from cadre_app.services.roster import operations as roster

# fmt: off
#: Maximum lengths of the columns the roster's own rules do not check.
LIMITS = {"relation": 20, "name": 50, "employer_and_post": 200, "description": 200,
          "proposed_post": 200, "post_to_remove": 200, "reporting_unit": 100, "filled_by": 50}
# fmt: on
#: Text elements that need more than copying: normalised (学历, 学位) or checked (身份证号).
_MAPPED_SEPARATELY = {e for e in TEXT_FIELDS if e.endswith(("_XueLi", "_XueWei"))} | {
    "ShenFenZheng"
}
PLACEMENT_MESSAGE = "该干部在系统中不存在，新建干部须指定处室和职级。"


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class ListChange:
    """A list replaced as a whole: the stored lines and the file's lines."""

    old: list[str]
    new: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.new) and self.new != self.old


@dataclass
class LrmxPreview:
    """What importing would do. ``values``, ``resume_values``, ``family_values`` and
    ``draft_values`` are what ``apply_import`` writes."""

    name: str
    id_number_masked: str
    cadre_id: int | None = None
    staff_no: str | None = None
    department: str | None = None
    needs_placement: bool = False  # a new cadre still without 部门 or 职级
    changes: list[Change] = field(default_factory=list)
    resume: ListChange = field(default_factory=lambda: ListChange([], []))
    family: ListChange = field(default_factory=lambda: ListChange([], []))
    photo: str = "none"  # added | changed | unchanged | kept (none in the file) | none
    draft_changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    resume_values: list[dict[str, Any]] = field(default_factory=list)
    family_values: list[dict[str, Any]] = field(default_factory=list)
    draft_values: dict[str, Any] = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.cadre_id is None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


class LrmxRejected(Exception):
    """The file reads, but importing it would break the roster's rules (``preview.errors``), or
    a new cadre still lacks 部门 or 职级 (``preview.needs_placement``)."""

    def __init__(self, preview: LrmxPreview):
        super().__init__("；".join(preview.errors) or PLACEMENT_MESSAGE)
        self.preview = preview


# --- mapping values -------------------------------------------------------------------------


def _map(
    preview: LrmxPreview,
    element: str,
    raw: str,
    value: str | None,
    choices: Any,
    where: str = "",
    *,
    note: bool = True,
) -> bool:
    """Record an unmappable value as an error, a changed one as a note (unless ``note`` is
    False: the value is kept as written); True when mapped."""
    label = where + element_label(element)
    if value is None:
        preview.errors.append(
            _(
                "%(element)s“%(raw)s”无法对应到本系统的选项（%(choices)s），请修改文件后重新导入。",
                element=label,
                raw=raw,
                choices="、".join(choices),
            )
        )
    elif note and value != raw:
        preview.notes.append(
            _("%(element)s“%(raw)s”按“%(value)s”导入。", element=label, raw=raw, value=value)
        )
    return value is not None


def _education(record: LrmxRecord, prefix: str, kind: str, preview: LrmxPreview) -> dict[str, Any]:
    """学历, 学位 and 毕业院校系及专业 of one kind of education, those the file fills in."""
    values: dict[str, Any] = {}
    raw_level, raw_degree = record.text(prefix + "XueLi"), record.text(prefix + "XueWei")
    level, implied = normalise_education(raw_level) if raw_level else (None, None)
    if raw_level and _map(preview, prefix + "XueLi", raw_level, level, enums.EDUCATION_LEVELS):
        values[kind + "education"] = level
    if raw_degree:
        degree = normalise_degree(raw_degree)
        if _map(preview, prefix + "XueWei", raw_degree, degree, enums.DEGREES, note=False):
            values[kind + "degree"] = roster.normalise_degree(raw_degree)
    elif implied:
        values[kind + "degree"] = implied
        preview.notes.append(
            _(
                "%(element)s为空，按学历“%(raw)s”记为“%(value)s”。",
                element=element_label(prefix + "XueWei"),
                raw=raw_level,
                value=implied,
            )
        )
    first, second = prefix + "XueLi_BiYeYuanXiaoXi", prefix + "XueWei_BiYeYuanXiaoXi"
    school, degree_school = record.text(first), record.text(second)
    if school and degree_school and school != degree_school:
        combined = f"{school}；{degree_school}"
        a, b = element_label(first), element_label(second)
        preview.notes.append(
            _("%(a)s与%(b)s不同，合并为“%(value)s”保存。", a=a, b=b, value=combined)
        )
        school = combined
    if school or degree_school:
        values[kind + "school"] = school or degree_school
    return values


def _same_month(stored: date | None, given: date | None) -> date | None:
    """The file's date; a month-only one keeps the stored date (and its precision) when the
    month is the same."""
    same = stored and given and (stored.year, stored.month) == (given.year, given.month)
    if same and isinstance(given, dates.MonthDate):
        return stored
    return given


def roster_values(record: LrmxRecord, cadre: Cadre | None, preview: LrmxPreview) -> dict[str, Any]:
    """Roster attribute -> value for every field the file fills in."""
    values: dict[str, Any] = {
        attr: record.text(element)
        for element, attr in TEXT_FIELDS.items()
        if record.text(element) and element not in _MAPPED_SEPARATELY
    }
    stored = roster.snapshot(cadre) if cadre else {}
    for element, attr in DATE_FIELDS.items():
        if record.dates.get(element):
            values[attr] = _same_month(stored.get(attr), record.dates[element])
    if record.id_number:
        values["id_number"] = record.id_number
        # a month-only 出生年月 takes its day from the ID number and stays month-only
        birth = values.get("birth_date") or idcard.birth_date(record.id_number)
        values["birth_date"] = idcard.completed_birth(record.id_number, birth)
    values |= _education(record, "QuanRiZhiJiaoYu_", "ft_", preview)
    values |= _education(record, "ZaiZhiJiaoYu_", "pt_", preview)
    current_status = cadre.political_status if cadre else None
    if "party_join_date" in values and current_status not in enums.PARTY_MEMBER_STATUSES:
        values["political_status"] = "中共党员"
        preview.notes.append(_("文件填有入党时间，政治面貌记为“中共党员”。"))
    return values


def _too_long(preview: LrmxPreview, what: str, value: str | None, attr: str) -> None:
    if value and len(value) > LIMITS[attr]:
        preview.errors.append(_("%(what)s最多 %(n)d 个字符。", what=what, n=LIMITS[attr]))


def _family_values(record: LrmxRecord, preview: LrmxPreview, *, today: date) -> None:
    for number, item in enumerate(record.family, start=1):
        where = _("家庭成员第 %(n)d 项", n=number)
        values = asdict(item) | {"political_status": None}
        values["employer_and_post"] = item.employer_and_post or None
        for element, attr in FAMILY_FIELDS.items():
            if attr in ("relation", "name") and not values[attr]:
                preview.errors.append(
                    _("%(where)s缺少%(element)s。", where=where, element=element_label(element))
                )
            if attr in LIMITS:
                _too_long(preview, where + element_label(element), values[attr], attr)
        if item.birth_date and item.birth_date > today:
            preview.errors.append(_("%(where)s的出生日期不能晚于今天。", where=where))
        if item.political_status:
            status = normalise_political_status(item.political_status)
            choices = enums.POLITICAL_STATUSES
            if _map(preview, "ZhengZhiMianMao", item.political_status, status, choices, where):
                values["political_status"] = status
        preview.family_values.append(values)


def _resume_values(
    record: LrmxRecord, preview: LrmxPreview, *, birth: date | None, today: date
) -> None:
    """The same rules as ``roster.add_resume_entry``, all reported at once."""
    for number, line in enumerate(record.resume, start=1):
        where = _("%(element)s第 %(n)d 条", element=element_label("JianLi"), n=number)
        if not line.description:
            preview.errors.append(_("%(where)s缺少单位及职务。", where=where))
        _too_long(preview, where, line.description, "description")
        if line.start > today:
            preview.errors.append(_("%(where)s的起始年月不能晚于今天。", where=where))
        if line.end and line.end < line.start:
            preview.errors.append(_("%(where)s的截止年月早于起始年月。", where=where))
        if birth and line.start < birth:
            preview.errors.append(_("%(where)s的起始年月早于出生日期。", where=where))
        preview.resume_values.append(asdict(line))


def _draft_values(record: LrmxRecord, draft: AppointmentDraft | None, preview: LrmxPreview) -> None:
    for element, attr in DRAFT_FIELDS.items():
        if element in record.dates:
            value = _same_month(getattr(draft, attr, None), record.dates[element])
        else:
            value = record.text(element) or None
            if attr in LIMITS:
                _too_long(preview, element_label(element), value, attr)
        preview.draft_values[attr] = value
        old = getattr(draft, attr, None)
        if old != value:
            preview.draft_changes.append(
                Change(element_label(element), _shown(attr, old), _shown(attr, value))
            )


def _shown(attr: str, value: Any) -> str:
    """A value as the preview shows it: ID numbers masked, dates ISO, sections by name."""
    if value is None or value == "":
        return ""
    if attr == "id_number":
        return idcard.mask(value)
    if attr == "department_id":
        department = db.session.get(Department, value)
        return department.name if department else str(value)
    return dates.shown(value) if isinstance(value, date) else str(value)


def _field_message(error: roster.FieldError) -> str:
    label = str(roster.LABELS.get(error.field, error.field))
    return error.message if error.message.startswith(label) else f"{label}：{error.message}"


def _attrs(obj: Any, names: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _resume_line(item: dict[str, Any]) -> str:
    end = f"{item['end']:%Y.%m}" if item.get("end") else ""
    return f"{item['start']:%Y.%m}--{end:<7} {item['description']}"


def _family_line(item: dict[str, Any]) -> str:
    born = f"{item['birth_date']:%Y.%m}" if item.get("birth_date") else ""
    parts = (item["relation"], item["name"], born, item["political_status"])
    return " ".join(p for p in (*parts, item["employer_and_post"]) if p)


# --- preview and import ---------------------------------------------------------------------


def next_staff_no() -> str:
    """The 工号 a new cadre gets: the configured scheme's next number (one rule for all)."""
    return roster.next_staff_no()


def department_by_name(name: str) -> Department:
    """The one section called ``name``; LrmxError when there is none or more than one."""
    found = db.session.scalars(sa.select(Department).where(Department.name == name.strip())).all()
    if not found:
        raise LrmxError(_("没有名为“%(name)s”的处室。", name=name))
    if len(found) > 1:
        raise LrmxError(_("有多个名为“%(name)s”的处室，无法确定是哪一个。", name=name))
    return found[0]


def matching_cadre(record: LrmxRecord) -> Cadre | None:
    """The cadre with the file's 身份证号, if any. A masked number (our own export's
    default) matches the one cadre of the file's name whose number it masks."""
    if record.id_number_masked:
        named = db.session.scalars(sa.select(Cadre).where(Cadre.name == record.text("XingMing")))
        found = [c for c in named if idcard.mask(c.id_number) == record.id_number_masked]
        return found[0] if len(found) == 1 else None
    if not record.id_number:
        return None
    return db.session.scalar(sa.select(Cadre).where(Cadre.id_number_is(record.id_number)))


def _check_record(cadre: Cadre | None, preview: LrmxPreview, *, today: date) -> dict[str, Any]:
    """Run the roster's rules on the record as it would be; returns it."""
    values = preview.values
    if cadre is None:
        merged = {spec.attr: None for spec in roster.FIELDS} | values
        changed = {f.attr: (None, values[f.attr]) for f in roster.FIELDS if values.get(f.attr)}
    else:
        merged = roster.snapshot(cadre) | values
        changed = roster.changed_fields(cadre, values)
    problems = roster.validate(merged, today=today)
    problems += roster.uniqueness_problems(values, cadre_id=cadre.id if cadre else None)
    if values.get("department_id") and db.session.get(Department, values["department_id"]) is None:
        problems.append(roster.FieldError("department_id", _("处室不存在。")))
    skipped = {"department_id", "rank"} if preview.needs_placement else set()
    preview.errors += [_field_message(p) for p in problems if p.field not in skipped]
    preview.changes = [
        Change(str(roster.LABELS[attr]), _shown(attr, old), _shown(attr, new))
        for attr, (old, new) in changed.items()
    ]
    preview.department = _shown("department_id", merged.get("department_id")) or None
    return merged


def preview_import(
    record: LrmxRecord,
    *,
    department_id: int | None = None,
    rank: str | None = None,
    today: date | None = None,
    staff_no: str | None = None,
) -> LrmxPreview:
    """What importing ``record`` would change, checked against the roster's rules and the
    database as it is now (dates must not be later than ``today``, by default the current
    date). For a new cadre without ``department_id`` or ``rank`` the preview says so
    (``needs_placement``) instead of reporting them as errors. A new cadre gets ``staff_no``
    (handed out for a whole batch at once) or else the scheme's next 工号."""
    today = today or clock.today()
    cadre = matching_cadre(record)
    preview = LrmxPreview(
        record.text("XingMing"), record.id_number_masked or idcard.mask(record.id_number)
    )
    preview.values = roster_values(record, cadre, preview)
    if department_id is not None:
        preview.values["department_id"] = department_id
    if rank:
        preview.values["rank"] = rank
    if record.id_number_masked:
        if cadre is None:
            preview.errors.append(
                _(
                    "文件中的身份证号已脱敏（%(masked)s），与在册干部对不上：导入新干部需要"
                    "含完整身份证号的文件（导出时选择完整身份证号并填写理由）。",
                    masked=record.id_number_masked,
                )
            )
        else:
            preview.notes.append(
                _("文件中的身份证号已脱敏，按姓名与脱敏号码对应到在册干部，身份证号保持不变。")
            )
    if cadre is None:
        preview.staff_no = preview.values["staff_no"] = staff_no or next_staff_no()
        preview.needs_placement = department_id is None or not rank
        if not record.id_number and not record.id_number_masked:
            preview.notes.append(_("文件中没有身份证号，无法与已有干部比对，将作为新干部导入。"))
    else:
        preview.cadre_id, preview.staff_no = cadre.id, cadre.staff_no
    merged = _check_record(cadre, preview, today=today)

    _resume_values(record, preview, birth=merged.get("birth_date"), today=today)
    _family_values(record, preview, today=today)
    resume_keys, family_keys = ("start", "end", "description"), FAMILY_FIELDS.values()
    stored_resume = [_resume_line(_attrs(e, resume_keys)) for e in (cadre.resume if cadre else [])]
    stored_family = [_family_line(_attrs(m, family_keys)) for m in (cadre.family if cadre else [])]
    preview.resume = ListChange(stored_resume, [_resume_line(v) for v in preview.resume_values])
    preview.family = ListChange(stored_family, [_family_line(v) for v in preview.family_values])
    stored_photo = cadre.photo.data if cadre and cadre.photo else None
    if record.photo is None:
        preview.photo = "kept" if stored_photo else "none"
    elif stored_photo is None:
        preview.photo = "added"
    else:
        preview.photo = "unchanged" if stored_photo == record.photo else "changed"
    _draft_values(record, db.session.get(AppointmentDraft, cadre.id) if cadre else None, preview)

    theirs = record.text("NianDuKaoHeJieGuo")
    if theirs and theirs != (annual_results(cadre.id, today=today) if cadre else ""):
        preview.notes.append(
            _(
                "年度考核结果不从文件导入，以本系统的年度考核记录为准（文件中为“%(text)s”）。",
                text=theirs,
            )
        )
    if record.unknown_elements:
        names = "、".join(record.unknown_elements)
        preview.notes.append(_("文件中的以下元素本系统不识别，未导入：%(names)s。", names=names))
    return preview


def _replace_lists(cadre: Cadre, preview: LrmxPreview, *, actor: str | None, today: date) -> None:
    """Replace 简历 and family through ``services.roster.operations`` (each entry audited)."""
    if preview.resume.changed:
        for entry in list(cadre.resume):
            roster.delete_resume_entry(entry, actor=actor)
        db.session.expire(cadre, ["resume"])
        for values in preview.resume_values:
            roster.add_resume_entry(cadre, values, actor=actor, today=today)
    if preview.family.changed:
        for member in list(cadre.family):
            roster.delete_family_member(member, actor=actor)
        db.session.expire(cadre, ["family"])
        for values in preview.family_values:
            roster.add_family_member(cadre, values, actor=actor, today=today)


def _save_draft(cadre: Cadre, preview: LrmxPreview, *, actor: str | None) -> None:
    if not preview.draft_changes:
        return
    draft = db.session.get(AppointmentDraft, cadre.id)
    before = {a: getattr(draft, a) for a in preview.draft_values} if draft else None
    if draft is None:
        draft = AppointmentDraft(cadre_id=cadre.id)
        db.session.add(draft)
    for attr, value in preview.draft_values.items():
        setattr(draft, attr, value)
    draft.updated_by = actor
    db.session.flush()
    audit.record(
        "update" if before else "create",
        object_type="appointment_draft",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}：干部任免审批表（.lrmx 导入）",
        before=before,
        after=preview.draft_values,
        actor_name=actor,
    )


def apply_import(
    record: LrmxRecord,
    *,
    department_id: int | None,
    rank: str | None,
    actor: str | None,
    today: date,
    staff_no: str | None = None,
) -> tuple[Cadre, bool]:
    """Import ``record`` all-or-nothing: create or update the cadre (audited through
    ``services.roster.operations``), replace 简历 and family when they differ, set the photo,
    save the draft, record one ``import`` event. Raises ``LrmxRejected`` before writing anything
    when the preview has errors or a new cadre lacks 部门 or 职级. Returns (cadre, created)."""
    preview = preview_import(
        record, department_id=department_id, rank=rank, today=today, staff_no=staff_no
    )
    if preview.has_errors or preview.needs_placement:
        raise LrmxRejected(preview)
    try:
        if preview.is_new:
            cadre = roster.create_cadre(preview.values, actor=actor, today=today)
        else:
            cadre = db.session.get_one(Cadre, preview.cadre_id)
            roster.update_cadre(
                cadre, preview.values, expected_version=cadre.version, actor=actor, today=today
            )
        _replace_lists(cadre, preview, actor=actor, today=today)
        if record.photo is not None and preview.photo in ("added", "changed"):
            roster.set_photo(cadre, record.photo, actor=actor)
    except roster.RosterError as error:
        preview.errors += [_field_message(e) for e in error.errors]
        raise LrmxRejected(preview) from None
    _save_draft(cadre, preview, actor=actor)
    action = "新建" if preview.is_new else "更新"
    audit.record(
        "import",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"导入干部任免审批表（.lrmx）：{action} {cadre.staff_no} {cadre.name}",
        actor_name=actor,
    )
    return cadre, preview.is_new
