"""``credit-yrd check``: codes or a file, a table or JSON, and the check logged as the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credit_yrd.checks.log import list_checks
from credit_yrd.cli import output
from credit_yrd.cli.main import app
from credit_yrd.settings import Settings, get_settings
from tests.checks.conftest import VAULT_KEY, World

runner = CliRunner()


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str
) -> Iterator[pytest.MonkeyPatch]:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CREDIT_YRD_{name.upper()}", raising=False)
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-11-27", encoding="utf-8")
    monkeypatch.setenv("CREDIT_YRD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDIT_YRD_DATABASE_URL", database_url)
    monkeypatch.setenv("CREDIT_YRD_CLOCK_FILE", str(clock))
    monkeypatch.setenv("CREDIT_YRD_SECRET_KEY", VAULT_KEY)
    monkeypatch.setattr(output.out, "_width", 400)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_check_prints_the_measures_and_logs_the_check(world: World, cli_env) -> None:
    result = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "check",
            world.black_uscc,
            world.clean_uscc,
            "--scenario",
            "public_bidding",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Restricted in public bidding" in result.output
    assert "江苏省生态环境厅" in result.output
    assert "2 codes checked, 1 with measures" in result.output
    with world.engine.connect() as conn:
        (logged,) = list_checks(conn)
    assert logged.actor.startswith("cli:") and logged.role == "cli"
    assert logged.scenario == "public_bidding" and logged.codes == 2


def test_check_reads_a_file_and_answers_json(world: World, cli_env, tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text(
        f"# 待核查\n{world.red_uscc}\n\n{world.person_id}\nnot-a-code\n", encoding="utf-8"
    )
    result = runner.invoke(
        app, ["check", "--file", str(codes), "--scenario", "financing_credit", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert world.person_id not in result.output
    body = json.loads(result.output)
    assert body["codes"] == 3 and body["on"] == "2026-11-27"
    red, person, bad = body["results"]
    assert [m["measure"] for m in red["measures"]] == ["preferential_financing"]
    assert sorted(m["measure"] for m in person["measures"]) == [
        "defaulter_financing_limits",
        "financing_scrutiny",
    ]
    assert bad["status"] == "invalid"


def test_check_refuses_an_unknown_scenario_or_no_codes(world: World, cli_env) -> None:
    unknown = runner.invoke(app, ["check", world.black_uscc, "--scenario", "lottery"])
    assert unknown.exit_code == 2 and "lottery" in unknown.output
    nothing = runner.invoke(app, ["check", "--scenario", "fiscal_funds"])
    assert nothing.exit_code == 2
    missing = runner.invoke(app, ["check", "--file", "/nonexistent/codes.txt"])
    assert missing.exit_code == 2
    with world.engine.connect() as conn:
        assert list_checks(conn) == []
