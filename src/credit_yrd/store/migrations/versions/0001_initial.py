"""Initial store: sources, batches, subjects, legacy codes, records and append-only versions.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types at the time of this revision (migrations never import live schema).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

APPEND_ONLY_MESSAGE = (
    "record_versions 只能追加，不能修改或删除 (record_versions is append-only: no UPDATE or DELETE)"
)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("code", sa.String(32), nullable=False, comment="数据来源单位代码 (source code)"),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("province", sa.String(2), nullable=True, comment="省级区划前两位；全国为空"),
        sa.PrimaryKeyConstraint("code", name="pk_sources"),
    )
    op.create_table(
        "batches",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("file_name", sa.String(500), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="received"),
        sa.Column("counts", JSON, nullable=True),
        sa.Column("completed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_batches"),
        sa.ForeignKeyConstraint(["source"], ["sources.code"], name="fk_batches_source_sources"),
        sa.CheckConstraint(
            "status IN ('received', 'processing', 'accepted', 'rejected')",
            name="ck_batches_status",
        ),
    )
    op.create_index("ix_batches_source_content_sha256", "batches", ["source", "content_sha256"])
    op.create_table(
        "subjects",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column(
            "person_hash",
            sa.String(64),
            nullable=True,
            comment="身份证号的键控哈希 HMAC-SM3 (keyed hash of the resident ID)",
        ),
        sa.Column(
            "person_id_enc",
            sa.LargeBinary(),
            nullable=True,
            comment="SM4 加密的身份证号 (encrypted resident ID)",
        ),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("name_normalised", sa.String(500), nullable=False),
        sa.Column("province", sa.String(2), nullable=True),
        sa.Column("division", sa.String(6), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subjects"),
        sa.UniqueConstraint("uscc", name="uq_subjects_uscc"),
        sa.UniqueConstraint("person_hash", name="uq_subjects_person_hash"),
        sa.CheckConstraint(
            "subject_type IN ('legal_person', 'individual_business', 'organisation', "
            "'public_body', 'natural_person')",
            name="ck_subjects_subject_type",
        ),
        sa.CheckConstraint(
            "subject_type <> 'natural_person' OR person_hash IS NOT NULL",
            name="ck_subjects_person_hash",
        ),
    )
    op.create_index("ix_subjects_name_normalised", "subjects", ["name_normalised"])
    op.create_table(
        "legacy_codes",
        sa.Column("legacy_kind", sa.String(16), nullable=False),
        sa.Column("legacy_code", sa.String(32), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("source", sa.String(32), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("legacy_kind", "legacy_code", name="pk_legacy_codes"),
        sa.ForeignKeyConstraint(
            ["source"], ["sources.code"], name="fk_legacy_codes_source_sources"
        ),
        sa.CheckConstraint(
            "legacy_kind IN ('org_code', 'business_reg_no')", name="ck_legacy_codes_legacy_kind"
        ),
    )
    op.create_index("ix_legacy_codes_uscc", "legacy_codes", ["uscc"])
    op.create_table(
        "records",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False, comment="来源单位的记录编号"),
        sa.Column("subject_id", BIGID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_records"),
        sa.ForeignKeyConstraint(["source"], ["sources.code"], name="fk_records_source_sources"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_records_subject_id_subjects"
        ),
        sa.UniqueConstraint(
            "source", "kind", "source_key", name="uq_records_source_kind_source_key"
        ),
    )
    op.create_index("ix_records_subject_id", "records", ["subject_id"])
    op.create_table(
        "record_versions",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("record_id", BIGID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("batch_id", BIGID, nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_versions"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_record_versions_record_id_records"
        ),
        sa.ForeignKeyConstraint(
            ["source"], ["sources.code"], name="fk_record_versions_source_sources"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_record_versions_batch_id_batches"
        ),
        sa.UniqueConstraint("record_id", "version", name="uq_record_versions_record_id_version"),
        sa.CheckConstraint(
            "status IN ('active', 'withdrawn', 'deleted', 'corrected')",
            name="ck_record_versions_status",
        ),
        sa.CheckConstraint("version >= 1", name="ck_record_versions_version"),
    )
    op.create_index("ix_record_versions_batch_id", "record_versions", ["batch_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION record_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER record_versions_no_update BEFORE UPDATE OR DELETE ON record_versions "
            "FOR EACH ROW EXECUTE FUNCTION record_versions_append_only()"
        )
        op.execute(
            "CREATE TRIGGER record_versions_no_truncate BEFORE TRUNCATE ON record_versions "
            "FOR EACH STATEMENT EXECUTE FUNCTION record_versions_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER record_versions_no_update BEFORE UPDATE ON record_versions "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )
        op.execute(
            "CREATE TRIGGER record_versions_no_delete BEFORE DELETE ON record_versions "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS record_versions_no_truncate ON record_versions")
        op.execute("DROP TRIGGER IF EXISTS record_versions_no_update ON record_versions")
        op.execute("DROP FUNCTION IF EXISTS record_versions_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS record_versions_no_delete")
        op.execute("DROP TRIGGER IF EXISTS record_versions_no_update")
    for table in ("record_versions", "records", "legacy_codes", "subjects", "batches", "sources"):
        op.drop_table(table)
