"""``credit-yrd init``, ``settings``, ``serve`` and ``demo``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from typer.testing import CliRunner

from credit_yrd.cli import output
from credit_yrd.cli.main import app
from credit_yrd.settings import Settings, get_settings
from credit_yrd.store.engine import make_engine

runner = CliRunner()
SECRET = "0f" * 32


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings re-read from the (patched) environment, and forgotten again afterwards."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CREDIT_YRD_{name.upper()}", raising=False)
    monkeypatch.setattr(output.out, "_width", 400)  # no wrapping inside the table
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_init_creates_the_store_and_is_idempotent(database_url: str) -> None:
    first = run("init", "--db", database_url)
    assert first.exit_code == 0, first.output
    assert {"sources", "subjects", "legacy_codes", "records", "record_versions"} <= tables(
        database_url
    )
    second = run("init", "--db", database_url)
    assert second.exit_code == 0, second.output
    assert "存储已就绪" in second.stdout
    revision = first.stdout.rsplit("架构版本", 1)[1]
    assert revision == second.stdout.rsplit("架构版本", 1)[1]


def test_init_in_english(database_url: str) -> None:
    result = run("--lang", "en", "init", "--db", database_url)
    assert result.exit_code == 0, result.output
    assert "store ready" in result.stdout


def test_init_uses_the_database_url_setting(fresh_settings, database_url: str) -> None:
    fresh_settings.setenv("CREDIT_YRD_DATABASE_URL", database_url)
    result = run("init")
    assert result.exit_code == 0, result.output
    assert "legacy_codes" in tables(database_url)


def test_init_never_prints_the_database_password() -> None:
    # An unreachable server: the command fails, but nothing printed may show the password.
    url = "postgresql+psycopg://alice:TopSecret42@127.0.0.1:1/nodb?connect_timeout=1"
    result = run("init", "--db", url)
    assert result.exit_code != 0
    assert "TopSecret42" not in result.output
    assert "Traceback" not in result.output


def test_init_with_a_malformed_url_is_one_line() -> None:
    result = run("init", "--db", "not a url at all")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def _counts(url: str) -> dict[str, int]:
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                source: int(n)
                for source, n in conn.execute(
                    text("SELECT source, count(*) FROM record_versions GROUP BY source")
                )
            }
    finally:
        engine.dispose()


def test_demo_generates_the_region_ingests_every_province_and_is_idempotent(
    database_url: str, tmp_path: Any, fresh_settings: pytest.MonkeyPatch
) -> None:
    fresh_settings.setenv("CREDIT_YRD_DATA_DIR", str(tmp_path))
    fresh_settings.setenv("CREDIT_YRD_SECRET_KEY", SECRET)
    result = run("demo", "--no-serve", "--db", database_url, "--subjects", "300")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "world" / "truth" / "summary.json").is_file()
    first = _counts(database_url)
    assert set(first) == {"shanghai", "jiangsu", "zhejiang", "anhui"}
    assert all(n > 0 for n in first.values())
    assert "拒收" in result.stdout and "http://127.0.0.1:8000/docs" in result.stdout

    again = run("demo", "--no-serve", "--db", database_url, "--subjects", "300")
    assert again.exit_code == 0, again.output
    assert _counts(database_url) == first  # every file was already accepted: nothing added
    assert "未写入任何数据" in again.stdout


def test_settings_lists_every_setting(fresh_settings) -> None:
    result = run("settings")
    assert result.exit_code == 0, result.output
    listed = {word for word in result.stdout.split() if word.startswith("CREDIT_YRD_")}
    assert listed == {f"CREDIT_YRD_{name.upper()}" for name in Settings.model_fields}


def test_settings_shows_values_from_the_environment(fresh_settings) -> None:
    fresh_settings.setenv("CREDIT_YRD_PORT", "8123")
    fresh_settings.setenv("CREDIT_YRD_LANG", "en")
    result = run("settings")
    assert result.exit_code == 0, result.output
    port_line = next(line for line in result.stdout.splitlines() if "CREDIT_YRD_PORT" in line)
    assert "8123" in port_line
    assert "environment variable" in result.stdout  # CREDIT_YRD_LANG=en applies to the CLI too


def test_settings_never_prints_the_secret_key(fresh_settings) -> None:
    fresh_settings.setenv("CREDIT_YRD_SECRET_KEY", SECRET)
    result = run("settings")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert SECRET[:16] not in result.output
    line = next(line for line in result.stdout.splitlines() if "CREDIT_YRD_SECRET_KEY" in line)
    assert "****" in line


def test_settings_never_prints_the_database_password(fresh_settings) -> None:
    fresh_settings.setenv(
        "CREDIT_YRD_DATABASE_URL", "postgresql+psycopg://credit:TopSecret42@db.example/credit"
    )
    result = run("settings")
    assert result.exit_code == 0, result.output
    assert "db.example" in result.stdout
    assert "TopSecret42" not in result.output


def test_serve_builds_the_app_and_uses_host_and_port(
    fresh_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    fresh_settings.setenv("CREDIT_YRD_PORT", "8765")
    result = run("serve", "--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    assert "http://0.0.0.0:8765/docs" in result.stdout
    (call,) = calls
    assert (call["host"], call["port"]) == ("0.0.0.0", 8765)
    health = TestClient(call["app"]).get("/api/v1/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
