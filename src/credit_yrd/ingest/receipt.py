"""The receipt of one batch, and the quarantine file that holds its rejected rows.

A receipt counts what happened to every row read: ``accepted`` (split into ``new``, ``changed``
and ``unchanged``) plus ``rejected`` equals ``read``. ``unresolved`` counts accepted rows whose
subject is not known for sure (they wait in the review queue). The quarantine file (JSON Lines)
holds each rejected row exactly as it came, where it came from (file, sheet, row) and every reason
(field, rule, message).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from credit_yrd.ingest.readers import RowProblem
from credit_yrd.jsonl import dumps_line


@dataclass
class Receipt:
    source: str
    file: str
    content_sha256: str
    batch_id: int | None = None
    status: str = "accepted"
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    unresolved: int = 0
    #: records of earlier batches linked now, because this batch mapped their legacy codes
    relinked: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    links: Counter[str] = field(default_factory=Counter)
    #: rejected rows whose party USCC is wrong (错码), by the city code read from the USCC
    wrong_codes: Counter[str] = field(default_factory=Counter)
    quarantine: str | None = None
    duplicate_of: int | None = None

    @property
    def accepted(self) -> int:
        return self.new + self.changed + self.unchanged

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "source": self.source,
            "file": self.file,
            "content_sha256": self.content_sha256,
            "status": self.status,
            "read": self.read,
            "accepted": self.accepted,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "unresolved": self.unresolved,
            "relinked": self.relinked,
            "kinds": dict(sorted(self.kinds.items())),
            "rejected_by_rule": dict(sorted(self.rules.items())),
            "linked_by": dict(sorted(self.links.items())),
            "wrong_codes": dict(sorted(self.wrong_codes.items())),
            "quarantine": self.quarantine,
            "duplicate_of": self.duplicate_of,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Receipt:
        receipt = cls(data["source"], data["file"], data["content_sha256"])
        for name in ("batch_id", "status", "read", "new", "changed", "unchanged", "rejected"):
            setattr(receipt, name, data.get(name, getattr(receipt, name)))
        receipt.unresolved = data.get("unresolved", 0)
        receipt.relinked = data.get("relinked", 0)
        receipt.kinds = Counter(data.get("kinds", {}))
        receipt.rules = Counter(data.get("rejected_by_rule", {}))
        receipt.links = Counter(data.get("linked_by", {}))
        receipt.wrong_codes = Counter(data.get("wrong_codes", {}))
        receipt.quarantine = data.get("quarantine")
        receipt.duplicate_of = data.get("duplicate_of")
        return receipt


def safe_file_part(name: str) -> str:
    """A file name made safe to embed in another file name."""
    return re.sub(r"[^\w.\-]+", "_", name)[:80] or "input"


class Quarantine:
    """Writes rejected rows to a temporary file, published under its final name by :meth:`keep`."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.final = folder / name
        self.temporary = folder / f".{name}.partial"
        self._out: TextIO | None = None
        self.count = 0

    def add(
        self,
        *,
        file: str,
        sheet: str | None,
        row: int,
        kind: str | None,
        raw: Any,
        problems: list[RowProblem],
    ) -> None:
        if self._out is None:
            # Rejected rows may hold personal data as sent: only the platform's user may read them.
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self._out = os.fdopen(descriptor, "w", encoding="utf-8")
        record = {
            "file": file,
            "sheet": sheet,
            "row": row,
            "kind": kind,
            "raw": raw,
            "reasons": [p.to_dict() for p in problems],
        }
        self._out.write(dumps_line(record) + "\n")
        self.count += 1

    def keep(self) -> str | None:
        """Publish the file (when anything was rejected); returns its path."""
        if self._out is None:
            return None
        self._out.close()
        self._out = None
        os.replace(self.temporary, self.final)
        return str(self.final)

    def discard(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self.temporary.unlink(missing_ok=True)
        self.final.unlink(missing_ok=True)
