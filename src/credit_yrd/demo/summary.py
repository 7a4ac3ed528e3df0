"""What a generation run wrote: files and rows per source, the world's totals, defects by type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FileSummary:
    """One file (or one sheet of a workbook) written for a source."""

    file: str
    sheet: str | None
    kind: str
    resend: bool = False
    rows: int = 0
    expected_rejected: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    """Expected outcome → rows that the ground truth names (rejected, unchanged, withdrawn …)."""

    @property
    def expected_accepted(self) -> int:
        return self.rows - self.expected_rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "kind": self.kind,
            "resend": self.resend,
            "rows": self.rows,
            "expected_rejected": self.expected_rejected,
            "expected_accepted": self.expected_accepted,
            "outcomes": dict(sorted(self.outcomes.items())),
        }


@dataclass
class SourceSummary:
    """One provincial source folder."""

    source: str
    format: str
    encoding: str
    files: list[FileSummary] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def expected_rejected(self) -> int:
        return sum(f.expected_rejected for f in self.files)

    @property
    def expected_accepted(self) -> int:
        return self.rows - self.expected_rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "encoding": self.encoding,
            "rows": self.rows,
            "expected_rejected": self.expected_rejected,
            "expected_accepted": self.expected_accepted,
            "files": [f.to_dict() for f in self.files],
        }


@dataclass
class GenerationSummary:
    """The result of :func:`credit_yrd.demo.generate`; ``to_dict()`` is what ``truth/summary.json``
    holds (everything but the elapsed time, so that two runs give the same bytes)."""

    seed: int
    as_of: dt.date
    defects_enabled: bool
    subjects: int
    subjects_by_type: dict[str, int]
    subjects_by_province: dict[str, int]
    persons: int
    natural_person_parties: int
    institutions: int
    legacy: dict[str, int]
    sources: dict[str, SourceSummary]
    defects: dict[str, int]
    elapsed_seconds: float = field(default=0.0, compare=False)

    @property
    def records(self) -> int:
        """Data rows written in the four source folders (re-send files included)."""
        return sum(s.rows for s in self.sources.values())

    @property
    def expected_rejected(self) -> int:
        return sum(s.expected_rejected for s in self.sources.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "defects_enabled": self.defects_enabled,
            "world": {
                "subjects": self.subjects,
                "subjects_by_type": self.subjects_by_type,
                "subjects_by_province": self.subjects_by_province,
                "persons": self.persons,
                "natural_person_parties": self.natural_person_parties,
                "institutions": self.institutions,
                "legacy": self.legacy,
                "records": self.records,
                "expected_rejected": self.expected_rejected,
                "expected_accepted": self.records - self.expected_rejected,
            },
            "sources": {code: s.to_dict() for code, s in self.sources.items()},
            "defects": dict(sorted(self.defects.items())),
        }
