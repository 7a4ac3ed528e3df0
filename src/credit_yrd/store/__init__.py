"""The store: schema, migrations and connections (SQLite file by default, PostgreSQL by URL).

Public entry points::

    from credit_yrd.store import init_store, transaction
    engine = init_store()                      # folder, schema, known sources; idempotent
    with transaction(engine) as conn:          # all or nothing
        append_versions_bulk(conn, items)
"""

from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.errors import LegacyCodeConflictError, RecordSubjectConflictError, StoreError
from credit_yrd.store.legacy import add_legacy_codes, load_map, lookup_uscc
from credit_yrd.store.migrate import current_revision, head_revision, init_store, upgrade
from credit_yrd.store.records import (
    RecordItem,
    VersionResult,
    append_version,
    append_versions_bulk,
    canonical_hash,
    history,
    latest_versions,
)
from credit_yrd.store.schema import metadata
from credit_yrd.store.subjects import (
    find_subject,
    reveal_resident_id,
    upsert_legal_subject,
    upsert_person,
)

__all__ = [
    "LegacyCodeConflictError",
    "RecordItem",
    "RecordSubjectConflictError",
    "StoreError",
    "VersionResult",
    "add_legacy_codes",
    "append_version",
    "append_versions_bulk",
    "canonical_hash",
    "current_revision",
    "find_subject",
    "head_revision",
    "history",
    "init_store",
    "latest_versions",
    "load_map",
    "lookup_uscc",
    "make_engine",
    "metadata",
    "reveal_resident_id",
    "transaction",
    "upgrade",
    "upsert_legal_subject",
    "upsert_person",
]
