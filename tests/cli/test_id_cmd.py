"""The ``credit-yrd id`` commands as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from credit_yrd.cli.main import app

runner = CliRunner()
VALID_USCC = "913205836000373417"  # 工商 / 企业 / 江苏省苏州市昆山市
RESIDENT_ID = "11010519491231002X"


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_check_valid_uscc_explains_parts() -> None:
    result = run("id", "check", VALID_USCC)
    assert result.exit_code == 0, result.output
    assert "有效" in result.output
    assert "江苏省苏州市昆山市" in result.output
    assert "工商" in result.output


def test_check_invalid_names_the_part_and_exits_1() -> None:
    result = run("id", "check", "91320583600037341X")
    assert result.exit_code == 1
    assert "无效" in result.output
    assert "校验码" in result.output


def test_check_json_lines_have_the_documented_keys() -> None:
    result = run("id", "check", "--json", VALID_USCC, "60003734-1", "garbage")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["input"] for line in lines] == [VALID_USCC, "60003734-1", "garbage"]
    assert [line["kind"] for line in lines] == ["uscc", "org_code", None]
    assert [line["valid"] for line in lines] == [True, True, False]
    assert lines[0]["error"] is None and lines[2]["error"]
    assert {"name", "label_zh", "value", "meaning_zh", "meaning_en"} <= set(lines[0]["parts"][0])


def test_check_file_reads_one_code_per_line(tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text(f"{VALID_USCC}\n\n110108000000016\n", encoding="utf-8")
    result = run("id", "check", "--json", "--file", str(codes))
    assert result.exit_code == 0, result.output
    kinds = [json.loads(line)["kind"] for line in result.output.splitlines()]
    assert kinds == ["uscc", "business_reg_no"]


def test_check_human_output_masks_resident_ids() -> None:
    result = run("id", "check", RESIDENT_ID)
    assert result.exit_code == 0
    assert RESIDENT_ID not in result.output
    assert "1101**********002X" in result.output


def test_check_without_codes_is_one_clear_error() -> None:
    result = run("id", "check")
    assert result.exit_code == 2
    assert "请给出代码" in result.output


def test_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    result = run("id", "check", "--file", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    assert "找不到文件" in result.output
    assert "Traceback" not in result.output


def test_english_output() -> None:
    result = run("--lang", "en", "id", "check", VALID_USCC)
    assert result.exit_code == 0
    assert "valid" in result.output


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_string_gets_an_answer_never_a_traceback(text: str) -> None:
    result = run("id", "check", "--json", "--", text)
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    line = json.loads(result.output.splitlines()[0])
    assert isinstance(line["valid"], bool)


def test_convert_builds_the_uscc() -> None:
    result = run("id", "convert", "60003734-1", "-a", "9", "-c", "1", "-d", "320583")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == VALID_USCC


def test_convert_bad_part_is_one_line() -> None:
    result = run("id", "convert", "60003734-1", "-a", "9", "-c", "7", "-d", "320583")
    assert result.exit_code == 2
    assert "错误" in result.output
    assert "Traceback" not in result.output


def test_json_output_stays_on_one_line_whatever_the_input() -> None:
    odd = "9132\u20280583\u2029x\x85y"
    result = run("id", "check", "--json", "--", odd)
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["input"] == odd
