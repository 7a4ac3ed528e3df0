"""Reading record values the way the standard describes them, and testing conditions on records.

A record is a mapping keyed by field code (``CF_JDRQ``) or field name (``decision_date``). Dates may
be ``date``/``datetime`` objects or text such as ``2024-03-05``, ``2024/03/05``, ``20240305`` or
``2024年3月5日``; decimals may be numbers or text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from credit_yrd.standards.errors import RecordValueError
from credit_yrd.standards.models import CodeList, Condition, FieldDef, RecordKind

_MULTI_SPLIT = re.compile(r"[;；,，、|]")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})\s*日?(?:[ T].*)?$")


def split_multiple(text: str) -> list[str]:
    """The items of a multi-valued field written as text (``罚款;警告``, ``罚款，警告`` …)."""
    return [item for item in _MULTI_SPLIT.split(text) if item.strip()]


def raw_value(record: Mapping[str, Any], field: FieldDef) -> Any:
    """The value under the field's code or, failing that, its name; blank text counts as absent."""
    value = record.get(field.code)
    if _blank(value):
        value = record.get(field.name)
    return None if _blank(value) else value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: Any) -> dt.date | None:
    """A date from a date, datetime or common Chinese date text; None when it cannot be read."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
    return None


def date_value(record: Mapping[str, Any], kind: RecordKind, key: str) -> dt.date | None:
    """A date field's value; raises :class:`RecordValueError` for text that is not a date."""
    field = kind.field(key)
    value = raw_value(record, field)
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise RecordValueError(
            kind.code, field.code, f"“{value}”不是日期", f"{value!r} is not a date"
        )
    return parsed


def code_values(record: Mapping[str, Any], field: FieldDef, code_list: CodeList) -> list[str]:
    """The canonical codes in a code field (several when the field is ``multiple``)."""
    value = raw_value(record, field)
    if value is None:
        return []
    items = (
        value
        if isinstance(value, list | tuple)
        else _MULTI_SPLIT.split(str(value))
        if field.multiple
        else [value]
    )
    return [code_list.normalise(item) for item in items if not _blank(item)]


def condition_holds(
    condition: Condition,
    record: Mapping[str, Any],
    kind: RecordKind,
    code_lists: Mapping[str, CodeList],
) -> bool:
    """Whether a condition holds for a record of the given kind."""
    if condition.all_of is not None:
        return all(condition_holds(c, record, kind, code_lists) for c in condition.all_of)
    if condition.any_of is not None:
        return any(condition_holds(c, record, kind, code_lists) for c in condition.any_of)
    if condition.not_ is not None:
        return not condition_holds(condition.not_, record, kind, code_lists)
    assert condition.field is not None
    field = kind.field(condition.field)
    value = raw_value(record, field)
    if condition.present is not None and (value is not None) != condition.present:
        return False
    if condition.in_ is not None or condition.not_in is not None:
        if field.code_list:
            values = set(code_values(record, field, code_lists[field.code_list]))
        else:
            values = set() if value is None else {str(value).strip()}
        if condition.in_ is not None and not values & set(condition.in_):
            return False
        if condition.not_in is not None and values & set(condition.not_in):
            return False
    bounds = (condition.lt, condition.lte, condition.gt, condition.gte)
    if any(bound is not None for bound in bounds):
        number = parse_decimal(value)
        if number is None:
            return False
        if condition.lt is not None and not number < condition.lt:
            return False
        if condition.lte is not None and not number <= condition.lte:
            return False
        if condition.gt is not None and not number > condition.gt:
            return False
        if condition.gte is not None and not number >= condition.gte:
            return False
    return True


def required_fields(
    record: Mapping[str, Any], kind: RecordKind, code_lists: Mapping[str, CodeList]
) -> list[str]:
    """Codes of the fields this record must fill: always-required ones and those whose
    ``required_when`` holds for it."""
    return [
        f.code
        for f in kind.fields
        if f.required
        or (
            f.required_when is not None
            and condition_holds(f.required_when, record, kind, code_lists)
        )
    ]


def missing_fields(
    record: Mapping[str, Any], kind: RecordKind, code_lists: Mapping[str, CodeList]
) -> list[str]:
    """Codes of required fields the record leaves empty, plus ``A|B|C`` for every one-of constraint
    that applies to the record and that it does not meet."""
    missing = [
        code
        for code in required_fields(record, kind, code_lists)
        if raw_value(record, kind.field(code)) is None
    ]
    for constraint in kind.constraints:
        if constraint.when is not None and not condition_holds(
            constraint.when, record, kind, code_lists
        ):
            continue
        if all(raw_value(record, kind.field(code)) is None for code in constraint.one_of):
            missing.append("|".join(constraint.one_of))
    return missing
