"""What the pages of the lists and of the joint-action loop show: labels of entry statuses,
removal reasons and feedback outcomes in the visitor's language, a listing period in words, the
public row of a list entry (a natural person's name masked, never linked), and the form checks the
console shares (a date, a text of bounded length, subject codes)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from credit_yrd.i18n import pick
from credit_yrd.ids.masking import mask
from credit_yrd.standards.base import parse_period

ENTRY_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "proposed": ("已告知，异议期内", "notified, objection window open"),
    "objected": ("已提出异议，待答复", "objected, awaiting the answer"),
    "listed": ("在列", "listed"),
    "removed": ("已移出", "removed"),
    "withdrawn": ("已撤回", "withdrawn"),
}
REMOVAL_LABELS: dict[str, tuple[str, str]] = {
    "expiry": ("期满移出", "period ended"),
    "early_exit": ("提前移出", "early exit"),
    "performance": ("已履行义务", "obligation performed"),
    "repair": ("信用修复", "credit repair"),
    "court_deletion": ("法院删除", "deleted by the court"),
    "source": ("来源撤销", "withdrawn at source"),
}
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "proposed": ("提出列入并告知", "proposed and notified"),
    "objected": ("主体提出异议", "the subject objected"),
    "objection_answered": ("答复异议", "objection answered"),
    "listed": ("列入", "listed"),
    "extended": ("延长在列期限", "period extended"),
    "removed": ("移出", "removed"),
    "withdrawn": ("撤回", "withdrawn"),
}
FEEDBACK_LABELS: dict[str, tuple[str, str]] = {
    "applied": ("已实施", "applied"),
    "not_applicable": ("不适用", "not applicable"),
    "exempted": ("依法豁免", "exempted"),
}
NATURE_LABELS: dict[str, tuple[str, str]] = {
    "punishment": ("惩戒", "punishment"),
    "reward": ("激励", "reward"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "black": ("严重失信主体名单（黑名单）", "serious dishonesty list (black list)"),
    "red": ("红名单（守信激励）", "red list (reward)"),
}

_LIST_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SUBJECT_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-]{0,63}$")


def label(table: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    if not code:
        return "—"
    zh, en = table.get(code, (code, code))
    return pick(zh, en, lang)


def period_words(period: str | None, lang: str) -> str:
    """``P3Y`` → ``3 年`` / ``3 years``; ``None`` → set per decision."""
    if period is None:
        return pick("由认定部门逐条确定", "set by each decision", lang)
    years, months, days = parse_period(period)
    zh = " ".join(f"{n} {unit}" for n, unit in ((years, "年"), (months, "个月"), (days, "日")) if n)
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((years, "year"), (months, "month"), (days, "day"))
        if n
    ]
    return pick(zh or "0 日", " ".join(parts) or "0 days", lang)


def valid_list_code(code: str) -> bool:
    return bool(_LIST_CODE.match(code))


def valid_subject_code(code: str) -> bool:
    return bool(_SUBJECT_CODE.match(code))


def public_href(uscc: str | None) -> str | None:
    """The link to a subject's public file by its code, when the code is public (a valid USCC or
    organisation code that cannot be read as a person's ID number); otherwise none."""
    if uscc and mask(uscc) == uscc:
        return f"/subjects/{uscc}"
    return None


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@dataclass
class FormErrors:
    """What a form's input broke, field by field, in the visitor's language."""

    lang: str
    by_field: dict[str, str]

    def add(self, name: str, zh: str, en: str) -> None:
        self.by_field.setdefault(name, pick(zh, en, self.lang))

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)


def new_errors(lang: str) -> FormErrors:
    return FormErrors(lang, {})


def required_text(
    errors: FormErrors, fields: dict[str, str], name: str, zh: str, en: str, limit: int
) -> str:
    """A required text field, trimmed; an error naming the field when empty or too long."""
    value = fields.get(name, "").strip()
    if not value:
        errors.add(name, f"请填写{zh}", f"{en} is required")
    elif len(value) > limit:
        errors.add(name, f"{zh}不能超过 {limit} 个字符", f"{en} must be at most {limit} characters")
    return value
