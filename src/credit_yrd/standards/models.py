"""Pydantic models of the regional data standard.

The models describe the *shape* of each data file; :mod:`credit_yrd.standards.loader` reads the
files, validates them against these models and then checks what one file says about another (a
field's code list exists, a rule table's dates do not overlap, …). Everything a user reads has a
Chinese label first and an English one too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from credit_yrd.standards.base import _SNAKE, Condition, Confidence, _Model, parse_period
from credit_yrd.standards.base import add_period as add_period  # re-exported
from credit_yrd.standards.errors import UnknownCodeError, UnknownItemError
from credit_yrd.standards.joint_models import ListDef, Measure, Memorandum

FieldType = Literal["string", "text", "date", "decimal", "integer", "code", "identifier"]
"""Value types a field may have; ``code`` fields name a code list, ``identifier`` fields an
identifier kind."""

Sensitivity = Literal["public", "shared", "restricted"]
"""``public``: may be shown to anyone while published; ``shared``: shared between authorities and
with the subject, not public; ``restricted``: personal data, shown only to authorised readers and
masked elsewhere."""


# --------------------------------------------------------------------------------------------------
# code lists


class CodeEntry(_Model):
    code: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    order: int | None = None
    severity: int | None = Field(
        default=None, description="轻重等级，数字越大越重 (rank: the larger, the heavier)"
    )
    parent: str | None = Field(
        default=None, description="上级代码，取自 parent_list (code of the parent entry)"
    )
    attributes: dict[str, Any] = Field(default_factory=dict)
    note: str | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


class CodeList(_Model):
    """A list of codes; :meth:`normalise` turns a code, label or alias into the canonical code."""

    code: str = Field(pattern=_SNAKE)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    description_zh: str | None = None
    description_en: str | None = None
    parent_list: str | None = None
    entries: list[CodeEntry] = Field(min_length=1)
    sources: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    _index: dict[str, str] = PrivateAttr(default_factory=dict)
    _by_code: dict[str, CodeEntry] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: Any) -> None:
        for entry in self.entries:
            self._by_code.setdefault(entry.code, entry)
            for key in self.lookup_keys(entry):
                self._index.setdefault(key, entry.code)

    @staticmethod
    def lookup_keys(entry: CodeEntry) -> list[str]:
        """The keys under which an entry is found: code, labels and aliases (case-folded)."""
        keys = [entry.code, entry.label_zh, entry.label_en, *entry.aliases]
        return list(dict.fromkeys(key.strip().casefold() for key in keys))

    def normalise(self, value: object) -> str:
        """The canonical code for a code, a Chinese or English label or an alias.

        Raises :class:`UnknownCodeError` for anything else (including empty values).
        """
        if value is None:
            raise UnknownCodeError(self.code, self.label_zh, value)
        key = str(value).strip().casefold()
        try:
            return self._index[key]
        except KeyError:
            raise UnknownCodeError(self.code, self.label_zh, value) from None

    def is_valid(self, value: object) -> bool:
        try:
            self.normalise(value)
        except UnknownCodeError:
            return False
        return True

    def entry(self, value: object) -> CodeEntry:
        """The entry for a code, label or alias."""
        return self._by_code[self.normalise(value)]

    def codes(self) -> list[str]:
        return [entry.code for entry in self.ordered()]

    def ordered(self) -> list[CodeEntry]:
        """Entries by ``order`` (entries without one keep file order, after those with one)."""
        indexed = list(enumerate(self.entries))
        indexed.sort(key=lambda pair: (pair[1].order is None, pair[1].order or 0, pair[0]))
        return [entry for _, entry in indexed]

    def label(self, value: object, lang: str = "zh") -> str:
        return self.entry(value).label(lang)


# --------------------------------------------------------------------------------------------------
# record kinds


class FieldDef(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str = Field(pattern=_SNAKE)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    type: FieldType
    required: bool = False
    required_when: Condition | None = None
    code_list: str | None = None
    multiple: bool = Field(
        default=False,
        description="代码字段可含多个代码，以 ;；,，、 分隔 (a code field may hold several codes)",
    )
    identifier_kind: str | None = None
    max_length: int | None = Field(default=None, gt=0)
    unit: str | None = None
    long_term_value: dt.date | None = Field(
        default=None,
        description="表示“长期”的日期值，如 2099-12-31 (date value that means long-term)",
    )
    sensitivity: Sensitivity
    regional: bool = Field(
        default=False,
        description="区域标准在国家字段集之外增加的字段 (field the regional standard adds to the "
        "national set)",
    )
    note: str | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


class OneOfConstraint(_Model):
    """When ``when`` holds, at least one of the fields in ``one_of`` must have a value."""

    when: Condition | None = None
    one_of: list[str] = Field(min_length=1)
    note_zh: str | None = None
    note_en: str | None = None


class PublicationSpec(_Model):
    """How a record kind is published: which date starts publication, which date (if any) ends it,
    which rule table sets the period and which records are withdrawn."""

    start_field: str
    end_field: str | None = None
    end_inclusive: bool = Field(
        default=True,
        description="end_field 所记日期当天是否仍公示：有效期至为 true，移出日期为 false "
        "(whether the record is still published on the end_field date: "
        "true for 'valid until', false for a removal date)",
    )
    rule_table: str | None = None
    withdrawn_when: Condition | None = None
    note_zh: str | None = None
    note_en: str | None = None


class DomainSpec(_Model):
    """Where a record's domain (code list ``domain``) comes from: a code field of the record, or
    one domain for the whole kind. A kind without a spec is cross-domain (basic information every
    department may read within its province)."""

    field: str | None = Field(default=None, description="the code field holding the domain")
    value: str | None = Field(default=None, description="the one domain of every record")

    @model_validator(mode="after")
    def _one_of(self) -> DomainSpec:
        if (self.field is None) == (self.value is None):
            raise ValueError("domain needs exactly one of field or value")
        return self


class RecordKind(_Model):
    code: str = Field(pattern=_SNAKE)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    category: str
    description_zh: str | None = None
    description_en: str | None = None
    key_fields: list[str] = Field(min_length=1)
    fields: list[FieldDef] = Field(min_length=1)
    constraints: list[OneOfConstraint] = Field(default_factory=list)
    publication: PublicationSpec
    domain: DomainSpec | None = Field(
        default=None, description="所属领域的取法；缺省为跨领域 (where the domain comes from)"
    )
    sources: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    _by_key: dict[str, FieldDef] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: Any) -> None:
        for field in self.fields:
            self._by_key.setdefault(field.code, field)
        for field in self.fields:
            self._by_key.setdefault(field.name, field)

    def field(self, key: str) -> FieldDef:
        """A field by code (``CF_WSH``) or name (``decision_number``)."""
        try:
            return self._by_key[key]
        except KeyError:
            raise UnknownItemError(
                f"{self.label_zh}的字段",
                f"field of {self.code}",
                key,
                [f.code for f in self.fields],
            ) from None

    def has_field(self, key: str) -> bool:
        return key in self._by_key

    def domain_of(self, content: Mapping[str, Any]) -> str | None:
        """The domain of one record of this kind (``None``: cross-domain, or not stated)."""
        if self.domain is None:
            return None
        if self.domain.value is not None:
            return self.domain.value
        value = content.get(self.domain.field or "")
        return value if isinstance(value, str) and value else None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


# --------------------------------------------------------------------------------------------------
# publication rules


class PeriodClass(_Model):
    """A class of information (轻微 / 一般 / 严重 …) and its publication period under one rule."""

    code: str
    published: bool = Field(
        default=True,
        description="是否默认公示；false 表示原则上不公示 "
        "(published by default; false: in principle not published)",
    )
    min_period: str
    max_period: str
    repairable: bool
    note_zh: str | None = None
    note_en: str | None = None

    @field_validator("min_period", "max_period")
    @classmethod
    def _period(cls, value: str) -> str:
        parse_period(value)
        return value


class ClassClause(_Model):
    """One line of the classification: a record (or one of its penalty types) that matches goes to
    ``class``. Clauses are tried in order and the first match wins, per penalty type; the record
    takes the heaviest class over its penalty types."""

    class_: str = Field(alias="class")
    penalty_types: list[str] | None = None
    when: Condition | None = None
    configurable: bool = Field(
        default=False,
        description="边界值由各部门确定，可按需调整 (boundary set by ministries; adjust as needed)",
    )
    note_zh: str | None = None
    note_en: str | None = None


class Rule(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    document_number: str = Field(min_length=1)
    effective_from: dt.date
    effective_to: dt.date | None = Field(
        default=None, description="最后生效日（含）；空表示仍有效 (last day in force, inclusive)"
    )
    confidence: Confidence
    sources: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    classes: list[PeriodClass] = Field(min_length=1)
    classification: list[ClassClause] = Field(default_factory=list)
    default_class: str

    def period_class(self, code: str) -> PeriodClass:
        for item in self.classes:
            if item.code == code:
                return item
        raise UnknownItemError(
            f"规则 {self.id} 的类别",
            f"class of rule {self.id}",
            code,
            [c.code for c in self.classes],
        )

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class RuleTable(_Model):
    """Versions of one rule over time; exactly one rule is in force on any date it covers."""

    id: str = Field(pattern=_SNAKE)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    applies_to: list[str] = Field(min_length=1)
    class_list: str = "publication_class"
    type_field: str | None = Field(
        default=None,
        description="记录中列出处罚类别的字段，如 CF_CFLB (field holding the penalty types)",
    )
    select_rule_by: Literal["record_date", "evaluation_date"]
    before_first_rule: Literal["earliest", "error"] = "error"
    note_zh: str | None = None
    note_en: str | None = None
    rules: list[Rule] = Field(min_length=1)

    def rule_on(self, day: dt.date) -> Rule | None:
        """The rule in force on ``day``; before the first rule, the earliest rule when
        ``before_first_rule`` is ``earliest``; otherwise None."""
        for rule in self.rules:
            if rule.in_force_on(day):
                return rule
        earliest = min(self.rules, key=lambda r: r.effective_from)
        if self.before_first_rule == "earliest" and day < earliest.effective_from:
            return earliest
        return None

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise UnknownItemError("规则", "rule", rule_id, [r.id for r in self.rules])


class PublicationRulesFile(_Model):
    rule_tables: list[RuleTable] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# the standard


class StandardMeta(_Model):
    version: str = Field(pattern=r"^v\d{4}\.\d+$")
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    effective_from: dt.date
    issued_by_zh: str | None = None
    issued_by_en: str | None = None
    description_zh: str | None = None
    description_en: str | None = None
    sources: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Standard(BaseModel):
    """One version of the regional data standard, loaded and checked."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    meta: StandardMeta
    root: Path | None = None
    code_lists: dict[str, CodeList]
    record_kinds: dict[str, RecordKind]
    rule_tables: dict[str, RuleTable]
    lists: dict[str, ListDef] = Field(default_factory=dict)
    memoranda: dict[str, Memorandum] = Field(default_factory=dict)
    measures: dict[str, Measure] = Field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.meta.version

    def record_kind(self, code: str) -> RecordKind:
        try:
            return self.record_kinds[code]
        except KeyError:
            raise UnknownItemError(
                "信息类别", "record kind", code, sorted(self.record_kinds)
            ) from None

    def code_list(self, code: str) -> CodeList:
        try:
            return self.code_lists[code]
        except KeyError:
            raise UnknownItemError("代码表", "code list", code, sorted(self.code_lists)) from None

    def rule_table(self, code: str) -> RuleTable:
        try:
            return self.rule_tables[code]
        except KeyError:
            raise UnknownItemError("规则表", "rule table", code, sorted(self.rule_tables)) from None

    def list_record_kinds(self) -> list[RecordKind]:
        """Record kinds ordered by report section, then code."""
        sections = self.code_lists.get("report_section")
        order = {c: i for i, c in enumerate(sections.codes())} if sections else {}
        return sorted(self.record_kinds.values(), key=lambda k: (order.get(k.category, 99), k.code))

    def list_code_lists(self) -> list[CodeList]:
        return [self.code_lists[code] for code in sorted(self.code_lists)]

    def publication_rules(self) -> list[RuleTable]:
        return [self.rule_tables[code] for code in sorted(self.rule_tables)]

    def list_def(self, code: str) -> ListDef:
        try:
            return self.lists[code]
        except KeyError:
            raise UnknownItemError("名单", "list", code, sorted(self.lists)) from None

    def measure(self, code: str) -> Measure:
        try:
            return self.measures[code]
        except KeyError:
            raise UnknownItemError("措施", "measure", code, sorted(self.measures)) from None

    def measures_for(self, list_code: str, scenario: str | None = None) -> list[Measure]:
        """The measures a listing on ``list_code`` triggers (in ``scenario`` only, when given)."""
        return [
            m
            for m in self.measures.values()
            if list_code in m.lists and (scenario is None or scenario in m.scenarios)
        ]
