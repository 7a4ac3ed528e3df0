"""GB 11714-1997 组织机构代码 (organisation code): 8 body characters and a check character.

Body characters are 0–9 and A–Z (A = 10 … Z = 35), weights 3,7,9,10,5,8,4,2;
C9 = 11 − (Σ mod 11), where 10 is written 'X' and 11 is written '0'. Shown as ``XXXXXXXX-X``.

>>> validate("60003734-1")
'600037341'
"""

from __future__ import annotations

from credit_yrd.ids._text import compact_text, show
from credit_yrd.ids.errors import (
    InvalidFormat,
    InvalidLength,
    check_character,
    passes,
)
from credit_yrd.ids.parts import Part

KIND = "org_code"
BODY_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHECK_CHARS = "0123456789X"
WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def compact(s: str) -> str:
    return compact_text(s)


def calc_check_character(body: str) -> str:
    """The check character of an 8-character body."""
    body = compact(body)
    if len(body) != 8:
        raise InvalidLength(
            KIND,
            "length",
            f"本体代码应为8位，实为 {len(body)} 位",
            f"the body must have 8 characters, has {len(body)}",
        )
    for i, ch in enumerate(body, start=1):
        if ch not in BODY_CHARS:
            raise InvalidFormat(
                KIND,
                "charset",
                f"第{i}位字符 {show(ch)} 不是数字或大写字母",
                f"character {i} ({show(ch)}) is not a digit or a capital letter",
            )
    total = sum(BODY_CHARS.index(ch) * w for ch, w in zip(body, WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def validate(s: str) -> str:
    """The compact form of a valid organisation code; raises an ``InvalidIdentifier``."""
    code = compact(s)
    if len(code) != 9:
        raise InvalidLength(
            KIND,
            "length",
            f"组织机构代码应为9位，实为 {len(code)} 位",
            f"an organisation code has 9 characters, this has {len(code)}",
        )
    for i, ch in enumerate(code[:8], start=1):
        if ch not in BODY_CHARS:
            raise InvalidFormat(
                KIND,
                "charset",
                f"第{i}位字符 {show(ch)} 不是数字或大写字母",
                f"character {i} ({show(ch)}) is not a digit or a capital letter",
            )
    if code[8] not in CHECK_CHARS:
        raise InvalidFormat(
            KIND,
            "check_character",
            f"第9位校验码只能是数字或 X，实为 {show(code[8])}",
            f"check character 9 must be a digit or X, is {show(code[8])}",
        )
    expected = calc_check_character(code[:8])
    check_character(KIND, code, 9, expected)
    return code


def is_valid(s: str) -> bool:
    return passes(validate, s)


def format(s: str) -> str:
    code = compact(s)
    return f"{code[:8]}-{code[8:]}" if len(code) == 9 else code


def explain(s: str) -> list[Part]:
    code = validate(s)
    return [
        Part("body", "本体代码", code[:8], "组织机构的本体代码", "body of the organisation code"),
        Part(
            "check_character",
            "校验码",
            code[8],
            "GB 11714 校验码，正确",
            "GB 11714 check character, correct",
        ),
    ]
