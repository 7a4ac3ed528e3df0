"""Recognising which identifier a string is, and checking it without ever raising.

Detection rules (on the compact form, see ``compact`` of any module; input longer than
:data:`MAX_INPUT` characters is not looked at):

* 18 characters: ``resident_id`` when the first 17 are digits, the 18th is a digit or X, the
  GB 11643 check character matches and positions 7–14 are a calendar date; otherwise ``uscc``.
  (A string can pass both checksums, e.g. 362322198709086409; it is a resident ID.)
* 15 characters: when all are digits, let A = "the GS15 check digit matches" and B = "it reads as
  a legacy resident ID: a known GB/T 2260 address code and a calendar date 19YYMMDD at
  positions 7–12". A → ``business_reg_no`` (a real registration number such as 320583000123456
  also reads as a person born in 1900, and 15-digit ID numbers, replaced since 2004, are far
  rarer in credit data than registration numbers); otherwise B → ``resident_id``; otherwise
  ``business_reg_no``. Not all digits → ``business_reg_no`` (its validator names the bad
  character). Public output masks every 15- or 18-digit string whatever its detected kind (see
  :func:`looks_like_resident_id`), so this choice never exposes a person.
* 9 characters: ``org_code``.
* anything else: None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from credit_yrd.ids import business_reg_no, divisions, org_code, resident_id, uscc
from credit_yrd.ids._text import compact_text
from credit_yrd.ids.errors import InvalidIdentifier

MAX_INPUT = 64
KINDS = ("uscc", "org_code", "business_reg_no", "resident_id")
_MODULES: dict[str, Any] = {
    "uscc": uscc,
    "org_code": org_code,
    "business_reg_no": business_reg_no,
    "resident_id": resident_id,
}
_DIGITS = frozenset("0123456789")


def _is_date(yyyymmdd: str) -> bool:
    try:
        dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True


def looks_like_resident_id(code: str) -> bool:
    """Shape only: 17 digits + digit/X, or 15 digits (compact form)."""
    if len(code) == 18:
        return all(ch in _DIGITS for ch in code[:17]) and code[17] in _DIGITS | {"X"}
    return len(code) == 15 and all(ch in _DIGITS for ch in code)


def could_be_resident_id(code: str) -> bool:
    """Whether a compact code could be a person's ID number (public output masks such codes).

    18 characters: the ID shape with a matching GB 11643 check character and a real date.
    15 digits: a known address code and a real 19YYMMDD date, which many valid registration
    numbers also satisfy (110105491231002 is both).
    """
    if len(code) == 15:
        return (
            looks_like_resident_id(code)
            and divisions.lookup(code[:6]) is not None
            and _is_date("19" + code[6:12])
        )
    return (
        looks_like_resident_id(code)
        and resident_id.calc_check_character(code[:17]) == code[17]
        and _is_date(code[6:14])
    )


def _compact(s: object) -> str | None:
    if not isinstance(s, str) or len(s) > MAX_INPUT:
        return None
    return compact_text(s)


def detect(s: str) -> str | None:
    """One of "uscc", "org_code", "business_reg_no", "resident_id", or None (rules above)."""
    code = _compact(s)
    if code is None:
        return None
    if len(code) == 18:
        return "resident_id" if could_be_resident_id(code) else "uscc"
    if len(code) == 15:
        if business_reg_no.is_valid(code):
            return "business_reg_no"
        if could_be_resident_id(code):
            return "resident_id"
        return "business_reg_no"
    if len(code) == 9:
        return "org_code"
    return None


@dataclass
class CheckResult:
    input: str
    kind: str | None
    valid: bool
    error: str | None = None
    error_part: str | None = None
    parts: list[dict[str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "kind": self.kind,
            "valid": self.valid,
            "error": self.error,
            "error_part": self.error_part,
            "parts": [dict(p) for p in self.parts],
            "notes": list(self.notes),
        }


def _shown(s: object) -> str:
    text = s if isinstance(s, str) else repr(s)
    return text if len(text) <= MAX_INPUT else text[:MAX_INPUT] + "…"


def check(s: str, today: dt.date | None = None) -> CheckResult:
    """Detect and validate; never raises, whatever ``s`` is."""
    try:
        return _check(s, today)
    except Exception as exc:  # the promise is "never raises"; report instead
        return CheckResult(
            _shown(s),
            None,
            False,
            f"内部错误：{type(exc).__name__} (internal error: {type(exc).__name__})",
            "internal",
        )


def _check(s: object, today: dt.date | None) -> CheckResult:
    shown = _shown(s)
    if not isinstance(s, str):
        return CheckResult(shown, None, False, "输入不是字符串 (input is not a string)", "input")
    if len(s) > MAX_INPUT:
        return CheckResult(
            shown,
            None,
            False,
            f"输入过长：{len(s)} 个字符，最多 {MAX_INPUT} 个 "
            f"(input too long: {len(s)} characters, at most {MAX_INPUT})",
            "length",
        )
    kind = detect(s)
    if kind is None:
        n = len(compact_text(s))
        return CheckResult(
            shown,
            None,
            False,
            f"无法识别的代码：{n} 个字符，应为18位、15位或9位 "
            f"(unrecognised identifier: {n} characters; expected 18, 15 or 9)",
            "length",
        )
    module = _MODULES[kind]
    try:
        parts = resident_id.explain(s, today) if kind == "resident_id" else module.explain(s)
    except InvalidIdentifier as exc:
        return CheckResult(shown, kind, False, str(exc), exc.part)
    notes = [f"{p.note_zh} ({p.note_en})" if p.note_en else p.note_zh for p in parts if p.note_zh]
    return CheckResult(shown, kind, True, None, None, [p.to_dict() for p in parts], notes)
