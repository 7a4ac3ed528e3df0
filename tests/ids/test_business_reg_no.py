from __future__ import annotations

import pytest
from stdnum.iso7064 import mod_11_10

from credit_yrd.ids import business_reg_no
from credit_yrd.ids.errors import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


@pytest.mark.parametrize("number", ["110108000000016", "440301103097413"])
def test_valid_vectors(number: str) -> None:
    assert business_reg_no.validate(number) == number
    assert mod_11_10.is_valid(number)


def test_check_digit_by_hand() -> None:
    # ISO 7064 MOD 11,10 written out: p = 10; s = p mod 11 + d; p = ((s mod 10) or 10)·2
    def by_hand(digits: str) -> str:
        p = 10
        for d in digits:
            s = p % 11 + int(d)
            p = ((s % 10) or 10) * 2
        return str((1 - p % 11) % 10)

    for number in ["11010800000001", "44030110309741", "32059400012345"]:
        assert business_reg_no.calc_check_digit(number) == by_hand(number)


def test_wrong_check_digit() -> None:
    with pytest.raises(InvalidChecksum) as info:
        business_reg_no.validate("110108000000017")
    assert info.value.part == "check_character"
    assert "第15位校验码应为 6，实为 7" in info.value.message_zh


def test_length_charset_authority() -> None:
    with pytest.raises(InvalidLength) as e1:
        business_reg_no.validate("1101080000000")
    assert e1.value.part == "length"
    with pytest.raises(InvalidFormat) as e2:
        business_reg_no.validate("11010800000001A")
    assert e2.value.part == "charset"
    assert "第15位" in e2.value.message_zh
    with pytest.raises(InvalidComponent) as e3:
        business_reg_no.validate("990108000000010")
    assert e3.value.part == "authority"


def test_explain() -> None:
    parts = business_reg_no.explain("110108 000000016")
    assert [p.name for p in parts] == ["authority", "entity_type", "sequence", "check_character"]
    assert parts[0].meaning_zh == "北京市海淀区"
    assert parts[1].meaning_zh == "内资企业"
    assert business_reg_no.explain("440301103097413")[1].meaning_zh == "内资企业"


@pytest.mark.parametrize(
    ("digit", "zh"),
    [
        ("0", "内资企业"),
        ("3", "内资企业"),
        ("4", "外商投资企业"),
        ("5", "外商投资企业"),
        ("6", "个体工商户"),
        ("9", "个体工商户"),
    ],
)
def test_type_digit(digit: str, zh: str) -> None:
    first14 = "320583" + digit + "0001234"
    number = first14 + business_reg_no.calc_check_digit(first14)
    assert business_reg_no.explain(number)[1].meaning_zh == zh


def test_unknown_authority_code_accepted_with_note() -> None:
    first14 = "32059400012345"  # 苏州工业园区: development zone, not in GB/T 2260
    number = first14 + business_reg_no.calc_check_digit(first14)
    part = business_reg_no.explain(number)[0]
    assert "苏州工业园区" in part.meaning_zh
    assert part.note_zh and "开发区" in part.note_zh
    first14 = "32059900012345"  # in no table
    number = first14 + business_reg_no.calc_check_digit(first14)
    part = business_reg_no.explain(number)[0]
    assert part.note_zh and "核实" in part.note_zh
