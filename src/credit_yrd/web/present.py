"""Turning the ledger's shapes into what a page shows: labels in the visitor's language, the key
fields of a record, the end of its publication window."""

from __future__ import annotations

from typing import Any

from credit_yrd.i18n import pick
from credit_yrd.ids.divisions import province_name
from credit_yrd.ledger.files import SUBJECT_TYPE_LABELS, FieldValue, FileRecord
from credit_yrd.standards.models import Standard

STATUS_LABELS = {
    "active": ("有效", "active"),
    "withdrawn": ("已撤销", "withdrawn"),
    "deleted": ("已删除", "deleted"),
    "corrected": ("已更正", "corrected"),
    "accepted": ("已接收", "accepted"),
    "failed": ("失败", "failed"),
    "running": ("处理中", "running"),
    "duplicate": ("重复提交", "duplicate"),
}
#: Field types shown in a file's summary of a record (long texts are on the record's page).
_SUMMARY_TYPES = frozenset({"code", "string", "identifier", "date", "decimal"})


class Labels:
    """Labels of codes in one language (the templates get one as ``labels``)."""

    def __init__(self, standard: Standard, lang: str) -> None:
        self.standard = standard
        self.lang = lang

    def t(self, zh: str, en: str) -> str:
        return pick(zh, en, self.lang)

    def kind(self, code: str) -> str:
        kind = self.standard.record_kinds.get(code)
        return kind.label(self.lang) if kind is not None else code

    def kinds(self) -> list[tuple[str, str]]:
        return [(code, kind.label(self.lang)) for code, kind in self.standard.record_kinds.items()]

    def code_entries(self, list_code: str) -> list[tuple[str, str]]:
        found = self.standard.code_lists.get(list_code)
        if found is None:
            return []
        return [(e.code, self.t(e.label_zh, e.label_en)) for e in found.ordered()]

    def province(self, code: str | None) -> str:
        if not code:
            return self.t("全国", "national")
        found = self.standard.code_lists.get("province")
        if found is not None and found.is_valid(code):
            entry = found.entry(code)
            return self.t(entry.label_zh, entry.label_en)
        return province_name(code) or code

    def subject_type(self, code: str) -> str:
        zh, en = SUBJECT_TYPE_LABELS.get(code, (code, code))
        return self.t(zh, en)

    def status(self, code: str | None) -> str:
        if code is None:
            return "—"
        zh, en = STATUS_LABELS.get(code, (code, code))
        return self.t(zh, en)

    def field_label(self, field: FieldValue) -> str:
        return self.t(field.label_zh, field.label_en)

    def value(self, field: FieldValue) -> str:
        """A field's value as text: code labels in the visitor's language, lists joined."""
        if field.codes:
            parts = [
                (self.t(c.label_zh, c.label_en or c.label_zh) if c.label_zh else c.code)
                for c in field.codes
            ]
            return "、".join(parts)
        if isinstance(field.value, list):
            return "、".join(field.value)
        return field.value or "—"

    def source(self, record: FileRecord) -> str:
        return self.t(record.source.name_zh, record.source.name_en)


def key_fields(record: FileRecord, standard: Standard) -> list[FieldValue]:
    """The fields a file shows for a record: those the standard requires of its kind (the
    document number, the category, the deciding authority, the date …) and amounts, without the
    party's own name and type (the file is the party's) and without long texts."""
    kind = standard.record_kinds.get(record.kind)
    if kind is None:
        return record.fields
    wanted = {
        f.code
        for f in kind.fields
        if f.type in _SUMMARY_TYPES
        and (f.required or f.type == "decimal")
        and "_XDR_" not in f.code
        and not f.code.endswith("DM")
    }
    return [f for f in record.fields if f.code in wanted]


def publication_end(record: FileRecord, lang: str) -> str:
    """公示截止期: the day the record's publication ends, ``长期`` for no end, ``—`` unknown."""
    window: dict[str, Any] | None = record.publication
    if not window:
        return "—"
    if window.get("long_term"):
        return pick("长期公示", "published indefinitely", lang)
    end = window.get("max_end")
    return str(end) if end else "—"


def publication_earliest_end(record: FileRecord) -> str | None:
    """The earliest day publication may end after credit repair, when the rule sets one."""
    window = record.publication or {}
    end = window.get("min_end")
    if end and end != window.get("max_end"):
        return str(end)
    return None
