"""``credit-yrd review``: list the queue, link an item's record to a subject, or reject it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from credit_yrd.cli.main import app
from credit_yrd.ingest import ingest_file
from credit_yrd.resolve import ReviewError, link_item, reject_item
from credit_yrd.store import transaction
from tests.ingest.builders import (
    Party,
    individual_business,
    legal_person,
    make_reg_no,
    mapping_of,
    penalty_row,
    registration_row,
    source_table,
    write_csv,
)
from tests.ingest.store_state import rows

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def records_by_id(engine) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in rows(engine, "records")}


def items_by_id(engine) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in rows(engine, "review_items")}


@pytest.fixture
def queue(cli_env, make_ctx, inputs, engine) -> dict[str, Any]:
    """A store with a known company and two records waiting for review."""
    mapping = mapping_of("shanghai")
    ctx = make_ctx("shanghai")
    company = legal_person(1, "上海复核对象有限公司")
    ingest_file(
        ctx,
        write_csv(
            inputs / "登记注册.csv",
            source_table(mapping, "registration", [registration_row(company)]),
        ),
    )
    unknown = Party("上海无名便利店", "个体工商户", reg_no=make_reg_no(77))
    waiting = [penalty_row(individual_business(2, "上海查无此店"), 1), penalty_row(unknown, 2)]
    receipt = ingest_file(
        ctx, write_csv(inputs / "行政处罚.csv", source_table(mapping, "penalty", waiting))
    )
    assert receipt.unresolved == 2
    return {"company": company, "receipt": receipt}


def test_review_list_json_shows_the_open_items(queue) -> None:
    result = run("review", "list", "--json")

    assert result.exit_code == 0, result.output
    items = json_lines(result.stdout)
    assert [item["reason"] for item in items] == ["name_unknown", "unknown_legacy_code"]
    assert {item["status"] for item in items} == {"open"}
    assert {item["source"] for item in items} == {"shanghai"}
    assert {item["batch_id"] for item in items} == {queue["receipt"].batch_id}
    assert items[0]["party"]["name"] == "上海查无此店"
    assert items[1]["party"]["business_reg_no"] == make_reg_no(77)
    assert {"id", "record_id", "kind", "candidates", "created_at"} <= set(items[0])


def test_review_list_filters(queue) -> None:
    assert json_lines(run("review", "list", "--json", "--source", "anhui").stdout) == []
    assert json_lines(run("review", "list", "--json", "--status", "linked").stdout) == []
    assert len(json_lines(run("review", "list", "--json", "--limit", "1").stdout)) == 1
    human = run("--lang", "en", "review", "list")
    assert human.exit_code == 0, human.output
    assert "上海查无此店" in human.stdout


def test_review_link_gives_the_record_its_subject(queue, engine) -> None:
    item = json_lines(run("review", "list", "--json").stdout)[0]
    company = queue["company"]

    result = run("review", "link", str(item["id"]), company.uscc, "--by", "审核员甲")

    assert result.exit_code == 0, result.output
    subject_id = next(s["id"] for s in rows(engine, "subjects") if s["uscc"] == company.uscc)
    record = records_by_id(engine)[item["record_id"]]
    assert (record["subject_id"], record["link_method"]) == (subject_id, "review")
    assert record["linked_at"] is not None
    decided = items_by_id(engine)[item["id"]]
    assert (decided["status"], decided["subject_id"], decided["decided_by"]) == (
        "linked",
        subject_id,
        "审核员甲",
    )
    assert decided["decided_at"] is not None
    assert f"复核事项 {item['id']} 已关联到主体 {subject_id}" in result.stdout
    remaining = json_lines(run("review", "list", "--json").stdout)
    assert item["id"] not in [i["id"] for i in remaining]
    assert len(remaining) == 1
    linked = json_lines(run("review", "list", "--json", "--status", "linked").stdout)
    assert [i["id"] for i in linked] == [item["id"]]


def test_review_link_accepts_a_legacy_code(queue, engine) -> None:
    item = json_lines(run("review", "list", "--json").stdout)[1]
    company = queue["company"]
    result = run("review", "link", str(item["id"]), company.org_code)
    assert result.exit_code == 0, result.output
    assert records_by_id(engine)[item["record_id"]]["link_method"] == "review"


def test_review_reject_keeps_the_record_unlinked_with_the_note(queue, engine) -> None:
    item = json_lines(run("review", "list", "--json").stdout)[1]

    result = run("review", "reject", str(item["id"]), "--note", "旧注册号无法核实")

    assert result.exit_code == 0, result.output
    decided = items_by_id(engine)[item["id"]]
    assert (decided["status"], decided["note"], decided["decided_by"]) == (
        "rejected",
        "旧注册号无法核实",
        "cli",
    )
    record = records_by_id(engine)[item["record_id"]]
    assert (record["subject_id"], record["link_method"]) == (None, None)


def test_reject_needs_a_note(queue) -> None:
    item = json_lines(run("review", "list", "--json").stdout)[0]
    result = run("review", "reject", str(item["id"]))
    assert result.exit_code != 0
    listed = json_lines(run("review", "list", "--json", "--status", "all").stdout)
    assert next(i["status"] for i in listed if i["id"] == item["id"]) == "open"


def test_deciding_twice_is_a_clear_error_with_exit_2(queue, engine) -> None:
    first, second = json_lines(run("review", "list", "--json").stdout)
    uscc = queue["company"].uscc
    assert run("review", "link", str(first["id"]), uscc).exit_code == 0
    assert run("review", "reject", str(second["id"]), "--note", "无法核实").exit_code == 0
    before = rows(engine, "review_items")

    for args in (
        ("review", "link", str(first["id"]), uscc),
        ("review", "reject", str(first["id"]), "--note", "again"),
        ("review", "link", str(second["id"]), uscc),
        ("review", "reject", str(second["id"]), "--note", "again"),
    ):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert str(args[2]) in result.stderr
        assert "已处理" in result.stderr or "already decided" in result.stderr
    assert rows(engine, "review_items") == before


def test_unknown_item_or_subject_is_exit_2(queue, engine) -> None:
    item = json_lines(run("review", "list", "--json").stdout)[0]
    missing_item = run("review", "link", "9999", queue["company"].uscc)
    assert missing_item.exit_code == 2 and "9999" in missing_item.stderr
    missing_subject = run("review", "link", str(item["id"]), "91310000MA1FL0000X")
    assert missing_subject.exit_code == 2
    assert items_by_id(engine)[item["id"]]["status"] == "open"


def test_a_record_linked_by_a_later_batch_leaves_no_inconsistent_review_item(
    cli_env, make_ctx, inputs, engine
) -> None:
    mapping = mapping_of("shanghai")
    ctx = make_ctx("shanghai")
    shop = individual_business(1, "上海晚到便利店")
    first = write_csv(
        inputs / "行政处罚-1.csv", source_table(mapping, "penalty", [penalty_row(shop, 1)])
    )
    assert ingest_file(ctx, first).unresolved == 1
    registered, other = legal_person(2, "上海晚到便利店"), legal_person(3)
    regs = [registration_row(registered), registration_row(other)]
    ingest_file(
        ctx, write_csv(inputs / "登记注册.csv", source_table(mapping, "registration", regs))
    )
    again = [penalty_row(shop, 1, BZ="更正")]
    receipt = ingest_file(
        ctx, write_csv(inputs / "行政处罚-2.csv", source_table(mapping, "penalty", again))
    )
    assert receipt.links == {"name": 1}  # the record is now linked to `registered`
    [item] = rows(engine, "review_items")

    try:
        with transaction(engine) as conn:
            said = link_item(conn, item["id"], other.uscc, decided_by="t")
    except ReviewError:
        return  # refusing is consistent
    record = records_by_id(engine)[item["record_id"]]
    assert record["subject_id"] == said == items_by_id(engine)[item["id"]]["subject_id"]


def test_library_calls_refuse_a_second_decision(queue, engine) -> None:
    item = rows(engine, "review_items")[0]
    with transaction(engine) as conn:
        reject_item(conn, item["id"], decided_by="t", note="n")
    with pytest.raises(ReviewError), transaction(engine) as conn:
        link_item(conn, item["id"], queue["company"].uscc, decided_by="t")
