"""Rows that cannot be taken are rejected one by one; the rest of the file goes in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from credit_yrd.ingest import ingest_file
from credit_yrd.ingest.readers import MAX_CELL_CHARS
from tests.ingest.builders import (
    legal_person,
    make_uscc,
    mapping_of,
    penalty_row,
    source_table,
    write_csv,
    write_xlsx,
)
from tests.ingest.store_state import counts, versions


def quarantined(receipt: Any) -> list[dict[str, Any]]:
    assert receipt.quarantine
    lines = Path(receipt.quarantine).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def shanghai_lines(n: int = 3, **overrides: Any) -> tuple[list[str], list[list[str]]]:
    rows = [penalty_row(legal_person(i), i, **overrides) for i in range(1, n + 1)]
    table = source_table(mapping_of("shanghai"), "penalty", rows)
    return table.header, table.rows


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    def quote(cell: str) -> str:
        if any(c in cell for c in ',"\r\n'):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return "".join(",".join(quote(c) for c in row) + "\r\n" for row in [header, *rows])


def test_a_10_mb_cell_rejects_its_row_only(make_ctx, inputs, engine) -> None:
    header, rows = shanghai_lines(3)
    rows[1][header.index("违法事实")] = "长" * (10 * 1024 * 1024 // 3 + 10)  # > 10 MB in UTF-8
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    assert path.stat().st_size > 10 * 1024 * 1024

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (3, 2, 1)
    [entry] = quarantined(receipt)
    assert entry["row"] == 3
    assert {r["rule"] for r in entry["reasons"]} <= {"cell_too_long", "csv", "line_too_long"}
    assert len(entry["raw"]) < 100_000  # the quarantine does not copy the 10 MB
    assert counts(engine)["record_versions"] == 2


def test_a_cell_over_the_limit_is_rejected_as_cell_too_long(make_ctx, inputs) -> None:
    header, rows = shanghai_lines(2)
    column = header.index("违法事实")
    rows[0][column] = "x" * (MAX_CELL_CHARS + 1)
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.new, receipt.rejected) == (1, 1)
    [entry] = quarantined(receipt)
    assert [(r["field"], r["rule"]) for r in entry["reasons"]] == [("违法事实", "cell_too_long")]


def test_a_text_longer_than_the_field_allows_is_rejected(make_ctx, inputs) -> None:
    header, rows = shanghai_lines(2)
    rows[0][header.index("违法行为类型")] = "违" * 2001
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    receipt = ingest_file(make_ctx("shanghai"), path)
    assert receipt.rules == {"max_length": 1}


def test_an_unterminated_quote_at_the_end_rejects_only_the_last_row(make_ctx, inputs) -> None:
    header, rows = shanghai_lines(3)
    text = csv_text(header, rows)
    last = text.rstrip("\r\n").rsplit("\r\n", 1)[1]
    cut = last.index("上海测试3")
    truncated = text[: len(text) - len(last) - 2] + last[:cut] + '"上海测试3贸'
    path = inputs / "行政处罚.csv"
    path.write_text(truncated, encoding="utf-8")

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (3, 2, 1)
    [entry] = quarantined(receipt)
    assert entry["row"] == 4
    assert [r["rule"] for r in entry["reasons"]] == ["csv"]
    assert entry["raw"].startswith(last[:cut])


def test_a_quoted_cell_spanning_lines_is_one_row_numbered_by_its_first_line(
    make_ctx, inputs, engine
) -> None:
    header, rows = shanghai_lines(3)
    rows[0][header.index("违法事实")] = "第一行\n第二行"
    rows[1][header.index("处罚决定日期")] = "2023-02-30"
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (3, 2, 1)
    assert [entry["row"] for entry in quarantined(receipt)] == [4]
    assert versions(engine)[0]["content"]["CF_SY"] == "第一行 第二行"


def test_extra_and_missing_cells_reject_their_rows(make_ctx, inputs) -> None:
    header, rows = shanghai_lines(4)
    rows[0] = [*rows[0], "多余"]
    rows[1] = rows[1][:-3]
    rows[2] = [*rows[2], "", " "]  # trailing empty cells are harmless
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (4, 2, 2)
    assert receipt.rules == {"cell_count": 2}
    assert [entry["row"] for entry in quarantined(receipt)] == [2, 3]


def test_blank_lines_are_skipped_not_counted(make_ctx, inputs) -> None:
    header, rows = shanghai_lines(2)
    text = csv_text(header, rows).replace("\r\n", "\r\n\r\n", 2)
    path = inputs / "行政处罚.csv"
    path.write_text(text, encoding="utf-8")
    receipt = ingest_file(make_ctx("shanghai"), path)
    assert (receipt.read, receipt.new, receipt.rejected) == (2, 2, 0)


@pytest.mark.parametrize(
    ("cell", "rejected"),
    [
        ("=cmd|' /C calc'!A0", True),
        ("@SUM(A1)", True),
        ('+HYPERLINK("http://x")', True),
        ("-2+3", True),
        ("\t=1+1", True),
        ("-5", False),
        ("+3.2", False),
        ("一般备注", False),
    ],
)
def test_formula_cells_are_rejected(make_ctx, inputs, cell: str, rejected: bool) -> None:
    header, rows = shanghai_lines(1, BZ=cell)
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    receipt = ingest_file(make_ctx("shanghai"), path)
    if rejected:
        assert receipt.rules == {"formula": 1}
    else:
        assert receipt.new == 1, receipt.to_dict()


def test_jsonl_array_line_and_nested_values_are_rejected(make_ctx, inputs, engine) -> None:
    good = penalty_row(legal_person(1), 1)
    nested = penalty_row(legal_person(2), 2)
    nested["CF_XDR_MC"] = {"zh": "上海测试2贸易有限公司"}
    listed = penalty_row(legal_person(3), 3)
    listed["CF_CFLB"] = ["罚款"]
    flag = penalty_row(legal_person(4), 4)
    flag["BZ"] = True
    lines = [
        json.dumps(good, ensure_ascii=False),
        json.dumps([good], ensure_ascii=False),
        json.dumps(nested, ensure_ascii=False),
        json.dumps(listed, ensure_ascii=False),
        json.dumps(flag, ensure_ascii=False),
        "null",
        "{" * 100_000,
    ]
    path = inputs / "penalty.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    receipt = ingest_file(make_ctx("zhejiang"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (7, 1, 6)
    entries = {e["row"]: e for e in quarantined(receipt)}
    assert [r["rule"] for r in entries[2]["reasons"]] == ["json"]
    assert ("CF_XDR_MC", "type") in [(r["field"], r["rule"]) for r in entries[3]["reasons"]]
    assert ("CF_CFLB", "type") in [(r["field"], r["rule"]) for r in entries[4]["reasons"]]
    assert ("BZ", "type") in [(r["field"], r["rule"]) for r in entries[5]["reasons"]]
    assert [r["rule"] for r in entries[6]["reasons"]] == ["json"]
    assert [r["rule"] for r in entries[7]["reasons"]] == ["json"]
    assert counts(engine)["record_versions"] == 1


def test_jsonl_unknown_keys_are_rejected_per_row(make_ctx, inputs) -> None:
    row = penalty_row(legal_person(1), 1)
    row["CF_UNKNOWN"] = "值"
    path = inputs / "penalty.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    receipt = ingest_file(make_ctx("zhejiang"), path)
    assert receipt.rules == {"unknown_column": 1}


def test_an_xlsx_formula_cell_is_rejected(make_ctx, inputs) -> None:
    rows = [penalty_row(legal_person(i), i) for i in (1, 2)]
    table = source_table(mapping_of("jiangsu"), "penalty", rows)
    table.rows[1][table.header.index("罚款金额（万元）")] = "=1+0.5"
    path = write_xlsx(inputs / "江苏.xlsx", {"行政处罚": table})

    receipt = ingest_file(make_ctx("jiangsu"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (2, 1, 1)
    [entry] = quarantined(receipt)
    assert entry["sheet"] == "行政处罚"
    assert entry["row"] == 3
    assert ("罚款金额（万元）", "formula") in [(r["field"], r["rule"]) for r in entry["reasons"]]
    assert "=1+0.5" in entry["raw"]


def test_xlsx_cells_beyond_the_header_reject_their_row(make_ctx, inputs) -> None:
    rows = [penalty_row(legal_person(i), i) for i in (1, 2)]
    table = source_table(mapping_of("jiangsu"), "penalty", rows)
    table.rows[0] = [*table.rows[0], "", "多余"]
    path = write_xlsx(inputs / "江苏.xlsx", {"行政处罚": table})
    receipt = ingest_file(make_ctx("jiangsu"), path)
    assert (receipt.new, receipt.rejected) == (1, 1)
    assert receipt.rules == {"cell_count": 1}


# ------------------------------------------------------------------------------------------
# bugs: one bad row takes the whole batch down, or swallows the rows after it


def test_a_stray_quote_inside_a_cell_does_not_swallow_the_following_rows(make_ctx, inputs) -> None:
    header, rows = shanghai_lines(4)
    text = csv_text(header, rows)
    lines = text.split("\r\n")
    lines[1] = lines[1].replace("未按规定明码标价", '未按规定"明码标价', 1)
    path = inputs / "行政处罚.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert receipt.read == 4
    assert receipt.new >= 3


def test_an_amount_with_a_huge_exponent_is_a_row_problem(make_ctx, inputs, engine) -> None:
    rows = [
        penalty_row(legal_person(1), 1),
        penalty_row(legal_person(2), 2, CF_NR_FK="1e999999999"),
    ]
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.new, receipt.rejected) == (1, 1)


def test_a_json_number_with_5000_digits_is_a_row_problem(make_ctx, inputs) -> None:
    good = json.dumps(penalty_row(legal_person(1), 1), ensure_ascii=False)
    path = inputs / "penalty.jsonl"
    path.write_text(good + '\n{"CF_NR_FK": ' + "1" * 5000 + "}\n", encoding="utf-8")

    receipt = ingest_file(make_ctx("zhejiang"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (2, 1, 1)


def test_a_json_lone_surrogate_is_a_row_problem(make_ctx, inputs) -> None:
    good = json.dumps(penalty_row(legal_person(1), 1), ensure_ascii=False)
    bad = json.dumps(penalty_row(legal_person(2), 2, BZ="x\ud800y"))  # ASCII: "\ud800" escape
    path = inputs / "penalty.jsonl"
    path.write_text(good + "\n" + bad + "\n", encoding="utf-8")

    receipt = ingest_file(make_ctx("zhejiang"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (2, 1, 1)


def test_a_json_nul_escape_never_reaches_the_store(make_ctx, inputs, engine) -> None:
    good = json.dumps(penalty_row(legal_person(1), 1), ensure_ascii=False)
    bad = json.dumps(penalty_row(legal_person(2), 2, BZ="x\x00y"))
    path = inputs / "penalty.jsonl"
    path.write_text(good + "\n" + bad + "\n", encoding="utf-8")

    receipt = ingest_file(make_ctx("zhejiang"), path)

    assert (receipt.read, receipt.new, receipt.rejected) == (2, 1, 1)
    assert all("\x00" not in json.dumps(v["content"]) for v in versions(engine))


def test_a_row_relinking_a_known_record_is_rejected_not_fatal(make_ctx, inputs, engine) -> None:
    ctx = make_ctx("shanghai")
    mapping = mapping_of("shanghai")
    first = penalty_row(legal_person(1), 1)
    ingest_file(
        ctx, write_csv(inputs / "行政处罚-1.csv", source_table(mapping, "penalty", [first]))
    )
    corrected = dict(first, CF_XDR_SHXYM=make_uscc(99))
    rows = [penalty_row(legal_person(2), 2), corrected]
    path = write_csv(inputs / "行政处罚-2.csv", source_table(mapping, "penalty", rows))

    receipt = ingest_file(ctx, path)

    assert receipt.read == 2
    assert receipt.new == 1
