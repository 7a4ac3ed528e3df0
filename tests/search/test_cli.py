"""``credit-yrd search find`` and ``credit-yrd search reindex``."""

from __future__ import annotations

import json

from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from credit_yrd.cli.main import app
from credit_yrd.store.schema import subject_terms
from tests.search.conftest import World

runner = CliRunner()


def test_reindex_rebuilds_the_index(world: World, database_url: str) -> None:
    with world.engine.begin() as conn:
        before = conn.execute(select(func.count()).select_from(subject_terms)).scalar_one()
        conn.execute(delete(subject_terms))
    result = runner.invoke(app, ["--lang", "en", "search", "reindex", "--db", database_url])
    assert result.exit_code == 0, result.output
    assert "32 subjects" in result.output
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(subject_terms)).scalar_one() == before


def test_find_prints_json_and_tables(world: World, database_url: str) -> None:
    result = runner.invoke(app, ["search", "find", "华信科技", "--db", database_url, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["total"] == 2 and body["items"][0]["id"] == world.ids["exact"]
    table = runner.invoke(
        app, ["search", "find", "华信", "--province", "江苏", "--db", database_url]
    )
    assert table.exit_code == 0, table.output
    assert "苏州华信科技有限公司" in table.output and "共 2 个" in table.output


def test_find_refuses_bad_input_in_one_line(world: World, database_url: str) -> None:
    result = runner.invoke(app, ["search", "find", "x" * 200, "--db", database_url])
    assert result.exit_code == 2
    assert "查询过长" in result.output
