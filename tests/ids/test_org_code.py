from __future__ import annotations

import pytest

from credit_yrd.ids import org_code
from credit_yrd.ids.errors import InvalidChecksum, InvalidFormat, InvalidLength


def test_standard_example_check_character() -> None:
    assert org_code.calc_check_character("60003734") == "1"


@pytest.mark.parametrize(
    ("body", "check"),
    [("M0001QKT", "1"), ("M0001TGQ", "X"), ("M000100Y", "4")],
)
def test_check_characters_incl_x(body: str, check: str) -> None:
    assert org_code.calc_check_character(body) == check
    assert org_code.is_valid(body + check)


def test_check_eleven_gives_zero() -> None:
    # Σ ≡ 0 (mod 11) → 11 − 0 = 11 → '0'
    assert org_code.calc_check_character("00000000") == "0"
    assert org_code.is_valid("00000000-0")


def test_compact_and_format() -> None:
    assert org_code.compact(" 60003734-1 ") == "600037341"
    assert org_code.compact("６０００３７３４－１") == "600037341"
    assert org_code.compact("m0001qkt\u30001") == "M0001QKT1"
    assert org_code.format("600037341") == "60003734-1"
    assert org_code.validate("60003734-1") == "600037341"


def test_wrong_check_character_names_part() -> None:
    with pytest.raises(InvalidChecksum) as info:
        org_code.validate("60003734-2")
    assert info.value.kind == "org_code"
    assert info.value.part == "check_character"
    assert "应为 1，实为 2" in info.value.message_zh
    assert "should be 1, is 2" in info.value.message_en


def test_length_and_charset() -> None:
    with pytest.raises(InvalidLength) as info:
        org_code.validate("6000373")
    assert info.value.part == "length"
    with pytest.raises(InvalidFormat) as info2:
        org_code.validate("6000#734-1")
    assert info2.value.part == "charset"
    assert "第5位" in info2.value.message_zh
    with pytest.raises(InvalidFormat) as info3:
        org_code.validate("60003734Y")
    assert info3.value.part == "check_character"
    assert not org_code.is_valid("")


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        org_code.validate("x")


def test_explain() -> None:
    parts = org_code.explain("60003734-1")
    assert [p.name for p in parts] == ["body", "check_character"]
    assert parts[0].value == "60003734"
    assert parts[1].to_dict()["value"] == "1"
