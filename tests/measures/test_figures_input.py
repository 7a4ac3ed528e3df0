"""The figures' day is held between 2000-01-01 and 9998-12-31 (the day after it must still be a
date): out of range is a clear error from the function, the API and the CLI, never a crash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from credit_yrd.cli.main import app as cli
from credit_yrd.measures.errors import MeasuresError
from credit_yrd.measures.figures import EARLIEST_DAY, LATEST_DAY, FiguresDayError, joint_figures
from credit_yrd.settings import get_settings
from credit_yrd.store.migrate import init_store

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CREDIT_YRD_WORKER_INTERVAL_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_function_refuses_a_day_out_of_range(database_url: str) -> None:
    engine = init_store(database_url)
    try:
        with engine.connect() as conn:
            for day in (dt.date.max, dt.date(9999, 1, 1), dt.date(1999, 12, 31), dt.date.min):
                with pytest.raises(FiguresDayError) as refused:
                    joint_figures(conn, on=day)
                assert isinstance(refused.value, MeasuresError) and refused.value.status == 400
                assert "2000-01-01" in refused.value.message_zh
                assert "9998-12-31" in refused.value.message_en
            for day in (EARLIEST_DAY, LATEST_DAY):
                assert joint_figures(conn, on=day)["totals"]["initiated"] == 0
    finally:
        engine.dispose()


def test_the_cli_refuses_a_day_out_of_range(database_url: str, cli_env: None) -> None:
    init_store(database_url).dispose()
    db = ["--db", database_url]
    for day in ("9999-12-31", "1999-01-01"):
        refused = runner.invoke(cli, ["joint", "figures", "--on", day, *db])
        assert refused.exit_code == 2, refused.output
        assert "2000-01-01" in refused.output and "9998-12-31" in refused.output
        english = runner.invoke(cli, ["--lang", "en", "joint", "figures", "--on", day, *db])
        assert english.exit_code == 2 and "must be between" in english.output
    fine = runner.invoke(cli, ["joint", "figures", "--on", "9998-12-31", "--json", *db])
    assert fine.exit_code == 0, fine.output
