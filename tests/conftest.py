"""Shared fixtures.

The suite runs once per backend: SQLite by default, PostgreSQL when ``CREDIT_YRD_TEST_DATABASE_URL``
names a server (``scripts/test`` does both). Each test that asks for ``database_url`` gets a store
of its own: a fresh SQLite file, or a fresh PostgreSQL database created for it and dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

TEST_DATABASE_URL = os.environ.get("CREDIT_YRD_TEST_DATABASE_URL", "").strip()

# An app made in a test runs no background worker (list windows, joint actions, pushes) unless the
# test asks for one with worker_interval_seconds: a worker moving entries by the app's clock in the
# middle of an unrelated test would make it flaky. The worker's own tests set an interval.
os.environ.setdefault("CREDIT_YRD_WORKER_INTERVAL_SECONDS", "0")


def backend_name() -> str:
    return "postgresql" if TEST_DATABASE_URL.startswith("postgresql") else "sqlite"


def pytest_report_header(config: pytest.Config) -> str:
    return f"credit-yrd store backend: {backend_name()}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that belongs to this test alone."""
    if backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    base = make_url(TEST_DATABASE_URL)
    name = f"credit_yrd_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated store on this test's database (closer conftests may give a faster one)."""
    from credit_yrd.store.migrate import init_store

    store = init_store(database_url)
    try:
        yield store
    finally:
        store.dispose()
