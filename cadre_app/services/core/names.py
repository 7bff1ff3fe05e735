"""Chinese personal names: the pinyin keys a roster sorts and searches by, and the 姓氏笔画
order of lists that go into official documents (公示, the honour roll, the ranking report).

Pure functions, no app needed. The pinyin comes from pypinyin, with the surname read as a
surname (单 shàn, 曾 zēng, 区 ōu …), which pypinyin's everyday readings get wrong. The
stroke data (``data/strokes.txt``, see ``data/README.md`` for its source and licence) ships
with the app: nothing is fetched at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")

#: Compound surnames (复姓), read as a whole; longest first is not needed (all are two).
COMPOUND_SURNAMES: dict[str, tuple[str, ...]] = {
    "欧阳": ("ou1", "yang2"),
    "司马": ("si1", "ma3"),
    "诸葛": ("zhu1", "ge3"),
    "上官": ("shang4", "guan1"),
    "尉迟": ("yu4", "chi2"),
    "万俟": ("mo4", "qi2"),
    "长孙": ("zhang3", "sun1"),
    "令狐": ("ling2", "hu2"),
    "皇甫": ("huang2", "fu3"),
    "东方": ("dong1", "fang1"),
    "慕容": ("mu4", "rong2"),
    "夏侯": ("xia4", "hou2"),
    "公孙": ("gong1", "sun1"),
    "司徒": ("si1", "tu2"),
    "司空": ("si1", "kong1"),
    "宇文": ("yu3", "wen2"),
    "独孤": ("du2", "gu1"),
    "南宫": ("nan2", "gong1"),
    "端木": ("duan1", "mu4"),
    "申屠": ("shen1", "tu2"),
    "钟离": ("zhong1", "li2"),
    "闻人": ("wen2", "ren2"),
    "呼延": ("hu1", "yan2"),
    "赫连": ("he4", "lian2"),
    "澹台": ("tan2", "tai2"),
    "轩辕": ("xuan1", "yuan2"),
    "单于": ("chan2", "yu2"),
}

#: Single-character surnames whose surname reading differs from the everyday one that
#: pypinyin gives first.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan4",
    "曾": "zeng1",
    "区": "ou1",
    "仇": "qiu2",
    "解": "xie4",
    "查": "zha1",
    "朴": "piao2",
    "乐": "yue4",
    "盖": "ge3",
    "覃": "qin2",
    "翟": "zhai2",
    "员": "yun4",
    "缪": "miao4",
    "召": "shao4",
    "祭": "zhai4",
    "种": "chong2",
    "繁": "po2",
    "秘": "bi4",
    "那": "na1",
    "冼": "xian3",
    "尉": "wei4",
    "隗": "wei3",
    "宓": "mi4",
    "句": "gou1",
    "过": "guo1",
    "阚": "kan4",
    "蕃": "pi2",
    "折": "she2",
    "沈": "shen3",
    "柏": "bai3",
    "藏": "zang4",
    "粘": "nian2",
    "长": "chang2",
    "重": "chong2",
    "燕": "yan1",
    "纪": "ji3",
    "任": "ren2",
    "华": "hua4",
    "薄": "bo2",
    "牟": "mou2",
    "能": "nai4",
    "黑": "he4",
    "便": "pian2",
    "适": "kuo4",
    "眭": "sui1",
    "哈": "ha3",
    "相": "xiang1",
    "应": "ying1",
    "曲": "qu1",
    "卜": "bu3",
    "洗": "xian3",
    "郇": "huan2",
    "汜": "si4",
}

_SEPARATORS = "·•・．. -"


def split_surname(name: str) -> tuple[str, str]:
    """(surname, given name): a compound surname when the name starts with one and has more."""
    name = name.strip()
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _ascii_only(text: str) -> list[str]:
    kept = "".join(c.lower() for c in text if c.isascii() and c.isalnum())
    return [kept] if kept else []


def syllables(name: str) -> list[str]:
    """The name's pinyin with tone numbers (``zhao4 ming2 yuan3``), the surname read as one.
    Latin letters and digits are kept lower-cased; anything else without a reading is left
    out (the middle dot of 阿依古丽·买买提)."""
    name = "".join(c for c in (name or "").strip() if c not in _SEPARATORS)
    if not name:
        return []
    surname, given = split_surname(name)
    if surname in COMPOUND_SURNAMES:
        head = list(COMPOUND_SURNAMES[surname])
    elif surname in SURNAME_READINGS:
        head = [SURNAME_READINGS[surname]]
    else:
        head = _pinyin(surname)
    return head + _pinyin(given)


def _pinyin(text: str) -> list[str]:
    if not text:
        return []
    return lazy_pinyin(
        text, style=Style.TONE3, neutral_tone_with_five=True, errors=_ascii_only, v_to_u=False
    )


def _plain(syllable: str) -> str:
    return syllable.rstrip("012345")


@dataclass(frozen=True)
class NameKeys:
    """What the roster stores beside a name. ``sort`` orders by pinyin the way a dictionary
    does (syllable by syllable, then tone: 西安 xi1an1 before 先 xian1), in lower-case letters
    and digits only, so SQLite and PostgreSQL (any collation) order it alike. ``pinyin`` and
    ``initials`` are what a search matches: ``zhaomingyuan`` and ``zmy`` for 赵明远."""

    sort: str
    pinyin: str
    initials: str


#: The longest key stored (the columns are String(255)).
KEY_LENGTH = 255


def search_keys(name: str) -> NameKeys:
    """The pinyin keys of ``name`` (see NameKeys)."""
    parts = syllables(name)
    plain = [_plain(p) for p in parts]
    return NameKeys(
        sort="".join(parts)[:KEY_LENGTH],
        pinyin="".join(plain)[:KEY_LENGTH],
        initials="".join(p[:1] for p in plain if p)[:KEY_LENGTH],
    )


def search_term(text: str) -> str | None:
    """A search box entry as a pinyin key to match (``Zhao Mingyuan`` -> ``zhaomingyuan``),
    or None when it is not pinyin (it has characters other than Latin letters, spaces and
    apostrophes)."""
    cleaned = "".join(c for c in text.lower() if c not in " '’")
    if cleaned and cleaned.isascii() and cleaned.isalpha():
        return cleaned
    return None


# --- 姓氏笔画 --------------------------------------------------------------------------------

_DATA = Path(__file__).with_name("data") / "strokes.txt"
#: Stroke count given to a character missing from the table: after every known one.
UNKNOWN_STROKES = 99


@cache
def _strokes() -> dict[str, str]:
    table = {}
    with _DATA.open(encoding="utf-8") as lines:
        for line in lines:
            char, _space, order = line.rstrip("\n").partition(" ")
            table[char] = order
    return table


def strokes(char: str) -> str | None:
    """The character's strokes in writing order as classes 1 横 2 竖 3 撇 4 点 5 折
    (``丁`` -> ``"12"``), or None if the table lacks it."""
    return _strokes().get(char)


def stroke_key(name: str) -> tuple[tuple[int, str, int], ...]:
    """The 姓氏笔画 sort key of a name: character by character, first by stroke count, then by
    the strokes in writing order (横 竖 撇 点 折, compared one by one), then by code point so
    equal characters stay together; a shorter name before a longer one that begins with it.

    丁 (2 strokes) before 王 (4) before 李 (7); among four-stroke surnames 王 (横 first)
    before 毛 (撇 first) before 方 (点 first)."""
    key = []
    for char in "".join(c for c in (name or "").strip() if c not in _SEPARATORS):
        order = strokes(char)
        if order is None:
            key.append((UNKNOWN_STROKES, "", ord(char)))
        else:
            key.append((len(order), order, ord(char)))
    return tuple(key)


def sort_by_strokes(items: Iterable[T], name_of: Callable[[T], str]) -> list[T]:
    """``items`` ordered by 姓氏笔画 of ``name_of(item)`` (stable: equal names keep their order)."""
    return sorted(items, key=lambda item: stroke_key(name_of(item)))
