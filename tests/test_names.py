"""Names the Chinese way: pinyin keys for sorting and searching, 姓氏笔画 for official lists
(issue 10, item 5). Pure functions, no app."""

from __future__ import annotations

import pytest

from cadre_app.services.core.names import search_keys, search_term, sort_by_strokes, stroke_key


def test_stroke_key_orders_by_stroke_count_first():
    assert sorted(["李", "王", "丁"], key=stroke_key) == ["丁", "王", "李"]
    assert [len(stroke_key(c)[0][1]) for c in "丁王李"] == [2, 4, 7]


def test_same_count_goes_by_the_strokes_in_order_横竖撇点折():
    # four strokes each: 王 starts 横, 贝 竖, 毛 撇, 方 点, 孔 折 (横撇/横钩)
    assert sorted(["孔", "方", "毛", "贝", "王"], key=stroke_key) == ["王", "贝", "毛", "方", "孔"]
    # 于 (横横竖钩) and 万 (横折钩撇): both 3 strokes and 横 first; the second stroke decides
    assert sorted(["万", "于"], key=stroke_key) == ["于", "万"]


def test_surname_first_then_the_following_characters():
    names = ["李四", "王五", "丁一", "张三丰", "张三", "王二"]
    assert sorted(names, key=stroke_key) == ["丁一", "王二", "王五", "李四", "张三", "张三丰"]


def test_sort_by_strokes_keeps_equal_names_in_their_order():
    rows = [{"name": "王芳", "no": 2}, {"name": "丁力", "no": 1}, {"name": "王芳", "no": 1}]
    ordered = sort_by_strokes(rows, lambda r: r["name"])
    assert [(r["name"], r["no"]) for r in ordered] == [("丁力", 1), ("王芳", 2), ("王芳", 1)]


def test_a_character_missing_from_the_table_sorts_after_the_known_ones():
    assert stroke_key("𠀀")[0][0] == 99
    assert sorted(["𠀀", "龘"], key=stroke_key)[-1] == "𠀀"


@pytest.mark.parametrize(
    "name, pinyin, initials",
    [
        ("赵明远", "zhaomingyuan", "zmy"),
        ("单雄信", "shanxiongxin", "sxx"),  # not dan
        ("曾国藩", "zengguofan", "zgf"),  # not ceng
        ("区志强", "ouzhiqiang", "ozq"),  # not qu
        ("解晓东", "xiexiaodong", "xxd"),  # not jie
        ("欧阳修", "ouyangxiu", "oyx"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("阿依古丽·买买提", "ayigulimaimaiti", "ayglmmt"),
    ],
)
def test_search_keys_read_the_surname_as_a_surname(name, pinyin, initials):
    keys = search_keys(name)
    assert (keys.pinyin, keys.initials) == (pinyin, initials)


def test_sort_key_goes_syllable_by_syllable_then_tone():
    # 西安 (xi an) before 先 (xian); 安 (an) before 单 (shan) before 曾 (zeng) before 张 (zhang)
    assert search_keys("西安").sort < search_keys("先").sort
    ordered = sorted(["张伟", "曾强", "单磊", "安娜"], key=lambda n: search_keys(n).sort)
    assert ordered == ["安娜", "单磊", "曾强", "张伟"]
    assert search_keys("赵明远").sort == "zhao4ming2yuan3"


def test_search_term_is_pinyin_only_for_latin_letters():
    assert search_term("Zhao Mingyuan") == "zhaomingyuan"
    assert search_term("zmy") == "zmy"
    assert search_term("T0002") is None and search_term("赵") is None
