"""``credit-yrd generate`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from credit_yrd.cli.main import app
from tests.demo.checks import SOURCES

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_generate_writes_the_sources_and_the_truth(tmp_path: Path) -> None:
    out = tmp_path / "world"
    result = run("generate", "--out", str(out), "--subjects", "200", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert "已生成" in result.stdout and "200" in result.stdout
    for source in SOURCES:
        assert any((out / source).iterdir())
    for name in ("defects.jsonl", "summary.json", "subjects.csv", "institutions.csv"):
        assert (out / "truth" / name).is_file()
    summary = json.loads((out / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 5 and summary["world"]["subjects"] == 200


def test_generate_in_english_and_json(tmp_path: Path) -> None:
    out = tmp_path / "world"
    result = run("--lang", "en", "generate", "--out", str(out), "--subjects", "150")
    assert result.exit_code == 0, result.output
    assert "generated 150 subjects" in result.stdout
    result = run(
        "generate",
        "--out",
        str(out),
        "--subjects",
        "150",
        "--force",
        "--json",
        "--as-of",
        "2025-06-30",
        "--no-defects",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2025-06-30" and data["defects_enabled"] is False
    assert data["out"] == str(out) and data["world"]["expected_rejected"] == 0
    assert set(data["sources"]) == set(SOURCES)
    assert (out / "anhui" / "cf_2025-06.csv").is_file()
    assert not (out / "anhui" / "cf_2026-10.csv").exists()


def test_a_non_empty_folder_needs_force(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    line = one_line_error(run("generate", "--out", str(tmp_path), "--subjects", "100"))
    assert "--force" in line
    result = run("generate", "--out", str(tmp_path), "--subjects", "100", "--force")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_bad_arguments_give_one_clear_line(tmp_path: Path) -> None:
    out = str(tmp_path / "w")
    assert "100" in one_line_error(run("generate", "--out", out, "--subjects", "99"))
    assert "1,000,000" in one_line_error(run("generate", "--out", out, "--subjects", "1000001"))
    assert "YYYY-MM-DD" in one_line_error(run("generate", "--out", out, "--as-of", "2024-02-30"))
    line = one_line_error(run("generate", "--out", out, "--as-of", "2001-01-01"))
    assert "2016-01-01" in line
    assert not (tmp_path / "w").exists()
