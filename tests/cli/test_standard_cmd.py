"""``credit-yrd standard``: browsing the standard, checking a data folder, publication windows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credit_yrd.cli import output
from credit_yrd.cli.main import app
from credit_yrd.standards.loader import DATA_DIR

runner = CliRunner()
SHIPPED = "v2026.1"


def run(*args: str):
    return runner.invoke(app, list(args))


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_list_kinds_shows_penalty_in_chinese() -> None:
    result = run("standard", "list")
    assert result.exit_code == 0, result.output
    assert "行政处罚" in result.stdout
    assert "penalty" in result.stdout


def test_list_kinds_in_english() -> None:
    result = run("--lang", "en", "standard", "list", "kinds")
    assert result.exit_code == 0, result.output
    assert "Administrative penalt" in result.stdout
    assert "行政处罚" not in result.stdout.replace("信用长三角", "")


def test_list_json_has_codes_and_both_labels() -> None:
    for what, code in (
        ("kinds", "penalty"),
        ("codes", "penalty_type"),
        ("rules", "penalty_publication"),
    ):
        result = run("standard", "list", what, "--json")
        assert result.exit_code == 0, result.output
        items = json.loads(result.stdout)
        by_code = {i["code"]: i for i in items}
        assert code in by_code, what
        assert by_code[code]["label_zh"] and by_code[code]["label_en"]


def test_list_versions_includes_the_shipped_one() -> None:
    result = run("standard", "list", "versions", "--json")
    assert result.exit_code == 0
    assert SHIPPED in json.loads(result.stdout)


def test_list_of_an_unknown_thing_is_one_line() -> None:
    line = one_line_error(run("standard", "list", "bananas"))
    assert "bananas" in line


def test_unknown_lang_is_refused() -> None:
    result = run("--lang", "fr", "standard", "list")
    assert result.exit_code != 0
    assert "Traceback" not in result.output


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide console, as in a large terminal window."""
    monkeypatch.setattr(output.out, "_width", 250)


def test_show_penalty_lists_cf_cflb_with_its_code_list(wide: None) -> None:
    result = run("standard", "show", "penalty")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "CF_CFLB" in line)
    assert "penalty_type" in line
    assert "处罚类别" in line


def test_show_penalty_json() -> None:
    result = run("standard", "show", "penalty", "--json")
    assert result.exit_code == 0
    kind = json.loads(result.stdout)
    field = next(f for f in kind["fields"] if f["code"] == "CF_CFLB")
    assert field["code_list"] == "penalty_type"
    assert field["required"] is True


def test_show_code_list_and_rule_table(wide: None) -> None:
    codes = run("standard", "show", "penalty_type")
    assert codes.exit_code == 0
    assert "吊销许可证件" in codes.stdout
    rules = run("standard", "show", "penalty_publication")
    assert rules.exit_code == 0
    assert "国家发展改革委令第58号" in rules.stdout
    assert "国家发展改革委令第36号" in rules.stdout


def test_show_output_is_not_cut_when_piped() -> None:
    result = run("standard", "show", "penalty")
    assert result.exit_code == 0
    assert "…" not in result.stdout
    line = next(line for line in result.stdout.splitlines() if "CF_CFLB" in line)
    assert "penalty_type" in line
    rules = run("standard", "show", "penalty_publication")
    assert "国家发展改革委令第36号" in rules.stdout


def test_show_unknown_name_is_one_line() -> None:
    line = one_line_error(run("standard", "show", "no_such_kind"))
    assert "no_such_kind" in line


def test_show_unknown_version_is_one_line() -> None:
    result = run("standard", "show", "penalty", "--version", "v1999.9")
    one_line_error(result)


def test_check_shipped_folder_passes() -> None:
    result = run("standard", "check", str(DATA_DIR / SHIPPED))
    assert result.exit_code == 0, result.output
    assert "有效" in result.stdout


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / SHIPPED
    shutil.copytree(DATA_DIR / SHIPPED, target)
    path = target / "record_kinds" / "penalty.yaml"
    text = path.read_text(encoding="utf-8")
    old = "code_list: penalty_type,"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "code_list: no_such_list,"), encoding="utf-8")
    return target


def test_check_broken_folder_names_the_file_without_traceback(broken_copy: Path) -> None:
    line = one_line_error(run("standard", "check", str(broken_copy)))
    assert "record_kinds/penalty.yaml" in line
    assert "no_such_list" in line


def test_check_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = run("standard", "check", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def window(*args: str) -> dict:
    result = run("standard", "window", "penalty", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_window_2026_revocation_is_serious_under_order_36() -> None:
    data = window(
        "--set", "CF_CFLB=吊销许可证件", "--set", "CF_JDRQ=2026-05-01", "--on", "2026-06-01"
    )
    assert data["class_code"] == "严重"
    assert data["rule_id"] == "ndrc-order-36"
    assert data["document_number"] == "国家发展改革委令第36号"
    assert data["on"] == "2026-06-01"
    assert data["published_on"] is True


def test_window_2024_revocation_keeps_order_58() -> None:
    # record_date selection: a later rule does not reach back.
    data = window(
        "--set", "CF_CFLB=吊销许可证件", "--set", "CF_JDRQ=2024-05-01", "--on", "2026-06-01"
    )
    assert data["rule_id"] == "ndrc-order-58"
    assert data["class_code"] == "严重"
    assert data["max_end"] == "2027-05-01"


def test_window_accepts_an_alias_and_spaces_around_values() -> None:
    data = window(
        "--set", "CF_CFLB = 吊销执照 ", "--set", "CF_JDRQ=2026-05-01", "--on", "2026-06-01"
    )
    assert data["class_code"] == "严重"


def test_window_human_output_in_english() -> None:
    result = run(
        "--lang",
        "en",
        "standard",
        "window",
        "penalty",
        "--set",
        "CF_CFLB=吊销许可证件",
        "--set",
        "CF_JDRQ=2026-05-01",
        "--on",
        "2026-06-01",
    )
    assert result.exit_code == 0, result.output
    assert "ndrc-order-36" in result.stdout


@pytest.mark.parametrize("on", ["2026-13-01", "yesterday", "2026/06/01", ""])
def test_window_bad_on_date_is_one_line(on: str) -> None:
    result = run(
        "standard",
        "window",
        "penalty",
        "--set",
        "CF_CFLB=罚款",
        "--set",
        "CF_JDRQ=2026-05-01",
        "--on",
        on,
    )
    line = one_line_error(result)
    assert "--on" in line


def test_window_set_without_equals_is_one_line() -> None:
    line = one_line_error(run("standard", "window", "penalty", "--set", "CF_CFLB"))
    assert "--set" in line


def test_window_unknown_kind_is_one_line() -> None:
    one_line_error(run("standard", "window", "nope", "--set", "X=1", "--on", "2026-06-01"))


def test_window_bad_decision_date_is_one_line() -> None:
    line = one_line_error(
        run(
            "standard",
            "window",
            "penalty",
            "--set",
            "CF_CFLB=罚款",
            "--set",
            "CF_JDRQ=not-a-date",
            "--on",
            "2026-06-01",
        )
    )
    assert "CF_JDRQ" in line
