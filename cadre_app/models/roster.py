"""The cadre (干部) and the parts of the record that hang off it (DOMAIN.md, People and ranks)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.organisation import Department
from cadre_app.services.core import idcard
from cadre_app.services.core.crypto import EncryptedText, blind_index, index_default

#: The blind index's context (services.core.crypto): the HMAC of a 身份证号 is this label's.
ID_NUMBER_CONTEXT = "cadre.id_number"


class Cadre(db.Model):
    """One person on the roster. ``version`` counts saves: an edit made on an older version
    is refused (HTTP 409) instead of silently overwriting someone else's change."""

    __table_args__ = (
        sa.Index("ix_cadre_department_name", "department_id", "name"),
        # The roster's search (name, 工号, pinyin: LIKE '%…%', a scan) counts its matches from
        # this narrow index instead of the rows, which carry the encrypted 身份证号 and 手机号.
        sa.Index(
            "ix_cadre_search", "name", "staff_no", "name_initials", "name_pinyin", "department_id"
        ),
        # Covering indexes of the structure figures (services.analytics.queries): the age
        # groups and the 学历/职级/职务/政治面貌 groups are counted from the index alone.
        sa.Index(
            "ix_cadre_structure",
            "department_id",
            "gender",
            "birth_date",
            "rank",
            "leadership_level",
        ),
        sa.Index(
            "ix_cadre_profile",
            "ft_education",
            "pt_education",
            "rank",
            "leadership_level",
            "political_status",
            "department_id",
        ),
        sa.CheckConstraint("gender IN ('男', '女')", name="gender"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    staff_no: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)  # 工号
    name: so.Mapped[str] = so.mapped_column(sa.String(50), index=True)  # 姓名
    # The name's pinyin keys (services.core.names.search_keys), set whenever ``name`` is: the
    # roster sorts by ``name_sort`` and searches ``name_pinyin`` / ``name_initials`` in SQL.
    name_sort: so.Mapped[str] = so.mapped_column(
        sa.String(255), index=True, default="", server_default=""
    )
    name_pinyin: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    name_initials: so.Mapped[str] = so.mapped_column(
        sa.String(255), index=True, default="", server_default=""
    )
    gender: so.Mapped[str] = so.mapped_column(sa.String(2))  # 性别
    ethnicity: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # 民族
    birth_date: so.Mapped[date] = so.mapped_column(index=True)  # 出生日期
    # How precisely each date was given: "day", or "month" for 1990.03 (shown as given; a
    # month-only birth date takes its day from the ID number). See services.core.dates.
    birth_date_precision: so.Mapped[str] = so.mapped_column(
        sa.String(5), default="day", server_default="day"
    )
    native_place: so.Mapped[str | None] = so.mapped_column(sa.String(50))  # 籍贯
    birthplace: so.Mapped[str | None] = so.mapped_column(sa.String(50))  # 出生地
    political_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # 政治面貌
    party_join_date: so.Mapped[date | None] = so.mapped_column()  # 入党时间
    party_join_date_precision: so.Mapped[str] = so.mapped_column(
        sa.String(5), default="day", server_default="day"
    )
    work_start_date: so.Mapped[date | None] = so.mapped_column()  # 参加工作时间
    work_start_date_precision: so.Mapped[str] = so.mapped_column(
        sa.String(5), default="day", server_default="day"
    )
    health: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # 健康状况
    # 身份证号, encrypted at rest; looked up and kept unique through its blind index
    # (``id_number_is``), which every write fills: ORM through ``_index_id_number``, Core
    # ``insert(Cadre)`` with dicts through the column default.
    id_number: so.Mapped[str | None] = so.mapped_column(EncryptedText(ID_NUMBER_CONTEXT))
    id_number_index: so.Mapped[str | None] = so.mapped_column(
        sa.String(22),
        unique=True,
        default=index_default("id_number", ID_NUMBER_CONTEXT, idcard.normalise),
        info={"blind_index_of": "id_number", "normalise": idcard.normalise},
    )
    # 学历学位: 全日制教育 (full-time) and 在职教育 (in-service)
    ft_education: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    ft_degree: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # as written: 经济学学士
    ft_degree_level: so.Mapped[str | None] = so.mapped_column(sa.String(4))  # 学士/硕士/博士
    ft_school: so.Mapped[str | None] = so.mapped_column(sa.String(100))  # 毕业院校系及专业
    pt_education: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    pt_degree: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    pt_degree_level: so.Mapped[str | None] = so.mapped_column(sa.String(4))
    pt_school: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    professional_title: so.Mapped[str | None] = so.mapped_column(sa.String(50))  # 专业技术职务
    expertise: so.Mapped[str | None] = so.mapped_column(sa.String(200))  # 熟悉专业有何专长
    department_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    position_title: so.Mapped[str | None] = so.mapped_column(sa.String(100))  # 现任职务
    rank: so.Mapped[str | None] = so.mapped_column(sa.String(20), index=True)  # 职级
    rank_since: so.Mapped[date | None] = so.mapped_column()  # 任现职级时间
    rank_since_precision: so.Mapped[str] = so.mapped_column(
        sa.String(5), default="day", server_default="day"
    )
    leadership_level: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # 领导职务
    phone: so.Mapped[str | None] = so.mapped_column(EncryptedText("cadre.phone"))  # 手机号
    rewards: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 奖惩情况
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    department: so.Mapped[Department] = so.relationship(
        back_populates="cadres", foreign_keys=[department_id]
    )
    family: so.Mapped[list[FamilyMember]] = so.relationship(
        back_populates="cadre",
        cascade="all, delete-orphan",
        order_by="FamilyMember.sort_order",
    )
    resume: so.Mapped[list[ResumeEntry]] = so.relationship(
        back_populates="cadre",
        cascade="all, delete-orphan",
        order_by="ResumeEntry.start",
    )
    photo: so.Mapped[CadrePhoto | None] = so.relationship(
        back_populates="cadre", cascade="all, delete-orphan", uselist=False
    )

    __mapper_args__ = {"version_id_col": version}

    @so.validates("name")
    def _keep_name_keys(self, _key: str, name: str) -> str:
        """Every way a name is set (form, import, .lrmx, demo) keeps its pinyin keys."""
        from cadre_app.services.core.names import search_keys

        keys = search_keys(name or "")
        self.name_sort, self.name_pinyin, self.name_initials = (
            keys.sort,
            keys.pinyin,
            keys.initials,
        )
        return name

    @so.validates("id_number")
    def _index_id_number(self, _key: str, number: str | None) -> str | None:
        """Every way an ID number is set keeps its blind index (services.core.crypto)."""
        self.id_number_index = blind_index(idcard.normalise(number), ID_NUMBER_CONTEXT)
        return number

    @classmethod
    def id_number_is(cls, number: str) -> sa.ColumnElement[bool]:
        """``WHERE`` the cadre's 身份证号 is ``number`` (through the blind index)."""
        return cls.id_number_index == blind_index(idcard.normalise(number), ID_NUMBER_CONTEXT)

    @classmethod
    def id_number_in(cls, numbers: list[str]) -> sa.ColumnElement[bool]:
        """``WHERE`` the cadre's 身份证号 is one of ``numbers``."""
        return cls.id_number_index.in_(
            [blind_index(idcard.normalise(n), ID_NUMBER_CONTEXT) for n in numbers if n]
        )

    def __repr__(self) -> str:
        return f"<Cadre {self.staff_no} {self.name}>"


class FamilyMember(db.Model):
    """家庭主要成员及重要社会关系."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    relation: so.Mapped[str] = so.mapped_column(sa.String(20))  # 称谓
    name: so.Mapped[str] = so.mapped_column(sa.String(50))  # 姓名
    birth_date: so.Mapped[date | None] = so.mapped_column()  # 出生日期
    political_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # 政治面貌
    employer_and_post: so.Mapped[str | None] = so.mapped_column(sa.String(200))  # 工作单位及职务
    sort_order: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    cadre: so.Mapped[Cadre] = so.relationship(back_populates="family")


class ResumeEntry(db.Model):
    """One line of the 简历: ``YYYY.MM--YYYY.MM 单位及职务``; ``end`` None means to date."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    start: so.Mapped[date] = so.mapped_column()
    end: so.Mapped[date | None] = so.mapped_column()
    description: so.Mapped[str] = so.mapped_column(sa.String(200))

    cadre: so.Mapped[Cadre] = so.relationship(back_populates="resume")

    @property
    def line(self) -> str:
        end = self.end.strftime("%Y.%m") if self.end else ""
        return f"{self.start:%Y.%m}--{end:<7} {self.description}"


class CadrePhoto(db.Model):
    """The photo, kept in the database so a backup holds everything. What is uploaded is
    checked (JPEG or PNG, at most 6 MB and PHOTO_MAX_PIXELS) and stored normalised: a JPEG of
    at most PHOTO_STORED_SIZE without metadata (services.core.photos)."""

    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    cadre: so.Mapped[Cadre] = so.relationship(back_populates="photo")
