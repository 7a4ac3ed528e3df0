"""``credit-yrd user add|list|disable|passwd`` and ``credit-yrd key add --domain``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from credit_yrd.auth import authenticate, password_hasher, verify_login
from credit_yrd.cli.main import app
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.settings import get_settings
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import accounts
from credit_yrd.store.subjects import upsert_legal_subject

runner = CliRunner()
PASSWORD = "太湖-Lake-2026-pass"
USCC = "913205836000373417"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CREDIT_YRD_PASSWORD_HASH_COST", "fast")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def url(database_url: str) -> str:
    init_store(database_url).dispose()
    return database_url


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def logs_in(url: str, username: str, password: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = verify_login(
                conn, username, password, clock=SYSTEM_CLOCK, hasher=password_hasher("fast")
            )
    finally:
        engine.dispose()
    return found is not None


def test_add_reads_the_password_from_stdin_and_never_prints_it(url: str) -> None:
    result = run(
        "user", "add", "wang.fang", "--role", "department", "--name", "上海市市场监管局 王芳",
        "--province", "31", "--domain", "市场监管", "--password-stdin", "--db", url,
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wang.fang" in result.stdout and "market_regulation" in result.stdout
    assert PASSWORD not in result.output
    assert logs_in(url, "wang.fang", PASSWORD)
    listed = run("user", "list", "--db", url)
    assert listed.exit_code == 0 and "wang.fang" in listed.stdout
    assert PASSWORD not in listed.output and "argon2" not in listed.output


def test_add_prompts_twice_without_echo(url: str) -> None:
    result = run(
        "user", "add", "office", "--role", "credit_office", "--name", "区域信用办", "--db", url,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "全区域" in result.stdout
    assert logs_in(url, "office", PASSWORD)


def test_prompted_passwords_must_match(url: str) -> None:
    result = run(
        "user", "add", "office", "--role", "credit_office", "--name", "x", "--db", url,
        stdin=f"{PASSWORD}\nsomething-else-1\n{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert logs_in(url, "office", PASSWORD)


def test_a_password_cannot_be_given_as_an_argument(url: str) -> None:
    result = run(
        "user", "add", "office", "--role", "credit_office", "--name", "x",
        "--password", PASSWORD, "--db", url,
    )  # fmt: skip
    assert result.exit_code != 0
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(accounts.c.id)).first() is None
    engine.dispose()


def test_a_subject_account_is_found_by_its_code(url: str) -> None:
    engine = make_engine(url)
    with transaction(engine) as conn:
        subject_id = upsert_legal_subject(conn, USCC, "苏州华信科技有限公司")
    engine.dispose()
    result = run(
        "user", "add", "huaxin", "--role", "subject", "--name", "苏州华信", "--subject", USCC,
        "--password-stdin", "--json", "--db", url, stdin=PASSWORD,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["subject_id"] == subject_id and shown["role"] == "subject"
    missing = run(
        "user", "add", "other", "--role", "subject", "--name", "x", "--subject",
        "91310000MA1FL0000X", "--password-stdin", "--db", url, stdin=PASSWORD,
    )  # fmt: skip
    assert missing.exit_code == 2
    assert "91310000MA1FL0000X" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "department", "--province", "31"], "domain"),
        (["--role", "department", "--province", "31", "--domain", "fishing"], "fishing"),
        (["--role", "market_institution", "--province", "31"], "province"),
        (["--role", "data_source", "--source", "atlantis"], "atlantis"),
    ],
)
def test_bad_scopes_are_one_line_and_exit_2(url: str, args: list[str], message: str) -> None:
    result = run(
        "user", "add", "someone", *args, "--name", "x", "--password-stdin", "--db", url,
        stdin=PASSWORD,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_weak_password_and_taken_username_are_refused(url: str) -> None:
    weak = run(
        "user", "add", "bank", "--role", "market_institution", "--name", "银行",
        "--password-stdin", "--db", url, stdin="short\n",
    )  # fmt: skip
    assert weak.exit_code == 2 and "10" in weak.stderr
    args = ["user", "add", "bank", "--role", "market_institution", "--name", "银行"]
    assert run(*args, "--password-stdin", "--db", url, stdin=PASSWORD).exit_code == 0
    taken = run(*args, "--password-stdin", "--db", url, stdin=PASSWORD)
    assert taken.exit_code == 2 and "bank" in taken.stderr


def test_list_json_disable_and_passwd(url: str) -> None:
    add = ["user", "add", "bank", "--role", "market_institution", "--name", "某银行"]
    assert run(*add, "--password-stdin", "--db", url, stdin=PASSWORD).exit_code == 0
    listed = run("user", "list", "--json", "--db", url)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["username"], r["active"]) for r in rows] == [("bank", True)]
    assert not any("hash" in key for key in rows[0])

    changed = run("user", "passwd", "bank", "--password-stdin", "--db", url, stdin="Second-Pass-9z")
    assert changed.exit_code == 0, changed.output
    assert "Second-Pass-9z" not in changed.output
    assert not logs_in(url, "bank", PASSWORD)
    assert logs_in(url, "bank", "Second-Pass-9z")

    assert run("user", "disable", "bank", "--db", url).exit_code == 0
    again = run("--lang", "en", "user", "disable", "bank", "--db", url)
    assert again.exit_code == 0 and "already disabled" in again.stdout
    assert not logs_in(url, "bank", "Second-Pass-9z")
    active = run("user", "list", "--active", "--json", "--db", url)
    assert active.stdout.strip() == ""

    unknown = run("user", "passwd", "nobody", "--password-stdin", "--db", url, stdin=PASSWORD)
    assert unknown.exit_code == 2 and "nobody" in unknown.stderr
    assert run("user", "disable", "nobody", "--db", url).exit_code == 2


def test_key_add_takes_a_domain_for_departments_only(url: str) -> None:
    result = run(
        "key", "add", "--role", "department", "--province", "33", "--domain", "taxation",
        "--label", "浙江税务", "--json", "--db", url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["domain"] == "taxation"
    engine = make_engine(url)
    with engine.connect() as conn:
        principal = authenticate(conn, shown["key"])
    engine.dispose()
    assert principal is not None and principal.domain == "taxation"
    listed = run("key", "list", "--db", url)
    assert "taxation" in listed.stdout
    refused = run(
        "key", "add", "--role", "credit_office", "--domain", "taxation", "--label", "x",
        "--db", url,
    )  # fmt: skip
    assert refused.exit_code == 2 and "department" in refused.stderr
    unknown = run(
        "key", "add", "--role", "department", "--domain", "fishing", "--label", "x", "--db", url
    )
    assert unknown.exit_code == 2 and "fishing" in unknown.stderr
