"""Records and their append-only versions: the ledger's storage.

A *record* is the identity of one piece of credit information — which source sent it, what kind it
is, the source's own key for it, and the subject it concerns. Its *versions* hold the content, each
with its provenance (source, department, batch, time received, date valid from). Nothing is ever
updated in place: a correction, withdrawal or deletion is a new version with that status, and the
database refuses UPDATE and DELETE on ``record_versions``.

Sending the same content again is a no-op (outcome ``"unchanged"``): content is compared by the
SHA-256 of its canonical JSON (:func:`canonical_hash`) together with the status.

All functions take a :class:`~sqlalchemy.engine.Connection` inside a transaction the caller owns
(see :func:`credit_yrd.store.engine.transaction`), so a batch commits as a whole or not at all.
Two writers appending to the same record at once: one of them fails on the unique version number
and its batch rolls back (on SQLite ``transaction`` serialises writers, so this does not happen).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import psycopg
from sqlalchemy import and_, bindparam, func, select, text, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from credit_yrd.clock import CHINA_TZ, SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.standards.publication import publication_window
from credit_yrd.store._sql import chunked, one_of
from credit_yrd.store.errors import RecordSubjectConflictError, StoreError
from credit_yrd.store.schema import VERSION_STATUSES, record_versions, records
from credit_yrd.store.sources import check_sources

Outcome = Literal["new", "changed", "unchanged"]
RecordKey = tuple[str, str, str]  # (source, kind, source_key)


@dataclass(frozen=True)
class VersionResult:
    """What happened to one item: the record, its current version number, and the outcome."""

    record_id: int
    version: int
    outcome: Outcome


@dataclass(frozen=True)
class RecordItem:
    """One record version to append (the bulk form of :func:`append_version`'s arguments)."""

    source: str
    kind: str
    source_key: str
    content: Mapping[str, Any]
    subject_id: int | None = None
    status: str = "active"
    department: str | None = None
    batch_id: int | None = None
    received_at: dt.datetime | None = None
    valid_from: dt.date | None = None
    link_method: str | None = None
    #: The record's domain (code list ``domain``); when not given, what the standard derives from
    #: the content (``RecordKind.domain_of``). Kept on ``records``.
    domain: str | None = None

    @property
    def key(self) -> RecordKey:
        return (self.source, self.kind, self.source_key)


_ITEM_FIELDS = {f.name for f in fields(RecordItem)}


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_json(content: Mapping[str, Any]) -> str:
    """Content as canonical JSON: sorted keys, no spaces, UTF-8 text, no NaN.

    Dates and times become ISO 8601 strings and decimals their string form, exactly as stored.
    """
    try:
        return json.dumps(
            content,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
            default=_json_default,
        )
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"记录内容无法转为 JSON：{exc}", f"record content is not JSON serialisable: {exc}"
        ) from None


def canonical_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_json`: equal content, equal hash, in any key order."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def public_window(
    kind: str,
    content: Mapping[str, Any],
    status: str,
    on: dt.date,
    standard: Standard | None = None,
) -> tuple[dt.date | None, dt.date | None]:
    """``(public_from, public_until)`` of a record whose current version is ``content`` with
    ``status``, judged on ``on``: ``(None, None)`` when it is not published at all (not active,
    a kind the standard does not know, a class not published, or a window that cannot be
    computed); ``public_until`` ``None`` when publication has no end."""
    std = standard or get_standard()
    if status != "active" or kind not in std.record_kinds:
        return None, None
    try:
        window = publication_window(kind, content, on=on, standard=std)
    except CreditYrdError:
        return None, None
    if not window.published:
        return None, None
    return window.start, window.max_end


def _derived(
    item: RecordItem, standard: Standard, on: dt.date
) -> tuple[str | None, dt.date | None, dt.date | None]:
    """What ``records`` keeps of a record's current version: domain, public_from, public_until."""
    kind = standard.record_kinds.get(item.kind)
    domain = item.domain
    if domain is None and kind is not None:
        domain = kind.domain_of(item.content)
    start, end = public_window(item.kind, item.content, item.status, on, standard)
    return domain, start, end


def append_version(
    conn: Connection,
    *,
    source: str,
    kind: str,
    source_key: str,
    subject_id: int | None,
    content: Mapping[str, Any],
    status: str = "active",
    department: str | None = None,
    batch_id: int | None = None,
    received_at: dt.datetime | None = None,
    valid_from: dt.date | None = None,
    domain: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> VersionResult:
    """Append one version (creating the record when new); see :func:`append_versions_bulk`."""
    item = RecordItem(
        source=source,
        kind=kind,
        source_key=source_key,
        content=content,
        subject_id=subject_id,
        status=status,
        department=department,
        batch_id=batch_id,
        received_at=received_at,
        valid_from=valid_from,
        domain=domain,
    )
    return append_versions_bulk(conn, [item], clock=clock)[0]


def append_versions_bulk(
    conn: Connection,
    items: Iterable[RecordItem | Mapping[str, Any]],
    *,
    clock: Clock = SYSTEM_CLOCK,
    standard: Standard | None = None,
) -> list[VersionResult]:
    """Append many versions with set-based SQL; returns one result per item, in order.

    Per item: a new record gets version 1 (``"new"``); content or status differing from the latest
    version adds the next version (``"changed"``); otherwise nothing is written (``"unchanged"``).
    The same key may appear several times; items apply in order. A record without a subject is
    linked when an item brings one; an item naming a *different* subject than the record's raises
    :class:`RecordSubjectConflictError`. Validation happens before anything is written.

    Round trips: one look-up of the known sources, one look-up of the latest versions per chunk of
    keys, then ``executemany`` inserts of new records (with ``RETURNING``) and of versions.
    """
    now = clock.now()
    prepared: list[tuple[RecordItem, str, str]] = []
    for number, raw in enumerate(items, start=1):
        item = raw if isinstance(raw, RecordItem) else _item_from_mapping(raw, number)
        if item.status not in VERSION_STATUSES:
            raise StoreError(
                f"第 {number} 项状态 {item.status!r} 无效（可选：{', '.join(VERSION_STATUSES)}）",
                f"item {number}: invalid status {item.status!r} "
                f"(one of {', '.join(VERSION_STATUSES)})",
            )
        serialised = canonical_json(item.content)
        digest = hashlib.sha256(serialised.encode("utf-8")).hexdigest()
        prepared.append((item, digest, serialised))
    if not prepared:
        return []

    check_sources(conn, {item.source for item, _, _ in prepared})
    state = _latest_by_key(conn, {item.key for item, _, _ in prepared})

    # Subjects: refuse relinking; fill in links for records that have none yet.
    links: dict[RecordKey, int] = {}
    methods: dict[RecordKey, str | None] = {}
    for item, _, _ in prepared:
        if item.subject_id is None:
            continue
        known = state[item.key].subject_id if item.key in state else None
        linked = known if known is not None else links.get(item.key)
        if linked is not None and linked != item.subject_id:
            raise RecordSubjectConflictError(*item.key, linked=linked, offered=item.subject_id)
        links[item.key] = item.subject_id
        methods.setdefault(item.key, item.link_method)

    missing = [
        key for key in dict.fromkeys(item.key for item, _, _ in prepared) if key not in state
    ]
    std = standard or get_standard()
    today = now.astimezone(CHINA_TZ).date() if now.tzinfo is not None else now.date()
    derived = {item.key: _derived(item, std, today) for item, _, _ in prepared}  # the last wins
    missing_set = set(missing)
    if missing:
        # Batched INSERT … RETURNING; rows are matched back by key, so their order is irrelevant.
        returned = conn.execute(
            records.insert().returning(
                records.c.id,
                records.c.source,
                records.c.kind,
                records.c.source_key,
            ),
            [
                {
                    "source": key[0],
                    "kind": key[1],
                    "source_key": key[2],
                    "subject_id": links.get(key),
                    "created_at": now,
                    "link_method": methods.get(key),
                    "linked_at": now if key in links else None,
                    "domain": derived[key][0],
                    "public_from": derived[key][1],
                    "public_until": derived[key][2],
                }
                for key in missing
            ],
        )
        for row in returned:
            key = (row.source, row.kind, row.source_key)
            state[key] = _Latest(row.id, links.get(key), 0, None, None)

    relink = [
        {"rid": state[key].record_id, "sid": subject_id, "method": methods.get(key), "at": now}
        for key, subject_id in links.items()
        if key not in missing_set and state[key].subject_id is None
    ]

    results: list[VersionResult] = []
    version_rows: list[dict[str, Any]] = []
    current: dict[int, tuple[str | None, dt.date | None, dt.date | None]] = {}
    for item, digest, content in prepared:
        latest = state[item.key]
        if latest.version and latest.content_hash == digest and latest.status == item.status:
            results.append(VersionResult(latest.record_id, latest.version, "unchanged"))
            continue
        version = latest.version + 1
        version_rows.append(
            {
                "record_id": latest.record_id,
                "version": version,
                "content": content,
                "content_hash": digest,
                "status": item.status,
                "source": item.source,
                "department": item.department,
                "batch_id": item.batch_id,
                "received_at": item.received_at or now,
                "valid_from": item.valid_from,
                "created_at": now,
            }
        )
        state[item.key] = _Latest(latest.record_id, latest.subject_id, version, digest, item.status)
        if version > 1:
            current[latest.record_id] = _derived(item, std, today)
        results.append(
            VersionResult(latest.record_id, version, "new" if version == 1 else "changed")
        )

    if version_rows:
        _insert_versions(conn, version_rows)
    if current:
        conn.execute(
            update(records)
            .where(records.c.id == bindparam("rid"))
            .values(
                domain=bindparam("dom"),
                public_from=bindparam("pfrom"),
                public_until=bindparam("puntil"),
            ),
            [
                {"rid": rid, "dom": dom, "pfrom": start, "puntil": end}
                for rid, (dom, start, end) in current.items()
            ],
        )
    if relink:
        conn.execute(
            update(records)
            .where(records.c.id == bindparam("rid"), records.c.subject_id.is_(None))
            .values(
                subject_id=bindparam("sid"),
                link_method=bindparam("method"),
                linked_at=bindparam("at"),
            ),
            relink,
        )
    return results


def find_record(conn: Connection, source: str, kind: str, source_key: str) -> Row[Any] | None:
    """The record identity row for a source's key, or ``None``."""
    return conn.execute(
        select(records).where(
            records.c.source == source, records.c.kind == kind, records.c.source_key == source_key
        )
    ).first()


def history(conn: Connection, record_id: int) -> list[Row[Any]]:
    """Every version of a record, oldest first (``record_versions`` rows)."""
    return list(
        conn.execute(
            select(record_versions)
            .where(record_versions.c.record_id == record_id)
            .order_by(record_versions.c.version)
        )
    )


def latest_versions(
    conn: Connection, subject_id: int, *, statuses: Iterable[str] | None = None
) -> list[Row[Any]]:
    """The latest version of each record of a subject (optionally only with these statuses).

    Columns: ``record_id, source, kind, source_key, subject_id, version_id, version, content,
    content_hash, status, reported_by`` (the version's source), ``department, batch_id,
    received_at, valid_from, created_at``; ordered by kind, source and key.
    """
    query = _latest_select().where(records.c.subject_id == subject_id)
    if statuses is not None:
        query = query.where(record_versions.c.status.in_(list(statuses)))
    query = query.order_by(records.c.kind, records.c.source, records.c.source_key)
    return list(conn.execute(query))


def latest_contents(conn: Connection, record_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The content of the latest version of each record, by record id (chunked look-ups)."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunked(sorted(set(record_ids))):
        query = _latest_select().where(one_of(conn, records.c.id, chunk))
        for row in conn.execute(query):
            found[int(row.record_id)] = dict(row.content)
    return found


# --- internals -------------------------------------------------------------------------------

_VERSION_COLUMNS = (
    "record_id",
    "version",
    "content",
    "content_hash",
    "status",
    "source",
    "department",
    "batch_id",
    "received_at",
    "valid_from",
    "created_at",
)


def _insert_versions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of version rows whose content is already canonical JSON text.

    The bulk path of ingestion: the content is serialised once (for its hash) and passed as text,
    and instants and dates are bound in each backend's own form, so no per-row type processing
    runs. The values are exactly what ``record_versions.insert()`` would store.
    """
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        _copy_versions(conn, rows)
        return
    content = ":content"
    columns = ", ".join(_VERSION_COLUMNS)
    values = ", ".join(content if c == "content" else f":{c}" for c in _VERSION_COLUMNS)
    statement = text(f"INSERT INTO record_versions ({columns}) VALUES ({values})")
    if not postgres:
        rows = [
            {
                **row,
                "received_at": _sqlite_instant(row["received_at"]),
                "created_at": _sqlite_instant(row["created_at"]),
                "valid_from": row["valid_from"].isoformat() if row["valid_from"] else None,
            }
            for row in rows
        ]
    conn.execute(statement, rows)


def _copy_versions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` on the transaction's own connection (the fastest way in;
    the append-only triggers guard UPDATE and DELETE, not inserts)."""
    driver = conn.connection.dbapi_connection
    assert driver is not None
    columns = ", ".join(_VERSION_COLUMNS)
    statement = f"COPY record_versions ({columns}) FROM STDIN"
    try:
        with (
            driver.cursor() as cursor,  # type: ignore[attr-defined]
            cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(
                    tuple(
                        row[c] if c not in ("received_at", "created_at") else _pg_instant(row[c])
                        for c in _VERSION_COLUMNS
                    )
                )
    except psycopg.IntegrityError as exc:
        # the same error the SQLAlchemy path raises, so callers handle one kind
        raise IntegrityError(statement, None, exc) from exc


def _pg_instant(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)


def _sqlite_instant(value: dt.datetime) -> str:
    """An instant as :class:`~credit_yrd.store.types.Timestamp` stores it on SQLite (UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class _Latest:
    record_id: int
    subject_id: int | None
    version: int  # 0: no version yet
    content_hash: str | None
    status: str | None


def _item_from_mapping(raw: Mapping[str, Any], number: int) -> RecordItem:
    unknown = set(raw) - _ITEM_FIELDS
    if unknown:
        raise StoreError(
            f"第 {number} 项有未知字段：{', '.join(sorted(unknown))}",
            f"item {number} has unknown fields: {', '.join(sorted(unknown))}",
        )
    try:
        return RecordItem(**raw)
    except TypeError:
        raise StoreError(
            f"第 {number} 项缺少 source、kind、source_key 或 content",
            f"item {number} lacks source, kind, source_key or content",
        ) from None


def _newest_version() -> Any:
    """Correlated ``max(version)`` of the enclosing ``records`` row (served by the unique index)."""
    return (
        select(func.max(record_versions.c.version))
        .where(record_versions.c.record_id == records.c.id)
        .correlate(records)
        .scalar_subquery()
    )


def _latest_select() -> Select[Any]:
    newest = _newest_version()
    return select(
        records.c.id.label("record_id"),
        records.c.source,
        records.c.kind,
        records.c.source_key,
        records.c.subject_id,
        record_versions.c.id.label("version_id"),
        record_versions.c.version,
        record_versions.c.content,
        record_versions.c.content_hash,
        record_versions.c.status,
        record_versions.c.source.label("reported_by"),
        record_versions.c.department,
        record_versions.c.batch_id,
        record_versions.c.received_at,
        record_versions.c.valid_from,
        record_versions.c.created_at,
    ).join(
        record_versions,
        and_(record_versions.c.record_id == records.c.id, record_versions.c.version == newest),
    )


def _latest_by_key(conn: Connection, keys: set[RecordKey]) -> dict[RecordKey, _Latest]:
    """Latest version of each known record among ``keys``: one query per (source, kind) chunk."""
    newest = _newest_version()
    grouped: dict[tuple[str, str], list[str]] = {}
    for source, kind, source_key in keys:
        grouped.setdefault((source, kind), []).append(source_key)
    found: dict[RecordKey, _Latest] = {}
    for (source, kind), source_keys in grouped.items():
        for chunk in chunked(sorted(source_keys)):
            rows = conn.execute(
                select(
                    records.c.id,
                    records.c.source_key,
                    records.c.subject_id,
                    record_versions.c.version,
                    record_versions.c.content_hash,
                    record_versions.c.status,
                )
                .select_from(records)
                .outerjoin(
                    record_versions,
                    and_(
                        record_versions.c.record_id == records.c.id,
                        record_versions.c.version == newest,
                    ),
                )
                .where(
                    records.c.source == source,
                    records.c.kind == kind,
                    one_of(conn, records.c.source_key, chunk),
                )
            )
            for row in rows:
                found[(source, kind, row.source_key)] = _Latest(
                    row.id, row.subject_id, row.version or 0, row.content_hash, row.status
                )
    return found
