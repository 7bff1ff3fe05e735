"""Field rules of the cadre record, on plain values (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.services.core import dates, idcard
from cadre_app.services.roster import rules as roster

TODAY = date(2026, 11, 26)


def valid(**overrides):
    values = {
        "staff_no": "A001",
        "name": "张三",
        "gender": "男",
        "birth_date": date(1990, 5, 17),
        "id_number": idcard.make("110105", date(1990, 5, 17), 13),
        "department_id": 1,
        "rank": "一级科员",
        "political_status": "中共党员",
        "party_join_date": date(2012, 6, 1),
        "work_start_date": date(2013, 7, 1),
        "rank_since": date(2020, 1, 1),
        "phone": "13800138000",
    }
    values.update(overrides)
    return values


def messages(values, field):
    return [e.message for e in roster.validate(values, today=TODAY) if e.field == field]


def test_a_valid_record_passes():
    assert roster.validate(valid(), today=TODAY) == []


@pytest.mark.parametrize("field", ["name", "gender", "birth_date", "department_id", "rank"])
def test_required_fields(field):
    assert any("必填" in m for m in messages(valid(**{field: None}), field))


def test_department_name_satisfies_department_for_imports():
    assert messages(valid(department_id=None, department_name="新科室"), "department_id") == []


def test_id_checksum():
    number = valid()["id_number"]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert any("校验位错误" in m for m in messages(valid(id_number=wrong), "id_number"))


def test_id_with_x_check_character_accepted():
    values = valid(
        birth_date=date(1949, 12, 31),
        gender="女",
        id_number="11010519491231002X",
        party_join_date=None,
        work_start_date=None,
        rank_since=None,
    )
    assert roster.validate(values, today=TODAY) == []


def test_id_birth_date_must_agree():
    values = valid(birth_date=date(1990, 5, 18))
    assert any("不一致" in m for m in messages(values, "id_number"))


def test_id_sex_must_agree():
    assert any("性别" in m for m in messages(valid(gender="女"), "id_number"))


def test_birth_before_work_start():
    assert messages(valid(work_start_date=date(1990, 1, 1)), "work_start_date")
    assert any(
        "16" in m for m in messages(valid(work_start_date=date(2004, 1, 1)), "work_start_date")
    )


def test_party_entry_after_eighteen():
    assert any(
        "18" in m for m in messages(valid(party_join_date=date(2008, 5, 16)), "party_join_date")
    )
    assert messages(valid(party_join_date=date(2008, 5, 17)), "party_join_date") == []


def test_party_date_needs_party_status():
    assert messages(valid(political_status="群众"), "party_join_date")


def test_rank_since_not_in_future_nor_before_work():
    assert any(
        "不能晚于今天" in m for m in messages(valid(rank_since=date(2027, 1, 1)), "rank_since")
    )
    assert messages(valid(rank_since=date(2013, 1, 1)), "rank_since")


def test_future_birth_date():
    assert messages(valid(birth_date=date(2030, 1, 1), id_number=None), "birth_date")


@pytest.mark.parametrize("phone", ["1380013800", "23800138000", "138-0013-8000", "12800138000"])
def test_bad_phones(phone):
    assert messages(valid(phone=phone), "phone")


def test_vocabularies():
    assert messages(valid(rank="科长"), "rank")
    assert messages(valid(gender="M", id_number=None), "gender")
    assert messages(valid(political_status="党员"), "political_status")
    assert messages(valid(ft_education="本科"), "ft_education")


def test_staff_no_and_name_formats():
    assert messages(valid(staff_no="A 001"), "staff_no")
    assert messages(valid(name="张三<script>"), "name")
    assert messages(valid(name="阿依古丽·买买提"), "name") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1990-05-17", date(1990, 5, 17)),
        ("1990/5/17", date(1990, 5, 17)),
        ("1990.05.17", date(1990, 5, 17)),
        ("1990.05", date(1990, 5, 1)),
        ("1990年5月", date(1990, 5, 1)),
        ("1990年05月17日", date(1990, 5, 17)),
        ("199005", date(1990, 5, 1)),
        ("１９９０．０５", date(1990, 5, 1)),
        ("", None),
    ],
)
def test_date_forms(text, expected):
    assert dates.parse(text) == expected


@pytest.mark.parametrize("text", ["2023-02-30", "1990.13", "yesterday", "90.5.1"])
def test_impossible_or_unknown_dates(text):
    with pytest.raises(dates.DateFormatError):
        dates.parse(text)


def test_age_on_stated_date():
    assert roster.age_on(date(1990, 5, 17), date(2025, 5, 16)) == 34
    assert roster.age_on(date(1990, 5, 17), date(2025, 5, 17)) == 35


LINES = {"乡科级": 35, "县处级": 40}


def test_young_cadre_lines():
    on = date(2026, 1, 1)
    # 35 years old at the stated date: still young at 乡科级 level; 36 is not.
    assert roster.is_young_cadre(date(1990, 12, 31), "一级科员", None, on=on, lines=LINES)
    assert not roster.is_young_cadre(date(1990, 1, 1), "一级科员", None, on=on, lines=LINES)
    # 县处级 posts and 四级调研员 and up use the 40 line.
    assert roster.is_young_cadre(
        date(1985, 12, 31), "一级主任科员", "县处级副职", on=on, lines=LINES
    )
    assert roster.is_young_cadre(date(1985, 12, 31), "四级调研员", None, on=on, lines=LINES)
    assert not roster.is_young_cadre(date(1985, 1, 1), "四级调研员", None, on=on, lines=LINES)
    assert not roster.is_young_cadre(date(1985, 12, 31), "一级主任科员", None, on=on, lines=LINES)
