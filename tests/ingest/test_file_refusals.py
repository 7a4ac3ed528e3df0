"""Files that cannot be taken as a whole raise InputFileError naming the file; nothing is written."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from credit_yrd.ingest import InputFileError, ingest_file
from tests.ingest.builders import (
    Table,
    legal_person,
    mapping_of,
    penalty_row,
    source_table,
    write_csv,
    write_xlsx,
)
from tests.ingest.store_state import counts


def penalty_table(source: str = "shanghai", n: int = 3) -> Table:
    rows = [penalty_row(legal_person(i), i) for i in range(1, n + 1)]
    return source_table(mapping_of(source), "penalty", rows)


def xlsx_bytes(sheets: dict[str, Table], tmp: Path) -> bytes:
    return write_xlsx(tmp / "scratch.xlsx", sheets).read_bytes()


def _empty(folder: Path) -> Path:
    path = folder / "行政处罚.csv"
    path.write_bytes(b"")
    return path


def _garbage(folder: Path) -> Path:
    path = folder / "行政处罚.csv"
    path.write_bytes(bytes(random.Random(7).randrange(256) for _ in range(4096)))
    return path


def _gbk_to_utf8_source(folder: Path) -> Path:
    return write_csv(folder / "行政处罚.csv", penalty_table(), encoding="gbk")


def _renamed_column(folder: Path) -> Path:
    table = penalty_table()
    table.header[table.header.index("行政相对人名称")] = "当事人名称"
    return write_csv(folder / "行政处罚.csv", table)


def _missing_required(folder: Path) -> Path:
    table = penalty_table()
    drop = table.header.index("处罚机关")
    table.header.pop(drop)
    for row in table.rows:
        row.pop(drop)
    return write_csv(folder / "行政处罚.csv", table)


def _duplicate_column(folder: Path) -> Path:
    table = penalty_table()
    table.header.append("备注")
    table.header.append("备注")
    for row in table.rows:
        row.extend(["", ""])
    return write_csv(folder / "行政处罚.csv", table)


def _no_pattern(folder: Path) -> Path:
    return write_csv(folder / "罚单汇总.csv", penalty_table())


def _blank_header(folder: Path) -> Path:
    path = folder / "行政处罚.csv"
    path.write_text(",,,\r\na,b,c,d\r\n", encoding="utf-8")
    return path


PLAIN_REFUSALS: dict[str, Callable[[Path], Path]] = {
    "empty file": _empty,
    "binary garbage": _garbage,
    "gbk file for a utf-8 source": _gbk_to_utf8_source,
    "unknown (renamed) column": _renamed_column,
    "required column missing": _missing_required,
    "duplicate columns": _duplicate_column,
    "name matches no kind": _no_pattern,
    "blank header": _blank_header,
}


def assert_refused(make_ctx, engine, settings, source: str, path: Path, *words: str) -> None:
    before = counts(engine)
    with pytest.raises(InputFileError) as caught:
        ingest_file(make_ctx(source), path)
    message = str(caught.value)
    assert path.name in message
    assert caught.value.file.startswith(path.name)
    for word in words:
        assert word in message, message
    assert counts(engine) == before
    quarantine = settings.quarantine_dir()
    assert not quarantine.exists() or not any(quarantine.iterdir())


@pytest.mark.parametrize("case", sorted(PLAIN_REFUSALS))
def test_shanghai_csv_refusals(make_ctx, inputs, engine, settings, case: str) -> None:
    path = PLAIN_REFUSALS[case](inputs)
    assert_refused(make_ctx, engine, settings, "shanghai", path)


def test_refusal_messages_say_what_is_wrong(make_ctx, inputs, engine, settings) -> None:
    assert_refused(make_ctx, engine, settings, "shanghai", _renamed_column(inputs), "当事人名称")
    assert_refused(make_ctx, engine, settings, "shanghai", _missing_required(inputs), "处罚机关")
    assert_refused(make_ctx, engine, settings, "shanghai", _gbk_to_utf8_source(inputs), "utf-8")


def test_a_utf8_file_for_the_gbk_source_is_refused(make_ctx, inputs, engine, settings) -> None:
    path = write_csv(inputs / "cf_1.csv", penalty_table("anhui"), encoding="utf-8")
    assert_refused(make_ctx, engine, settings, "anhui", path)


def test_a_missing_file_or_a_folder_is_refused(make_ctx, inputs, engine, settings) -> None:
    assert_refused(make_ctx, engine, settings, "shanghai", inputs / "行政处罚-无.csv")
    folder = inputs / "行政处罚.csv"
    folder.mkdir()
    assert_refused(make_ctx, engine, settings, "shanghai", folder)


def test_a_jsonl_file_name_matching_no_kind_is_refused(make_ctx, inputs, engine, settings) -> None:
    path = inputs / "fines.jsonl"
    path.write_text('{"CF_WSH": "1"}\n', encoding="utf-8")
    assert_refused(make_ctx, engine, settings, "zhejiang", path)


def test_an_xlsx_that_is_a_zip_of_something_else(make_ctx, inputs, engine, settings) -> None:
    path = inputs / "江苏.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    path.write_bytes(buffer.getvalue())
    assert_refused(make_ctx, engine, settings, "jiangsu", path)


def test_a_truncated_xlsx(make_ctx, inputs, engine, settings, tmp_path) -> None:
    data = xlsx_bytes({"行政处罚": penalty_table("jiangsu")}, tmp_path)
    path = inputs / "江苏.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert_refused(make_ctx, engine, settings, "jiangsu", path)


def test_an_xlsx_whose_sheet_xml_is_damaged(make_ctx, inputs, engine, settings, tmp_path) -> None:
    source = write_xlsx(tmp_path / "good.xlsx", {"行政处罚": penalty_table("jiangsu")})
    path = inputs / "江苏.xlsx"
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(path, "w") as bad:
        for item in good.infolist():
            data = good.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut in the middle of an element
            bad.writestr(item, data)
    assert_refused(make_ctx, engine, settings, "jiangsu", path)


def test_a_plain_file_named_xlsx(make_ctx, inputs, engine, settings) -> None:
    path = write_csv(inputs / "江苏.xlsx", penalty_table("jiangsu"))
    assert_refused(make_ctx, engine, settings, "jiangsu", path)


def test_an_xlsx_sheet_not_in_the_mapping(make_ctx, inputs, engine, settings) -> None:
    path = write_xlsx(
        inputs / "江苏.xlsx",
        {"行政处罚": penalty_table("jiangsu"), "行政处罚（补充）": penalty_table("jiangsu")},
    )
    assert_refused(make_ctx, engine, settings, "jiangsu", path, "行政处罚（补充）")


def test_an_xlsx_sheet_with_an_unknown_column(make_ctx, inputs, engine, settings) -> None:
    table = penalty_table("jiangsu")
    table.header[0] = "决定书编号"
    path = write_xlsx(inputs / "江苏.xlsx", {"行政处罚": table})
    assert_refused(make_ctx, engine, settings, "jiangsu", path, "决定书编号")


def test_a_header_only_csv_is_an_empty_batch_not_an_error(make_ctx, inputs, engine) -> None:
    table = penalty_table()
    table.rows.clear()
    receipt = ingest_file(make_ctx("shanghai"), write_csv(inputs / "行政处罚.csv", table))
    assert receipt.status == "accepted"
    assert (receipt.read, receipt.accepted, receipt.rejected) == (0, 0, 0)
    assert counts(engine)["batches"] == 1


def test_a_utf8_bom_is_not_part_of_the_first_column(make_ctx, inputs) -> None:
    path = write_csv(inputs / "行政处罚.csv", penalty_table(), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    receipt = ingest_file(make_ctx("shanghai"), path)
    assert receipt.new == 3, receipt.to_dict()
