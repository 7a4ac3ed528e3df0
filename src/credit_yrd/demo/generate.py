"""``generate()``: build the world, stream its records out per source, inject defects, write the
ground truth.

Records are made one record kind at a time (one pass over all subjects, then over the
natural-person parties); each record goes to the file of the province that publishes it. Defects
are decided per row with a random stream of their own, so that the clean rows are the same with and
without defects. At most one defect per row; every defect, and every deliberate use of legacy
codes, is written to ``truth/defects.jsonl`` with the row a user sees.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import json
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from credit_yrd.demo.codes import wrong_check_character
from credit_yrd.demo.geography import build_geography
from credit_yrd.demo.options import DefectRates, GenerateError, GenerateOptions
from credit_yrd.demo.output import (
    Cells,
    CsvSink,
    Encoder,
    JsonlSink,
    Sink,
    XlsxBook,
    XlsxSheetSink,
    file_name,
    format_date_parts,
)
from credit_yrd.demo.records import KIND_ORDER, PARTY, PartyFields, Record, RecordMaker
from credit_yrd.demo.summary import FileSummary, GenerationSummary, SourceSummary
from credit_yrd.demo.world import (
    LEGACY_ONLY,
    OLD,
    REG_BUSINESS_NO,
    REG_ORG_CODE,
    SUBJECT_TYPES,
    UNMAPPED,
    World,
    build_world,
)
from credit_yrd.ingest.mapping import SourceMapping, load_mapping
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import RecordKind, Standard

Progress = Callable[[str, int, int], None]

#: The four provincial sources, in folder order.
SOURCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
TRUTH = "truth"

#: Impossible (month, day) pairs for the date defect.
_IMPOSSIBLE = ((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31), (13, 1), (0, 10))

_QUIRKS = {
    "legacy_only": ("legacy_code", "legacy_map"),
    "unmapped_legacy_code": ("legacy_code", "review"),
    "operator_id_only": ("operator_id", "operator_id"),
}


def name_variant(name: str, rng: random.Random) -> str | None:
    """The same name written differently: brackets full-width ↔ half-width, a space inserted,
    有限公司 ↔ 有限责任公司."""
    options = []
    if "（" in name or "）" in name:
        options.append(name.replace("（", "(").replace("）", ")"))
    if "(" in name or ")" in name:
        options.append(name.replace("(", "（").replace(")", "）"))
    if name.endswith("有限责任公司"):
        options.append(name[: -len("有限责任公司")] + "有限公司")
    elif name.endswith("有限公司") and not name.endswith("股份有限公司"):
        options.append(name[: -len("有限公司")] + "有限责任公司")
    if len(name) >= 4:
        at = rng.randint(2, len(name) - 2)
        options.append(f"{name[:at]} {name[at:]}")
    if not options:
        return None
    variant = rng.choice(options)
    return variant if variant != name else None


class _Truth:
    """``truth/defects.jsonl``, written as rows are written."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("w", encoding="utf-8", newline="\n")
        self.counts: dict[str, int] = {}

    def add(
        self,
        source: str,
        summary: FileSummary,
        row: int,
        defect: str,
        field: str | None,
        expected: str,
        rule: str,
        **extra: Any,
    ) -> None:
        entry = {
            "source": source,
            "file": summary.file,
            "sheet": summary.sheet,
            "row": row,
            "kind": summary.kind,
            "defect": defect,
            "field": field,
            "expected": expected,
            "rule": rule,
            **extra,
        }
        self._f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.counts[defect] = self.counts.get(defect, 0) + 1
        summary.outcomes[expected] = summary.outcomes.get(expected, 0) + 1
        if expected == "rejected":
            summary.expected_rejected += 1

    def close(self) -> None:
        self._f.close()


class _KindPlan:
    """Which fields of a kind the defects touch."""

    def __init__(self, kind: RecordKind, encoder: Encoder, party: PartyFields) -> None:
        present = encoder.index
        self.required = [f.code for f in kind.fields if f.required and f.code in present]
        self.required_dates = [c for c in self.required if kind.field(c).type == "date"]
        self.dates = [f.code for f in kind.fields if f.type == "date" and f.code in present]
        self.uscc = party.uscc if party.uscc in present else None
        self.name = party.name if party.name in present else None


class _FileOut:
    """One file (or sheet) of one source for one record kind: encodes, injects defects, writes."""

    RESERVOIR = 4

    def __init__(
        self,
        run: _Run,
        source: str,
        kind: RecordKind,
        encoder: Encoder,
        sink: Sink,
        summary: FileSummary,
        rng: random.Random,
    ) -> None:
        self.run = run
        self.source = source
        self.kind = kind.code
        self.encoder = encoder
        self.sink = sink
        self.summary = summary
        self.rng = rng
        self.party = PARTY[kind.code]
        self.plan = _KindPlan(kind, encoder, self.party)
        self.row = 1 if isinstance(sink, CsvSink | XlsxSheetSink) else 0
        self._pending: list[tuple[int, int, Cells, int]] = []
        self._counter = 0
        self.resend: list[tuple[str, dict[str, Any], Cells, int]] = []
        self._reservoir: list[tuple[dict[str, Any], Cells, int]] = []
        self._seen = 0

    def _write(self, cells: Cells) -> int:
        self.row = self.sink.write(cells)
        self.summary.rows += 1
        return self.row

    def _choose(self, rec: Record, cells: Cells) -> str | None:
        rates = self.run.rates
        u = self.rng.random()
        uscc_at = self.encoder.index.get(self.plan.uscc) if self.plan.uscc else None
        has_uscc = uscc_at is not None and cells[uscc_at] != ""
        protected = self.kind == "registration" and self.run.world.flags[rec.subject] & (
            REG_ORG_CODE | REG_BUSINESS_NO
        )
        options: list[tuple[str, float]] = []
        if not protected:
            if has_uscc:
                options.append(("bad_check_character", rates.bad_check_character))
            options.append(("impossible_date", rates.impossible_date))
            options.append(("missing_required", rates.missing_required))
        if rec.subject >= 0 and self.kind != "registration" and has_uscc and self.plan.name:
            options.append(("name_variant", rates.name_variant))
        options.append(("duplicate_row", rates.duplicate_row))
        for name, rate in options:
            if u < rate:
                return name
            u -= rate
        return None

    def emit(self, rec: Record) -> None:
        cells = self.encoder.encode(rec.values)
        run, rng = self.run, self.rng
        if rec.quirk is not None:
            row = self._write(cells)
            rule, resolution = _QUIRKS[rec.quirk]
            field = self.party.business_no if rec.quirk != "operator_id_only" else self.party.doc_no
            run.truth.add(
                self.source,
                self.summary,
                row,
                rec.quirk,
                field,
                "accepted",
                rule,
                resolution=resolution,
                subject=run.world.usccs[rec.subject],
            )
            self._flush_due()
            return
        defect = self._choose(rec, cells) if run.defects else None
        index = self.encoder.index
        entry: tuple[str | None, str, str, dict[str, Any]] | None = None
        if defect == "bad_check_character":
            assert self.plan.uscc is not None
            at = index[self.plan.uscc]
            cells[at] = wrong_check_character(cells[at], rng)
            entry = (self.plan.uscc, "rejected", "check_character", {})
        elif defect == "impossible_date":
            at_fields = [c for c in self.plan.required_dates if cells[index[c]] != ""]
            at_fields = at_fields or [c for c in self.plan.dates if cells[index[c]] != ""]
            if at_fields:
                field = rng.choice(at_fields)
                month, day = rng.choice(_IMPOSSIBLE)
                cells[index[field]] = format_date_parts(
                    self.encoder.date_format, rec.values[field].year, month, day
                )
                entry = (field, "rejected", "date", {})
        elif defect == "missing_required":
            field = rng.choice(self.plan.required)
            cells[index[field]] = ""
            entry = (field, "rejected", "required", {})
        elif defect == "name_variant":
            assert self.plan.name is not None
            at = index[self.plan.name]
            variant = name_variant(cells[at], rng)
            if variant is not None:
                cells[at] = variant
                extra = {"subject": run.world.usccs[rec.subject]}
                entry = (self.plan.name, "accepted", "name_variant", extra)
        row = self._write(cells)
        if entry is not None:
            field_code, expected, rule, extra = entry
            run.truth.add(
                self.source, self.summary, row, defect or "", field_code, expected, rule, **extra
            )
        elif defect == "duplicate_row":
            self._counter += 1
            heapq.heappush(
                self._pending, (row + rng.randint(1, 30), self._counter, list(cells), row)
            )
        elif self.kind == "penalty" and run.defects:
            self._maybe_resend(rec, cells, row)
        self._flush_due()

    def _maybe_resend(self, rec: Record, cells: Cells, row: int) -> None:
        rates, rng = self.run.rates, self.rng
        u = rng.random()
        for name, rate in (
            ("withdrawal", rates.withdrawal),
            ("correction", rates.correction),
            ("resend_duplicate", rates.resend_duplicate),
        ):
            if u < rate:
                self.resend.append((name, dict(rec.values), list(cells), row))
                return
            u -= rate
        self._seen += 1
        if len(self._reservoir) < self.RESERVOIR:
            self._reservoir.append((dict(rec.values), list(cells), row))
        else:
            k = rng.randrange(self._seen)
            if k < self.RESERVOIR:
                self._reservoir[k] = (dict(rec.values), list(cells), row)

    def _flush_due(self, everything: bool = False) -> None:
        while self._pending and (everything or self._pending[0][0] <= self.row):
            _, _, cells, original = heapq.heappop(self._pending)
            row = self._write(cells)
            self.run.truth.add(
                self.source,
                self.summary,
                row,
                "duplicate_row",
                None,
                "unchanged",
                "duplicate",
                duplicate_of=original,
            )

    def close(self) -> None:
        self._flush_due(everything=True)
        self.sink.close()

    def resend_rows(self) -> list[tuple[str, dict[str, Any], Cells, int]]:
        """The penalties to send again: those drawn at the rates, plus (so that small worlds
        exercise every case) one of each case taken from a reservoir of clean rows."""
        chosen = list(self.resend)
        rates = self.run.rates
        spare = sorted(self._reservoir, key=lambda item: item[2])
        for name in ("withdrawal", "correction", "resend_duplicate"):
            if getattr(rates, name) > 0 and not any(c[0] == name for c in chosen) and spare:
                values, cells, row = spare.pop(0)
                chosen.append((name, values, cells, row))
        return sorted(chosen, key=lambda item: item[3])


class _Run:
    def __init__(
        self,
        out: Path,
        options: GenerateOptions,
        standard: Standard,
        world: World,
        mappings: dict[str, SourceMapping],
        progress: Progress | None,
    ) -> None:
        self.out = out
        self.options = options
        self.standard = standard
        self.world = world
        self.mappings = mappings
        self.progress = progress
        self.defects = options.defects
        self.rates: DefectRates = options.rates
        self.truth = _Truth(out / TRUTH / "defects.jsonl")
        self.label = f"{options.as_of:%Y-%m}"
        month = options.as_of.month % 12 + 1
        year = options.as_of.year + (1 if options.as_of.month == 12 else 0)
        self.resend_label = f"{year:04d}-{month:02d}"
        self.summaries = {
            code: SourceSummary(code, m.format, m.encoding) for code, m in mappings.items()
        }
        self.workbooks: dict[str, XlsxBook] = {}
        self._open: dict[str, _FileOut] = {}
        self.province_source = {
            m.province: code for code, m in mappings.items() if m.province is not None
        }
        for code, m in mappings.items():
            if m.format == "xlsx":
                path = out / code / f"{code}_{self.label}.xlsx"
                self.workbooks[code] = XlsxBook(path, options.as_of)

    def _sink(self, source: str, kind: str, encoder: Encoder, label: str) -> Sink:
        m = self.mappings[source]
        folder = self.out / source
        if m.format == "xlsx":
            sheet = m.kind_mapping(kind).sheet
            assert sheet is not None
            return self.workbooks[source].add_sheet(sheet, encoder.header)
        path = folder / file_name(m, kind, label)
        if m.format == "jsonl":
            return JsonlSink(path, m.encoding, encoder.header)
        return CsvSink(path, m.encoding, encoder.header)

    def kind_pass(self, kind_code: str, step: int) -> None:
        options, world = self.options, self.world
        kind = self.standard.record_kinds[kind_code]
        maker = RecordMaker(
            world, options.as_of, random.Random(f"{options.seed}:records:{kind_code}")
        )
        defect_rng = random.Random(f"{options.seed}:defects:{kind_code}")
        files: dict[str, _FileOut] = {}
        self._open = files
        encoders: dict[str, Encoder] = {}
        for source, m in self.mappings.items():
            encoder = Encoder(m, kind, self.standard)
            encoders[source] = encoder
            sink = self._sink(source, kind_code, encoder, self.label)
            summary = FileSummary(sink.file, sink.sheet, kind_code)
            self.summaries[source].files.append(summary)
            files[source] = _FileOut(self, source, kind, encoder, sink, summary, defect_rng)
        by_province = {p: files[s] for p, s in self.province_source.items()}
        make = maker.for_subject(kind_code)
        n = world.n
        progress = self.progress
        for i in range(n):
            for rec in make(i):
                by_province[rec.province].emit(rec)
            if progress is not None and (i + 1) % step == 0:
                progress(kind_code, i + 1, n)
        make_person = maker.for_person(kind_code)
        if make_person is not None:
            for p in world.party_persons:
                for rec in make_person(p):
                    by_province[rec.province].emit(rec)
        for f in files.values():
            f.close()
        self._open = {}
        if kind_code == "penalty" and self.defects:
            for source, f in files.items():
                self._write_resend(source, kind, encoders[source], f)
        if progress is not None:
            progress(kind_code, n, n)

    def _write_resend(self, source: str, kind: RecordKind, encoder: Encoder, f: _FileOut) -> None:
        m = self.mappings[source]
        book: XlsxBook | None = None
        if m.format == "xlsx":
            book = XlsxBook(
                self.out / source / f"{source}_{self.resend_label}.xlsx", self.options.as_of
            )
            sheet = m.kind_mapping(kind.code).sheet
            assert sheet is not None
            sink: Sink = book.add_sheet(sheet, encoder.header)
        else:
            path = self.out / source / file_name(m, kind.code, self.resend_label)
            sink = (JsonlSink if m.format == "jsonl" else CsvSink)(path, m.encoding, encoder.header)
        summary = FileSummary(sink.file, sink.sheet, kind.code, resend=True)
        self.summaries[source].files.append(summary)
        original = {"file": f.summary.file, "sheet": f.summary.sheet}
        status_at = encoder.index["CF_GSZT"]
        for case, values, cells, row in f.resend_rows():
            where = {**original, "row": row}
            entry: tuple[str | None, str, str]
            if case == "withdrawal":
                out = list(cells)
                out[status_at] = encoder.code_value("CF_GSZT", "撤销")
                entry = ("CF_GSZT", "withdrawn", "withdrawal")
            elif case == "correction":
                changed = dict(values)
                fine = changed.get("CF_NR_FK")
                if fine:
                    new_fine = fine + max(100, fine // 200 * 100) * f.rng.choice((-1, 1, 2))
                    new_fine = new_fine if new_fine > 0 else fine + 100
                    changed["CF_NR_FK"] = new_fine
                    changed["CF_NR"] = changed["CF_NR"].replace(
                        f"罚款人民币{fine}元", f"罚款人民币{new_fine}元"
                    )
                    entry = ("CF_NR_FK", "changed", "correction")
                else:
                    changed["CF_NR"] = changed["CF_NR"] + "，并责令限期改正"
                    entry = ("CF_NR", "changed", "correction")
                out = encoder.encode(changed)
            else:
                out = list(cells)
                entry = (None, "unchanged", "duplicate")
            new_row = sink.write(out)
            summary.rows += 1
            field, expected, rule = entry
            self.truth.add(source, summary, new_row, case, field, expected, rule, original=where)
        sink.close()
        if book is not None:
            book.close()

    def finish(self) -> None:
        self.truth.close()
        for book in self.workbooks.values():
            book.close()

    def abandon(self) -> None:
        """Close whatever is open after a failure (the output is incomplete anyway)."""
        closers = [f.sink.close for f in self._open.values()]
        closers += [self.truth.close, *(b.close for b in self.workbooks.values())]
        for close in closers:
            with contextlib.suppress(Exception):
                close()


def _write_subjects(path: Path, world: World) -> None:
    geo = world.geography
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "uscc",
                "name",
                "subject_type",
                "province",
                "city",
                "division",
                "org_code",
                "business_reg_no",
                "legacy_only",
                "in_legacy_map",
            ]
        )
        for i in range(world.n):
            county = geo.counties[world.county[i]]
            city = geo.cities[county.city]
            flags = world.flags[i]
            w.writerow(
                [
                    world.usccs[i],
                    world.names[i],
                    SUBJECT_TYPES[world.stype[i]],
                    city.province,
                    city.code,
                    county.code,
                    world.org_code(i),
                    world.business_nos[i],
                    "true" if flags & LEGACY_ONLY else "false",
                    "true" if flags & (REG_ORG_CODE | REG_BUSINESS_NO) else "false",
                ]
            )


def _write_institutions(path: Path, world: World) -> None:
    geo = world.geography
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["role", "key", "level", "uscc", "name", "province", "city", "division", "domain"]
        )
        for inst in world.institutions.items:
            city = geo.cities[inst.city].code if inst.city >= 0 else ""
            w.writerow(
                [
                    inst.role,
                    inst.key,
                    inst.level,
                    inst.uscc,
                    inst.name,
                    inst.province,
                    city,
                    inst.division,
                    inst.domain,
                ]
            )


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise GenerateError(f"{out} 不是文件夹", f"{out} is not a folder")
    for name in (*SOURCES, TRUTH):
        folder = out / name
        if folder.is_dir():
            shutil.rmtree(folder)
        elif folder.exists():
            folder.unlink()
        folder.mkdir(parents=True)


def generate(
    out: Path,
    options: GenerateOptions | None = None,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Build the synthetic world described by ``options`` and write it under ``out``.

    ``out/<source>/`` gets each provincial platform's files in its own format, ``out/truth/`` the
    ground truth. The five sub-folders are replaced if they exist; nothing else in ``out`` is
    touched. ``progress(label, done, total)`` is called now and then (labels: ``world``, the record
    kind codes, ``workbook``, ``truth``). Same options, same bytes.
    """
    options = options or GenerateOptions()
    options.check()
    started = time.perf_counter()
    out = Path(out)
    standard = get_standard()
    mappings = {code: load_mapping(code, standard) for code in SOURCES}
    geography = build_geography(standard)
    for code, m in mappings.items():
        if m.province not in geography.provinces:
            raise GenerateError(
                f"来源 {code} 的映射没有写明本省代码",
                f"the mapping of source {code} names no province",
            )
    _prepare(out)
    n = options.subjects
    world = build_world(
        geography,
        n,
        options.seed,
        options.as_of,
        None if progress is None else (lambda done, total: progress("world", done, total)),
    )
    run = _Run(out, options, standard, world, mappings, progress)
    step = max(1, n // 100)
    kinds = [
        k
        for k in KIND_ORDER
        if k in standard.record_kinds
        and all(any(item.kind == k for item in m.kinds) for m in mappings.values())
    ]
    try:
        for kind in kinds:
            run.kind_pass(kind, step)
        run.finish()
    except BaseException:
        run.abandon()
        raise
    if progress is not None:
        progress("truth", 0, 1)
    truth = out / TRUTH
    _write_subjects(truth / "subjects.csv", world)
    _write_institutions(truth / "institutions.csv", world)
    flags = world.flags
    by_type = {name: 0 for name in SUBJECT_TYPES}
    for t in world.stype:
        by_type[SUBJECT_TYPES[t]] += 1
    by_province = {m.province or code: 0 for code, m in mappings.items()}
    for i in range(n):
        by_province[world.province(i)] += 1
    summary = GenerationSummary(
        seed=options.seed,
        as_of=options.as_of,
        defects_enabled=options.defects,
        subjects=n,
        subjects_by_type=by_type,
        subjects_by_province={
            mappings[run.province_source[p]].code: count for p, count in by_province.items()
        },
        persons=len(world.persons),
        natural_person_parties=len(world.party_persons),
        institutions=len(world.institutions.items),
        legacy={
            "old": sum(1 for x in flags if x & OLD),
            "in_legacy_map": sum(1 for x in flags if x & (REG_ORG_CODE | REG_BUSINESS_NO)),
            "legacy_only": sum(1 for x in flags if x & LEGACY_ONLY),
            "unmapped": sum(1 for x in flags if x & UNMAPPED),
        },
        sources=run.summaries,
        defects=dict(run.truth.counts),
    )
    (truth / "summary.json").write_text(
        json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if progress is not None:
        progress("truth", 1, 1)
    summary.elapsed_seconds = time.perf_counter() - started
    return summary
