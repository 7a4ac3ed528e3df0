"""Migrations build exactly the tables of ``schema.py``; ``init_store`` is idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from credit_yrd.clock import CHINA_TZ
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.migrate import current_revision, head_revision, init_store, upgrade
from credit_yrd.store.schema import metadata, record_versions, records, sources, subjects

NOW = dt.datetime(2025, 3, 14, 9, 30, tzinfo=CHINA_TZ)


def test_init_store_reaches_head_and_seeds_the_region(engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(select(sources))}
    assert set(rows) == {"shanghai", "jiangsu", "zhejiang", "anhui", "national"}
    assert [rows[c].province for c in ("shanghai", "jiangsu", "zhejiang", "anhui")] == [
        "31",
        "32",
        "33",
        "34",
    ]
    assert rows["national"].province is None
    assert rows["zhejiang"].name_zh.startswith("浙江省")


def test_init_store_twice_changes_nothing(database_url: str) -> None:
    first = init_store(database_url)
    with transaction(first) as conn:
        conn.execute(
            subjects.insert(),
            {
                "subject_type": "legal_person",
                "uscc": "91310000MA1K4LXX0X",
                "name": "上海某某有限公司",
                "name_normalised": "上海某某有限公司",
                "created_at": NOW,
            },
        )
    first.dispose()
    second = init_store(database_url)
    try:
        assert current_revision(second) == head_revision()
        with second.connect() as conn:
            assert conn.execute(select(func.count()).select_from(sources)).scalar() == 5
            assert conn.execute(select(func.count()).select_from(subjects)).scalar() == 1
    finally:
        second.dispose()


def test_empty_database_has_no_revision(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_migrated_schema_equals_metadata(engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
        inspector = inspect(conn)
        tables = set(inspector.get_table_names()) - {"alembic_version"}
        assert tables == set(metadata.tables)
        for name, table in metadata.tables.items():
            reflected = {c["name"]: c for c in inspector.get_columns(name)}
            assert list(reflected) == [c.name for c in table.columns], name
            for column in table.columns:
                assert reflected[column.name]["nullable"] == column.nullable, (name, column.name)
            pk = inspector.get_pk_constraint(name)["constrained_columns"]
            assert pk == [c.name for c in table.primary_key.columns], name
            uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
            expected = {
                tuple(c.name for c in con.columns)
                for con in table.constraints
                if con.__class__.__name__ == "UniqueConstraint"
            }
            assert uniques == expected, name
            fks = {
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(name)
            }
            assert fks == {
                (tuple(c.name for c in fk.columns), fk.referred_table.name)
                for fk in table.foreign_key_constraints
            }, name
    assert diff == [], diff


def _insert_version(conn) -> int:
    record_id = conn.execute(
        records.insert().returning(records.c.id),
        {"source": "shanghai", "kind": "penalty", "source_key": "P-1", "created_at": NOW},
    ).scalar_one()
    conn.execute(
        record_versions.insert(),
        {
            "record_id": record_id,
            "version": 1,
            "content": {"amount": 1000},
            "content_hash": "0" * 64,
            "status": "active",
            "source": "shanghai",
            "received_at": NOW,
            "created_at": NOW,
        },
    )
    return record_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE record_versions SET status = 'withdrawn'",
        "UPDATE record_versions SET content_hash = 'x'",
        "DELETE FROM record_versions",
    ],
)
def test_record_versions_refuse_update_and_delete(engine, statement: str) -> None:
    with transaction(engine) as conn:
        _insert_version(conn)
    with pytest.raises(IntegrityError, match="append-only"), transaction(engine) as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        row = conn.execute(select(record_versions)).one()
    assert (row.status, row.content_hash) == ("active", "0" * 64)


def test_metadata_create_all_also_installs_the_append_only_triggers(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        metadata.create_all(engine)
        with transaction(engine) as conn:
            conn.execute(
                sources.insert(), {"code": "shanghai", "name_zh": "上海", "name_en": "Shanghai"}
            )
            _insert_version(conn)
        with pytest.raises(IntegrityError, match="append-only"), transaction(engine) as conn:
            conn.execute(text("UPDATE record_versions SET version = 2"))
    finally:
        engine.dispose()


def test_natural_person_needs_a_person_hash(engine) -> None:
    with pytest.raises(IntegrityError), transaction(engine) as conn:
        conn.execute(
            subjects.insert(),
            {
                "subject_type": "natural_person",
                "name": "张三",
                "name_normalised": "张三",
                "created_at": NOW,
            },
        )


def test_subject_type_is_checked(engine) -> None:
    with pytest.raises(IntegrityError), transaction(engine) as conn:
        conn.execute(
            subjects.insert(),
            {
                "subject_type": "company",
                "uscc": "91310000MA1K4LXX0X",
                "name": "x",
                "name_normalised": "x",
                "created_at": NOW,
            },
        )


def test_timestamps_come_back_aware_in_china_time(engine) -> None:
    with transaction(engine) as conn:
        record_id = _insert_version(conn)
    with engine.connect() as conn:
        created = conn.execute(
            select(records.c.created_at).where(records.c.id == record_id)
        ).scalar_one()
    assert created == NOW
    assert created.utcoffset() == dt.timedelta(hours=8)


def test_downgrade_to_base_and_back(database_url: str) -> None:
    from alembic import command

    from credit_yrd.store.migrate import alembic_config

    engine = init_store(database_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_sqlite_migration_runs_without_settings(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'store.sqlite3'}"
    engine = init_store(url)
    engine.dispose()
    raw = create_engine(url)
    try:
        assert "record_versions" in inspect(raw).get_table_names()
    finally:
        raw.dispose()
