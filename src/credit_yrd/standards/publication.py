"""Publication windows: from when until when a record is published, under which rule.

Dates follow the counting of 民法典 art. 201–203: a period counted in months or years starts the day
after the start date and ends at the end of the corresponding day, so a one-year period from a
decision of 2024-03-05 ends at the end of 2025-03-05. Accordingly:

- ``start`` is the date that starts publication (e.g. 处罚决定日期 ``CF_JDRQ``);
- ``min_end`` is the last day of the minimum period: repair may end publication after it;
- ``max_end`` is the last day of the maximum period: from the next day the record is no longer
  published;
- ``is_published(on)`` is ``start <= on <= max_end`` for records published by default and not
  withdrawn.

Which rule applies is a data attribute of the rule table (``select_rule_by``): ``record_date`` picks
the rule in force on the record's start date (the shipped standard does this for penalties: a period
is fixed when the decision is published, and new rules do not reach back), ``evaluation_date`` the
rule in force on the date asked about (``on``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.standards.errors import NoRuleError, RecordValueError
from credit_yrd.standards.models import RecordKind, Rule, RuleTable, Standard, add_period
from credit_yrd.standards.values import code_values, condition_holds, date_value


@dataclass(frozen=True)
class PenaltyClass:
    """The class (轻微 / 一般 / 严重) a record falls into under one rule, and why."""

    code: str
    label_zh: str
    label_en: str
    severity: int
    rule_id: str
    penalty_type: str | None
    """The penalty type that decided the class (the heaviest one), if the table reads types."""
    clause: int | None
    """Index of the classification clause that matched; None when the rule's default applied."""
    note_zh: str | None = None

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class PublicationWindow:
    record_kind: str
    start: dt.date
    rule_table: str | None = None
    rule_id: str | None = None
    rule_title_zh: str | None = None
    rule_title_en: str | None = None
    document_number: str | None = None
    penalty_class: PenaltyClass | None = None
    published_by_default: bool = True
    min_end: dt.date | None = None
    max_end: dt.date | None = None
    repairable: bool | None = None
    withdrawn: bool = False
    long_term: bool = False

    @property
    def class_code(self) -> str | None:
        return self.penalty_class.code if self.penalty_class else None

    @property
    def published(self) -> bool:
        """Published at all (not withdrawn and the class is published by default)."""
        return self.published_by_default and not self.withdrawn

    def is_published(self, on: dt.date) -> bool:
        if not self.published or on < self.start:
            return False
        return self.max_end is None or on <= self.max_end

    def may_end_by_repair(self, on: dt.date) -> bool:
        """Whether the minimum period is over on ``on`` (repair may then end publication)."""
        return bool(self.repairable) and (self.min_end is None or on > self.min_end)

    def to_dict(self, on: dt.date | None = None) -> dict[str, Any]:
        """JSON-safe view; with ``on``, also whether the record is published on that date and
        whether repair may end its publication then."""
        cls = self.penalty_class
        data: dict[str, Any] = {
            "record_kind": self.record_kind,
            "start": self.start.isoformat(),
            "rule_table": self.rule_table,
            "rule_id": self.rule_id,
            "rule_title_zh": self.rule_title_zh,
            "rule_title_en": self.rule_title_en,
            "document_number": self.document_number,
            "class_code": self.class_code,
            "class_label_zh": cls.label_zh if cls else None,
            "class_label_en": cls.label_en if cls else None,
            "published_by_default": self.published_by_default,
            "min_end": self.min_end.isoformat() if self.min_end else None,
            "max_end": self.max_end.isoformat() if self.max_end else None,
            "repairable": self.repairable,
            "withdrawn": self.withdrawn,
            "long_term": self.long_term,
        }
        if on is not None:
            data["on"] = on.isoformat()
            data["published_on"] = self.is_published(on)
            data["may_end_by_repair_on"] = self.may_end_by_repair(on)
        return data


def _standard(standard: Standard | None) -> Standard:
    if standard is not None:
        return standard
    from credit_yrd.standards.loader import get_standard

    return get_standard()


def _start(record: Mapping[str, Any], kind: RecordKind) -> dt.date:
    start_field = kind.publication.start_field
    start = date_value(record, kind, start_field)
    if start is None:
        raise RecordValueError(
            kind.code,
            kind.field(start_field).code,
            "缺少起始公示的日期",
            "the date that starts publication is missing",
        )
    return start


def _pick_rule(table: RuleTable, start: dt.date, on: dt.date | None) -> Rule:
    day = start if table.select_rule_by == "record_date" else (on or SYSTEM_CLOCK.today())
    rule = table.rule_on(day)
    if rule is None:
        raise NoRuleError(table.id, day)
    return rule


def _classify(
    std: Standard, table: RuleTable, rule: Rule, kind: RecordKind, record: Mapping[str, Any]
) -> PenaltyClass:
    class_list = std.code_list(table.class_list)
    types: list[str | None] = []
    if table.type_field is not None:
        field = kind.field(table.type_field)
        assert field.code_list is not None
        types.extend(code_values(record, field, std.code_list(field.code_list)))
    if not types:
        types.append(None)

    best: tuple[int, str, str | None, int | None] | None = None
    for penalty_type in types:
        chosen, clause_index = rule.default_class, None
        for index, clause in enumerate(rule.classification):
            if clause.penalty_types is not None and penalty_type not in clause.penalty_types:
                continue
            if clause.when is not None and not condition_holds(
                clause.when, record, kind, std.code_lists
            ):
                continue
            chosen, clause_index = clause.class_, index
            break
        severity = class_list.entry(chosen).severity or 0
        if best is None or severity > best[0]:
            best = (severity, chosen, penalty_type, clause_index)
    assert best is not None
    severity, code, penalty_type, clause_index = best
    entry = class_list.entry(code)
    note = rule.classification[clause_index].note_zh if clause_index is not None else None
    return PenaltyClass(
        code=code,
        label_zh=entry.label_zh,
        label_en=entry.label_en,
        severity=severity,
        rule_id=rule.id,
        penalty_type=penalty_type,
        clause=clause_index,
        note_zh=note,
    )


def classify_penalty(
    record: Mapping[str, Any],
    standard: Standard | None = None,
    *,
    record_kind: str = "penalty",
    on: dt.date | None = None,
) -> PenaltyClass:
    """The class of a record under the rule that governs it (by default a 行政处罚 record).

    Each penalty type of the record is classed by the first matching clause of the rule (or the
    rule's default class); when a decision combines several types, the heaviest class counts.
    """
    std = _standard(standard)
    kind = std.record_kind(record_kind)
    if kind.publication.rule_table is None:
        raise RecordValueError(
            kind.code,
            kind.publication.start_field,
            "该信息类别没有公示规则表，无法分类",
            "the record kind has no publication rule table to classify by",
        )
    table = std.rule_table(kind.publication.rule_table)
    rule = _pick_rule(table, _start(record, kind), on)
    return _classify(std, table, rule, kind, record)


def publication_window(
    record_kind: str,
    record: Mapping[str, Any],
    *,
    on: dt.date | None = None,
    standard: Standard | None = None,
) -> PublicationWindow:
    """The publication window of one record.

    ``on`` is the evaluation date; it only matters for rule tables that select their rule by
    evaluation date (today when not given).
    """
    std = _standard(standard)
    kind = std.record_kind(record_kind)
    spec = kind.publication
    start = _start(record, kind)
    withdrawn = spec.withdrawn_when is not None and condition_holds(
        spec.withdrawn_when, record, kind, std.code_lists
    )

    field_end: dt.date | None = None
    long_term = False
    if spec.end_field is not None:
        end_def = kind.field(spec.end_field)
        end = date_value(record, kind, spec.end_field)
        if end is not None and end_def.long_term_value and end >= end_def.long_term_value:
            long_term = True
        elif end is not None:
            field_end = end if spec.end_inclusive else end - dt.timedelta(days=1)

    if spec.rule_table is None:
        return PublicationWindow(
            record_kind=kind.code,
            start=start,
            max_end=field_end,
            withdrawn=withdrawn,
            long_term=long_term,
        )

    table = std.rule_table(spec.rule_table)
    rule = _pick_rule(table, start, on)
    penalty_class = _classify(std, table, rule, kind, record)
    period = rule.period_class(penalty_class.code)
    max_end = add_period(start, period.max_period)
    if field_end is not None:
        max_end = min(max_end, field_end)
    min_end = min(add_period(start, period.min_period), max_end)
    return PublicationWindow(
        record_kind=kind.code,
        start=start,
        rule_table=table.id,
        rule_id=rule.id,
        rule_title_zh=rule.title_zh,
        rule_title_en=rule.title_en,
        document_number=rule.document_number,
        penalty_class=penalty_class,
        published_by_default=period.published,
        min_end=min_end,
        max_end=max_end,
        repairable=period.repairable,
        withdrawn=withdrawn,
        long_term=long_term,
    )
