"""Checking one mapped row against the standard and bringing it to the standard's form.

:class:`RowChecker` is compiled once per (source mapping, record kind) and then applied to every row:
it maps source columns to field codes, decodes the source's code values, and checks and normalises
each field by its type — text (max length), code (code list), date (a real date; the record's start
date not in the future), decimal (a number ≥ 0; 元 converted to 万元), identifiers (USCC,
organisation code, business registration number, resident ID with the ``credit_yrd.ids`` checks).
Then required fields, conditional requirements and one-of constraints are checked on the normalised
values. A row either comes out as content in the standard's form or with every problem found.

Personal document numbers never enter record content in clear: a resident ID number becomes
``{"hash": <HMAC-SM3>, "masked": "3101**********1234"}`` and the number itself is kept only in
memory (:attr:`Party.resident_id`) for the subject store, which encrypts it.

The party a record is about is found by field-name convention, the same in every record kind of
the standard: ``party_*`` fields, or ``name``/``uscc``/``org_code``/``business_reg_no``/
``subject_type`` (registration), or ``enterprise_*`` (shareholding).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from credit_yrd.ids import business_reg_no, org_code, resident_id, uscc
from credit_yrd.ids.errors import InvalidIdentifier
from credit_yrd.ids.masking import mask_resident_id
from credit_yrd.ingest.mapping import SourceMapping
from credit_yrd.ingest.normalise import decimal_text, normalise_code, normalise_name, normalise_text
from credit_yrd.ingest.readers import RowProblem, looks_like_formula
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.models import Condition, FieldDef, RecordKind, Standard
from credit_yrd.standards.values import (
    parse_decimal,
    split_multiple,
)

#: Field names (per the standard's naming) that hold the party's identity.
PARTY_NAME = ("party_name", "name", "enterprise_name")
PARTY_TYPE = ("party_type", "subject_type")
PARTY_USCC = ("party_uscc", "uscc", "enterprise_uscc")
PARTY_ORG_CODE = ("party_org_code", "org_code")
PARTY_REG_NO = ("party_business_reg_no", "business_reg_no")
PARTY_DOCUMENT = ("party_document_no",)
PARTY_DIVISION = ("division",)
#: Field names that hold the deciding or reporting body (the version's ``department``).
DEPARTMENT = (
    "deciding_authority",
    "licensing_authority",
    "executing_court",
    "tax_authority",
    "listing_authority",
    "accepting_unit",
    "reporter",
    "registration_authority",
)
#: Names are fields of type string whose name ends so; they get the name normal form.
_NAME_SUFFIXES = ("name", "authority", "court", "unit", "reporter", "representative")

RESIDENT_ID_CARD = "身份证"
#: Shaped like a resident ID number (18 or 15 characters): checked as one, never taken as "other".
_ID_SHAPED = re.compile(r"^(\d{17}[\dX]|\d{15})$")
#: Distinct identifier texts remembered per field (the cache is emptied when full).
_CACHE_LIMIT = 100_000
#: Rules that say nothing about an identifier's correctness (so are not 错码).
_NOT_CODE_RULES = frozenset({"required", "required_when", "one_of", "formula", "cell_too_long"})
LONG_TERM = dt.date(2099, 12, 31)
MAX_SOURCE_KEY = 200
_TEN_THOUSAND = Decimal(10_000)
_MAX_AMOUNT = Decimal(10) ** 15


@dataclass
class Party:
    """Who a record is about, as the record says it (normalised)."""

    name: str | None = None
    party_type: str | None = None  # the standard's subject_type code (法人及非法人组织 …)
    uscc: str | None = None
    org_code: str | None = None
    business_reg_no: str | None = None
    resident_id: str | None = None  # 18 characters, in memory only; never stored in clear
    person_hash: str | None = None
    division: str | None = None

    def is_person(self) -> bool:
        return self.party_type == "自然人"


@dataclass
class CheckedRow:
    content: dict[str, Any]
    problems: list[RowProblem]
    party: Party
    status: str = "active"
    valid_from: dt.date | None = None
    department: str | None = None
    source_key: str = ""
    persons: dict[str, tuple[str, str]] = field(default_factory=dict)  # hash → (id number, name)


FieldCheck = Callable[[str, dict[str, Any], "CheckedRow"], Any]


class RowChecker:
    """Checks and normalises rows of one record kind from one source."""

    def __init__(
        self,
        mapping: SourceMapping,
        kind: RecordKind,
        standard: Standard,
        vault: PersonalDataVault,
        today: dt.date,
    ) -> None:
        self.mapping = mapping
        self.kind = kind
        self.standard = standard
        self.vault = vault
        self.today = today
        self._today_text = today.isoformat()
        self.columns = mapping.column_map(kind.code)
        self.by_name = {f.name: f for f in kind.fields}
        self._start = kind.field(kind.publication.start_field).code
        self._amount_factor = _TEN_THOUSAND if mapping.amount_unit == "元" else None
        self._ignored = mapping.ignored(kind.code)
        self._fields = {f.code: f for f in kind.fields}
        by_key = {**{f.name: f for f in kind.fields}, **self._fields}
        self._always = [f.code for f in kind.fields if f.required]
        self._conditional = [
            (f.code, compile_condition(f.required_when, by_key))
            for f in kind.fields
            if not f.required and f.required_when is not None
        ]
        self._one_of = [
            (
                [by_key[c].code for c in constraint.one_of],
                compile_condition(constraint.when, by_key) if constraint.when else _always_true,
            )
            for constraint in kind.constraints
        ]
        self._columns_labels = {code: column for column, code in self.columns.items()}
        withdrawn = kind.publication.withdrawn_when
        self._withdrawn = compile_condition(withdrawn, by_key) if withdrawn else None
        self._key_codes = [by_key[c].code for c in kind.key_fields]
        self._checks: dict[str, tuple[FieldDef, FieldCheck]] = {
            f.code: (f, self._compile(f)) for f in kind.fields
        }
        self._party_fields = {
            role: next((self.by_name[n].code for n in names if n in self.by_name), None)
            for role, names in (
                ("name", PARTY_NAME),
                ("type", PARTY_TYPE),
                ("uscc", PARTY_USCC),
                ("org_code", PARTY_ORG_CODE),
                ("reg_no", PARTY_REG_NO),
                ("document", PARTY_DOCUMENT),
                ("division", PARTY_DIVISION),
            )
        }
        self._department = next(
            (self.by_name[n].code for n in DEPARTMENT if n in self.by_name), None
        )

    # -- header ------------------------------------------------------------------------------

    def header_problems(self, header: list[str]) -> tuple[list[str], list[str]]:
        """(unknown columns, required field codes without a column) for a file's header."""
        unknown = [c for c in header if c and c not in self.columns and c not in self._ignored]
        present = {self.columns[c] for c in header if c in self.columns}
        missing = [f.code for f in self.kind.fields if f.required and f.code not in present]
        return unknown, missing

    def wrong_party_uscc(self, values: Mapping[str, str], problems: list[RowProblem]) -> str | None:
        """The party's USCC as sent, when the row was refused because that USCC is wrong (错码)."""
        code = self._party_fields["uscc"]
        if code is None:
            return None
        column = self.column_label(code)
        if not any(p.field == column and p.rule not in _NOT_CODE_RULES for p in problems):
            return None
        return normalise_code(values.get(column, "")) or None

    def column_label(self, code: str) -> str:
        return self._columns_labels.get(code, code)

    # -- rows --------------------------------------------------------------------------------

    def check(self, values: Mapping[str, str]) -> CheckedRow:
        row = CheckedRow({}, [], Party())
        mapped: dict[str, str] = {}
        for column, text in values.items():
            code = self.columns.get(column)
            if code is None:
                if text and text.strip() and column not in self._ignored:
                    row.problems.append(
                        RowProblem(
                            column,
                            "unknown_column",
                            f"映射文件中没有列“{column}”",
                            f"the mapping has no column {column!r}",
                        )
                    )
                continue
            if text is not None and text.strip():
                mapped[code] = text
        content = row.content
        for code, text in mapped.items():
            definition, check = self._checks[code]
            try:
                value = check(text, mapped, row)
            except _FieldProblem as problem:
                row.problems.append(
                    RowProblem(
                        self.column_label(code),
                        problem.rule,
                        f"{definition.label_zh}（{code}）：{problem.message_zh}",
                        f"{definition.label_en} ({code}): {problem.message_en}",
                    )
                )
                continue
            if value is not None:
                content[code] = value
        if not row.problems:
            self._requirements(row)
        if not row.problems:
            self._finish(row)
        return row

    def _requirements(self, row: CheckedRow) -> None:
        content = row.content
        for code in self._always:
            if code not in content:
                self._missing(row, [code])
        for code, holds in self._conditional:
            if code not in content and holds(content):
                self._missing(row, [code])
        for codes, applies in self._one_of:
            if applies(content) and not any(code in content for code in codes):
                self._missing(row, codes)
        start = row.content.get(self._start)
        if isinstance(start, str) and start > self._today_text:
            definition = self._fields[self._start]
            row.problems.append(
                RowProblem(
                    self.column_label(self._start),
                    "future_date",
                    f"{definition.label_zh}（{self._start}）{start} 晚于今天 {self.today}",
                    f"{definition.label_en} ({self._start}) {start} is after today {self.today}",
                )
            )

    def _missing(self, row: CheckedRow, codes: list[str]) -> None:
        if len(codes) > 1:
            labels = "、".join(self._fields[c].label_zh for c in codes)
            labels_en = ", ".join(self._fields[c].label_en for c in codes)
            row.problems.append(
                RowProblem(
                    "|".join(self.column_label(c) for c in codes),
                    "one_of",
                    f"{labels} 至少须填写一项",
                    f"at least one of {labels_en} is required",
                )
            )
            return
        definition = self._fields[codes[0]]
        conditional = not definition.required
        row.problems.append(
            RowProblem(
                self.column_label(codes[0]),
                "required_when" if conditional else "required",
                f"{definition.label_zh}（{codes[0]}）"
                + ("在此情形下为必填项" if conditional else "为必填项"),
                f"{definition.label_en} ({codes[0]}) is required"
                + (" in this case" if conditional else ""),
            )
        )

    def _finish(self, row: CheckedRow) -> None:
        content = row.content
        party = row.party
        fields = self._party_fields
        if fields["name"]:
            party.name = content.get(fields["name"])
        if fields["type"]:
            party.party_type = content.get(fields["type"])
        elif fields["uscc"]:
            party.party_type = "法人及非法人组织"
        if fields["uscc"]:
            party.uscc = content.get(fields["uscc"])
        if fields["org_code"]:
            party.org_code = content.get(fields["org_code"])
        if fields["reg_no"]:
            party.business_reg_no = content.get(fields["reg_no"])
        if fields["division"]:
            division = content.get(fields["division"])
            party.division = division if isinstance(division, str) else None
        if fields["document"] and isinstance(content.get(fields["document"]), dict):
            party.person_hash = content[fields["document"]]["hash"]
            party.resident_id = row.persons.get(party.person_hash, (None, ""))[0]
        if self._department:
            row.department = content.get(self._department)
        start = content.get(self._start)
        row.valid_from = dt.date.fromisoformat(start) if isinstance(start, str) else None
        row.status = self._status(content)
        row.source_key = self._key(content)

    def _status(self, content: dict[str, Any]) -> str:
        if self._withdrawn is None or not self._withdrawn(content):
            return "active"
        rule = self.kind.publication.withdrawn_when
        assert rule is not None and rule.field is not None
        value = content.get(self.kind.field(rule.field).code)
        return "deleted" if value in ("删除", "deleted") else "withdrawn"

    def _key(self, content: dict[str, Any]) -> str:
        parts = []
        for code in self._key_codes:
            value = content.get(code, "")
            if isinstance(value, dict):
                value = value.get("hash", "")
            elif isinstance(value, list):
                value = ";".join(value)
            parts.append(str(value))
        key = "|".join(parts)
        if len(key) > MAX_SOURCE_KEY:
            key = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
        return key

    # -- per-field checks --------------------------------------------------------------------

    def _compile(self, definition: FieldDef) -> FieldCheck:
        if definition.type == "code":
            return self._code_check(definition)
        if definition.type == "date":
            return _date_check(definition)
        if definition.type == "decimal":
            factor = (
                self._amount_factor
                if definition.unit == "万元" and self.mapping.in_yuan(definition.code)
                else None
            )
            return _decimal_check(factor)
        if definition.type == "identifier":
            return self._identifier_check(definition)
        is_name = definition.type == "string" and definition.name.endswith(_NAME_SUFFIXES)
        return _text_check(definition.max_length, is_name)

    def _code_check(self, definition: FieldDef) -> FieldCheck:
        assert definition.code_list is not None
        code_list = self.standard.code_lists[definition.code_list]
        list_code = definition.code_list
        mapping = self.mapping

        def one(item: str) -> str:
            item = normalise_text(item)
            try:
                return code_list.normalise(mapping.decode_value(list_code, item))
            except UnknownCodeError:
                raise _FieldProblem(
                    "code",
                    f"“{item}”不是代码表“{code_list.label_zh}”（{list_code}）中的值",
                    f"{item!r} is not a value of code list {list_code!r}",
                ) from None

        if definition.multiple:

            def multiple(text: str) -> Any:
                items = [one(item) for item in split_multiple(text)]
                return list(dict.fromkeys(items)) or None

            return _memoised(multiple)
        return _memoised(one)

    def _identifier_check(self, definition: FieldDef) -> FieldCheck:
        kind = definition.identifier_kind
        validators: dict[str, Callable[[str], str]] = {
            "uscc": uscc.validate,
            "org_code": org_code.validate,
            "business_reg_no": business_reg_no.validate,
        }
        if kind in validators:
            validate = validators[kind]

            def public_code(text: str) -> str:
                try:
                    return validate(text)
                except InvalidIdentifier as exc:
                    raise _FieldProblem(exc.part, exc.message_zh, exc.message_en) from None

            # Authorities' and frequent parties' codes repeat on many rows: check each text once.
            return _memoised(public_code)
        if kind == "person_document_no":
            type_code = definition.code.replace("ZJHM", "ZJLX")
            type_field = self.kind.field(type_code) if self.kind.has_field(type_code) else None
            return self._person_check(definition, type_field)
        return _text_check(definition.max_length, False, compact=True)

    def _person_check(self, definition: FieldDef, type_field: FieldDef | None) -> FieldCheck:
        id_types = self.standard.code_lists["id_document_type"]
        vault = self.vault
        today = self.today
        name_field = _person_name_field(self.kind, definition)
        mapping = self.mapping

        def check(text: str, mapped: dict[str, Any], row: CheckedRow) -> dict[str, str]:
            number = normalise_code(text)
            doc_type = RESIDENT_ID_CARD
            if type_field is not None and mapped.get(type_field.code):
                raw_type = normalise_text(mapped[type_field.code])
                try:
                    doc_type = id_types.normalise(
                        mapping.decode_value("id_document_type", raw_type)
                    )
                except UnknownCodeError:
                    doc_type = RESIDENT_ID_CARD  # the type field reports its own problem
            elif type_field is None and not _ID_SHAPED.match(number):
                doc_type = "其他"  # only what cannot be a resident ID number is another document
            if doc_type != RESIDENT_ID_CARD:
                if len(number) > (definition.max_length or 64) or not number:
                    raise _FieldProblem(
                        "length", "证件号码长度不对", "the document number has a wrong length"
                    )
                return {
                    "hash": vault.hash_document(doc_type, number),
                    "masked": mask_resident_id(number),
                    "type": doc_type,
                }
            try:
                number = resident_id.validate(number, today)
            except InvalidIdentifier as exc:
                raise _FieldProblem(exc.part, exc.message_zh, exc.message_en) from None
            person_hash = vault.hash_id(number)
            name = normalise_name(mapped.get(name_field, "")) if name_field else ""
            row.persons[person_hash] = (number, name)
            return {"hash": person_hash, "masked": mask_resident_id(number)}

        return check


def _person_name_field(kind: RecordKind, definition: FieldDef) -> str | None:
    """The name field that goes with a person's document number in the same record."""
    names = {
        "party_document_no": ("party_name",),
        "legal_representative_document_no": ("legal_representative",),
        "shareholder_document_no": ("shareholder_name",),
    }.get(definition.name, ())
    for name in names:
        for f in kind.fields:
            if f.name == name:
                return f.code
    return None


@dataclass(frozen=True)
class _Refusal:
    rule: str
    message_zh: str
    message_en: str


def _memoised(check: Callable[[str], Any]) -> FieldCheck:
    """A field check that depends on the text alone, remembering each text's result (or problem);
    code values, dates and authorities' codes repeat on many rows. Emptied when full."""
    seen: dict[str, Any] = {}

    def memo(text: str, _mapped: dict[str, Any], _row: CheckedRow) -> Any:
        try:
            result = seen[text]
        except KeyError:
            try:
                result = check(text)
            except _FieldProblem as problem:
                # kept as data: re-raising one exception object would grow its traceback
                result = _Refusal(problem.rule, problem.message_zh, problem.message_en)
            if len(seen) >= _CACHE_LIMIT:
                seen.clear()
            seen[text] = result
        if isinstance(result, _Refusal):
            raise _FieldProblem(result.rule, result.message_zh, result.message_en)
        return result

    return memo


def _always_true(_content: Mapping[str, Any]) -> bool:
    return True


def compile_condition(
    condition: Condition, by_key: Mapping[str, FieldDef]
) -> Callable[[Mapping[str, Any]], bool]:
    """A condition of the standard as a function of *normalised* content (keyed by field code,
    code fields already canonical). Same meaning as ``standards.values.condition_holds``."""
    if condition.all_of is not None:
        parts = [compile_condition(c, by_key) for c in condition.all_of]
        return lambda content: all(part(content) for part in parts)
    if condition.any_of is not None:
        parts = [compile_condition(c, by_key) for c in condition.any_of]
        return lambda content: any(part(content) for part in parts)
    if condition.not_ is not None:
        inner = compile_condition(condition.not_, by_key)
        return lambda content: not inner(content)
    assert condition.field is not None
    code = by_key[condition.field].code
    present = condition.present
    wanted = set(condition.in_) if condition.in_ is not None else None
    unwanted = set(condition.not_in) if condition.not_in is not None else None
    bounds = (condition.lt, condition.lte, condition.gt, condition.gte)
    has_bounds = any(bound is not None for bound in bounds)

    def holds(content: Mapping[str, Any]) -> bool:
        value = content.get(code)
        if present is not None and (value is not None) != present:
            return False
        if wanted is not None or unwanted is not None:
            if value is None:
                values: set[str] = set()
            elif isinstance(value, list):
                values = set(value)
            else:
                values = {str(value).strip()}
            if wanted is not None and not values & wanted:
                return False
            if unwanted is not None and values & unwanted:
                return False
        if has_bounds:
            number = parse_decimal(value)
            if number is None:
                return False
            lt, lte, gt, gte = bounds
            if lt is not None and not number < lt:
                return False
            if lte is not None and not number <= lte:
                return False
            if gt is not None and not number > gt:
                return False
            if gte is not None and not number >= gte:
                return False
        return True

    return holds


class _FieldProblem(Exception):
    def __init__(self, rule: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.rule = rule
        self.message_zh = message_zh
        self.message_en = message_en


def _text_check(max_length: int | None, is_name: bool, *, compact: bool = False) -> FieldCheck:
    form = normalise_name if is_name else normalise_text

    def check(text: str, _mapped: dict[str, Any], _row: CheckedRow) -> str | None:
        value = form(text)
        if looks_like_formula(value):
            # full-width ＝, a leading space or a zero-width character hid it from the reader
            raise _FieldProblem(
                "formula",
                "规范化后是电子表格公式，拒收以防公式注入",
                "after normalisation the value is a spreadsheet formula; refused to prevent "
                "formula injection",
            )
        if compact:
            value = value.replace(" ", "")
        if max_length is not None and len(value) > max_length:
            raise _FieldProblem(
                "max_length",
                f"长度 {len(value)} 超过上限 {max_length}",
                f"length {len(value)} exceeds the limit of {max_length}",
            )
        return value or None

    return check


_STRICT_DATE = re.compile(
    r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})$"
    r"|^(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})$"
    r"|^(?P<y3>\d{4})\s*年\s*(?P<m3>\d{1,2})\s*月\s*(?P<d3>\d{1,2})\s*日$"
)
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?([+-]\d{2}:?\d{2}|Z)?$")


def parse_date_strict(text: str) -> dt.date | None:
    """A date written in one of the accepted forms, nothing else: ``2024-03-05``, ``2024/3/5``,
    ``2024.03.05`` (one separator throughout), ``20240305`` (exactly 8 digits), ``2024年3月5日``,
    each optionally followed by a valid time (``2024-03-05 10:30:00``, ``2024-03-05T10:30``).
    Anything after the date that is not a time, or digits that can be split in two ways, is
    refused rather than guessed."""
    date_part, _, time_part = text.replace("T", " ", 1).partition(" ")
    if time_part and not _TIME.match(time_part.strip()):
        return None
    match = _STRICT_DATE.match(date_part.strip())
    if match is None:
        return None
    groups = match.groupdict()
    year = groups["y"] or groups["y2"] or groups["y3"]
    month = groups["m"] or groups["m2"] or groups["m3"]
    day = groups["d"] or groups["d2"] or groups["d3"]
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _date_check(definition: FieldDef) -> FieldCheck:
    def check(text: str) -> str:
        value = parse_date_strict(normalise_text(text))
        if value is None:
            raise _FieldProblem(
                "date",
                f"“{normalise_text(text)[:40]}”不是有效日期",
                f"{normalise_text(text)[:40]!r} is not a valid date",
            )
        if value.year < 1900 or (value > LONG_TERM):
            raise _FieldProblem(
                "date",
                f"日期 {value} 超出合理范围（1900-01-01 至 2099-12-31）",
                f"date {value} is out of range (1900-01-01 to 2099-12-31)",
            )
        return value.isoformat()

    return _memoised(check)


#: Numbers as sources write them: digits with an optional fraction and exponent, or thousands
#: separated by commas in groups of three. ``1,5`` or ``2_6`` are refused, never rewritten.
_NUMBER = re.compile(r"^\d+(\.\d+)?([eE][+-]?\d+)?$|^\d{1,3}(,\d{3})+(\.\d+)?$|^-\d")


def _decimal_check(factor: Decimal | None) -> FieldCheck:
    def check(text: str, _mapped: dict[str, Any], _row: CheckedRow) -> str:
        plain = normalise_text(text)
        value = parse_decimal(plain) if _NUMBER.match(plain) else None
        if value is None or not value.is_finite():
            raise _FieldProblem(
                "decimal",
                f"“{normalise_text(text)[:40]}”不是数字",
                f"{normalise_text(text)[:40]!r} is not a number",
            )
        if value < 0:
            raise _FieldProblem("negative", "不能为负数", "must not be negative")
        if value >= _MAX_AMOUNT:
            raise _FieldProblem(
                "decimal",
                "数值超出合理范围（不超过 10^15）",
                "the number is out of range (below 10^15)",
            )
        if factor is not None:
            value = value / factor
        return decimal_text(value)

    return check
