"""Connections: URL handling, SQLite pragmas, clear errors, all-or-nothing transactions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from credit_yrd.settings import Settings
from credit_yrd.store.engine import make_engine, normalise_url, transaction
from credit_yrd.store.errors import StoreError
from credit_yrd.store.schema import legacy_codes, records, sources


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@db.example:5432/credit",
        "postgresql://u:p@db.example:5432/credit",
        "postgresql+psycopg://u:p@db.example:5432/credit",
    ],
)
def test_postgres_urls_use_psycopg3(url: str) -> None:
    parsed = normalise_url(url)
    assert parsed.drivername == "postgresql+psycopg"
    assert (parsed.host, parsed.port, parsed.database) == ("db.example", 5432, "credit")


@pytest.mark.parametrize(
    "url", ["mysql://u@localhost/db", "postgresql+psycopg2://u@h/db", "oracle://x", "nonsense"]
)
def test_unsupported_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        make_engine(url)
    message = str(caught.value)
    assert "\n" not in message
    assert "不支持" in message or "无法解析" in message


def test_unreachable_server_is_one_clear_line_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        make_engine("postgresql://someone:hunter2@127.0.0.1:1/credit")
    message = str(caught.value)
    assert message.startswith("无法连接数据库")
    assert "cannot connect to the database" in message
    assert "\n" not in message
    assert "hunter2" not in message


def test_default_url_is_an_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    engine = make_engine(settings=Settings(data_dir=data_dir))
    try:
        assert engine.dialect.name == "sqlite"
        assert (data_dir / "credit-yrd.sqlite3").exists()
    finally:
        engine.dispose()


def test_sqlite_connections_are_configured(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new-folder' / 'store.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        engine.dispose()


def test_engine_answers(engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_transaction_commits(engine) -> None:
    with transaction(engine) as conn:
        conn.execute(sources.insert(), {"code": "bank_x", "name_zh": "某银行", "name_en": "Bank X"})
    with engine.connect() as conn:
        assert conn.execute(select(sources.c.name_zh).where(sources.c.code == "bank_x")).scalar()


def test_transaction_rolls_back_everything_on_error(engine) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as conn:
        conn.execute(sources.insert(), {"code": "bank_x", "name_zh": "某银行", "name_en": "Bank X"})
        conn.execute(
            legacy_codes.insert(),
            {
                "legacy_kind": "org_code",
                "legacy_code": "MA1K4LXX0",
                "uscc": "91310000MA1K4LXX0X",
                "created_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            },
        )
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(legacy_codes)).scalar() == 0
        assert (
            conn.execute(select(sources.c.code).where(sources.c.code == "bank_x")).first() is None
        )


def test_foreign_keys_are_enforced(engine) -> None:
    with pytest.raises(IntegrityError), transaction(engine) as conn:
        conn.execute(
            records.insert(),
            {
                "source": "nowhere",
                "kind": "penalty",
                "source_key": "1",
                "created_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            },
        )


def test_sqlite_path_that_cannot_be_opened_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "store.sqlite3").mkdir()  # a folder where the file should be
    with pytest.raises(StoreError, match="无法连接数据库"):
        make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")


def test_sqlite_batches_take_the_write_lock_up_front(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    try:
        with transaction(engine) as conn:
            conn.execute(text("SELECT 1"))
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert seen == ["BEGIN IMMEDIATE", "SELECT 1", "BEGIN", "SELECT 1"]
