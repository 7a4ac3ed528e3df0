"""What the generator is asked to build: the size of the world, the seed, "today" and the defects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from credit_yrd.errors import CreditYrdError

#: Earliest "today" the world can stand on: subjects established from 2015 on need some room.
EARLIEST_AS_OF = dt.date(2016, 1, 1)
#: Latest "today": long-term validity is written 2099-12-31 and must stay in the future.
LATEST_AS_OF = dt.date(2098, 12, 31)
#: Hard limits of the Python API (the CLI is stricter: 100 to 1,000,000).
MIN_SUBJECTS = 1
MAX_SUBJECTS = 5_000_000


class GenerateError(CreditYrdError):
    """The generator was asked for something it cannot build."""


@dataclass(frozen=True)
class DefectRates:
    """How often each defect is injected (a share of the rows it can apply to).

    Row defects never share a row: each row gets at most one. Re-send rows (withdrawals,
    corrections and exact duplicates of earlier penalties) go to a second penalty file per source.
    """

    bad_check_character: float = 0.005
    """Rows with a party USCC whose check character is made wrong (expected: rejected)."""
    impossible_date: float = 0.003
    """Rows with a date such as 2023-02-30 or 2023-13-01 (expected: rejected)."""
    missing_required: float = 0.005
    """Rows with an always-required field left blank (expected: rejected)."""
    name_variant: float = 0.03
    """Rows of subjects with a USCC whose name is written differently (expected: accepted, same
    subject)."""
    duplicate_row: float = 0.01
    """Rows repeated verbatim later in the same file (expected: unchanged)."""
    withdrawal: float = 0.005
    """Penalties sent again with 公示状态 撤销 in the re-send file (expected: withdrawn)."""
    correction: float = 0.005
    """Penalties sent again with a changed content or fine in the re-send file (expected: changed)."""
    resend_duplicate: float = 0.005
    """Penalties sent again unchanged in the re-send file (expected: unchanged)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or not 0 <= value <= 0.2:
                raise GenerateError(
                    f"缺陷比例 {f.name} 应在 0 到 0.2 之间，实为 {value!r}",
                    f"defect rate {f.name} must lie between 0 and 0.2, got {value!r}",
                )
        row_total = (
            self.bad_check_character
            + self.impossible_date
            + self.missing_required
            + self.name_variant
            + self.duplicate_row
        )
        if row_total > 0.5:
            raise GenerateError(
                f"行级缺陷比例之和不得超过 0.5，实为 {row_total}",
                f"row defect rates may add up to 0.5 at most, got {row_total}",
            )


@dataclass(frozen=True)
class GenerateOptions:
    """The world to build. Same options, same bytes."""

    subjects: int = 20_000
    """Organisations and individual businesses (persons come on top)."""
    seed: int = 1
    as_of: dt.date = dt.date(2026, 10, 31)
    """The world's "today": every date is on or before it, except validity ends."""
    defects: bool = True
    """Inject defects at ``rates`` (False: perfectly clean data and no re-send files)."""
    rates: DefectRates = field(default_factory=DefectRates)

    def check(self) -> None:
        """Raise :class:`GenerateError` for options the generator cannot honour."""
        if isinstance(self.subjects, bool) or not isinstance(self.subjects, int):
            raise GenerateError(
                f"主体数量应为整数，实为 {self.subjects!r}",
                f"the number of subjects must be an integer, got {self.subjects!r}",
            )
        if not MIN_SUBJECTS <= self.subjects <= MAX_SUBJECTS:
            raise GenerateError(
                f"主体数量应在 {MIN_SUBJECTS} 到 {MAX_SUBJECTS:,} 之间，实为 {self.subjects:,}",
                f"the number of subjects must lie between {MIN_SUBJECTS} and "
                f"{MAX_SUBJECTS:,}, got {self.subjects:,}",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise GenerateError(
                f"随机种子应为非负整数，实为 {self.seed!r}",
                f"the seed must be a non-negative integer, got {self.seed!r}",
            )
        if isinstance(self.as_of, dt.datetime) or not isinstance(self.as_of, dt.date):
            raise GenerateError(
                f"基准日应为日期，实为 {self.as_of!r}",
                f"as_of must be a date, got {self.as_of!r}",
            )
        if not EARLIEST_AS_OF <= self.as_of <= LATEST_AS_OF:
            raise GenerateError(
                f"基准日应在 {EARLIEST_AS_OF} 到 {LATEST_AS_OF} 之间，实为 {self.as_of}",
                f"as_of must lie between {EARLIEST_AS_OF} and {LATEST_AS_OF}, got {self.as_of}",
            )
