"""The legacy → USCC map: 9-character organisation codes and 15-digit business registration numbers.

Before 2015 subjects were known by an organisation code (GB 11714) or a registration number (GS15);
old records still carry them. A legacy code maps to exactly one USCC; a second, different mapping
for the same code is refused (:class:`LegacyCodeConflictError`), never silently overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.store._sql import chunked, insert_ignoring
from credit_yrd.store.errors import LegacyCodeConflictError, StoreError
from credit_yrd.store.schema import LEGACY_KINDS, legacy_codes
from credit_yrd.store.sources import check_sources

_FORMS = {
    "org_code": re.compile(r"^[0-9A-Z]{8}[0-9X]$"),
    "business_reg_no": re.compile(r"^[0-9]{15}$"),
}
_USCC_FORM = re.compile(r"^[0-9A-Z]{18}$")


def _compact(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()


def legacy_kind_of(code: str) -> str | None:
    """``org_code`` for 9 characters, ``business_reg_no`` for 15 digits, else ``None``."""
    compact = _compact(code)
    for kind, form in _FORMS.items():
        if form.match(compact):
            return kind
    return None


def add_legacy_codes(
    conn: Connection, rows: Iterable[Mapping[str, Any]], *, clock: Clock = SYSTEM_CLOCK
) -> int:
    """Add mappings in bulk; returns how many were new.

    Each row has ``legacy_code`` and ``uscc``, optionally ``legacy_kind`` (inferred from the form
    of the code when absent) and ``source``. Mappings already held are skipped; a code mapped to a
    different USCC — in the store or twice in ``rows`` — raises :class:`LegacyCodeConflictError`
    naming the codes, and nothing is written. Work is set-based: one look-up per kind and chunk of
    codes, one ``executemany`` insert.
    """
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    conflicts: list[tuple[str, str, str]] = []
    now = clock.now()
    for number, row in enumerate(rows, start=1):
        code = _compact(str(row.get("legacy_code") or ""))
        uscc = _compact(str(row.get("uscc") or ""))
        kind = row.get("legacy_kind") or legacy_kind_of(code)
        if kind not in LEGACY_KINDS or not _FORMS[kind].match(code):
            raise StoreError(
                f"第 {number} 行旧代码格式不对：{row.get('legacy_code')!r}",
                f"row {number}: malformed legacy code {row.get('legacy_code')!r}",
            )
        if not _USCC_FORM.match(uscc):
            raise StoreError(
                f"第 {number} 行统一社会信用代码格式不对：{row.get('uscc')!r}",
                f"row {number}: malformed unified social credit code {row.get('uscc')!r}",
            )
        seen = wanted.get((kind, code))
        if seen is not None:
            if seen["uscc"] != uscc:
                conflicts.append((code, seen["uscc"], uscc))
            continue
        wanted[(kind, code)] = {
            "legacy_kind": kind,
            "legacy_code": code,
            "uscc": uscc,
            "source": row.get("source"),
            "created_at": now,
        }
    if conflicts:
        raise LegacyCodeConflictError(conflicts)
    check_sources(conn, {row["source"] for row in wanted.values() if row["source"]})

    known: dict[tuple[str, str], str] = {}
    for kind in LEGACY_KINDS:
        codes = [code for (k, code) in wanted if k == kind]
        for chunk in chunked(codes):
            result = conn.execute(
                select(legacy_codes.c.legacy_code, legacy_codes.c.uscc).where(
                    legacy_codes.c.legacy_kind == kind, legacy_codes.c.legacy_code.in_(chunk)
                )
            )
            known.update({(kind, code): uscc for code, uscc in result})
    for key, old in known.items():
        if wanted[key]["uscc"] != old:
            conflicts.append((key[1], old, wanted[key]["uscc"]))
    if conflicts:
        raise LegacyCodeConflictError(conflicts)

    new = [values for key, values in wanted.items() if key not in known]
    if new:
        conn.execute(insert_ignoring(conn, legacy_codes, ["legacy_kind", "legacy_code"]), new)
    return len(new)


def lookup_uscc(conn: Connection, legacy_code: str) -> str | None:
    """The USCC a legacy code maps to, or ``None``."""
    kind = legacy_kind_of(legacy_code)
    if kind is None:
        return None
    return conn.execute(
        select(legacy_codes.c.uscc).where(
            legacy_codes.c.legacy_kind == kind,
            legacy_codes.c.legacy_code == _compact(legacy_code),
        )
    ).scalar()


def load_map(conn: Connection) -> dict[str, str]:
    """The whole map, legacy code → USCC (the two kinds cannot collide: 9 vs 15 characters)."""
    return {
        code: uscc
        for code, uscc in conn.execute(select(legacy_codes.c.legacy_code, legacy_codes.c.uscc))
    }
