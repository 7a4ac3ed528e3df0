"""``credit-yrd objection list | show | decide``: the regional credit office's view in the CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from credit_yrd.cli import output
from credit_yrd.cli.main import app
from credit_yrd.clock import FixedClock
from credit_yrd.repair.objections import file_objection
from credit_yrd.settings import Settings, get_settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import history
from credit_yrd.store.schema import access_log
from tests.repair.test_objections_world import World, build_world

runner = CliRunner()
RECEIVED = dt.date(2026, 9, 28)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CREDIT_YRD_{name.upper()}", raising=False)
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text("2026-10-19", encoding="utf-8")
    monkeypatch.setenv("CREDIT_YRD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDIT_YRD_CLOCK_FILE", str(clock_file))
    monkeypatch.setattr(output.out, "_width", 400)
    get_settings.cache_clear()
    yield clock_file
    get_settings.cache_clear()


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    made = build_world(engine, tmp_path)
    with transaction(engine) as conn:
        file_objection(
            conn,
            clock=FixedClock(RECEIVED),
            settings=made.settings,
            standard=made.standard,
            principal=made.me,
            record_id=made.records["penalty"],
            ground="content",
            statement="罚款金额登记有误",
        )
    return made


def run(*args: str):
    return runner.invoke(app, list(args))


def test_list_show_decide(world: World, env: Path) -> None:
    url = world.engine.url.render_as_string(hide_password=False)
    listed = run("objection", "list", "--db", url)
    assert listed.exit_code == 0, listed.output
    assert "2026-10-16" in listed.stdout and "-1 超期" in listed.stdout
    [row] = [
        json.loads(line)
        for line in run("objection", "list", "--db", url, "--json").stdout.splitlines()
    ]
    assert row["status"] == "open" and row["overdue"] is True and row["working_days_left"] == -1
    assert run("objection", "list", "--db", url, "--status", "upheld", "--json").stdout == ""
    bad = run("objection", "list", "--db", url, "--status", "maybe")
    assert bad.exit_code == 2 and "--status" in bad.output

    shown = run("--lang", "en", "objection", "show", str(row["id"]), "--db", url, "--by", "王五")
    assert shown.exit_code == 0, shown.output
    assert "罚款金额登记有误" in shown.stdout and "(overdue)" in shown.stdout
    with world.engine.connect() as conn:
        actors = set(conn.execute(select(access_log.c.actor)).scalars())
    assert actors == {"cli:cli", "cli:王五"}

    refused = run(
        "objection",
        "decide",
        str(row["id"]),
        "--outcome",
        "correct",
        "--reasons",
        "更正",
        "--set",
        "NOPE=1",
        "--db",
        url,
    )
    assert refused.exit_code == 2 and "NOPE" in refused.output
    malformed = run(
        "objection",
        "decide",
        str(row["id"]),
        "--outcome",
        "correct",
        "--reasons",
        "更正",
        "--set",
        "CF_NR_FK",
        "--db",
        url,
    )
    assert malformed.exit_code == 2 and "字段代码=新值" in malformed.output
    done = run(
        "objection",
        "decide",
        str(row["id"]),
        "--outcome",
        "correct",
        "--reasons",
        "经核对，罚款三万元",
        "--set",
        "CF_NR_FK=30000",
        "--db",
        url,
        "--by",
        "王五",
    )
    assert done.exit_code == 0, done.output
    assert "异议成立，已更正" in done.stdout and "11 个工作日" in done.stdout
    with world.engine.connect() as conn:
        versions = history(conn, world.records["penalty"])
    assert [v.content["CF_NR_FK"] for v in versions] == ["50000", "30000"]
    shown = json.loads(run("objection", "show", str(row["id"]), "--db", url, "--json").stdout)
    assert shown["status"] == "corrected" and shown["decided_by"] == "cli:王五"
    assert shown["steps"][-1]["event"] == "corrected"
    again = run(
        "objection", "decide", str(row["id"]), "--outcome", "uphold", "--reasons", "x", "--db", url
    )
    assert again.exit_code == 2
    unknown = run("objection", "show", "99999", "--db", url)
    assert unknown.exit_code == 2 and "99999" in unknown.output
