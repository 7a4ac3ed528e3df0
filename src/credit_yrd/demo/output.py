"""Writing records the way each provincial platform publishes them.

:class:`Encoder` turns a record (canonical values keyed by field code) into the cells of one
source's file: its column names, code values, date format and amount unit, all taken from the
source's mapping file. Sinks write the cells as CSV (``csv`` module, default dialect), JSON Lines
(one object per line, only non-empty fields) or a sheet of an XLSX workbook (openpyxl write-only).
Every sink reports the row number a user sees: CSV and XLSX count the header as row 1, JSON Lines
count lines from 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from credit_yrd.demo.options import GenerateError
from credit_yrd.ingest.mapping import SourceMapping
from credit_yrd.standards.models import FieldDef, RecordKind, Standard

Cells = list[str]
_DATE_TOKENS = re.compile(r"%[A-Za-z]")


def money_text(yuan: int, unit: str) -> str:
    """An amount held in yuan, written in the source's unit (万元 or 元) as plain decimal text."""
    if unit == "元":
        return str(yuan)
    whole, rest = divmod(yuan, 10_000)
    return f"{whole}.{rest:04d}".rstrip("0") if rest else str(whole)


def format_date_parts(fmt: str, year: int, month: int, day: int) -> str:
    """A date written in ``fmt`` from its parts, whether or not they make a real date (for the
    impossible-date defect)."""
    return (
        fmt.replace("%Y", f"{year:04d}").replace("%m", f"{month:02d}").replace("%d", f"{day:02d}")
    )


class Encoder:
    """Record → cells for one source and one record kind."""

    def __init__(self, mapping: SourceMapping, kind: RecordKind, standard: Standard) -> None:
        header_for = mapping.header_for(kind.code)
        self.kind = kind
        self.fields: list[FieldDef] = [f for f in kind.fields if f.code in header_for]
        self.header = [header_for[f.code] for f in self.fields]
        self.index = {f.code: k for k, f in enumerate(self.fields)}
        self.date_format = mapping.date_format
        if set(_DATE_TOKENS.findall(self.date_format)) - {"%Y", "%m", "%d"}:
            raise GenerateError(
                f"来源 {mapping.code} 的日期格式 {self.date_format} 只能使用 %Y %m %d",
                f"the date format {self.date_format} of source {mapping.code} may only use "
                "%Y %m %d",
            )
        self._dates: dict[dt.date, str] = {}
        unit = mapping.amount_unit
        plan: list[tuple[str, Callable[[Any], str] | None]] = []
        self.code_tables: dict[str, dict[str, str]] = {}
        for f in self.fields:
            fn: Callable[[Any], str] | None = None
            if f.type == "date":
                fn = self.date
            elif f.type == "decimal" and f.unit == "万元":
                fn = lambda yuan, unit=unit: money_text(yuan, unit)  # noqa: E731
            elif f.type == "code" and f.code_list:
                table = {
                    e.code: mapping.encode_value(f.code_list, e.code)
                    for e in standard.code_lists[f.code_list].entries
                }
                self.code_tables[f.code] = table
                if f.multiple:
                    fn = lambda codes, t=table: ";".join(t[c] for c in codes)  # noqa: E731
                else:
                    fn = table.__getitem__
            plan.append((f.code, fn))
        self._plan = plan

    def date(self, day: dt.date) -> str:
        text = self._dates.get(day)
        if text is None:
            text = format_date_parts(self.date_format, day.year, day.month, day.day)
            self._dates[day] = text
        return text

    def encode(self, values: dict[str, Any]) -> Cells:
        cells: Cells = []
        append = cells.append
        for code, fn in self._plan:
            value = values.get(code)
            if value is None:
                append("")
            elif fn is None:
                append(value)
            else:
                append(fn(value))
        return cells

    def code_value(self, field: str, code: str) -> str:
        return self.code_tables[field][code]


class Sink(Protocol):
    file: str
    sheet: str | None

    def write(self, cells: Cells) -> int: ...

    def close(self) -> None: ...


class CsvSink:
    def __init__(self, path: Path, encoding: str, header: list[str]) -> None:
        self.file = path.name
        self.sheet: str | None = None
        self._f = path.open("w", encoding=encoding, newline="")
        self._w = csv.writer(self._f)
        self._w.writerow(header)
        self.row = 1

    def write(self, cells: Cells) -> int:
        self._w.writerow(cells)
        self.row += 1
        return self.row

    def close(self) -> None:
        self._f.close()


# Characters that some JSON Lines readers take as line breaks; json.dumps leaves them raw.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class JsonlSink:
    def __init__(self, path: Path, encoding: str, header: list[str]) -> None:
        self.file = path.name
        self.sheet: str | None = None
        self._f = path.open("w", encoding=encoding, newline="\n")
        self._keys = header
        self.row = 0

    def write(self, cells: Cells) -> int:
        obj = {k: v for k, v in zip(self._keys, cells, strict=True) if v != ""}
        text = json.dumps(obj, ensure_ascii=False)
        if any(ch in text for ch in _LINE_BREAKS):
            for raw, escaped in _LINE_BREAKS.items():
                text = text.replace(raw, escaped)
        self._f.write(text + "\n")
        self.row += 1
        return self.row

    def close(self) -> None:
        self._f.close()


class XlsxBook:
    """A workbook written as a stream: one sheet at a time, straight into the zip archive.

    Sheets hold inline strings (as openpyxl's write-only mode writes them); every row has every
    cell, empty ones included, so readers size rows without a sheet dimension. Fixed timestamps
    make the bytes depend on the content only. (openpyxl's own writer builds each cell through
    a pure-Python XML tree, some 100 µs a cell without lxml: too slow for a million subjects.)
    """

    def __init__(self, path: Path, as_of: dt.date) -> None:
        self.path = path
        self.file = path.name
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self._stamp = f"{as_of.isoformat()}T00:00:00Z"
        self.sheets: list[str] = []
        self._open: XlsxSheetSink | None = None

    def _entry(self, name: str) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        return entry

    def add_sheet(self, title: str, header: list[str]) -> XlsxSheetSink:
        if self._open is not None:
            self._open.close()
        self.sheets.append(title)
        part = f"xl/worksheets/sheet{len(self.sheets)}.xml"
        stream = self._zip.open(self._entry(part), "w", force_zip64=True)
        self._open = XlsxSheetSink(self, stream, title, header)
        return self._open

    def _sheet_closed(self, sink: XlsxSheetSink) -> None:
        if self._open is sink:
            self._open = None

    def close(self) -> None:
        if self._zip.fp is None:
            return  # closed already
        if self._open is not None:
            self._open.close()
        sheets = "".join(
            f'<sheet name="{_xml_escape(title)}" sheetId="{k}" r:id="rId{k}"/>'
            for k, title in enumerate(self.sheets, start=1)
        )
        n = len(self.sheets)
        rels = "".join(
            f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
            for k in range(1, n + 1)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{_CT}.worksheet+xml"/>'
            for k in range(1, n + 1)
        )
        parts = {
            "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f"<sheets>{sheets}</sheets></workbook>",
            "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>',
            "xl/styles.xml": _STYLES,
            "docProps/core.xml": _CORE.format(stamp=self._stamp),
            "docProps/app.xml": _APP,
            "_rels/.rels": _ROOT_RELS,
            "[Content_Types].xml": _CONTENT_TYPES.format(overrides=overrides),
        }
        for name, xml in parts.items():
            self._zip.writestr(self._entry(name), _XML_DECL + xml)
        self._zip.close()


class XlsxSheetSink:
    """One sheet of an :class:`XlsxBook`; the header is row 1."""

    FLUSH = 512

    def __init__(self, book: XlsxBook, stream: Any, sheet: str, header: list[str]) -> None:
        self.file = book.file
        self.sheet: str | None = sheet
        self._book = book
        self._stream = stream
        self._columns = [_column_letter(k) for k in range(len(header))]
        self._last = len(header) - 1
        self._buffer: list[str] = [_XML_DECL, f'<worksheet xmlns="{_MAIN}"><sheetData>']
        self.row = 0
        self._closed = False
        self.write(header)

    def write(self, cells: Cells) -> int:
        self.row += 1
        r = self.row
        out = [f'<row r="{r}">']
        last = self._last
        for k, value in enumerate(cells):
            column = self._columns[k]
            if value == "":
                # empty cells are left out, except the last one: readers then see full rows
                if k == last:
                    out.append(f'<c r="{column}{r}" t="inlineStr"/>')
            else:
                text = _xml_escape(value)
                space = ' xml:space="preserve"' if value != value.strip() else ""
                out.append(f'<c r="{column}{r}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        out.append("</row>")
        self._buffer.append("".join(out))
        if len(self._buffer) >= self.FLUSH:
            self._flush()
        return r

    def _flush(self) -> None:
        self._stream.write("".join(self._buffer).encode("utf-8"))
        self._buffer = []

    def close(self) -> None:
        if self._closed:
            return
        self._buffer.append("</sheetData></worksheet>")
        self._flush()
        self._stream.close()
        self._closed = True
        self._book._sheet_closed(self)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>credit-yrd</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
    "</cp:coreProperties>"
)
_APP = (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>credit-yrd</Application></Properties>"
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
    'metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    "{overrides}"
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)


def file_name(mapping: SourceMapping, kind: str, label: str) -> str:
    """A file name for ``kind`` that the mapping's first pattern matches: ``2026-10_行政处罚.csv``
    (pattern ``*行政处罚*.csv``), ``cf_2026-10.csv`` (``cf_*.csv``), ``penalty_2026-10.jsonl``
    (``penalty*.jsonl``)."""
    item = mapping.kind_mapping(kind)
    for pattern in item.files:
        parts = pattern.split("*")
        if len(parts) == 3 and parts[0] == "":
            name = f"{label}_{parts[1]}{parts[2]}"
        elif len(parts) == 2:
            stem, ext = parts
            name = f"{stem}{label}{ext}" if stem.endswith(("_", "-")) else f"{stem}_{label}{ext}"
        else:
            continue
        if "?" in name or "[" in name:
            continue
        if mapping.kind_for_file(name) == kind:
            return name
    raise GenerateError(
        f"无法为来源 {mapping.code} 的信息类别 {kind} 生成匹配其文件名模式的文件名",
        f"cannot make a file name for kind {kind} of source {mapping.code} that its patterns match",
    )
