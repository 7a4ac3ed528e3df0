"""Reading a legacy-code map file (旧码映射表): CSV rows of a legacy code and the USCC it became.

Every row is checked with the identifier modules before anything is stored: the legacy code must be
a valid organisation code (GB 11714) or 15-digit registration number (GS15), the USCC a valid
GB 32100 code, and an organisation code must equal the USCC's positions 9–17 (the standard builds
the USCC from it). A file with any bad row is refused whole, with every problem named by file,
row and field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credit_yrd.errors import CreditYrdError
from credit_yrd.ids import business_reg_no, org_code, uscc
from credit_yrd.ids.errors import InvalidIdentifier

HEADERS = {
    "legacy_code": ("legacy_code", "旧代码", "原代码"),
    "uscc": ("uscc", "统一社会信用代码"),
    "legacy_kind": ("legacy_kind", "旧代码类型"),
    "source": ("source", "来源"),
}
MAX_FIELD_CHARS = 256
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int
    field: str
    rule_zh: str
    rule_en: str

    def __str__(self) -> str:
        return f"{self.file} 第 {self.row} 行 {self.field}: {self.rule_zh} ({self.rule_en})"


class MapFileError(CreditYrdError):
    """The file was refused; ``problems`` lists every row problem found."""

    def __init__(self, file: str, problems: list[RowProblem], zh: str = "", en: str = "") -> None:
        self.file = file
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail_zh = f"；另有 {more} 处" if more > 0 else ""
        tail_en = f"; {more} more" if more > 0 else ""
        super().__init__(
            zh or f"映射文件 {file} 有 {len(problems)} 处问题，未导入：{shown}{tail_zh}",
            en
            or f"map file {file} has {len(problems)} problems, nothing imported: {shown}{tail_en}",
        )


def _decode(raw: bytes, file: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MapFileError(
        file, [], f"{file} 既不是 UTF-8 也不是 GBK 编码", f"{file} is neither UTF-8 nor GBK text"
    )


def _columns(header: list[str], file: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        for key, names in HEADERS.items():
            if name.strip() in names:
                found[key] = index
    missing = [key for key in ("legacy_code", "uscc") if key not in found]
    if missing:
        raise MapFileError(
            file,
            [],
            f"{file} 缺少列 {', '.join(missing)}（表头须含 legacy_code 与 uscc）",
            f"{file} lacks column(s) {', '.join(missing)} (header needs legacy_code and uscc)",
        )
    return found


def _kind_of(values: dict[str, str]) -> str:
    """The declared legacy kind, or the one the code's length implies (9 → organisation code)."""
    declared = values.get("legacy_kind")
    if declared:
        return declared
    return (
        "org_code"
        if len(org_code.compact(values.get("legacy_code", ""))) == 9
        else ("business_reg_no")
    )


def _check_row(values: dict[str, str], file: str, row: int) -> list[RowProblem]:
    problems: list[RowProblem] = []
    legacy, code = values.get("legacy_code", ""), values.get("uscc", "")
    kind = _kind_of(values)
    module = {"org_code": org_code, "business_reg_no": business_reg_no}.get(kind)
    if module is None:
        problems.append(
            RowProblem(
                file,
                row,
                "legacy_kind",
                f"未知的旧代码类型 {kind!r}",
                f"unknown legacy kind {kind!r}",
            )
        )
        return problems
    try:
        module.validate(legacy)
    except InvalidIdentifier as exc:
        problems.append(RowProblem(file, row, "legacy_code", exc.message_zh, exc.message_en))
    try:
        uscc.validate(code)
    except InvalidIdentifier as exc:
        problems.append(RowProblem(file, row, "uscc", exc.message_zh, exc.message_en))
    if not problems and kind == "org_code" and uscc.compact(code)[8:17] != org_code.compact(legacy):
        problems.append(
            RowProblem(
                file,
                row,
                "uscc",
                "统一社会信用代码第9–17位与组织机构代码不一致",
                "positions 9–17 of the USCC differ from the organisation code",
            )
        )
    return problems


def read_map_file(path: Path) -> list[dict[str, Any]]:
    """The rows of a map file, compacted and checked; raises :class:`MapFileError` on any problem."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MapFileError(
            file, [], f"无法读取 {file}：{exc.strerror}", f"cannot read {file}: {exc.strerror}"
        ) from None
    reader = csv.reader(io.StringIO(_decode(raw, file), newline=""))
    header = next(reader, None)
    if not header:
        raise MapFileError(file, [], f"{file} 是空文件", f"{file} is empty")
    columns = _columns(header, file)
    rows: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    for row_no, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            key: (cells[index].strip() if index < len(cells) else "")
            for key, index in columns.items()
        }
        long = [key for key, value in values.items() if len(value) > MAX_FIELD_CHARS]
        if long:
            problems += [
                RowProblem(
                    file,
                    row_no,
                    key,
                    f"超过 {MAX_FIELD_CHARS} 字符",
                    f"over {MAX_FIELD_CHARS} characters",
                )
                for key in long
            ]
            continue
        row_problems = _check_row(values, file, row_no)
        if row_problems:
            problems += row_problems
            continue
        kind = _kind_of(values)
        module = org_code if kind == "org_code" else business_reg_no
        rows.append(
            {
                "legacy_code": module.compact(values["legacy_code"]),
                "legacy_kind": kind,
                "uscc": uscc.compact(values["uscc"]),
                "source": values.get("source") or None,
            }
        )
    if problems:
        raise MapFileError(file, problems)
    return rows
