"""Ingestion fixtures: a migrated store, settings in a temporary folder, a fixed clock."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url

from credit_yrd.clock import FixedClock
from credit_yrd.ingest import IngestContext, context_for
from credit_yrd.settings import Settings
from credit_yrd.store.migrate import init_store
from tests.conftest import backend_name
from tests.ingest.builders import TEST_KEY, TODAY


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key=TEST_KEY)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """On SQLite, one migrated and seeded store to copy: much faster than migrating per test."""
    if backend_name() != "sqlite":
        return None
    path = tmp_path_factory.mktemp("template") / "store.sqlite3"
    init_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def engine(database_url: str, sqlite_template: Path | None) -> Iterator[Engine]:
    if sqlite_template is not None:
        target = Path(make_url(database_url).database or "")
        if not target.exists():
            shutil.copyfile(sqlite_template, target)
    engine = init_store(database_url)  # a no-op upgrade on the copy; the real thing on PostgreSQL
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def make_ctx(
    engine: Engine, settings: Settings, clock: FixedClock
) -> Callable[[str], IngestContext]:
    """An ingestion context per source (made on demand)."""

    def make(source: str) -> IngestContext:
        return context_for(engine, source, settings=settings, clock=clock)

    return make


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    return folder


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, database_url: str
) -> Iterator[Settings]:
    """The environment a ``credit-yrd`` command reads its settings from (this test's store)."""
    from credit_yrd.cli import output
    from credit_yrd.settings import get_settings

    for name in Settings.model_fields:
        monkeypatch.delenv(f"CREDIT_YRD_{name.upper()}", raising=False)
    monkeypatch.setenv("CREDIT_YRD_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CREDIT_YRD_DATABASE_URL", database_url)
    monkeypatch.setenv("CREDIT_YRD_SECRET_KEY", TEST_KEY)
    monkeypatch.setattr(output.out, "_width", 400)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()
