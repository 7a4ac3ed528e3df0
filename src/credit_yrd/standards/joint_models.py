"""Models of the lists and of the joint measures (联合奖惩) in the regional standard.

``lists/<code>.yaml`` holds one red or black list: who decides it, the entry criteria, the listing
period, the exit conditions and early-exit rules, the 49号文 notice and objection window, and which
ingested record kind feeds it. ``measures/<memorandum>.yaml`` holds one memorandum of cooperation
(合作备忘录) and the measures it lists: legal basis, reward or punishment, the lists that trigger
it, the departments that implement it and the business scenarios (代码表 ``scenario``) where it
applies. :mod:`credit_yrd.standards.loader` reads both and checks them against the code lists and
record kinds.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from credit_yrd.standards.base import Condition, Confidence, _Model, add_period, parse_period

_SNAKE = r"^[a-z][a-z0-9_]*$"

ListKind = Literal["black", "red"]
"""``black``: 严重失信主体名单 (punishment); ``red``: 红名单 / 守信激励对象 (reward)."""

Nature = Literal["punishment", "reward"]


def _period(value: str | None) -> str | None:
    if value is not None:
        parse_period(value)
    return value


class EarlyExit(_Model):
    """A way off a list before its period ends (提前移出), e.g. six months after paying the wages
    owed, with a credit commitment."""

    code: str = Field(pattern=_SNAKE)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    after: str = Field(description="最短在列期限 (minimum time listed first), e.g. P6M")
    requires_zh: str = Field(min_length=1, description="须满足的条件 (what must be shown)")
    requires_en: str = Field(min_length=1)
    deadline_working_days: int | None = Field(
        default=None,
        ge=1,
        description="条件满足后须在几个工作日内移出 (removal due within this many working days)",
    )

    _check_after = field_validator("after")(_period)


class Extension(_Model):
    """How far a listing may be extended (失信被执行人: by 1 to 3 years)."""

    min: str
    max: str

    _check = field_validator("min", "max")(_period)


class RecordFeed(_Model):
    """How ingested records of one kind become entries of this list.

    ``fields`` maps the entry's attributes (listed_on, ends_on, removed_on, status, authority,
    authority_uscc, decision_number, reason, legal_basis) to field codes of the record kind.
    ``status_map`` maps the record's status codes to entry statuses; without a status field an
    entry is listed until ``removed_on`` or until the record is withdrawn.
    """

    kind: str = Field(pattern=_SNAKE)
    when: Condition | None = None
    fields: dict[
        Literal[
            "listed_on",
            "ends_on",
            "removed_on",
            "status",
            "authority",
            "authority_uscc",
            "decision_number",
            "reason",
            "legal_basis",
        ],
        str,
    ]
    status_map: dict[str, Literal["listed", "removed", "withdrawn"]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _needs(self) -> RecordFeed:
        for key in ("listed_on", "authority", "reason"):
            if key not in self.fields:
                raise ValueError(
                    f"fields 须写明 {key} 取自哪个字段 (fields must say which field gives {key})"
                )
        return self


class ListDef(_Model):
    """One red or black list."""

    code: str = Field(pattern=_SNAKE)
    kind: ListKind
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    list_domain: str | None = Field(
        default=None, description="代码表 list_domain 中的领域（黑名单）(the black list's domain)"
    )
    deciding_domains: list[str] = Field(
        min_length=1,
        description="可认定的部门领域（代码表 domain）(domains of deciding departments)",
    )
    document_number: str = Field(min_length=1, description="认定依据文件 (the rule that sets it)")
    criteria_zh: str = Field(min_length=1)
    criteria_en: str = Field(min_length=1)
    period: str | None = Field(
        default=None,
        description="在列期限；空表示由认定部门逐条确定 (listing period; null: set per decision)",
    )
    period_confidence: Confidence = "M"
    extension: Extension | None = None
    exit_conditions_zh: str = Field(min_length=1)
    exit_conditions_en: str = Field(min_length=1)
    early_exit: list[EarlyExit] = Field(default_factory=list)
    notice_required: bool = Field(
        default=True,
        description="列入前须告知理由、依据和权利并留出异议期（49号文）(notice and objection window first)",
    )
    objection_period: str = Field(
        default="P10D", description="告知后的异议期 (objection window after notice), e.g. P10D"
    )
    from_records: RecordFeed | None = None
    confidence: Confidence
    sources: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    _check_periods = field_validator("period", "objection_period")(_period)

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh

    def default_end(self, listed_on: dt.date) -> dt.date | None:
        """The last day listed when the decision gives no end (``None``: no default period)."""
        if self.period is None:
            return None
        return add_period(listed_on, self.period) - dt.timedelta(days=1)

    def objection_until(self, notified_on: dt.date) -> dt.date:
        """The last day the subject may object, counted from the day of the notice."""
        return add_period(notified_on, self.objection_period)

    def early_exit_rule(self, code: str) -> EarlyExit | None:
        return next((rule for rule in self.early_exit if rule.code == code), None)


class Memorandum(_Model):
    """A memorandum of cooperation on joint rewards or punishments (合作备忘录)."""

    code: str = Field(pattern=_SNAKE)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    document_number: str = Field(min_length=1)
    signed_on: dt.date | None = None
    parties_zh: list[str] = Field(default_factory=list)
    confidence: Confidence
    sources: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    measures: list[Measure] = Field(min_length=1)


class Measure(_Model):
    """One joint measure: what is done to (or for) a listed subject, on what basis, by whom, where."""

    code: str = Field(pattern=_SNAKE)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    nature: Nature
    legal_basis_zh: str = Field(min_length=1)
    legal_basis_en: str = Field(min_length=1)
    lists: list[str] = Field(min_length=1, description="触发本措施的名单 (lists that trigger it)")
    implementing_domains: list[str] = Field(
        min_length=1,
        description="实施部门的领域（代码表 domain）(domains of implementing departments)",
    )
    implementer_zh: str = Field(min_length=1, description="实施主体 (who implements it)")
    implementer_en: str = Field(min_length=1)
    scenarios: list[str] = Field(min_length=1, description="适用业务场景（代码表 scenario）")
    confidence: Confidence
    memorandum: str | None = Field(default=None, description="set by the loader")

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


Memorandum.model_rebuild()
