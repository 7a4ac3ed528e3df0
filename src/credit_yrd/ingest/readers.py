"""Streaming readers for the formats sources send: CSV, XLSX workbooks and JSON Lines.

A reader turns one input file into *parts* (a CSV or JSON Lines file is one part; a workbook has
one part per sheet), and each part into :class:`RawRow` objects one at a time, so memory stays
bounded whatever the file size. A row keeps exactly what came in (``raw``: the original text of a
CSV record or JSON line, the cell values of a sheet row) for the quarantine.

Problems that spoil a single row (a line that is not valid in the file's encoding, a wrong number of
cells, a formula cell, an oversized cell, a JSON line that is not an object) are attached to the row
as :class:`RowProblem`; the pipeline rejects such rows with those reasons. Problems that spoil the
whole file (not a workbook, no header row, an undecodable header) raise
:class:`~credit_yrd.ingest.errors.InputFileError`.

Row numbers are the ones a user sees: in CSV and workbooks the header is row 1 and data starts at
row 2 (a CSV record spanning several lines is numbered by its first line); in JSON Lines, the line
number.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from credit_yrd.ingest.errors import InputFileError
from credit_yrd.ingest.mapping import SourceMapping

#: Longest cell text accepted (characters); longer cells reject their row.
MAX_CELL_CHARS = 65_536
#: Longest physical line read into memory (bytes); longer lines reject their row unread.
MAX_LINE_BYTES = 8 * 1024 * 1024
csv.field_size_limit(MAX_LINE_BYTES)

#: Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowProblem:
    """Why a row cannot be taken: the field (or column) concerned, the rule, and the message."""

    field: str | None
    rule: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "rule": self.rule,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass
class RawRow:
    """One input row: where it is, its cells by column name, and what exactly came in."""

    row: int
    values: dict[str, str]
    raw: Any
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class Part:
    """A readable unit of a file: the whole CSV or JSON Lines file, or one sheet of a workbook."""

    file: str
    sheet: str | None
    kind: str | None
    header: list[str]
    rows: Iterator[RawRow]


def looks_like_formula(text: str) -> bool:
    """Whether a cell would run as a formula when the data is opened in a spreadsheet.

    A leading ``-`` or ``+`` followed by a plain number (``-5``, ``+3.2``) is a number, not a
    formula; everything else starting with ``= + - @`` or a tab/CR is treated as a formula.
    """
    if not text or not text.startswith(FORMULA_PREFIXES):
        return False
    if text[0] in "+-":
        rest = text[1:].replace(",", "")
        try:
            float(rest)
            return False
        except ValueError:
            return len(rest.strip()) > 0 and not rest.strip().isdigit()
    return True


_SURROGATE = re.compile("[\ud800-\udfff]")
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)


def cell_problems(column: str, text: str, *, decoded: bool = True) -> list[RowProblem]:
    """Problems of one cell. ``decoded``: the text came from bytes decoded line by line, which
    already refused NUL characters and cannot hold lone surrogates (JSON escapes can)."""
    if len(text) <= MAX_CELL_CHARS and (not text or text[0] not in _FORMULA_FIRST) and decoded:
        return []  # the common case
    problems: list[RowProblem] = []
    if not decoded and "\x00" in text:
        problems.append(
            RowProblem(column, "binary", "单元格含有空字符", "the cell contains a NUL character")
        )
    if not decoded and _SURROGATE.search(text):
        problems.append(
            RowProblem(
                column,
                "encoding",
                "单元格含有不成对的代理字符（无效的 Unicode）",
                "the cell contains a lone surrogate (invalid Unicode)",
            )
        )
    if len(text) > MAX_CELL_CHARS:
        problems.append(
            RowProblem(
                column,
                "cell_too_long",
                f"单元格过长（{len(text)} 个字符，上限 {MAX_CELL_CHARS}）",
                f"cell too long ({len(text)} characters, limit {MAX_CELL_CHARS})",
            )
        )
    elif looks_like_formula(text):
        problems.append(
            RowProblem(
                column,
                "formula",
                "单元格是电子表格公式，拒收以防公式注入",
                "the cell is a spreadsheet formula; refused to prevent formula injection",
            )
        )
    return problems


# --------------------------------------------------------------------------------------------------
# opening


def open_parts(path: Path, mapping: SourceMapping, display_name: str | None = None) -> list[Part]:
    """The parts of one input file, in the mapping's format; raises InputFileError."""
    name = display_name or path.name
    if not path.is_file():
        raise InputFileError(
            name, "文件不存在或不是普通文件", "no such file, or not a regular file"
        )
    if mapping.format == "xlsx":
        return _xlsx_parts(path, name, mapping)
    kind = mapping.kind_for_file(name)
    if mapping.format == "jsonl":
        return [Part(name, None, kind, [], _jsonl_rows(path, name, mapping.encoding))]
    header, rows = _csv_rows(path, name, mapping.encoding)
    return [Part(name, None, kind, header, rows)]


# --------------------------------------------------------------------------------------------------
# line reading shared by CSV and JSON Lines


@dataclass
class _Line:
    number: int  # 1-based physical line number
    text: str | None  # None when it could not be decoded or was too long
    raw: bytes
    problem: RowProblem | None = None

    @property
    def ended(self) -> bool:
        """Whether the line has its line end (the last line of a cut-off file has none)."""
        return self.raw.endswith(b"\n") or self.raw.endswith(b"\r")


def _lines(stream: BinaryIO, file: str, encoding: str) -> Iterator[_Line]:
    """Physical lines, decoded one by one, never longer than MAX_LINE_BYTES in memory."""
    number = 0
    first = True
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            # Skip the rest of this overlong line without keeping it.
            while True:
                more = stream.readline(MAX_LINE_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            yield _Line(
                number,
                None,
                chunk[:200],
                RowProblem(
                    None,
                    "line_too_long",
                    f"第 {number} 行超过 {MAX_LINE_BYTES // (1024 * 1024)} MiB，未读取",
                    f"line {number} is longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB; not read",
                ),
            )
            continue
        if (
            first
            and chunk.startswith(codecs.BOM_UTF8)
            and encoding.lower().replace("-", "")
            in (
                "utf8",
                "utf8sig",
            )
        ):
            chunk = chunk[len(codecs.BOM_UTF8) :]
        first = False
        try:
            text = chunk.decode(encoding)
        except UnicodeDecodeError as exc:
            yield _Line(
                number,
                None,
                chunk,
                RowProblem(
                    None,
                    "encoding",
                    f"第 {number} 行不是 {encoding} 编码（第 {exc.start + 1} 字节）",
                    f"line {number} is not valid {encoding} (byte {exc.start + 1})",
                ),
            )
            continue
        if "\x00" in text:
            yield _Line(
                number,
                None,
                chunk,
                RowProblem(
                    None,
                    "binary",
                    f"第 {number} 行含有空字符（二进制内容）",
                    f"line {number} contains NUL characters (binary content)",
                ),
            )
            continue
        yield _Line(number, text, chunk)


def _raw_text(raw: bytes) -> str:
    """Undecodable bytes as text that keeps every byte (backslash escapes)."""
    return raw.decode("utf-8", errors="backslashreplace")


# --------------------------------------------------------------------------------------------------
# CSV


def _csv_rows(path: Path, file: str, encoding: str) -> tuple[list[str], Iterator[RawRow]]:
    stream = path.open("rb")
    lines = _lines(stream, file, encoding)
    header_line = next(lines, None)
    if header_line is None:
        stream.close()
        raise InputFileError(file, "文件为空，没有表头行", "the file is empty: no header row")
    if header_line.text is None:
        stream.close()
        assert header_line.problem is not None
        raise InputFileError(
            file,
            f"无法读取表头：{header_line.problem.message_zh}；请检查文件编码（映射文件要求 {encoding}）",
            f"cannot read the header: {header_line.problem.message_en}; check the file's encoding "
            f"(the mapping says {encoding})",
        )
    try:
        header = next(csv.reader([header_line.text]))
    except (csv.Error, StopIteration):
        stream.close()
        raise InputFileError(
            file, "表头行不是合法的 CSV", "the header row is not valid CSV"
        ) from None
    header = [column.strip() for column in header]
    if not any(header):
        stream.close()
        raise InputFileError(file, "表头行为空", "the header row is empty")
    return header, _csv_records(stream, lines, header)


def _csv_records(stream: BinaryIO, lines: Iterator[_Line], header: list[str]) -> Iterator[RawRow]:
    try:
        pending: list[_Line] = []
        for line in lines:
            if line.text is None:
                if pending:
                    yield _unterminated(pending)
                    pending = []
                assert line.problem is not None
                yield RawRow(line.number, {}, _raw_text(line.raw), [line.problem])
                continue
            pending.append(line)
            text = "".join(item.text or "" for item in pending)
            if _open_quote(text) and sum(len(item.raw) for item in pending) < MAX_LINE_BYTES:
                continue  # a quoted field goes on over the next line
            first = pending[0].number
            ended = pending[-1].ended
            pending = []
            if not text.strip("\r\n"):
                continue  # blank line
            row = _csv_row(first, text, header)
            if not ended:
                # The file stops in the middle of this row: its last value may be cut short.
                row.problems.append(
                    RowProblem(
                        None,
                        "truncated",
                        f"第 {first} 行没有行尾，文件可能被截断，末行不予接收",
                        f"row {first} has no line end: the file may be truncated; the last row "
                        "is not taken",
                    )
                )
            yield row
        if pending:
            yield _unterminated(pending)
    finally:
        stream.close()


def _open_quote(text: str) -> bool:
    """Whether a CSV text ends inside a quoted field.

    A field is quoted only when its first character is ``"`` (as the csv module reads it); a quote
    inside an unquoted field (``未按规定"明码标价``) is a plain character. ``""`` inside a quoted
    field is an escaped quote.
    """
    if '"' not in text:
        return False
    state = 0  # 0 field start, 1 unquoted field, 2 quoted field, 3 quote seen in quoted field
    for char in text:
        if state == 2:
            if char == '"':
                state = 3
        elif state == 3 or state == 0:
            state = 2 if char == '"' else (0 if char in ",\r\n" else 1)
        elif char in ",\r\n":
            state = 0
    return state == 2


def _unterminated(pending: list[_Line]) -> RawRow:
    text = "".join(item.text or _raw_text(item.raw) for item in pending)
    number = pending[0].number
    return RawRow(
        number,
        {},
        text,
        [
            RowProblem(
                None,
                "csv",
                f"第 {number} 行起的引号没有闭合（文件可能被截断）",
                f"the quote opened on line {number} is never closed (is the file truncated?)",
            )
        ],
    )


def _csv_row(number: int, text: str, header: list[str]) -> RawRow:
    try:
        if '"' in text:
            cells = next(csv.reader(io.StringIO(text)), [])
        else:  # no quoting: the csv module would split exactly at the commas
            cells = text.rstrip("\r\n").split(",")
    except csv.Error as exc:
        return RawRow(
            number,
            {},
            text,
            [RowProblem(None, "csv", f"不是合法的 CSV 行：{exc}", f"not a valid CSV row: {exc}")],
        )
    raw = text.rstrip("\r\n")
    if len(cells) != len(header):
        if len(cells) > len(header) and not any(c.strip() for c in cells[len(header) :]):
            cells = cells[: len(header)]  # trailing empty cells are harmless
        else:
            return RawRow(
                number,
                {},
                raw,
                [
                    RowProblem(
                        None,
                        "cell_count",
                        f"本行有 {len(cells)} 个单元格，表头有 {len(header)} 列",
                        f"the row has {len(cells)} cells; the header has {len(header)} columns",
                    )
                ],
            )
    values: dict[str, str] = {}
    problems: list[RowProblem] = []
    for column, cell in zip(header, cells, strict=False):
        problems.extend(cell_problems(column, cell))
        values[column] = cell
    return RawRow(number, values, raw, problems)


# --------------------------------------------------------------------------------------------------
# JSON Lines


def _jsonl_rows(path: Path, file: str, encoding: str) -> Iterator[RawRow]:
    stream = path.open("rb")
    try:
        for line in _lines(stream, file, encoding):
            if line.text is None:
                assert line.problem is not None
                yield RawRow(line.number, {}, _raw_text(line.raw), [line.problem])
                continue
            text = line.text.rstrip("\r\n")
            if not text.strip():
                continue
            yield _json_row(line.number, text)
    finally:
        stream.close()


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKey(key)
        data[key] = value
    return data


def _json_row(number: int, text: str) -> RawRow:
    try:
        # Numbers keep the text they were sent as (no float rounding); a key given twice is an
        # error, not "the last one wins".
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=str,
            parse_int=str,
            parse_constant=str,
        )
    except _DuplicateKey as exc:
        return RawRow(
            number,
            {},
            text,
            [
                RowProblem(
                    exc.key,
                    "duplicate_key",
                    f"键“{exc.key}”出现了不止一次",
                    f"the key {exc.key!r} appears more than once",
                )
            ],
        )
    except (ValueError, RecursionError) as exc:
        # JSONDecodeError, numbers too long to convert, nesting too deep
        message = getattr(exc, "msg", None) or str(exc)[:120] or "not valid JSON"
        return RawRow(
            number,
            {},
            text,
            [RowProblem(None, "json", f"不是合法的 JSON：{message}", f"not valid JSON: {message}")],
        )
    if not isinstance(data, dict):
        return RawRow(
            number,
            {},
            text,
            [
                RowProblem(
                    None,
                    "json",
                    "每行应为一个 JSON 对象（键: 值）",
                    "each line must hold one JSON object (key: value)",
                )
            ],
        )
    values: dict[str, str] = {}
    problems: list[RowProblem] = []
    for key, value in data.items():
        column = str(key)
        if value is None:
            continue
        if isinstance(value, bool | dict | list):
            problems.append(
                RowProblem(
                    column,
                    "type",
                    "值应为文本或数字",
                    "the value must be text or a number",
                )
            )
            continue
        cell = str(value)  # numbers arrive as their own text (parse_float/parse_int=str)
        problems.extend(cell_problems(column, cell, decoded=False))
        values[column] = cell
    return RawRow(number, values, text, problems)


# --------------------------------------------------------------------------------------------------
# XLSX


def _xlsx_parts(path: Path, file: str, mapping: SourceMapping) -> list[Part]:
    # openpyxl's read-only mode streams rows from the sheet XML without loading the sheet.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not zipfile.is_zipfile(path):
        raise InputFileError(
            file, "不是 XLSX 工作簿（不是 ZIP 格式）", "not an XLSX workbook (not a ZIP file)"
        )
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(
            file,
            f"不是可读的 XLSX 工作簿：{type(exc).__name__}",
            f"not a readable XLSX workbook: {type(exc).__name__}",
        ) from None
    except Exception as exc:  # openpyxl raises many kinds of errors on malformed XML
        raise InputFileError(
            file,
            f"工作簿已损坏：{type(exc).__name__}",
            f"the workbook is damaged: {type(exc).__name__}",
        ) from None
    parts: list[Part] = []
    for sheet in book.worksheets:
        if not hasattr(sheet, "iter_rows"):
            continue  # a chart sheet holds no rows
        rows = sheet.iter_rows()
        try:
            header_cells = _first_nonempty(rows)
        except Exception as exc:  # damaged sheet XML or ZIP member
            raise InputFileError(
                f"{file} [{sheet.title}]",
                f"工作簿已损坏，无法读取表头（{type(exc).__name__}）",
                f"the workbook is damaged; cannot read the header ({type(exc).__name__})",
            ) from None
        kind = mapping.kind_for_sheet(sheet.title)
        if header_cells is None:
            continue  # an empty sheet holds nothing to lose
        header = ["" if c.value is None else str(c.value).strip() for c in header_cells]
        while header and not header[-1]:
            header.pop()
        header_row = header_cells[0].row if header_cells else 1
        parts.append(
            Part(
                file,
                sheet.title,
                kind,
                header,
                _sheet_rows(rows, header, int(header_row or 1), file, sheet.title),
            )
        )
    return parts


def _first_nonempty(rows: Iterator[Any]) -> Any:
    for cells in rows:
        if any(getattr(c, "value", None) not in (None, "") for c in cells):
            return cells
    return None


def _cell_text(cell: Any) -> str:
    value = cell.value
    if value is None:
        return ""
    if getattr(cell, "data_type", None) == "f" and not str(value).startswith("="):
        return f"={value}"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_rows(
    rows: Iterator[Any], header: list[str], header_row: int, file: str, sheet: str
) -> Iterator[RawRow]:
    """Rows of a sheet; a workbook found damaged while reading refuses the whole file."""
    number = header_row
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # openpyxl and zipfile raise many kinds on damaged parts
            raise InputFileError(
                f"{file} [{sheet}]",
                f"工作簿已损坏，第 {number + 1} 行附近无法读取（{type(exc).__name__}）",
                f"the workbook is damaged; unreadable near row {number + 1} ({type(exc).__name__})",
            ) from None
        number += 1
        texts = [_cell_text(c) for c in cells]
        row_number = next((c.row for c in cells if getattr(c, "row", None)), number) or number
        number = int(row_number)
        if not any(t.strip() for t in texts):
            continue
        extra = [t for t in texts[len(header) :] if t.strip()]
        values: dict[str, str] = {}
        problems: list[RowProblem] = []
        if extra:
            problems.append(
                RowProblem(
                    None,
                    "cell_count",
                    f"本行在表头以外还有 {len(extra)} 个非空单元格",
                    f"the row has {len(extra)} non-empty cells beyond the header",
                )
            )
        for column, text in zip(header, texts, strict=False):
            if not column:
                if text.strip():
                    problems.append(
                        RowProblem(
                            None,
                            "cell_count",
                            "单元格所在列没有表头",
                            "a cell lies in a column without a header",
                        )
                    )
                continue
            problems.extend(cell_problems(column, text, decoded=False))
            values[column] = text
        yield RawRow(number, values, texts, problems)
