"""Create and upgrade the store with the Alembic environment shipped in this package.

No ``alembic.ini`` is needed: the configuration is built here. ``init_store`` is the one call a
fresh installation needs (folder, schema, the known sources); running it again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.engine import URL, Connection, Engine

from credit_yrd.settings import Settings
from credit_yrd.store._sql import insert_ignoring
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.schema import sources

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: The platforms the region starts with: the four provinces and the national platform.
KNOWN_SOURCES: tuple[dict[str, str | None], ...] = (
    {
        "code": "shanghai",
        "name_zh": "上海市公共信用信息平台",
        "name_en": "Shanghai public credit information platform",
        "province": "31",
    },
    {
        "code": "jiangsu",
        "name_zh": "江苏省公共信用信息平台",
        "name_en": "Jiangsu public credit information platform",
        "province": "32",
    },
    {
        "code": "zhejiang",
        "name_zh": "浙江省公共信用信息平台",
        "name_en": "Zhejiang public credit information platform",
        "province": "33",
    },
    {
        "code": "anhui",
        "name_zh": "安徽省公共信用信息平台",
        "name_en": "Anhui public credit information platform",
        "province": "34",
    },
    {
        "code": "national",
        "name_zh": "全国信用信息共享平台",
        "name_en": "National credit information sharing platform",
        "province": None,
    },
)


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine_or_url: Engine | str | URL | None, revision: str = "head") -> None:
    """Bring the database up to ``revision`` in one transaction (DDL included, both backends)."""
    engine, owned = _engine(engine_or_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        if owned:
            engine.dispose()


def current_revision(engine: Engine | Connection) -> str | None:
    """The revision the database stands at, or ``None`` for an empty database."""
    if isinstance(engine, Connection):
        return MigrationContext.configure(engine).get_current_revision()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def seed_sources(conn: Connection) -> int:
    """Insert the known sources that are missing; returns how many were added."""
    existing = set(conn.execute(select(sources.c.code)).scalars())
    missing = [dict(row) for row in KNOWN_SOURCES if row["code"] not in existing]
    if missing:
        conn.execute(insert_ignoring(conn, sources, ["code"]), missing)
    return len(missing)


def init_store(url: str | URL | None = None, settings: Settings | None = None) -> Engine:
    """Create (or upgrade) the store at ``url`` (default: from the settings) and return its engine.

    Creates the SQLite data folder, applies every migration, and seeds the known sources.
    Idempotent: on a store that is already current it changes nothing.
    """
    engine = make_engine(url, settings)
    upgrade(engine)
    with transaction(engine) as conn:
        seed_sources(conn)
    return engine


def _engine(engine_or_url: Engine | str | URL | None) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    return make_engine(engine_or_url), True
