"""Building valid parties, rows and input files for ingestion tests.

Rows are built by field code with values in the standard's form (codes, ISO dates, amounts in
万元); :func:`source_table` turns them into what a source sends (its column names, its code values,
its date format, its amount unit), and the writers put them into CSV, JSON Lines or XLSX files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from credit_yrd.ids import business_reg_no, org_code, resident_id, uscc
from credit_yrd.ingest.mapping import SourceMapping, load_mapping
from credit_yrd.ingest.normalise import decimal_text
from credit_yrd.standards.loader import get_standard

TEST_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
TODAY = dt.date(2025, 3, 14)

# --------------------------------------------------------------------------------------------
# identifiers


def make_org_code(n: int) -> str:
    """A valid 9-character organisation code (GB 11714) with the digits of ``n`` as its body."""
    body = f"{n:08d}"
    return body + org_code.calc_check_character(body)


def make_uscc(n: int, *, prefix: str = "91", division: str = "310115") -> str:
    """A valid USCC: authority+category ``prefix``, ``division``, the organisation code of n."""
    first17 = prefix + division + make_org_code(n)
    return first17 + uscc.calc_check_character(first17)


def bad_check_uscc(n: int) -> str:
    """A USCC whose 18th character is wrong (and only that)."""
    good = make_uscc(n)
    wrong = next(c for c in uscc.ALPHABET if c != good[-1])
    return good[:-1] + wrong


def make_reg_no(n: int, *, division: str = "310115") -> str:
    """A valid 15-digit business registration number."""
    first14 = division + f"{n:08d}"
    return first14 + business_reg_no.calc_check_digit(first14)


def make_resident_id(n: int, *, division: str = "310101", born: str = "19800101") -> str:
    """A valid 18-character resident ID number (sequence number from ``n``)."""
    first17 = division + born + f"{n % 1000:03d}"
    return first17 + resident_id.calc_check_character(first17)


def old_resident_id(n: int, *, division: str = "310101", born: str = "800101") -> str:
    """A valid 15-digit (pre-1999) resident ID number."""
    return division + born + f"{n % 1000:03d}"


AUTHORITY_USCC = make_uscc(7001, prefix="11", division="310000")
SOURCE_UNIT_USCC = make_uscc(7002, prefix="11", division="310000")


# --------------------------------------------------------------------------------------------
# parties


@dataclass(frozen=True)
class Party:
    """A party of a record: a legal person, a natural person or an individual business."""

    name: str
    type: str  # the standard's subject_type code
    uscc: str | None = None
    org_code: str | None = None
    reg_no: str | None = None
    id_number: str | None = None
    representative: str | None = "张三"


def legal_person(n: int, name: str | None = None, *, division: str = "310115") -> Party:
    return Party(
        name=name or f"上海测试{n}贸易有限公司",
        type="法人及非法人组织",
        uscc=make_uscc(n, division=division),
        org_code=make_org_code(n),
        reg_no=make_reg_no(n, division=division),
    )


def natural_person(n: int, name: str = "李四", *, id_number: str | None = None) -> Party:
    return Party(
        name=name,
        type="自然人",
        id_number=id_number or make_resident_id(n),
        representative=None,
    )


def individual_business(
    n: int,
    name: str | None = None,
    *,
    with_uscc: bool = False,
    with_reg_no: bool = False,
    with_id: bool = True,
) -> Party:
    return Party(
        name=name or f"上海测试{n}便利店",
        type="个体工商户",
        uscc=make_uscc(n, prefix="92") if with_uscc else None,
        reg_no=make_reg_no(n) if with_reg_no else None,
        id_number=make_resident_id(n) if with_id else None,
        representative=None,
    )


# --------------------------------------------------------------------------------------------
# rows by field code, in the standard's form


def penalty_row(party: Party, n: int = 1, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "CF_WSH": f"沪市监罚〔2024〕{n}号",
        "CF_XDR_MC": party.name,
        "CF_XDR_LB": party.type,
        "CF_WFXW": "未按规定明码标价",
        "CF_SY": "当事人销售商品未按规定明码标价。",
        "CF_YJ": "《中华人民共和国价格法》第四十二条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款人民币壹万伍仟元整",
        "CF_NR_FK": "1.5",
        "CF_JDRQ": "2024-03-05",
        "CF_CFJG": "上海市市场监督管理局",
        "CF_CFJGDM": AUTHORITY_USCC,
        "CF_SJLY": "上海市市场监督管理局",
        "CF_SJLYDM": SOURCE_UNIT_USCC,
        "CF_GSZT": "正常",
    }
    _party_fields(row, party, prefix="CF")
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def license_row(party: Party, n: int = 1, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": f"沪食许〔2024〕{n}号",
        "XK_XKLB": "普通",
        "XK_XKZS": "食品经营许可证",
        "XK_NR": "预包装食品销售",
        "XK_JDRQ": "2024-03-05",
        "XK_YXQZ": "2024-03-05",
        "XK_YXQZI": "2029-03-04",
        "XK_XKJG": "上海市浦东新区市场监督管理局",
        "XK_XKJGDM": AUTHORITY_USCC,
        "XK_ZT": "有效",
        "XK_LYDW": "上海市浦东新区市场监督管理局",
        "XK_LYDWDM": SOURCE_UNIT_USCC,
        "XK_XDR_MC": party.name,
        "XK_XDR_LB": party.type,
    }
    _party_fields(row, party, prefix="XK")
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def registration_row(party: Party, **overrides: Any) -> dict[str, Any]:
    assert party.uscc is not None, "a registration record needs a USCC"
    row: dict[str, Any] = {
        "DJ_MC": party.name,
        "DJ_SHXYM": party.uscc,
        "DJ_ZZJG": party.org_code,
        "DJ_GSZC": party.reg_no,
        "DJ_LB": party.type,
        "DJ_FRDB": party.representative or "王五",
        "DJ_CLRQ": "2010-06-01",
        "DJ_DJJG": "上海市浦东新区市场监督管理局",
        "DJ_ZT": "存续",
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def _party_fields(row: dict[str, Any], party: Party, *, prefix: str) -> None:
    if party.uscc:
        row[f"{prefix}_XDR_SHXYM"] = party.uscc
    if party.reg_no and party.type == "个体工商户":
        row[f"{prefix}_XDR_GSZC"] = party.reg_no
    if party.type == "法人及非法人组织":
        row[f"{prefix}_FRDB"] = party.representative
    if party.id_number:
        row[f"{prefix}_XDR_ZJLX"] = "身份证"
        row[f"{prefix}_XDR_ZJHM"] = party.id_number


# --------------------------------------------------------------------------------------------
# to the source's form, and files


def mapping_of(source: str) -> SourceMapping:
    return load_mapping(source, get_standard())


def source_value(mapping: SourceMapping, kind: str, code: str, value: Any) -> str:
    """A standard-form value as the source writes it (its codes, dates and amount unit)."""
    definition = get_standard().record_kinds[kind].field(code)
    text = str(value)
    if definition.type == "code" and definition.code_list:
        parts = text.split(";") if definition.multiple else [text]
        return ";".join(mapping.encode_value(definition.code_list, p) for p in parts)
    if definition.type == "date" and mapping.date_format != "%Y-%m-%d":
        try:
            return dt.date.fromisoformat(text).strftime(mapping.date_format)
        except ValueError:
            return text
    if definition.type == "decimal" and definition.unit == "万元" and mapping.amount_unit == "元":
        return decimal_text(Decimal(text) * 10_000)
    return text


@dataclass
class Table:
    """Rows as a source sends them: its column names and the cell texts."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def dicts(self) -> list[dict[str, str]]:
        return [dict(zip(self.header, row, strict=True)) for row in self.rows]


def source_table(
    mapping: SourceMapping,
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Iterable[str] | None = None,
    encode: bool = True,
) -> Table:
    """Rows by field code → the source's header and cells (missing fields are empty cells).

    ``columns`` (field codes) fixes the header; by default every field the rows use, in the
    standard's order.
    """
    names = mapping.header_for(kind)
    if columns is None:
        used = {code for row in rows for code in row}
        order = [f.code for f in get_standard().record_kinds[kind].fields]
        columns = [code for code in order if code in used]
    codes = list(columns)
    table = Table([names[code] for code in codes])
    for row in rows:
        cells = []
        for code in codes:
            value = row.get(code)
            if value is None:
                cells.append("")
            elif encode:
                cells.append(source_value(mapping, kind, code, value))
            else:
                cells.append(str(value))
        table.rows.append(cells)
    return table


def write_csv(path: Path, table: Table, *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return path


def write_jsonl(path: Path, objects: Iterable[Mapping[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        for obj in objects:
            stream.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


def write_xlsx(path: Path, sheets: Mapping[str, Table]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(table.header)
        for row in table.rows:
            sheet.append(row)
    book.save(path)
    return path


def write_source_file(
    path: Path, source: str, kind: str, rows: Sequence[Mapping[str, Any]], **options: Any
) -> Path:
    """Write rows by field code into a file of the source's format (the path's name must match
    the mapping's pattern for CSV and JSON Lines)."""
    mapping = mapping_of(source)
    table = source_table(mapping, kind, rows, **options)
    if mapping.format == "csv":
        return write_csv(path, table, encoding=mapping.encoding)
    if mapping.format == "jsonl":
        return write_jsonl(
            path, ({k: v for k, v in row.items() if v != ""} for row in table.dicts())
        )
    sheet = mapping.kind_mapping(kind).sheet
    assert sheet is not None
    return write_xlsx(path, {sheet: table})
