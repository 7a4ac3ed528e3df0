from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from credit_yrd.ids import resident_id
from credit_yrd.ids.errors import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize("number", ["360426199101010071", "11010519491231002X"])
def test_vectors(number: str) -> None:
    assert resident_id.validate(number, today=TODAY) == number
    assert ric.calc_check_digit(number) == number[-1]


def test_birth_date_and_gender() -> None:
    assert resident_id.birth_date("360426199101010071") == dt.date(1991, 1, 1)
    assert resident_id.gender("360426199101010071") == "male"
    assert resident_id.gender("11010519491231002x") == "female"


def test_fifteen_digits() -> None:
    assert resident_id.to_18("110105491231002") == "11010519491231002X"
    assert resident_id.validate("110105491231002", today=TODAY) == "11010519491231002X"
    assert resident_id.birth_date("110105491231002") == dt.date(1949, 12, 31)
    assert resident_id.gender("110105491231002") == "female"
    note = resident_id.explain("110105491231002", today=TODAY)[-1].note_zh
    assert note and "15位" in note


def test_wrong_check() -> None:
    with pytest.raises(InvalidChecksum) as info:
        resident_id.validate("360426199101010072", today=TODAY)
    assert info.value.part == "check_character"
    assert "第18位校验码应为 1，实为 2" in info.value.message_zh


def test_birth_date_rules() -> None:
    def number(first14: str) -> str:
        return first14 + "001" + resident_id.calc_check_character(first14 + "001")

    with pytest.raises(InvalidComponent) as e1:
        resident_id.validate(number("36042619910230"), today=TODAY)
    assert e1.value.part == "birth_date"
    with pytest.raises(InvalidComponent) as e2:
        resident_id.validate(number("36042618991231"), today=TODAY)
    assert e2.value.part == "birth_date" and "1900" in e2.value.message_zh
    future = number("36042620250602")
    with pytest.raises(InvalidComponent) as e3:
        resident_id.validate(future, today=TODAY)
    assert e3.value.part == "birth_date" and "晚于今天" in e3.value.message_zh
    assert resident_id.is_valid(future, today=dt.date(2025, 6, 2))  # time is a parameter


def test_region_rules() -> None:
    first17 = "99042619910101007"
    with pytest.raises(InvalidComponent) as info:
        resident_id.validate(first17 + resident_id.calc_check_character(first17), today=TODAY)
    assert info.value.part == "region"
    # abolished code (362322, abolished 2000) is fine, even for someone born after that
    first17 = "36232220100908640"
    number = first17 + resident_id.calc_check_character(first17)
    assert resident_id.is_valid(number, today=TODAY)
    part = resident_id.explain(number, today=TODAY)[0]
    assert part.note_zh and "已撤销" in part.note_zh
    assert not ric.is_valid(number)  # stdnum requires the code to exist in the birth year


def test_format_and_length_errors() -> None:
    with pytest.raises(InvalidLength) as e1:
        resident_id.validate("3604261991010100", today=TODAY)
    assert e1.value.part == "length"
    with pytest.raises(InvalidFormat) as e2:
        resident_id.validate("36042619910101007A", today=TODAY)
    assert e2.value.part == "check_character"
    with pytest.raises(InvalidFormat) as e3:
        resident_id.validate("3604261991010100A1", today=TODAY)
    assert e3.value.part == "charset"


def test_explain() -> None:
    parts = resident_id.explain(
        "320583199001011234"[:17] + resident_id.calc_check_character("32058319900101123"),
        today=TODAY,
    )
    assert [(p.name, p.meaning_zh) for p in parts] == [
        ("region", "江苏省苏州市昆山市"),
        ("birth_date", "1990-01-01"),
        ("sequence", "男性（奇数）"),
        ("check_character", "校验码正确"),
    ]


def test_default_clock() -> None:
    assert resident_id.is_valid("360426199101010071")
