"""Receipts count every row read; the quarantine holds each rejected row as it came, with reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from credit_yrd.ingest import ingest_file
from tests.ingest.builders import (
    bad_check_uscc,
    individual_business,
    legal_person,
    mapping_of,
    natural_person,
    penalty_row,
    source_table,
    write_csv,
)
from tests.ingest.store_state import counts

RECEIPT_KEYS = {
    "batch_id",
    "source",
    "file",
    "content_sha256",
    "status",
    "read",
    "accepted",
    "new",
    "changed",
    "unchanged",
    "rejected",
    "unresolved",
    "kinds",
    "rejected_by_rule",
    "linked_by",
    "quarantine",
    "duplicate_of",
}


def quarantined(receipt: Any) -> list[dict[str, Any]]:
    assert receipt.quarantine, "expected a quarantine file"
    text = Path(receipt.quarantine).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def rules_of(entry: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(reason["field"], reason["rule"]) for reason in entry["reasons"]]


def test_clean_file_receipt_has_every_key_and_consistent_counts(make_ctx, inputs, engine) -> None:
    rows = [penalty_row(legal_person(i), i) for i in range(1, 4)]
    rows.append(penalty_row(natural_person(4), 4))
    path = write_csv(
        inputs / "2024行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows)
    )

    receipt = ingest_file(make_ctx("shanghai"), path)
    data = receipt.to_dict()

    assert set(data) >= RECEIPT_KEYS
    assert data["status"] == "accepted"
    assert data["source"] == "shanghai"
    assert data["file"] == "2024行政处罚.csv"
    assert isinstance(data["batch_id"], int)
    assert len(data["content_sha256"]) == 64
    assert (data["read"], data["accepted"], data["new"], data["rejected"]) == (4, 4, 4, 0)
    assert data["changed"] == data["unchanged"] == data["unresolved"] == 0
    assert data["kinds"] == {"penalty": 4}
    assert data["linked_by"] == {"uscc": 3, "person_id": 1}
    assert data["rejected_by_rule"] == {}
    assert data["quarantine"] is None and data["duplicate_of"] is None
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert counts(engine)["record_versions"] == 4


def test_quarantine_holds_each_bad_csv_row_verbatim_with_file_row_field_rule(
    make_ctx, inputs
) -> None:
    mapping = mapping_of("shanghai")
    good = legal_person(1)
    rows = [
        penalty_row(good, 1),  # row 2: fine
        penalty_row(legal_person(2), 2, CF_XDR_SHXYM=bad_check_uscc(2)),  # row 3
        penalty_row(legal_person(3), 3, CF_JDRQ="2023-02-30"),  # row 4
        penalty_row(legal_person(4), 4, CF_WFXW=""),  # row 5
        penalty_row(legal_person(5), 5, CF_CFLB="罚酒"),  # row 6
        penalty_row(legal_person(6), 6, BZ="=cmd|' /C calc'!A0"),  # row 7
        penalty_row(legal_person(7), 7, BZ="备注"),  # row 8: gets an extra cell below
        penalty_row(good, 8),  # row 9: fine
    ]
    table = source_table(mapping, "penalty", rows)
    table.rows[6] = [*table.rows[6], "多出来的单元格"]
    path = inputs / "行政处罚-0301.csv"
    path.write_text(
        "\r\n".join(
            [",".join(table.header)] + [",".join(_quote(c) for c in row) for row in table.rows]
        )
        + "\r\n",
        encoding="utf-8",
    )
    lines = path.read_bytes().decode("utf-8").split("\r\n")

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.read, receipt.accepted, receipt.rejected) == (8, 2, 6)
    assert receipt.read == receipt.accepted + receipt.rejected
    entries = {entry["row"]: entry for entry in quarantined(receipt)}
    assert sorted(entries) == [3, 4, 5, 6, 7, 8]
    expected = {
        3: ("统一社会信用代码", "check_character"),
        4: ("处罚决定日期", "date"),
        5: ("违法行为类型", "required"),
        6: ("处罚类别", "code"),
        7: ("备注", "formula"),
        8: (None, "cell_count"),
    }
    for row, (field, rule) in expected.items():
        entry = entries[row]
        assert (field, rule) in rules_of(entry), (row, entry["reasons"])
        assert entry["file"] == "行政处罚-0301.csv"
        assert entry["kind"] == "penalty"
        assert entry["raw"] == lines[row - 1], row  # the line exactly as it came
        for reason in entry["reasons"]:
            assert reason["message_zh"] and reason["message_en"]
    assert receipt.to_dict()["rejected_by_rule"] == {
        "cell_count": 1,
        "check_character": 1,
        "code": 1,
        "date": 1,
        "formula": 1,
        "required": 1,
    }


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell


def test_an_undecodable_line_is_rejected_with_rule_encoding_and_its_bytes_kept(
    make_ctx, inputs
) -> None:
    mapping = mapping_of("shanghai")
    table = source_table(mapping, "penalty", [penalty_row(legal_person(i), i) for i in range(1, 4)])
    path = write_csv(inputs / "行政处罚.csv", table)
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("gbk")  # row 3 written in GBK by mistake
    path.write_bytes(b"\r\n".join(lines))

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.read, receipt.accepted, receipt.rejected) == (3, 2, 1)
    [entry] = quarantined(receipt)
    assert entry["row"] == 3
    assert rules_of(entry) == [(None, "encoding")]
    # every byte kept: the undecodable ones as \xNN escapes
    assert "\\x" in entry["raw"]
    # (unlike other rows, an undecodable line keeps its line end: compare without it)
    assert entry["raw"].rstrip("\r\n") == lines[2].decode("utf-8", errors="backslashreplace")


def test_jsonl_rows_are_numbered_by_line_and_json_problems_quarantined(make_ctx, inputs) -> None:
    good = json.dumps(penalty_row(legal_person(1), 1), ensure_ascii=False)
    other = json.dumps(penalty_row(legal_person(2), 2), ensure_ascii=False)
    lines = [good, "", "[1, 2, 3]", '{"CF_WSH": "x", ', other, '{"CF_WSH": {"a": 1}}']
    path = inputs / "penalty_2024.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    receipt = ingest_file(make_ctx("zhejiang"), path)

    assert (receipt.read, receipt.accepted, receipt.rejected) == (5, 2, 3)
    entries = {entry["row"]: entry for entry in quarantined(receipt)}
    assert sorted(entries) == [3, 4, 6]
    assert rules_of(entries[3]) == [(None, "json")]
    assert rules_of(entries[4]) == [(None, "json")]
    assert ("CF_WSH", "type") in rules_of(entries[6])
    for row, entry in entries.items():
        assert entry["raw"] == lines[row - 1]
        assert entry["file"] == "penalty_2024.jsonl"


def test_read_equals_accepted_plus_rejected_and_unresolved_counts_review_items(
    make_ctx, inputs, engine
) -> None:
    rows = [
        penalty_row(legal_person(1), 1),
        penalty_row(individual_business(2), 2),  # name only, no subject of that name: unresolved
        penalty_row(legal_person(3), 3, CF_JDRQ="not a date"),
    ]
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))

    receipt = ingest_file(make_ctx("shanghai"), path)

    assert receipt.read == receipt.accepted + receipt.rejected == 3
    assert (receipt.new, receipt.rejected, receipt.unresolved) == (2, 1, 1)
    assert counts(engine)["review_items"] == 1
