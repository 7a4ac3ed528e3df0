"""Properties: whatever a cell or a whole file holds, ingestion either refuses the file with
InputFileError or gives a receipt whose counts add up and match what the store holds."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_yrd.ingest import InputFileError, ingest_file
from tests.ingest.builders import (
    legal_person,
    mapping_of,
    natural_person,
    penalty_row,
    source_table,
    write_xlsx,
)
from tests.ingest.store_state import counts

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_names = itertools.count()

SHANGHAI_TABLE = source_table(
    mapping_of("shanghai"),
    "penalty",
    [penalty_row(legal_person(1), 1), penalty_row(natural_person(2), 2)],
)
BASE_ROWS = [penalty_row(legal_person(1), 1), penalty_row(natural_person(2), 2)]


def check_receipt(engine, ingest) -> None:
    """Run ``ingest``; the receipt must add up and match the versions the store gained."""
    before = counts(engine)["record_versions"]
    try:
        receipt = ingest()
    except InputFileError:
        assert counts(engine)["record_versions"] == before
        return
    assert receipt.read == receipt.accepted + receipt.rejected
    assert receipt.accepted == receipt.new + receipt.changed + receipt.unchanged
    assert sum(receipt.kinds.values()) == receipt.read
    gained = counts(engine)["record_versions"] - before
    assert gained == receipt.new + receipt.changed
    if receipt.rejected:
        assert receipt.quarantine is not None
        text = Path(receipt.quarantine).read_text(encoding="utf-8")
        lines = text.rstrip("\n").split("\n")
        assert len(lines) == receipt.rejected
        assert all(json.loads(line)["reasons"] for line in lines)


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([SHANGHAI_TABLE.header, *rows])
    return buffer.getvalue().encode("utf-8")


@PROPERTY
@given(column=st.integers(0, len(SHANGHAI_TABLE.header) - 1), text=st.text(max_size=60))
def test_any_text_in_any_csv_cell(make_ctx, inputs, engine, column: int, text: str) -> None:
    rows = [list(row) for row in SHANGHAI_TABLE.rows]
    rows[1][column] = text
    path = inputs / f"行政处罚-{next(_names)}.csv"
    path.write_bytes(csv_bytes(rows))
    check_receipt(engine, lambda: ingest_file(make_ctx("shanghai"), path))


@PROPERTY
@given(column=st.integers(0, len(SHANGHAI_TABLE.header) - 1), raw=st.binary(max_size=60))
def test_any_bytes_in_any_csv_cell(make_ctx, inputs, engine, column: int, raw: bytes) -> None:
    lines = csv_bytes(SHANGHAI_TABLE.rows).split(b"\r\n")
    cells = lines[2].split(b",")
    assert len(cells) == len(SHANGHAI_TABLE.header)  # no cell of the base rows needs quoting
    cells[column] = raw
    lines[2] = b",".join(cells)
    path = inputs / f"行政处罚-{next(_names)}.csv"
    path.write_bytes(b"\r\n".join(lines))
    check_receipt(engine, lambda: ingest_file(make_ctx("shanghai"), path))


@PROPERTY
@given(column=st.integers(0, len(SHANGHAI_TABLE.header) - 1), text=st.text(max_size=40))
def test_any_text_in_any_gbk_csv_cell(make_ctx, inputs, engine, column: int, text: str) -> None:
    table = source_table(mapping_of("anhui"), "penalty", BASE_ROWS)
    rows = [list(row) for row in table.rows]
    rows[0][column] = text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([table.header, *rows])
    path = inputs / f"cf_{next(_names)}.csv"
    path.write_bytes(buffer.getvalue().encode("gbk", errors="replace"))
    check_receipt(engine, lambda: ingest_file(make_ctx("anhui"), path))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELD_CODES = sorted({code for row in BASE_ROWS for code in row} | {"BZ", "XX_UNKNOWN"})


@PROPERTY
@given(key=st.sampled_from(FIELD_CODES), value=JSON_VALUES)
def test_any_json_value_for_any_key(make_ctx, inputs, engine, key: str, value: object) -> None:
    rows = [dict(row) for row in BASE_ROWS]
    rows[1][key] = value
    path = inputs / f"penalty_{next(_names)}.jsonl"
    path.write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8"
    )
    check_receipt(engine, lambda: ingest_file(make_ctx("zhejiang"), path))


@PROPERTY
@given(data=st.binary(max_size=3000))
def test_any_bytes_as_a_csv_file(make_ctx, inputs, engine, data: bytes) -> None:
    path = inputs / f"行政处罚-{next(_names)}.csv"
    path.write_bytes(data)
    check_receipt(engine, lambda: ingest_file(make_ctx("shanghai"), path))


@PROPERTY
@given(data=st.binary(max_size=3000))
def test_any_bytes_after_a_valid_csv_header(make_ctx, inputs, engine, data: bytes) -> None:
    path = inputs / f"行政处罚-{next(_names)}.csv"
    path.write_bytes(csv_bytes([]) + data)
    check_receipt(engine, lambda: ingest_file(make_ctx("shanghai"), path))


@PROPERTY
@given(data=st.binary(max_size=3000))
def test_any_bytes_as_a_jsonl_file(make_ctx, inputs, engine, data: bytes) -> None:
    path = inputs / f"penalty_{next(_names)}.jsonl"
    path.write_bytes(data)
    check_receipt(engine, lambda: ingest_file(make_ctx("zhejiang"), path))


@PROPERTY
@given(data=st.binary(max_size=3000))
def test_any_bytes_as_an_xlsx_file(make_ctx, inputs, engine, data: bytes) -> None:
    path = inputs / f"jiangsu-{next(_names)}.xlsx"
    path.write_bytes(data)
    check_receipt(engine, lambda: ingest_file(make_ctx("jiangsu"), path))


@PROPERTY
@given(
    cells=st.lists(
        st.text(max_size=20) | st.integers() | st.floats(allow_nan=False) | st.booleans(),
        min_size=1,
        max_size=4,
    ),
    column=st.integers(0, 30),
)
def test_any_cell_values_in_a_sheet(make_ctx, inputs, engine, cells, column: int) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    table = source_table(mapping_of("jiangsu"), "penalty", BASE_ROWS)
    book = Workbook()
    sheet = book.active
    sheet.title = "行政处罚"
    sheet.append(table.header)
    for row in table.rows:
        sheet.append(row)
    try:
        for offset, value in enumerate(cells):
            sheet.cell(row=3, column=column + offset + 1, value=value)
    except IllegalCharacterError:
        return  # openpyxl will not write control characters; nothing to ingest
    path = inputs / f"jiangsu-{next(_names)}.xlsx"
    book.save(path)
    check_receipt(engine, lambda: ingest_file(make_ctx("jiangsu"), path))


def test_bit_flips_in_a_valid_workbook(make_ctx, inputs, engine, tmp_path) -> None:
    table = source_table(
        mapping_of("jiangsu"), "penalty", [penalty_row(legal_person(i), i) for i in range(1, 30)]
    )
    good = write_xlsx(tmp_path / "good.xlsx", {"行政处罚": table}).read_bytes()
    rnd = random.Random(1)
    for i in range(40):
        data = bytearray(good)
        data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
        path = inputs / f"jiangsu-{i}.xlsx"
        path.write_bytes(bytes(data))
        check_receipt(engine, lambda path=path: ingest_file(make_ctx("jiangsu"), path))
