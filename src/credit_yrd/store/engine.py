"""Connections: an SQLite file in the data folder by default, PostgreSQL (psycopg 3) by URL.

``make_engine`` turns a URL (or the settings) into an :class:`~sqlalchemy.engine.Engine` and checks
that the database answers, so a wrong URL or a server that is down is one clear :class:`StoreError`
instead of a driver traceback later. ``transaction`` is the all-or-nothing unit for batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from credit_yrd.settings import Settings, get_settings
from credit_yrd.store.errors import StoreError

#: How long an SQLite connection waits for another writer before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: How long a PostgreSQL connection attempt may take (seconds).
POSTGRES_CONNECT_TIMEOUT_S = 10

_BEGIN_OPTION = "credit_yrd_sqlite_begin"


def normalise_url(url: str | URL) -> URL:
    """Parse ``url`` and pin PostgreSQL to psycopg 3; refuse what the store does not support."""
    raw = str(url).strip() if isinstance(url, str) else url
    if isinstance(raw, str):
        if not raw:
            raise StoreError("数据库地址为空", "the database URL is empty")
        if raw.startswith("postgres://"):
            raw = "postgresql://" + raw[len("postgres://") :]
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise StoreError(
            f"无法解析数据库地址：{_safe(raw)}", f"cannot parse the database URL: {_safe(raw)}"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgresql" and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    raise StoreError(
        f"不支持的数据库地址 {parsed.drivername}://…；请用 sqlite:///路径 或 postgresql+psycopg://…",
        f"unsupported database URL {parsed.drivername}://…; use sqlite:///path or "
        "postgresql+psycopg://…",
    )


def make_engine(
    url: str | URL | None = None, settings: Settings | None = None, *, check: bool = True
) -> Engine:
    """Create the engine for ``url`` (default: the settings' database, SQLite in ``data_dir``).

    SQLite: the folder is created; each connection runs in WAL mode with foreign keys on, a busy
    timeout and ``synchronous=NORMAL``; transactions begin with an explicit ``BEGIN`` so that reads
    and DDL are transactional too. PostgreSQL: psycopg 3 (``postgres://`` and ``postgresql://`` are
    rewritten to it). With ``check`` (the default) one connection is opened to prove the database
    answers; failure raises :class:`StoreError`.
    """
    if url is None:
        url = (settings or get_settings()).resolved_database_url()
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
        try:
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
        except NoSuchModuleError:  # pragma: no cover - psycopg is a dependency
            raise StoreError("未安装 psycopg 3", "psycopg 3 is not installed") from None
    if check:
        check_connection(engine)
    return engine


def check_connection(engine: Engine) -> None:
    """Open one connection; turn any failure into a one-line :class:`StoreError`."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = _first_line(exc.orig) if exc.orig is not None else _first_line(exc)
        where = _safe(engine.url)
        raise StoreError(
            f"无法连接数据库 {where}：{reason}", f"cannot connect to the database {where}: {reason}"
        ) from None


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One all-or-nothing unit of work: commit when the block ends, roll back if it raises.

    On SQLite the transaction takes the write lock at once (``BEGIN IMMEDIATE``), so two writers
    wait for each other (up to the busy timeout) instead of failing on lock upgrade.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})
        with conn.begin():
            yield conn


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"无法创建数据目录 {folder}：{exc.strerror}",
                f"cannot create the data folder {folder}: {exc.strerror}",
            ) from None
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
            cur.execute("PRAGMA synchronous=NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN"))

    return engine


def _first_line(exc: BaseException | str) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _safe(url: str | URL) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<?>"
