"""The base pieces of the standard's models: the frozen model base, confidence marks, ISO periods
and conditions written as data. :mod:`.models` and :mod:`.joint_models` both build on them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Confidence = Literal["V", "S", "M"]
"""How well a fact is sourced (see reference/domain-facts.md): V verified, S single source,
M not confirmed."""

_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")
_CODE = r"^[A-Za-z][A-Za-z0-9_]*$"
_SNAKE = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------------------------------
# periods


def parse_period(text: str) -> tuple[int, int, int]:
    """``P1Y6M`` → (1, 6, 0); raises ValueError for anything else."""
    match = _PERIOD.match(text)
    if not match or text == "P":
        raise ValueError(
            f"期限“{text}”应写作 ISO 8601 形式，如 P3M、P1Y、P6M、P0D "
            f"(period {text!r} must look like P3M, P1Y, P6M or P0D)"
        )
    years, months, days = (int(part) if part else 0 for part in match.groups())
    return years, months, days


def add_period(start: dt.date, period: str) -> dt.date:
    """Add a period to a date; a month end that does not exist falls back to the month's last day
    (2024-02-29 + P1Y = 2025-02-28)."""
    years, months, days = parse_period(period)
    month_index = start.month - 1 + months
    year = start.year + years + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=days)


# --------------------------------------------------------------------------------------------------
# conditions


class Condition(_Model):
    """A test on a record, written as data.

    Leaf form: ``{field: CF_CFLB, in: [罚款]}``; also ``not_in``, ``present``, ``lt``/``lte``/
    ``gt``/``gte`` (decimal comparisons). Values of code fields are normalised through the field's
    code list first, so aliases match. Compound form: ``{all: [...]}``, ``{any: [...]}``,
    ``{not: {...}}``.
    """

    field: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None
    present: bool | None = None
    lt: Decimal | None = None
    lte: Decimal | None = None
    gt: Decimal | None = None
    gte: Decimal | None = None
    all_of: list[Condition] | None = Field(default=None, alias="all")
    any_of: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        tests = [self.in_, self.not_in, self.present, self.lt, self.lte, self.gt, self.gte]
        compound = [self.all_of, self.any_of, self.not_]
        has_tests = any(t is not None for t in tests)
        n_compound = sum(c is not None for c in compound)
        if self.field is not None:
            if n_compound or not has_tests:
                raise ValueError(
                    "条件写了 field 就要写一个判断（in、not_in、present、lt、lte、gt、gte），"
                    "且不能再写 all/any/not "
                    "(a condition with 'field' needs a test and no all/any/not)"
                )
        elif has_tests or n_compound != 1:
            raise ValueError(
                "条件要么是 {field: …, in: […]} 之类，要么只写 all、any、not 之一 "
                "(a condition is either a field test or exactly one of all/any/not)"
            )
        return self

    def fields(self) -> list[str]:
        """Every field code the condition refers to."""
        found = [self.field] if self.field else []
        for child in (self.all_of or []) + (self.any_of or []) + ([self.not_] if self.not_ else []):
            found.extend(child.fields())
        return found
