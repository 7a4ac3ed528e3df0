"""Each source's format end to end, and the entry points that pick files from folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credit_yrd.ingest import expand_inputs, ingest_file, ingest_paths
from tests.ingest.builders import (
    Party,
    Table,
    individual_business,
    legal_person,
    license_row,
    mapping_of,
    natural_person,
    penalty_row,
    registration_row,
    source_table,
    write_csv,
    write_jsonl,
    write_source_file,
    write_xlsx,
)
from tests.ingest.store_state import counts, versions

FILES = {
    "shanghai": "2024年行政处罚.csv",
    "anhui": "cf_202403.csv",
    "zhejiang": "penalty_202403.jsonl",
    "jiangsu": "江苏-202403.xlsx",
    "national": "penalty.jsonl",
}


@pytest.mark.parametrize("source", sorted(FILES))
def test_every_source_takes_the_same_penalties_to_the_same_content(
    make_ctx, inputs, engine, source: str
) -> None:
    rows = [
        penalty_row(legal_person(1), 1),
        penalty_row(natural_person(2), 2),
        penalty_row(individual_business(3, with_uscc=True), 3),
    ]
    path = write_source_file(inputs / FILES[source], source, "penalty", rows)

    receipt = ingest_file(make_ctx(source), path)

    assert receipt.status == "accepted"
    assert (receipt.read, receipt.new, receipt.rejected) == (3, 3, 0), receipt.to_dict()
    content = [v["content"] for v in versions(engine)]
    assert [c["CF_NR_FK"] for c in content] == ["1.5"] * 3
    assert [c["CF_CFLB"] for c in content] == [["罚款"]] * 3
    assert [c["CF_JDRQ"] for c in content] == ["2024-03-05"] * 3
    assert [c["CF_XDR_LB"] for c in content] == ["法人及非法人组织", "自然人", "个体工商户"]
    assert [v["source"] for v in versions(engine)] == [source] * 3


def test_a_workbook_with_several_sheets_is_one_batch(make_ctx, inputs, engine) -> None:
    mapping = mapping_of("jiangsu")
    company = legal_person(1)
    path = write_xlsx(
        inputs / "江苏.xlsx",
        {
            "登记注册基本信息": source_table(mapping, "registration", [registration_row(company)]),
            "行政许可": source_table(mapping, "license", [license_row(company, 1)]),
            "行政处罚": source_table(mapping, "penalty", [penalty_row(company, 1)]),
            "Sheet": Table([]),  # an empty sheet: skipped
        },
    )
    receipt = ingest_file(make_ctx("jiangsu"), path)
    assert receipt.kinds == {"registration": 1, "license": 1, "penalty": 1}
    assert receipt.new == 3
    assert counts(engine)["batches"] == 1
    assert {v["subject_id"] for v in versions(engine)} == {versions(engine)[0]["subject_id"]}


def test_registration_sheet_is_taken_first_whatever_the_sheet_order(
    make_ctx, inputs, engine
) -> None:
    mapping = mapping_of("jiangsu")
    shop = individual_business(5, with_uscc=True, with_reg_no=True, with_id=False)
    only_reg_no = Party(shop.name, "个体工商户", reg_no=shop.reg_no)
    path = write_xlsx(
        inputs / "江苏.xlsx",
        {
            "行政处罚": source_table(mapping, "penalty", [penalty_row(only_reg_no, 1)]),
            "登记注册基本信息": source_table(mapping, "registration", [registration_row(shop)]),
        },
    )
    receipt = ingest_file(make_ctx("jiangsu"), path)
    assert receipt.links == {"uscc": 1, "business_reg_no": 1}
    assert receipt.unresolved == 0


def test_expand_inputs_orders_by_kind_and_reports_what_it_skips(inputs) -> None:
    mapping = mapping_of("shanghai")
    for name in (
        "a行政处罚.csv",
        "b行政许可.csv",
        "z登记注册.csv",
        "readme.md",
        ".hidden行政处罚.csv",
    ):
        (inputs / name).write_text("x", encoding="utf-8")
    (inputs / "sub").mkdir()
    elsewhere = inputs.parent / "elsewhere"
    elsewhere.mkdir()
    explicit = elsewhere / "whatever.csv"
    explicit.write_text("x", encoding="utf-8")

    files, skipped = expand_inputs([inputs, explicit], mapping)

    assert [p.name for p in files] == [
        "z登记注册.csv",
        "b行政许可.csv",
        "a行政处罚.csv",
        "whatever.csv",  # named explicitly: taken, and refused later if it matches no kind
    ]
    assert [p.name for p in skipped] == ["readme.md"]


def test_expand_inputs_for_a_workbook_source_takes_every_xlsx(inputs) -> None:
    for name in ("b.xlsx", "a.XLSX", "c.csv"):
        (inputs / name).write_text("x", encoding="utf-8")
    files, skipped = expand_inputs([inputs], mapping_of("jiangsu"))
    assert [p.name for p in files] == ["a.XLSX", "b.xlsx"]
    assert [p.name for p in skipped] == ["c.csv"]


def test_ingest_paths_ingests_a_folder_one_batch_per_file(engine, settings, clock, inputs) -> None:
    mapping = mapping_of("zhejiang")
    company = legal_person(1)
    write_jsonl(
        inputs / "penalty_1.jsonl",
        source_table(mapping, "penalty", [penalty_row(company, 1)]).dicts(),
    )
    write_jsonl(
        inputs / "license_1.jsonl",
        source_table(mapping, "license", [license_row(company, 1)]).dicts(),
    )
    write_jsonl(
        inputs / "registration_1.jsonl",
        source_table(mapping, "registration", [registration_row(company)]).dicts(),
    )

    receipts = ingest_paths(engine, [inputs], "zhejiang", settings=settings, clock=clock)

    assert [r.file for r in receipts] == [
        "registration_1.jsonl",
        "license_1.jsonl",
        "penalty_1.jsonl",
    ]
    assert [r.new for r in receipts] == [1, 1, 1]
    assert len({r.batch_id for r in receipts}) == 3
    assert counts(engine)["batches"] == 3


def test_quarantine_lines_survive_splitlines(make_ctx, inputs) -> None:
    rows = [
        penalty_row(legal_person(1), 1, BZ="第一段\u2028第二段", CF_JDRQ="bad"),
        penalty_row(legal_person(2), 2, BZ="下一行\x85", CF_JDRQ="bad"),
    ]
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))
    receipt = ingest_file(make_ctx("shanghai"), path)
    assert receipt.rejected == 2
    lines = Path(receipt.quarantine).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["row"] for line in lines] == [2, 3]
