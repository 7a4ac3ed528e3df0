"""Ingestion: how records were linked, the review queue, API keys, quarantine paths.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

LINK_METHODS = "'uscc', 'org_code', 'business_reg_no', 'name', 'person_id', 'review'"


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(
            sa.Column(
                "quarantine_path",
                sa.String(1000),
                nullable=True,
                comment="隔离文件路径 (quarantine file)",
            )
        )
    with op.batch_alter_table("records") as batch:
        batch.add_column(
            sa.Column(
                "link_method",
                sa.String(32),
                nullable=True,
                comment="主体关联方式 (how the subject was linked)",
            )
        )
        batch.add_column(sa.Column("linked_at", TS, nullable=True))
        batch.create_check_constraint(
            "ck_records_link_method", f"link_method IS NULL OR link_method IN ({LINK_METHODS})"
        )
    op.create_table(
        "review_items",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("record_id", BIGID, nullable=False),
        sa.Column("batch_id", BIGID, nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column(
            "reason",
            sa.String(32),
            nullable=False,
            comment="无法确定主体的原因 (why no subject was linked)",
        ),
        sa.Column(
            "party",
            JSON,
            nullable=False,
            comment="记录中的主体名称与代码（证件号仅存哈希）",
        ),
        sa.Column(
            "candidates", JSON, nullable=True, comment="候选主体编号 (candidate subject ids)"
        ),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("subject_id", BIGID, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_items"),
        sa.UniqueConstraint("record_id", name="uq_review_items_record_id"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_review_items_record_id_records"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_review_items_batch_id_batches"
        ),
        sa.ForeignKeyConstraint(
            ["source"], ["sources.code"], name="fk_review_items_source_sources"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_review_items_subject_id_subjects"
        ),
        sa.CheckConstraint(
            "status IN ('open', 'linked', 'rejected')", name="ck_review_items_status"
        ),
    )
    op.create_index("ix_review_items_status_source", "review_items", ["status", "source"])
    op.create_table(
        "api_keys",
        sa.Column("id", BIGID, nullable=False),
        sa.Column(
            "prefix", sa.String(16), nullable=False, comment="密钥前缀，用于查找 (lookup prefix)"
        ),
        sa.Column(
            "key_hash",
            sa.String(64),
            nullable=False,
            comment="密钥的 SHA-256 (the key is never stored)",
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=True),
        sa.Column("province", sa.String(2), nullable=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
        sa.ForeignKeyConstraint(["source"], ["sources.code"], name="fk_api_keys_source_sources"),
        sa.CheckConstraint(
            "role IN ('data_source', 'department', 'credit_office', 'market_institution')",
            name="ck_api_keys_role",
        ),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_index("ix_review_items_status_source", table_name="review_items")
    op.drop_table("review_items")
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint("ck_records_link_method", type_="check")
        batch.drop_column("linked_at")
        batch.drop_column("link_method")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("quarantine_path")
