"""``credit-yrd key add|list|revoke``."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from credit_yrd.auth import authenticate
from credit_yrd.cli.main import app
from credit_yrd.store.engine import make_engine
from credit_yrd.store.schema import api_keys

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def principal_of(url: str, key: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return authenticate(conn, key)
    finally:
        engine.dispose()


def add_json(url: str, *args: str) -> dict:
    result = run("key", "add", *args, "--json", "--db", url)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_add_prints_the_key_once_with_a_warning(database_url: str) -> None:
    result = run(
        "key", "add", "--role", "data_source", "--source", "jiangsu", "--label", "江苏平台",
        "--db", database_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    keys = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("cyk_")]
    assert len(keys) == 1
    assert "只显示这一次" in result.stdout
    assert "江苏平台" in result.stdout and "jiangsu" in result.stdout
    principal = principal_of(database_url, keys[0])
    assert principal is not None
    assert (principal.role.value, principal.source, principal.province) == (
        "data_source",
        "jiangsu",
        "32",
    )
    # listing never shows it again
    listed = run("key", "list", "--db", database_url)
    assert listed.exit_code == 0, listed.output
    assert keys[0] not in listed.stdout
    assert keys[0].split("_")[1] in listed.stdout  # the prefix identifies it
    assert "江苏平台" in listed.stdout


def test_add_in_english(database_url: str) -> None:
    result = run(
        "--lang", "en", "key", "add", "--role", "credit_office", "--label", "office",
        "--db", database_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "shown only this once" in result.stdout


def test_add_json_is_one_object(database_url: str) -> None:
    shown = add_json(database_url, "--role", "market_institution", "--label", "某银行")
    assert shown["key"].startswith("cyk_")
    assert shown["role"] == "market_institution"
    assert shown["label"] == "某银行"
    assert shown["active"] is True
    assert shown["warning"]
    assert "key_hash" not in shown
    assert principal_of(database_url, shown["key"]) is not None


def test_list_json_and_revoke(database_url: str) -> None:
    first = add_json(database_url, "--role", "data_source", "--source", "anhui", "--label", "安徽")
    second = add_json(
        database_url,
        "--role",
        "department",
        "--province",
        "31",
        "--domain",
        "market_regulation",
        "--label",
        "部门",
    )
    listed = run("key", "list", "--json", "--db", database_url)
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["id"] for r in rows] == [first["id"], second["id"]]
    engine = make_engine(database_url)
    with engine.connect() as conn:
        hashes = set(conn.execute(select(api_keys.c.key_hash)).scalars())
    engine.dispose()
    assert not any(h in listed.stdout for h in hashes)
    assert first["key"] not in listed.stdout

    revoked = run("key", "revoke", str(first["id"]), "--db", database_url)
    assert revoked.exit_code == 0, revoked.output
    assert "已吊销" in revoked.stdout
    assert principal_of(database_url, first["key"]) is None
    assert principal_of(database_url, second["key"]) is not None

    again = run("key", "revoke", str(first["id"]), "--db", database_url)
    assert again.exit_code == 0
    assert "此前已吊销" in again.stdout

    active = run("key", "list", "--active", "--json", "--db", database_url)
    assert [json.loads(line)["id"] for line in active.stdout.splitlines()] == [second["id"]]
    table = run("key", "list", "--db", database_url)
    assert "已吊销" in table.stdout and "有效" in table.stdout


def test_errors_are_one_line_and_exit_2(database_url: str) -> None:
    for args in (
        ("key", "revoke", "999"),
        ("key", "add", "--role", "data_source", "--label", "无来源"),
        ("key", "add", "--role", "data_source", "--source", "fujian", "--label", "福建"),
        ("key", "add", "--role", "department", "--source", "jiangsu", "--label", "部门"),
    ):
        result = run(*args, "--db", database_url)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "错误" in result.stderr


def test_an_unknown_role_is_a_usage_error(database_url: str) -> None:
    result = run("key", "add", "--role", "public", "--label", "x", "--db", database_url)
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_list_on_an_empty_store(database_url: str) -> None:
    result = run("key", "list", "--db", database_url)
    assert result.exit_code == 0, result.output
    assert "没有密钥" in result.stdout
