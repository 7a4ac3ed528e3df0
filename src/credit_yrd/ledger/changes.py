"""The change feed per province (按需共享): every record version about subjects that concern a
province, in the order the ledger stored them, a page at a time.

**Which versions.** A version concerns province ``P`` when any of these holds:

1. it came from a source of ``P`` (``record_versions.source`` is a source whose ``province`` is
   ``P``; this includes records not linked to any subject);
2. its record's subject is of ``P`` (``subjects.province``, from the division of its code);
3. its record's subject has any record from a source of ``P`` (a Shanghai company that Jiangsu has
   records about: its changes from anywhere concern Jiangsu too).

Each test is an index probe per version (the primary key of ``subjects``, the index on
``records.subject_id``); versions are walked by the primary key of ``record_versions`` from the
cursor, at most :data:`SCAN_WINDOW` per page.

**Order and cursor.** The cursor is ``record_versions.id`` (strictly increasing): a page holds the
versions with an id above the cursor, lowest first, and ``next_cursor`` is the id of its last item
(or the end of the window walked, when the window held nothing of the province's); an empty last
page gives back the cursor it was given, so a poller keeps it. A version is never served before
every version with a lower id is visible: on SQLite writers are serialised, so ids are committed in
order; on PostgreSQL the page is read under ``LOCK TABLE record_versions IN SHARE MODE`` (it waits,
at most :data:`LOCK_TIMEOUT_MS`, for batches being written, and holds new ones back for the few
milliseconds of the read), so a batch that took lower ids but commits later cannot be skipped.
When a batch holds the table longer, :class:`ChangesBusyError` says to try again.

**Repaired records are not shared.** Once credit repair has ended a record's publication
(``records.repaired_on`` set), none of its versions is served any more (停止共享); the repair itself
reaches the provinces through the repair deliveries.

**What each item shows.** The content as the authority view of the credit file shows it
(:mod:`credit_yrd.ledger.files`): public and shared fields in clear, restricted fields masked,
personal documents only in their masked form. A natural person's name is masked unless
``show_person_names``. Every page that serves versions writes the access log: one row per subject
served (and one for versions without a subject), naming the record ids, with the reader's purpose
(an empty page reads nothing and writes nothing, so a poller's idle polls do not flood the log).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import exists, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.ledger.files import Audience, AudienceView, FieldValue, mask_name
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import one_of
from credit_yrd.store.schema import record_versions, records, sources, subjects

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: Versions walked per page at most (those of other provinces included).
SCAN_WINDOW = 20_000
#: How long a page waits on PostgreSQL for batches being written before it gives up.
LOCK_TIMEOUT_MS = 2_000
#: The largest cursor (a 64-bit id).
MAX_CURSOR = 2**63 - 1
PERSON = "natural_person"
#: The access log's action for a page of the feed.
ACTION = "change_feed"


class ChangesError(CreditYrdError):
    """A change-feed request that cannot be answered as asked (400)."""


class ChangesBusyError(CreditYrdError):
    """Batches are being written and hold the ledger: try again shortly (503)."""

    def __init__(self) -> None:
        super().__init__(
            "数据正在写入，请稍后再取变更",
            "batches are being written; fetch the changes again shortly",
        )


class ChangeSubject(BaseModel):
    """变更所涉主体 (the subject a change is about)."""

    id: int = Field(description="主体编号 (subject id)")
    subject_type: str = Field(description="主体类型 (subject type)")
    uscc: str | None = Field(description="统一社会信用代码 (unified social credit code)")
    name: str = Field(description="名称；自然人按调用者权限脱敏 (name; persons masked)")
    province: str | None = Field(description="省级区划代码前两位 (province, two digits)")


class Change(BaseModel):
    """一个记录版本 (one record version, as stored)."""

    version_id: int = Field(description="版本编号，即游标 (version id: the cursor)")
    record_id: int = Field(description="记录编号 (record id)")
    version: int = Field(description="版本号 (version number)")
    kind: str = Field(description="信息类别代码 (record kind)")
    status: str = Field(description="active / withdrawn / deleted / corrected")
    domain: str | None = Field(description="所属领域 (the record's domain)")
    subject: ChangeSubject | None = Field(description="所涉主体；尚未关联时为空 (null: unlinked)")
    source: str = Field(description="报送该版本的来源 (source of this version)")
    department: str | None = Field(description="认定或报送部门 (deciding or reporting department)")
    batch_id: int | None = Field(description="批次编号 (batch id)")
    received_at: dt.datetime = Field(description="接收时间 (when it was received)")
    valid_from: dt.date | None = Field(description="生效日期 (valid from)")
    fields: list[FieldValue] = Field(
        description="内容，按政务视图：共享字段明文，受限字段脱敏，证件仅脱敏形式 (content as the "
        "authority view shows it: shared in clear, restricted masked, documents masked only)"
    )


class ChangePage(BaseModel):
    """一页变更 (one page of the change feed)."""

    province: str = Field(description="省份代码 (province, two digits)")
    cursor: int = Field(description="本页的起点游标 (the cursor this page started after)")
    items: list[Change]
    next_cursor: int = Field(
        description="下一页的游标；没有新变更时与 cursor 相同 (the cursor of the next page; the "
        "same as cursor when nothing new)"
    )
    has_more: bool = Field(description="是否还有下一页 (whether more pages follow now)")
    access_logged: bool = Field(description="本次读取已记入访问日志 (this read was logged)")


@dataclass(frozen=True)
class FeedScope:
    """Which provinces a caller may read the feed of: ``None`` = any (a regional office)."""

    province: str | None


def checked_province(standard: Standard, value: str | None, scope: FeedScope) -> str:
    """The province asked for (a code or name of code list ``province``), defaulting to the
    caller's. Raises :class:`ChangesError` for an unknown one or none at all."""
    if value is None or not value.strip():
        if scope.province is None:
            raise ChangesError(
                "区域信用办须指定省份（province，如 32）",
                "a regional credit office must name the province (province, e.g. 32)",
            )
        return scope.province
    try:
        return standard.code_lists["province"].normalise(value.strip())
    except UnknownCodeError:
        raise ChangesError(
            f"未知的省份：{value[:20]!r}（可选：31、32、33、34）",
            f"unknown province: {value[:20]!r} (one of 31, 32, 33, 34)",
        ) from None


def in_scope(scope: FeedScope, province: str) -> bool:
    return scope.province is None or scope.province == province


def _concerns(conn: Connection, province: str) -> Any:
    codes = sorted(
        str(code)
        for code in conn.execute(select(sources.c.code).where(sources.c.province == province))
        .scalars()
        .all()
    )
    other = records.alias("other")
    tests = [subjects.c.province == province]
    if codes:
        tests += [
            one_of(conn, record_versions.c.source, codes),
            exists().where(
                other.c.subject_id == records.c.subject_id, one_of(conn, other.c.source, codes)
            ),
        ]
    return or_(*tests)


def _settle(conn: Connection) -> None:
    """On PostgreSQL, wait until no batch is writing versions (see the module doc)."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(LOCK_TIMEOUT_MS)}ms'")
    try:
        conn.exec_driver_sql("LOCK TABLE record_versions IN SHARE MODE")
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise ChangesBusyError() from None
        raise


def _window_end(conn: Connection, cursor: int) -> int | None:
    """The first version id past the window that starts after ``cursor`` (None: to the end)."""
    found = conn.execute(
        select(record_versions.c.id)
        .where(record_versions.c.id > cursor)
        .order_by(record_versions.c.id)
        .limit(1)
        .offset(SCAN_WINDOW)
    ).scalar()
    return None if found is None else int(found)


def _authority_fields(
    standard: Standard,
    reader: Reader,
    on: dt.date,
    kind: str,
    content: Mapping[str, Any],
    show_person_names: bool,
) -> list[FieldValue]:
    """The content as the credit file's authority view shows it; natural persons named as
    parties masked unless the caller may see persons' names."""
    record_kind = standard.record_kinds.get(kind)
    if record_kind is None:  # a kind the standard no longer knows: nothing is shown
        return []
    view = AudienceView(
        Audience.AUTHORITY, on, standard, reader, None, mask_person_names=not show_person_names
    )
    return view.fields(record_kind, content)


def change_page(
    conn: Connection,
    *,
    province: str,
    cursor: int,
    limit: int,
    reader: Reader,
    standard: Standard,
    show_person_names: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> ChangePage:
    """One page of the feed of ``province`` after ``cursor``; logs the read on ``conn`` (run it in
    a transaction: on PostgreSQL the page takes a table lock, see the module doc)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ChangesError(
            f"每页条数应在 1 到 {MAX_LIMIT} 之间", f"limit must be between 1 and {MAX_LIMIT}"
        )
    if not 0 <= cursor <= MAX_CURSOR:
        raise ChangesError("游标无效 (invalid cursor)", "invalid cursor")
    _settle(conn)
    end = _window_end(conn, cursor)
    query = (
        select(
            record_versions.c.id,
            record_versions.c.record_id,
            record_versions.c.version,
            record_versions.c.status,
            record_versions.c.source,
            record_versions.c.department,
            record_versions.c.batch_id,
            record_versions.c.received_at,
            record_versions.c.valid_from,
            record_versions.c.content,
            records.c.kind,
            records.c.domain,
            records.c.subject_id,
            subjects.c.subject_type,
            subjects.c.uscc,
            subjects.c.name,
            subjects.c.province.label("subject_province"),
        )
        .select_from(
            record_versions.join(records, records.c.id == record_versions.c.record_id).outerjoin(
                subjects, subjects.c.id == records.c.subject_id
            )
        )
        .where(
            record_versions.c.id > cursor,
            records.c.repaired_on.is_(None),
            _concerns(conn, province),
        )
        .order_by(record_versions.c.id)
        .limit(limit + 1)
    )
    if end is not None:
        query = query.where(record_versions.c.id < end)
    rows = list(conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    on = clock.today()
    items = [_change(row, standard, reader, on, show_person_names) for row in rows]
    if more:
        next_cursor = items[-1].version_id
    elif end is not None:
        next_cursor, more = end - 1, True
    else:
        next_cursor = items[-1].version_id if items else cursor
    logged = _log(conn, reader, items, clock)
    return ChangePage(
        province=province,
        cursor=cursor,
        items=items,
        next_cursor=next_cursor,
        has_more=more,
        access_logged=logged,
    )


def _change(
    row: Any, standard: Standard, reader: Reader, on: dt.date, show_person_names: bool
) -> Change:
    subject = None
    if row.subject_id is not None:
        person = row.subject_type == PERSON
        subject = ChangeSubject(
            id=int(row.subject_id),
            subject_type=row.subject_type,
            uscc=row.uscc,
            name=mask_name(row.name) if person and not show_person_names else row.name,
            province=row.subject_province,
        )
    return Change(
        version_id=int(row.id),
        record_id=int(row.record_id),
        version=int(row.version),
        kind=row.kind,
        status=row.status,
        domain=row.domain,
        subject=subject,
        source=row.source,
        department=row.department,
        batch_id=None if row.batch_id is None else int(row.batch_id),
        received_at=row.received_at,
        valid_from=row.valid_from,
        fields=_authority_fields(
            standard, reader, on, row.kind, dict(row.content), show_person_names
        ),
    )


def _log(conn: Connection, reader: Reader, items: list[Change], clock: Clock) -> bool:
    """One access-log row per subject served (and one for unlinked records)."""
    by_subject: dict[int | None, list[int]] = {}
    for item in items:
        key = item.subject.id if item.subject is not None else None
        by_subject.setdefault(key, []).append(item.record_id)
    for subject_id, record_ids in by_subject.items():
        log_read(
            conn, reader, subject_id=subject_id, record_ids=record_ids, action=ACTION, clock=clock
        )
    return bool(by_subject)
