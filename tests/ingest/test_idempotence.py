"""Sending the same data again adds nothing; changes and withdrawals add versions, never rewrite."""

from __future__ import annotations

import shutil

from credit_yrd.ingest import ingest_file
from tests.ingest.builders import (
    legal_person,
    mapping_of,
    natural_person,
    penalty_row,
    source_table,
    write_csv,
    write_jsonl,
)
from tests.ingest.store_state import counts, versions


def shanghai_file(inputs, name, rows):
    return write_csv(inputs / name, source_table(mapping_of("shanghai"), "penalty", rows))


def test_the_same_file_twice_is_a_duplicate_and_writes_nothing(make_ctx, inputs, engine) -> None:
    rows = [penalty_row(legal_person(i), i) for i in range(1, 4)]
    rows.append(penalty_row(legal_person(9), 9, CF_JDRQ="bad"))
    path = shanghai_file(inputs, "行政处罚.csv", rows)
    ctx = make_ctx("shanghai")

    first = ingest_file(ctx, path)
    before = counts(engine)
    copy = inputs / "行政处罚-重发.csv"
    shutil.copy(path, copy)
    second = ingest_file(ctx, copy)

    assert first.status == "accepted" and first.new == 3
    assert second.status == "duplicate"
    assert second.duplicate_of == first.batch_id
    assert second.batch_id is None
    assert second.file == "行政处罚-重发.csv"
    assert (second.read, second.new, second.changed, second.unchanged) == (4, 0, 0, 3)
    assert second.rejected == 1
    assert second.read == second.accepted + second.rejected
    assert counts(engine) == before


def test_identical_rows_in_another_file_are_unchanged(make_ctx, inputs, engine) -> None:
    ctx = make_ctx("shanghai")
    a, b, c = (penalty_row(legal_person(i), i) for i in range(1, 4))
    ingest_file(ctx, shanghai_file(inputs, "行政处罚-1.csv", [a, b]))
    receipt = ingest_file(ctx, shanghai_file(inputs, "行政处罚-2.csv", [b, c, a]))

    assert receipt.status == "accepted"
    assert (receipt.new, receipt.changed, receipt.unchanged) == (1, 0, 2)
    assert counts(engine)["record_versions"] == 3
    assert counts(engine)["records"] == 3


def test_identical_rows_from_another_format_source_are_separate_records(
    make_ctx, inputs, engine
) -> None:
    row = penalty_row(legal_person(1), 1)
    ingest_file(make_ctx("shanghai"), shanghai_file(inputs, "行政处罚.csv", [row]))
    receipt = ingest_file(make_ctx("zhejiang"), write_jsonl(inputs / "penalty.jsonl", [row]))

    assert receipt.new == 1  # another source's record, same subject
    first, second = versions(engine)
    assert first["record_id"] != second["record_id"]
    assert first["subject_id"] == second["subject_id"]


def test_a_changed_non_key_field_adds_a_version_and_keeps_the_first(
    make_ctx, inputs, engine
) -> None:
    ctx = make_ctx("shanghai")
    party = legal_person(1)
    ingest_file(ctx, shanghai_file(inputs, "行政处罚-1.csv", [penalty_row(party, 1)]))
    changed = penalty_row(party, 1, CF_NR_FK="2", CF_NR="罚款人民币贰万元整")
    receipt = ingest_file(ctx, shanghai_file(inputs, "行政处罚-2.csv", [changed]))

    assert (receipt.new, receipt.changed, receipt.unchanged) == (0, 1, 0)
    first, second = versions(engine)
    assert first["record_id"] == second["record_id"]
    assert (first["version"], second["version"]) == (1, 2)
    assert first["content"]["CF_NR_FK"] == "1.5"
    assert second["content"]["CF_NR_FK"] == "2"
    assert first["batch_id"] != second["batch_id"]
    assert first["status"] == second["status"] == "active"


def test_a_changed_key_field_is_a_new_record(make_ctx, inputs, engine) -> None:
    ctx = make_ctx("shanghai")
    party = legal_person(1)
    ingest_file(ctx, shanghai_file(inputs, "行政处罚-1.csv", [penalty_row(party, 1)]))
    receipt = ingest_file(ctx, shanghai_file(inputs, "行政处罚-2.csv", [penalty_row(party, 2)]))
    assert (receipt.new, receipt.changed) == (1, 0)
    assert counts(engine)["records"] == 2


def test_withdrawal_adds_a_withdrawn_version_and_keeps_the_earlier_one(
    make_ctx, inputs, engine
) -> None:
    ctx = make_ctx("shanghai")
    party = natural_person(1)
    ingest_file(ctx, shanghai_file(inputs, "行政处罚-1.csv", [penalty_row(party, 1)]))
    withdrawn = penalty_row(party, 1, CF_GSZT="撤销")
    receipt = ingest_file(ctx, shanghai_file(inputs, "行政处罚-2.csv", [withdrawn]))

    assert receipt.changed == 1
    first, second = versions(engine)
    assert first["record_id"] == second["record_id"]
    assert (first["status"], second["status"]) == ("active", "withdrawn")
    assert (first["version"], second["version"]) == (1, 2)
    assert second["content"]["CF_GSZT"] == "撤销"


def test_deletion_code_gives_a_deleted_version(make_ctx, inputs, engine) -> None:
    ctx = make_ctx("anhui")
    mapping = mapping_of("anhui")
    party = legal_person(1)
    for name, status in (("cf_1.csv", "正常"), ("cf_2.csv", "删除")):
        table = source_table(mapping, "penalty", [penalty_row(party, 1, CF_GSZT=status)])
        ingest_file(ctx, write_csv(inputs / name, table, encoding="gbk"))
    assert [v["status"] for v in versions(engine)] == ["active", "deleted"]


def test_the_same_row_twice_in_one_file_is_new_then_unchanged(make_ctx, inputs, engine) -> None:
    row = penalty_row(legal_person(1), 1)
    receipt = ingest_file(make_ctx("shanghai"), shanghai_file(inputs, "行政处罚.csv", [row, row]))
    assert (receipt.read, receipt.new, receipt.unchanged) == (2, 1, 1)
    assert counts(engine)["record_versions"] == 1
