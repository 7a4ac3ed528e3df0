"""``credit-yrd ingest`` as a user runs it."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from credit_yrd.cli.main import app
from tests.ingest.builders import (
    Party,
    individual_business,
    legal_person,
    mapping_of,
    penalty_row,
    registration_row,
    source_table,
    write_csv,
)
from tests.ingest.store_state import counts, versions
from tests.ingest.test_receipts import RECEIPT_KEYS

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_ingest_json_prints_one_receipt_per_file(cli_env, inputs, engine) -> None:
    rows = [penalty_row(legal_person(i), i) for i in range(1, 4)]
    rows.append(penalty_row(legal_person(9), 9, CF_JDRQ="2023-02-30"))
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))

    result = run("ingest", str(path), "--source", "shanghai", "--json")

    assert result.exit_code == 0, result.output
    [receipt] = json_lines(result.stdout)
    assert set(receipt) >= RECEIPT_KEYS
    assert receipt["status"] == "accepted"
    assert (receipt["read"], receipt["accepted"], receipt["rejected"]) == (4, 3, 1)
    assert receipt["rejected_by_rule"] == {"date": 1}
    assert receipt["quarantine"].startswith(str(cli_env.quarantine_dir()))
    assert counts(engine)["record_versions"] == 3

    again = run("ingest", str(path), "--source", "shanghai", "--json")
    assert again.exit_code == 0, again.output
    [duplicate] = json_lines(again.stdout)
    assert duplicate["status"] == "duplicate"
    assert duplicate["duplicate_of"] == receipt["batch_id"]


def test_ingest_a_folder_takes_registration_first(cli_env, inputs, engine) -> None:
    shop = individual_business(5, with_uscc=True, with_reg_no=True, with_id=False)
    mapping = mapping_of("anhui")
    folder = inputs / "anhui"
    folder.mkdir()
    only_reg_no = Party(shop.name, "个体工商户", reg_no=shop.reg_no)
    # named so that the penalty file sorts first by name: the order must come from the kinds
    write_csv(
        folder / "cf_0001.csv",
        source_table(mapping, "penalty", [penalty_row(only_reg_no, 1)]),
        encoding="gbk",
    )
    write_csv(
        folder / "dj_9999.csv",
        source_table(mapping, "registration", [registration_row(shop)]),
        encoding="gbk",
    )
    (folder / "说明.txt").write_text("not data", encoding="utf-8")

    result = run("ingest", str(folder), "--source", "anhui", "--json")

    assert result.exit_code == 0, result.output
    receipts = json_lines(result.stdout)
    assert [r["file"] for r in receipts] == ["dj_9999.csv", "cf_0001.csv"]
    assert [r["kinds"] for r in receipts] == [{"registration": 1}, {"penalty": 1}]
    assert receipts[1]["linked_by"] == {"business_reg_no": 1}
    assert receipts[1]["unresolved"] == 0
    assert "说明.txt" in result.stderr
    penalty = next(v for v in versions(engine) if v["kind"] == "penalty")
    assert penalty["link_method"] == "business_reg_no"


def test_ingest_human_output_names_the_counts_and_the_quarantine(cli_env, inputs) -> None:
    rows = [penalty_row(legal_person(1), 1), penalty_row(legal_person(2), 2, CF_CFLB="罚酒")]
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))
    result = run("--lang", "en", "ingest", str(path), "--source", "shanghai")
    assert result.exit_code == 0, result.output
    assert "read 2" in result.stdout and "rejected 1" in result.stdout
    assert "code 1" in result.stdout


def test_ingest_a_refused_file_is_one_error_line_and_exit_2(cli_env, inputs, engine) -> None:
    path = inputs / "行政处罚.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    before = counts(engine)

    result = run("ingest", str(path), "--source", "shanghai", "--json")

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    refusal = json.loads(result.stdout)  # in --json mode the refusal is a JSON object too
    assert refusal["status"] == "refused" and refusal["file"] == "行政处罚.csv"
    assert "行政处罚.csv" in refusal["error"]
    assert counts(engine) == before

    human = run("ingest", str(path), "--source", "shanghai")
    assert human.exit_code == 2
    assert "行政处罚.csv" in human.stderr
    assert len(human.stderr.strip().splitlines()) == 1


def test_a_refused_file_does_not_stop_the_rest_of_the_folder(cli_env, inputs, engine) -> None:
    write_csv(
        inputs / "2024_行政处罚.csv",
        source_table(mapping_of("shanghai"), "penalty", [penalty_row(legal_person(1), 1)]),
    )
    (inputs / "2023_行政处罚.csv").write_bytes(b"")  # empty: refused whole, read first
    result = run("ingest", str(inputs), "--source", "shanghai", "--json")
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["file"], line["status"]) for line in lines] == [
        ("2023_行政处罚.csv", "refused"),
        ("2024_行政处罚.csv", "accepted"),
    ]
    assert lines[1]["new"] == 1


def test_ingest_an_unknown_source_is_exit_2(cli_env, inputs) -> None:
    path = write_csv(
        inputs / "行政处罚.csv",
        source_table(mapping_of("shanghai"), "penalty", [penalty_row(legal_person(1), 1)]),
    )
    result = run("ingest", str(path), "--source", "hainan")
    assert result.exit_code == 2
    assert "hainan" in result.stderr


def test_ingest_the_same_content_under_two_names_in_one_run(cli_env, inputs, engine) -> None:
    path = write_csv(
        inputs / "行政处罚-a.csv",
        source_table(mapping_of("shanghai"), "penalty", [penalty_row(legal_person(1), 1)]),
    )
    shutil.copy(path, inputs / "行政处罚-b.csv")
    result = run("ingest", str(inputs), "--source", "shanghai", "--json")
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in json_lines(result.stdout)] == ["accepted", "duplicate"]
    assert counts(engine)["record_versions"] == 1
