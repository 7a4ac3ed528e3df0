"""GB 11643-1999 公民身份号码 (resident identity number), 18 characters; legacy 15 digits.

Layout: 6-digit address code (GB/T 2260), 8-digit birth date YYYYMMDD, 3-digit sequence
(odd = male, even = female), check character: Σ(digit·weight) mod 11 indexes "10X98765432",
weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2.

Checks: the birth date must be a real date, not before 1900-01-01 and not after ``today``
(a parameter; default: the system clock in China Standard Time). The address code must be a
GB/T 2260 code, current or abolished; we do not require that it existed in the birth year
(people keep their number when divisions are renamed or abolished, and the table's years are
coarse). python-stdnum's ``cn.ric`` does require that.

15-digit numbers (issued before 1999, birth year 19YY, no check digit) are accepted by
:func:`validate`, which converts them with :func:`to_18` and returns the 18-digit form.
"""

from __future__ import annotations

import datetime as dt

from credit_yrd.clock import SYSTEM_CLOCK
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

KIND = "resident_id"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_MAP = "10X98765432"
DIGITS = "0123456789"
EARLIEST = dt.date(1900, 1, 1)


def compact(s: str) -> str:
    return compact_text(s)


def _require_digits(number: str, positions: int) -> None:
    for i, ch in enumerate(number[:positions], start=1):
        if ch not in DIGITS:
            raise InvalidFormat(
                KIND,
                "charset",
                f"第{i}位字符 {show(ch)} 应为数字",
                f"character {i} ({show(ch)}) must be a digit",
            )


def calc_check_character(first17: str) -> str:
    first17 = compact(first17)
    if len(first17) != 17:
        raise InvalidLength(
            KIND,
            "length",
            f"计算校验码需要前17位，实为 {len(first17)} 位",
            f"the check needs 17 digits, got {len(first17)}",
        )
    _require_digits(first17, 17)
    return CHECK_MAP[sum(int(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True)) % 11]


def to_18(s: str) -> str:
    """Convert a legacy 15-digit number: insert 19 before the year, append the check.
    An 18-character input is returned in compact form unchanged."""
    number = compact(s)
    if len(number) == 18:
        return number
    if len(number) != 15:
        raise InvalidLength(
            KIND,
            "length",
            f"旧身份证号码应为15位，实为 {len(number)} 位",
            f"a legacy number has 15 digits, this has {len(number)}",
        )
    _require_digits(number, 15)
    first17 = number[:6] + "19" + number[6:]
    return first17 + calc_check_character(first17)


def _birth_date(number: str) -> dt.date:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidComponent(
            KIND,
            "birth_date",
            f"第7–14位出生日期 {number[6:14]} 不是有效日期",
            f"birth date {number[6:14]} (positions 7–14) is not a real date",
        ) from None


def validate(s: str, today: dt.date | None = None) -> str:
    """The 18-character form of a valid number (15-digit input is converted)."""
    number = compact(s)
    if len(number) == 15:
        number = to_18(number)
    if len(number) != 18:
        raise InvalidLength(
            KIND,
            "length",
            f"身份证号码应为18位（或旧式15位），实为 {len(number)} 位",
            f"a resident ID has 18 characters (legacy: 15), this has {len(number)}",
        )
    _require_digits(number, 17)
    if number[17] not in DIGITS + "X":
        raise InvalidFormat(
            KIND,
            "check_character",
            f"第18位校验码只能是数字或 X，实为 {show(number[17])}",
            f"check character 18 must be a digit or X, is {show(number[17])}",
        )
    born = _birth_date(number)
    today = today or SYSTEM_CLOCK.today()
    if born < EARLIEST:
        raise InvalidComponent(
            KIND,
            "birth_date",
            f"出生日期 {born.isoformat()} 早于 1900-01-01",
            f"birth date {born.isoformat()} is before 1900-01-01",
        )
    if born > today:
        raise InvalidComponent(
            KIND,
            "birth_date",
            f"出生日期 {born.isoformat()} 晚于今天 {today.isoformat()}",
            f"birth date {born.isoformat()} is after today ({today.isoformat()})",
        )
    if divisions.lookup(number[:6]) is None:
        raise InvalidComponent(
            KIND,
            "region",
            f"第1–6位地址码 {number[:6]} 不是 GB/T 2260 行政区划代码",
            f"address code {number[:6]} (positions 1–6) is not a GB/T 2260 division",
        )
    expected = calc_check_character(number[:17])
    check_character(KIND, number, 18, expected)
    return number


def is_valid(s: str, today: dt.date | None = None) -> bool:
    return passes(lambda code: validate(code, today), s)


def format(s: str) -> str:
    return compact(s)


def birth_date(s: str) -> dt.date:
    number = compact(s)
    if len(number) == 15:
        number = to_18(number)
    if len(number) != 18:
        raise InvalidLength(
            KIND,
            "length",
            f"身份证号码应为18位（或旧式15位），实为 {len(number)} 位",
            f"a resident ID has 18 characters (legacy: 15), this has {len(number)}",
        )
    _require_digits(number, 14)
    return _birth_date(number)


def gender(s: str) -> str:
    """ "male" (odd sequence digit) or "female" (even)."""
    number = compact(s)
    if len(number) not in (15, 18):
        raise InvalidLength(
            KIND,
            "length",
            f"身份证号码应为18位（或旧式15位），实为 {len(number)} 位",
            f"a resident ID has 18 characters (legacy: 15), this has {len(number)}",
        )
    digit = number[14] if len(number) == 15 else number[16]
    _require_digits(digit, 1)
    return "male" if int(digit) % 2 else "female"


def explain(s: str, today: dt.date | None = None) -> list[Part]:
    original = compact(s)
    number = validate(s, today)
    region = _region.describe(number[:6], allow_national=False)
    born = _birth_date(number)
    male = gender(number) == "male"
    parts = [
        Part(
            "region",
            "地址码",
            number[:6],
            region.meaning_zh,
            region.meaning_en,
            region.note_zh,
            region.note_en,
        ),
        Part("birth_date", "出生日期码", number[6:14], born.isoformat(), born.isoformat()),
        Part(
            "sequence",
            "顺序码",
            number[14:17],
            "男性（奇数）" if male else "女性（偶数）",
            "male (odd)" if male else "female (even)",
        ),
        Part("check_character", "校验码", number[17], "校验码正确", "check character is correct"),
    ]
    if len(original) == 15:
        parts[-1] = Part(
            "check_character",
            "校验码",
            number[17],
            "由15位旧号码升位计算",
            "computed when converting the 15-digit legacy number",
            f"原号码为15位：{original}",
            f"the input was a 15-digit legacy number: {original}",
        )
    return parts
