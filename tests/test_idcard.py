"""GB 11643 identity numbers: checksum, birth date, sex, masking."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.services.core import idcard

# Published example numbers with correct check characters.
VALID = ["11010519491231002X", "440524188001010014"]  # GB 11643 examples


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers(number):
    assert idcard.problem(number) is None


def test_check_character_x():
    assert idcard.check_character("11010519491231002") == "X"


@pytest.mark.parametrize(
    "number, fragment",
    [
        ("110105194912310021", "校验位错误"),  # last digit wrong
        ("11010519491231002", "18 位"),
        ("1101051949123100212", "18 位"),
        ("11010519491231002Y", "最后一位为数字或 X"),
        ("110105194902300021", "不存在"),  # 30 February
        ("110105194913010021", "不存在"),  # month 13
    ],
)
def test_invalid_numbers(number, fragment):
    assert fragment in idcard.problem(number)


def test_birth_date_and_sex():
    assert idcard.birth_date("11010519491231002X") == date(1949, 12, 31)
    assert idcard.sex("11010519491231002X") == "女"  # 17th digit 2: even
    assert idcard.sex("440524188001010014") == "男"  # 17th digit 1: odd


def test_normalise_full_width_and_lower_x():
    assert idcard.normalise(" １１０１０５１９４９１２３１００２ｘ ") == "11010519491231002X"
    assert idcard.normalise("11010519491231002x") == "11010519491231002X"


def test_mask_keeps_region_and_last_four():
    assert idcard.mask("11010519491231002X") == "110105********002X"
    assert idcard.mask(None) == ""


def test_make_builds_valid_numbers():
    for seq in (1, 2, 37, 998):
        number = idcard.make("320106", date(1990, 2, 28), seq)
        assert idcard.problem(number) is None
        assert idcard.sex(number) == ("男" if seq % 2 else "女")
