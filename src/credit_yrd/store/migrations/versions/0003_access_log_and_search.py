"""The access log (append-only) and the search terms of subject names.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

MESSAGE = "access_log 只能追加，不能修改或删除 (access_log is append-only: no UPDATE or DELETE)"
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; "
        "END $$",
        "CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log "
        "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()",
        "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column(
            "actor", sa.String(200), nullable=False, comment="读取者（API 密钥、账户）(who read)"
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column(
            "province",
            sa.String(2),
            nullable=True,
            comment="读取者所属省份 (the reader's province)",
        ),
        sa.Column(
            "purpose", sa.String(500), nullable=False, comment="读取目的 (the stated purpose)"
        ),
        sa.Column("subject_id", BIGID, nullable=True),
        sa.Column("record_ids", JSON, nullable=True, comment="读取的记录 (records read)"),
        sa.Column(
            "action",
            sa.String(200),
            nullable=False,
            comment="操作或接口 (what was read, e.g. the route)",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_access_log_subject_id_subjects"
        ),
    )
    op.create_index("ix_access_log_subject_id_at", "access_log", ["subject_id", "at"])
    op.create_index("ix_access_log_at", "access_log", ["at"])
    for statement in TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.create_table(
        "subject_terms",
        sa.Column(
            "term", sa.String(8), nullable=False, comment="名称的二元字组 (a bigram of the name)"
        ),
        sa.Column("subject_id", BIGID, nullable=False),
        sa.PrimaryKeyConstraint("term", "subject_id", name="pk_subject_terms"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_subject_terms_subject_id_subjects"
        ),
    )
    op.create_index("ix_subject_terms_subject_id", "subject_terms", ["subject_id"])


def downgrade() -> None:
    op.drop_index("ix_subject_terms_subject_id", table_name="subject_terms")
    op.drop_table("subject_terms")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
    op.drop_index("ix_access_log_at", table_name="access_log")
    op.drop_index("ix_access_log_subject_id_at", table_name="access_log")
    op.drop_table("access_log")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only() CASCADE")
