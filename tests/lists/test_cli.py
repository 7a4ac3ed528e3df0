"""``credit-yrd lists show | entries | advance``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credit_yrd.cli import output
from credit_yrd.cli.main import app
from credit_yrd.lists import lifecycle
from credit_yrd.settings import Settings, get_settings
from credit_yrd.store.engine import transaction
from tests.lists.conftest import TODAY, World, clock_on

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A clean environment whose platform clock is the file returned."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CREDIT_YRD_{name.upper()}", raising=False)
    clock_file = tmp_path / "clock.txt"
    monkeypatch.setenv("CREDIT_YRD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDIT_YRD_CLOCK_FILE", str(clock_file))
    monkeypatch.setattr(output.out, "_width", 400)
    get_settings.cache_clear()
    yield clock_file
    get_settings.cache_clear()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_advance_lists_once_and_entries_show_it(world: World, env: Path) -> None:
    url = world.engine.url.render_as_string(hide_password=False)
    with transaction(world.engine) as conn:
        made = lifecycle.propose(
            conn,
            standard=world.standard,
            clock=clock_on(TODAY),
            principal=world.sh_amr,
            list_code="market_serious_violation",
            subject_id=world.company,
            reason="严重违法",
            legal_basis="总局令第44号",
        )
    env.write_text("2026-12-08", encoding="utf-8")
    first = run("lists", "advance", "--db", url)
    assert first.exit_code == 0, first.output
    assert "异议期届满列入 1 条" in first.stdout and "撤销 0 条" in first.stdout
    again = run("--lang", "en", "lists", "advance", "--db", url, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "on": "2026-12-08",
        "fed": 0,
        "listed": 0,
        "expired": 0,
        "withdrawn": 0,
    }

    shown = run("lists", "entries", "market_serious_violation", "--db", url)
    assert shown.exit_code == 0, shown.output
    assert world.company_uscc in shown.stdout and "2026-12-08" in shown.stdout
    as_json = json.loads(
        run("lists", "entries", "market_serious_violation", "--db", url, "--json").stdout
    )
    assert [e["id"] for e in as_json["entries"]] == [made.id]
    before = json.loads(
        run(
            "lists",
            "entries",
            "market_serious_violation",
            "--db",
            url,
            "--json",
            "--on",
            "2026-12-07",
        ).stdout
    )
    assert before["entries"] == []

    catalogue = run("lists", "show", "--db", url)
    assert catalogue.exit_code == 0 and "市场监督管理严重违法失信名单" in catalogue.stdout
    counts = {
        x["code"]: x["active_entries"]
        for x in json.loads(run("lists", "show", "--db", url, "--json").stdout)["lists"]
    }
    assert counts["market_serious_violation"] == 1 and counts["red_list"] == 0


def test_bad_input_is_one_line_and_non_zero(world: World, env: Path) -> None:
    url = world.engine.url.render_as_string(hide_password=False)
    unknown = run("lists", "entries", "nope", "--db", url)
    assert unknown.exit_code == 2 and "nope" in unknown.output
    bad_day = run("lists", "show", "--db", url, "--on", "tomorrow")
    assert bad_day.exit_code == 2 and "--on" in bad_day.output
