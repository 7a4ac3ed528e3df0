"""The ingestion pipeline: read → map → validate and normalise → resolve subjects → append.

One input file is one batch, and a batch is atomic: everything it writes — subjects, legacy codes,
records, versions, review items, the batch row and its receipt — is written in one transaction, so a
batch killed at any point leaves the store as it was. Rows are processed in chunks of
:data:`CHUNK_ROWS`, so memory stays bounded whatever the file size.

Sending the same batch again adds nothing: a file whose bytes were already accepted from the same
source returns the earlier receipt (``duplicate_of``); a file with some rows seen before reports
them as ``unchanged`` (identity = source + kind + the record's key fields; change = content hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.ingest.code_quality import city_of_code
from credit_yrd.ingest.errors import InputFileError
from credit_yrd.ingest.mapping import SourceMapping
from credit_yrd.ingest.readers import Part, RawRow, RowProblem, open_parts
from credit_yrd.ingest.receipt import Quarantine, Receipt, safe_file_part
from credit_yrd.ingest.validate import CheckedRow, RowChecker
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.resolve.resolver import PartyRef, Resolver
from credit_yrd.resolve.review import (
    Pending,
    close_linked_items,
    open_items,
    relink_by_legacy_map,
)
from credit_yrd.search.index import index_new_subjects, last_subject_id
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import insert_ignoring
from credit_yrd.store.engine import transaction
from credit_yrd.store.errors import RecordSubjectConflictError
from credit_yrd.store.records import RecordItem, append_versions_bulk
from credit_yrd.store.schema import batches, sources

CHUNK_ROWS = 2_000

#: progress(file, rows_done) — called after every chunk.
Progress = Callable[[str, int], None]


@dataclass
class IngestContext:
    """Everything a batch needs besides its file."""

    engine: Engine
    mapping: SourceMapping
    standard: Standard
    vault: PersonalDataVault
    quarantine_dir: Path
    clock: Clock = SYSTEM_CLOCK
    progress: Progress | None = None
    #: read a file again even when the same bytes were accepted before
    reprocess: bool = False
    _checkers: dict[str, RowChecker] = field(default_factory=dict)

    def checker(self, kind: str) -> RowChecker:
        if kind not in self._checkers:
            self._checkers[kind] = RowChecker(
                self.mapping,
                self.standard.record_kinds[kind],
                self.standard,
                self.vault,
                self.clock.today(),
            )
        return self._checkers[kind]


def expand_inputs(paths: Iterable[Path], mapping: SourceMapping) -> tuple[list[Path], list[Path]]:
    """The files to ingest from files and folders given, in a sound order; and the files of the
    folders that the mapping does not describe (reported, never silently dropped).

    Within a folder, files are ordered by the mapping's order of kinds (registration first, so that
    legacy codes are mapped before the records that carry only them), then by name.
    """
    order = {item.kind: i for i, item in enumerate(mapping.kinds)}
    files: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found: list[tuple[int, str, Path]] = []
        for child in sorted(path.iterdir()):
            if not child.is_file() or child.name.startswith("."):
                continue
            if mapping.format == "xlsx":
                if child.suffix.lower() == ".xlsx":
                    found.append((0, child.name, child))
                else:
                    skipped.append(child)
                continue
            kind = mapping.kind_for_file(child.name)
            if kind is None:
                skipped.append(child)
            else:
                found.append((order[kind], child.name, child))
        files.extend(p for _, _, p in sorted(found))
    return files, skipped


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def ensure_source(conn: Connection, mapping: SourceMapping) -> None:
    """Register the mapping's source in the store (a new mapping file is a new source); the
    mapping file's names are the source's names."""
    conn.execute(
        update(sources)
        .where(
            sources.c.code == mapping.code,
            (sources.c.name_zh != mapping.name_zh) | (sources.c.name_en != mapping.name_en),
        )
        .values(name_zh=mapping.name_zh, name_en=mapping.name_en)
    )
    conn.execute(
        insert_ignoring(conn, sources, ["code"]),
        [
            {
                "code": mapping.code,
                "name_zh": mapping.name_zh,
                "name_en": mapping.name_en,
                "province": mapping.province,
            }
        ],
    )


def ingest_file(ctx: IngestContext, path: Path, display_name: str | None = None) -> Receipt:
    """Ingest one file as one atomic batch; returns its receipt.

    Raises :class:`InputFileError` when the file as a whole cannot be taken (unreadable, not in
    the mapping, unknown or missing columns); then nothing is written.
    """
    name = display_name or path.name
    if not path.is_file():
        raise InputFileError(
            name, "文件不存在或不是普通文件", "no such file, or not a regular file"
        )
    sha = file_sha256(path)
    with ctx.engine.connect() as conn:
        earlier = conn.execute(
            select(batches.c.id, batches.c.counts)
            .where(
                batches.c.source == ctx.mapping.code,
                batches.c.content_sha256 == sha,
                batches.c.status == "accepted",
            )
            .order_by(batches.c.id)
        ).first()
    if earlier is not None and earlier.counts and not ctx.reprocess:
        # The same bytes again: nothing to do. With ``reprocess`` (``--reprocess``) the file is
        # read again, e.g. after a mapping was fixed: rows already held come out unchanged and
        # rows refused before may now be taken.
        receipt = Receipt.from_dict(dict(earlier.counts))
        # This time nothing is new or changed: every accepted row is as already held.
        receipt.unchanged, receipt.new, receipt.changed = receipt.accepted, 0, 0
        receipt.duplicate_of = int(earlier.id)
        receipt.batch_id = None
        receipt.file = name
        receipt.status = "duplicate"
        return receipt

    parts = open_parts(path, ctx.mapping, name)
    order = {item.kind: i for i, item in enumerate(ctx.mapping.kinds)}
    parts.sort(key=lambda part: order.get(part.kind or "", len(order)))
    for part in parts:
        _check_part(ctx, part)

    receipt = Receipt(ctx.mapping.code, name, sha)
    now = ctx.clock.now()
    quarantine: Quarantine | None = None
    try:
        with transaction(ctx.engine) as conn:
            ensure_source(conn, ctx.mapping)
            search_mark = last_subject_id(conn)  # the subjects this batch creates come after
            batch_id = int(
                conn.execute(
                    batches.insert()
                    .values(
                        source=ctx.mapping.code,
                        received_at=now,
                        file_name=name[:500],
                        content_sha256=sha,
                        status="processing",
                    )
                    .returning(batches.c.id)
                ).scalar_one()
            )
            receipt.batch_id = batch_id
            quarantine = Quarantine(
                ctx.quarantine_dir,
                f"batch-{batch_id:06d}-{ctx.mapping.code}-{safe_file_part(name)}.rejected.jsonl",
            )
            for part in parts:
                _ingest_part(ctx, conn, part, batch_id, receipt, quarantine)
            # Registrations in this batch may have mapped legacy codes that earlier records carried.
            receipt.relinked = relink_by_legacy_map(conn, clock=ctx.clock)
            index_new_subjects(conn, search_mark)  # the name index (credit_yrd.search)
            receipt.quarantine = quarantine.keep()
            receipt.status = "accepted"
            conn.execute(
                update(batches)
                .where(batches.c.id == batch_id)
                .values(
                    status="accepted",
                    counts=receipt.to_dict(),
                    completed_at=ctx.clock.now(),
                    quarantine_path=receipt.quarantine,
                )
            )
    except BaseException:
        if quarantine is not None:
            quarantine.discard()
        raise
    return receipt


def _check_part(ctx: IngestContext, part: Part) -> None:
    where = f"{part.file}" + (f" [{part.sheet}]" if part.sheet else "")
    if part.kind is None:
        if part.sheet is not None:
            raise InputFileError(
                where,
                f"映射文件（{ctx.mapping.code}）中没有工作表“{part.sheet}”",
                f"the mapping of {ctx.mapping.code} has no sheet {part.sheet!r}",
            )
        raise InputFileError(
            where,
            f"文件名与映射文件（{ctx.mapping.code}）中任何信息类别的文件名模式都不匹配",
            f"the file name matches no record kind's pattern in the mapping of {ctx.mapping.code}",
        )
    if ctx.mapping.format == "jsonl":
        return  # keys are checked per line
    checker = ctx.checker(part.kind)
    unknown, missing = checker.header_problems(part.header)
    duplicates = sorted({c for c in part.header if c and part.header.count(c) > 1})
    problems_zh: list[str] = []
    problems_en: list[str] = []
    if duplicates:
        problems_zh.append(f"重复的列：{'、'.join(duplicates)}")
        problems_en.append(f"duplicate columns: {', '.join(duplicates)}")
    if unknown:
        problems_zh.append(f"映射中没有的列：{'、'.join(unknown[:10])}")
        problems_en.append(f"columns not in the mapping: {', '.join(unknown[:10])}")
    if missing:
        labels = [checker.column_label(code) for code in missing]
        problems_zh.append(f"缺少必填列：{'、'.join(labels)}")
        problems_en.append(f"required columns missing: {', '.join(labels)}")
    if problems_zh:
        raise InputFileError(where, "；".join(problems_zh), "; ".join(problems_en))


def _chunks(rows: Iterator[RawRow]) -> Iterator[list[RawRow]]:
    while chunk := list(islice(rows, CHUNK_ROWS)):
        yield chunk


def _ingest_part(
    ctx: IngestContext,
    conn: Connection,
    part: Part,
    batch_id: int,
    receipt: Receipt,
    quarantine: Quarantine,
) -> None:
    assert part.kind is not None
    kind = part.kind
    checker = ctx.checker(kind)
    resolver = Resolver(conn, ctx.mapping.code, ctx.mapping.province, ctx.vault, ctx.clock)
    received_at = ctx.clock.now()
    done = 0
    chunks = 0
    for chunk in _chunks(part.rows):
        good: list[tuple[RawRow, CheckedRow]] = []
        for raw in chunk:
            receipt.read += 1
            receipt.kinds[kind] += 1
            problems = list(raw.problems)
            checked = None
            if not problems:
                checked = checker.check(raw.values)
                problems = checked.problems
            if problems:
                _reject(receipt, quarantine, part, raw, problems)
                wrong = checker.wrong_party_uscc(raw.values, problems)
                if wrong is not None:
                    receipt.wrong_codes[city_of_code(wrong)] += 1
                continue
            assert checked is not None
            good.append((raw, checked))
        if good:
            _append(ctx, conn, resolver, part, good, batch_id, received_at, receipt, quarantine)
        done += len(chunk)
        chunks += 1
        refresh_statistics(conn, chunks)
        if ctx.progress is not None:
            ctx.progress(part.file, done)


def _reject(
    receipt: Receipt, quarantine: Quarantine, part: Part, raw: RawRow, problems: list[RowProblem]
) -> None:
    """Count a rejected row and keep it, exactly as it came, with its reasons."""
    receipt.rejected += 1
    for problem in problems:
        receipt.rules[problem.rule] += 1
    quarantine.add(
        file=part.file,
        sheet=part.sheet,
        row=raw.row,
        kind=part.kind,
        raw=raw.raw,
        problems=problems,
    )


_GROWING_TABLES = ("records", "record_versions", "subjects", "legacy_codes", "review_items")


def refresh_statistics(conn: Connection, chunks: int) -> None:
    """On PostgreSQL, refresh the planner's statistics as a batch makes the tables grow.

    A fresh or fast-growing table has statistics far from its size, and the planner then picks
    sequential scans for the per-chunk look-ups, which makes a large batch quadratic. ANALYZE after
    chunks 1, 2, 4, 8 … keeps the estimates within a factor of two at a logarithmic cost; inside
    the batch's transaction it sees the rows the batch has written.
    """
    if conn.dialect.name != "postgresql" or chunks & (chunks - 1):
        return
    conn.exec_driver_sql(f"ANALYZE {', '.join(_GROWING_TABLES)}")


def _party(checked: CheckedRow) -> PartyRef:
    party = checked.party
    legacy: dict[str, str] = {}
    if party.uscc:
        if party.org_code:
            legacy["org_code"] = party.org_code
        if party.business_reg_no:
            legacy["business_reg_no"] = party.business_reg_no
    return PartyRef(
        name=party.name,
        party_type=party.party_type,
        uscc=party.uscc,
        org_code=party.org_code,
        business_reg_no=party.business_reg_no,
        person_hash=party.person_hash,
        resident_id=party.resident_id,
        division=party.division,
        legacy_for_map=legacy,
    )


def _append(
    ctx: IngestContext,
    conn: Connection,
    resolver: Resolver,
    part: Part,
    good: list[tuple[RawRow, CheckedRow]],
    batch_id: int,
    received_at: dt.datetime,
    receipt: Receipt,
    quarantine: Quarantine,
) -> None:
    assert part.kind is not None
    kind = part.kind
    while True:
        # A savepoint per attempt: when a row turns out to name another subject for a record
        # already linked, everything the attempt wrote (subjects, persons, legacy codes) is undone
        # with it, the row is refused, and the chunk is tried again without it.
        savepoint = conn.begin_nested()
        try:
            for _, checked in good:
                resolver.extra_persons.update(checked.persons)
            links = resolver.resolve([_party(checked) for _, checked in good])
            items = [
                RecordItem(
                    source=ctx.mapping.code,
                    kind=kind,
                    source_key=checked.source_key,
                    content=checked.content,
                    subject_id=link.subject_id,
                    status=checked.status,
                    department=checked.department,
                    batch_id=batch_id,
                    received_at=received_at,
                    valid_from=checked.valid_from,
                    link_method=link.method,
                )
                for (_, checked), link in zip(good, links, strict=True)
            ]
            results = append_versions_bulk(conn, items, clock=ctx.clock, standard=ctx.standard)
        except RecordSubjectConflictError as conflict:
            savepoint.rollback()
            resolver.extra_persons = {}
            keep = []
            for (raw, checked), item in zip(good, items, strict=True):
                if item.key != conflict.key:
                    keep.append((raw, checked))
                    continue
                problem = RowProblem(
                    None,
                    "subject_conflict",
                    f"该记录（相同的记录标识）已关联另一主体，不能改为其他主体：{conflict.message_zh}",
                    f"this record (same record key) is linked to another subject: "
                    f"{conflict.message_en}",
                )
                _reject(receipt, quarantine, part, raw, [problem])
            good = keep
            if not good:
                return
            continue
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        break
    pending: list[Pending] = []
    for (_, checked), link, result in zip(good, links, results, strict=True):
        setattr(receipt, result.outcome, getattr(receipt, result.outcome) + 1)
        if link.method:
            receipt.links[link.method] += 1
        if link.review_reason is not None:
            pending.append(
                Pending(
                    record_id=result.record_id,
                    kind=kind,
                    reason=link.review_reason,
                    party=_review_party(checked),
                    candidates=link.candidates,
                )
            )
    receipt.unresolved += open_items(
        conn, pending, source=ctx.mapping.code, batch_id=batch_id, clock=ctx.clock
    )
    close_linked_items(
        conn,
        [result.record_id for result, link in zip(results, links, strict=True) if link.method],
        clock=ctx.clock,
    )


def _review_party(checked: CheckedRow) -> dict[str, str | None]:
    """What a reviewer sees of the party: never the ID number, only its mask."""
    party = checked.party
    masked = None
    for value in checked.content.values():
        if isinstance(value, dict) and value.get("hash") == party.person_hash:
            masked = value.get("masked")
    return {
        "name": party.name,
        "party_type": party.party_type,
        "org_code": party.org_code,
        "business_reg_no": party.business_reg_no,
        "document_masked": masked,
    }
