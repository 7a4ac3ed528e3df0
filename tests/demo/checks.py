"""Independent checks of a generated world: read every file back the way its mapping describes it
and test every row against the standard (identifiers, code lists, dates, required fields), and
test every ground-truth entry against the row it names."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from credit_yrd.ids import business_reg_no, org_code, resident_id, uscc
from credit_yrd.ingest.mapping import SourceMapping, load_mapping
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import RecordKind, Standard
from credit_yrd.standards.values import missing_fields

SOURCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
#: Date fields whose value may lie after "today" (ends of validity or listing periods).
FUTURE_OK = {"XK_YXQZI", "CF_YXQ", "CF_GSJZQ", "YZ_YXQZ", "HM_YXQZ", "CN_YXQZ"}
IDENTIFIER_CHECKS = {
    "uscc": uscc.validate,
    "org_code": org_code.validate,
    "business_reg_no": business_reg_no.validate,
    "person_document_no": resident_id.validate,
}


@dataclass
class Row:
    source: str
    file: str
    sheet: str | None
    row: int
    kind: str
    raw: dict[str, str]  # field code → text as written ("" when empty)
    cells: tuple[str, ...]  # the row's cells in file order (JSON Lines: the raw line)


@dataclass
class World:
    root: Path
    standard: Standard = field(default_factory=get_standard)
    _mappings: dict[str, SourceMapping] = field(default_factory=dict)

    def mapping(self, source: str) -> SourceMapping:
        if source not in self._mappings:
            self._mappings[source] = load_mapping(source, self.standard)
        return self._mappings[source]

    def truth(self) -> list[dict[str, Any]]:
        path = self.root / "truth" / "defects.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def summary(self) -> dict[str, Any]:
        return json.loads((self.root / "truth" / "summary.json").read_text(encoding="utf-8"))

    def subjects(self) -> list[dict[str, str]]:
        with (self.root / "truth" / "subjects.csv").open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    def files(self, source: str) -> list[Path]:
        return sorted(p for p in (self.root / source).iterdir() if p.is_file())

    def rows(self, source: str) -> Iterator[Row]:
        m = self.mapping(source)
        for path in self.files(source):
            if m.format == "xlsx":
                wb = load_workbook(path, read_only=True)
                try:
                    for ws in wb.worksheets:
                        kind = m.kind_for_sheet(ws.title)
                        assert kind is not None, (path.name, ws.title)
                        columns = m.column_map(kind)
                        it = ws.iter_rows(values_only=True)
                        header = [str(h) for h in next(it)]
                        for number, values in enumerate(it, start=2):
                            cells = tuple("" if v is None else str(v) for v in values)
                            cells += ("",) * (len(header) - len(cells))
                            raw = {columns[h]: c for h, c in zip(header, cells, strict=True)}
                            yield Row(source, path.name, ws.title, number, kind, raw, cells)
                finally:
                    wb.close()
                continue
            kind = m.kind_for_file(path.name)
            assert kind is not None, path.name
            columns = m.column_map(kind)
            if m.format == "csv":
                with path.open(encoding=m.encoding, newline="") as f:
                    reader = csv.reader(f)
                    header = next(reader)
                    for number, values in enumerate(reader, start=2):
                        raw = {columns[h]: c for h, c in zip(header, values, strict=True)}
                        yield Row(source, path.name, None, number, kind, raw, tuple(values))
            else:
                with path.open(encoding=m.encoding) as f:
                    for number, line in enumerate(f, start=1):
                        obj = json.loads(line)
                        raw = {columns[k]: v for k, v in obj.items()}
                        yield Row(source, path.name, None, number, kind, raw, (line,))


def decode(world: World, m: SourceMapping, kind: RecordKind, raw: dict[str, str]) -> dict[str, str]:
    """Field code → value with code fields turned into canonical codes (``;``-joined)."""
    record: dict[str, str] = {}
    for code, text in raw.items():
        if text == "":
            continue
        f = kind.field(code)
        if f.type == "code" and f.code_list:
            code_list = world.standard.code_lists[f.code_list]
            items = text.split(";") if f.multiple else [text]
            record[code] = ";".join(
                code_list.normalise(m.decode_value(f.code_list, item)) for item in items
            )
        else:
            record[code] = text
    return record


def row_problems(world: World, row: Row, as_of: dt.date) -> list[str]:
    """Everything about a row that the standard does not allow (empty list: a clean row)."""
    m = world.mapping(row.source)
    kind = world.standard.record_kinds[row.kind]
    problems: list[str] = []
    try:
        record = decode(world, m, kind, row.raw)
    except UnknownCodeError as exc:
        return [f"code: {exc}"]
    missing = missing_fields(record, kind, world.standard.code_lists)
    if missing:
        problems.append(f"missing: {missing}")
    for code, text in record.items():
        f = kind.field(code)
        if f.max_length is not None and len(text) > f.max_length:
            problems.append(f"{code} longer than {f.max_length}")
        if "\n" in text or "\r" in text:
            problems.append(f"{code} has a line break")
        if f.type == "date":
            try:
                day = dt.datetime.strptime(text, m.date_format).date()
            except ValueError:
                problems.append(f"{code} {text!r} is not a date in {m.date_format}")
                continue
            if day > as_of and code not in FUTURE_OK and day != f.long_term_value:
                problems.append(f"{code} {day} after {as_of}")
        elif f.type == "decimal":
            try:
                number = Decimal(text)
            except InvalidOperation:
                problems.append(f"{code} {text!r} is not a number")
                continue
            if number < 0 or "E" in text.upper():
                problems.append(f"{code} {text!r} negative or not plain")
        elif f.type == "identifier" and f.identifier_kind in IDENTIFIER_CHECKS:
            try:
                IDENTIFIER_CHECKS[f.identifier_kind](text)
            except Exception as exc:
                problems.append(f"{code} {text!r}: {exc}")
    return problems


def _plain_name(name: str) -> str:
    name = name.replace(" ", "").replace("(", "（").replace(")", "）")
    return name.replace("有限责任公司", "有限公司")


def truth_problems(world: World) -> list[str]:
    """Every ground-truth entry whose row does not show what the entry says."""
    rows: dict[tuple[str, str, str | None, int], Row] = {}
    for source in SOURCES:
        for row in world.rows(source):
            rows[(source, row.file, row.sheet, row.row)] = row
    subjects = {s["uscc"]: s for s in world.subjects()}
    problems: list[str] = []
    for entry in world.truth():
        key = (entry["source"], entry["file"], entry["sheet"], entry["row"])
        row = rows.get(key)
        if row is None:
            problems.append(f"no row {key}")
            continue
        if row.kind != entry["kind"]:
            problems.append(f"{key}: kind {row.kind} != {entry['kind']}")
        m = world.mapping(row.source)
        kind = world.standard.record_kinds[row.kind]
        value = row.raw.get(entry["field"], "") if entry["field"] else ""
        defect = entry["defect"]
        ok = True
        if defect == "bad_check_character":
            ok = (
                len(value) == 18
                and uscc.calc_check_character(value[:17]) != value[17]
                and not uscc.is_valid(value)
                and entry["expected"] == "rejected"
            )
        elif defect == "impossible_date":
            try:
                dt.datetime.strptime(value, m.date_format)
                ok = False
            except ValueError:
                ok = value != "" and value.replace("-", "").replace("/", "").isdigit()
        elif defect == "missing_required":
            ok = value == "" and kind.field(entry["field"]).required
        elif defect == "name_variant":
            name = subjects[entry["subject"]]["name"]
            ok = value != name and _plain_name(value) == _plain_name(name)
        elif defect == "duplicate_row":
            original = rows[(entry["source"], entry["file"], entry["sheet"], entry["duplicate_of"])]
            ok = original.cells == row.cells and original.row < row.row
        elif defect in ("withdrawal", "correction", "resend_duplicate"):
            o = entry["original"]
            original = rows[(entry["source"], o["file"], o["sheet"], o["row"])]
            differ = {c for c in row.raw if row.raw[c] != original.raw.get(c, "")}
            same_key = all(row.raw[c] == original.raw[c] for c in kind.key_fields)
            if defect == "resend_duplicate":
                ok = not differ and entry["expected"] == "unchanged"
            elif defect == "withdrawal":
                status = decode(world, m, kind, row.raw)["CF_GSZT"]
                ok = differ == {"CF_GSZT"} and status == "撤销" and same_key
            else:
                ok = entry["field"] in differ and same_key and "CF_GSZT" not in differ
            ok = ok and (o["file"], o["sheet"]) != (entry["file"], entry["sheet"])
        elif defect in ("legacy_only", "unmapped_legacy_code"):
            subject = subjects[entry["subject"]]
            party_uscc = {"license": "XK_XDR_SHXYM", "penalty": "CF_XDR_SHXYM"}[row.kind]
            ok = (
                value == subject["business_reg_no"]
                and row.raw.get(party_uscc, "") == ""
                and subject["legacy_only"] == "true"
                and (subject["in_legacy_map"] == "true") == (defect == "legacy_only")
            )
        elif defect == "operator_id_only":
            party_uscc = {"license": "XK_XDR_SHXYM", "penalty": "CF_XDR_SHXYM"}[row.kind]
            ok = resident_id.is_valid(value) and row.raw.get(party_uscc, "") == ""
        else:
            ok = False
        if not ok:
            problems.append(f"{key}: {defect} {entry['field']} not as stated ({value!r})")
    return problems
