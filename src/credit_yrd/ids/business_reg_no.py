"""Legacy 15-digit 工商注册号 (GS 15-2006), needed for 换码 (conversion to USCC).

Layout: 6-digit registration-authority code, 1 type digit (0–3 内资 domestic, 4–5 外资 foreign
invested, 6–9 个体 individual business), 7-digit sequence, 1 check digit by ISO 7064
MOD 11,10 (GB/T 17710).

The authority code must start with a province-level code (or 10, national); a code that is
neither in GB/T 2260 nor in the development-zone table is accepted with a note.
"""

from __future__ import annotations

from stdnum.iso7064 import mod_11_10

from credit_yrd.ids import _region, divisions
from credit_yrd.ids._text import compact_text, show
from credit_yrd.ids.errors import (
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    check_character,
    passes,
)
from credit_yrd.ids.parts import Part

KIND = "business_reg_no"
DIGITS = "0123456789"


def compact(s: str) -> str:
    return compact_text(s)


def calc_check_digit(first14: str) -> str:
    """The ISO 7064 MOD 11,10 check digit of the first 14 digits."""
    first14 = compact(first14)
    if len(first14) != 14 or any(ch not in DIGITS for ch in first14):
        raise InvalidFormat(KIND, "charset", "前14位应全为数字", "the first 14 must be digits")
    return mod_11_10.calc_check_digit(first14)


def type_of(digit: str) -> tuple[str, str]:
    if digit in "0123":
        return "内资企业", "domestic enterprise"
    if digit in "45":
        return "外商投资企业", "foreign-invested enterprise"
    return "个体工商户", "individual business"


def validate(s: str) -> str:
    number = compact(s)
    if len(number) != 15:
        raise InvalidLength(
            KIND,
            "length",
            f"工商注册号应为15位，实为 {len(number)} 位",
            f"a business registration number has 15 digits, this has {len(number)}",
        )
    for i, ch in enumerate(number, start=1):
        if ch not in DIGITS:
            raise InvalidFormat(
                KIND,
                "charset",
                f"第{i}位字符 {show(ch)} 不是数字",
                f"character {i} ({show(ch)}) is not a digit",
            )
    if not (divisions.is_province_code(number[:2]) or number[:2] == "10"):
        raise InvalidComponent(
            KIND,
            "authority",
            f"第1–6位登记机关代码 {number[:6]} 不以省级行政区划代码开头",
            f"authority code {number[:6]} does not start with a province-level code",
        )
    expected = calc_check_digit(number[:14])
    check_character(KIND, number, 15, expected)
    return number


def is_valid(s: str) -> bool:
    return passes(validate, s)


def format(s: str) -> str:
    return compact(s)


def explain(s: str) -> list[Part]:
    number = validate(s)
    region = _region.describe(number[:6], allow_national=True)
    type_zh, type_en = type_of(number[6])
    return [
        Part(
            "authority",
            "登记机关代码",
            number[:6],
            region.meaning_zh,
            region.meaning_en,
            region.note_zh,
            region.note_en,
        ),
        Part("entity_type", "企业类型码", number[6], type_zh, type_en),
        Part("sequence", "顺序码", number[7:14], "登记机关内的顺序号", "sequence number"),
        Part(
            "check_character",
            "校验码",
            number[14],
            "ISO 7064 MOD 11,10 校验码，正确",
            "ISO 7064 MOD 11,10 check digit, correct",
        ),
    ]
