"""Accounts, portal sessions, the subjects' authorisations of market institutions, the domain of
departments' keys and of records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
ACCOUNT_ROLES = ("subject", "department", "credit_office", "data_source", "market_institution")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.add_column(
        "records",
        sa.Column(
            "domain",
            sa.String(64),
            nullable=True,
            comment="所属领域（代码表 domain），取自当前版本；跨领域信息为空 (the record's domain)",
        ),
    )
    op.create_index("ix_records_domain_subject_id", "records", ["domain", "subject_id"])
    op.add_column(
        "api_keys",
        sa.Column(
            "domain", sa.String(64), nullable=True, comment="政务部门的领域 (a department's domain)"
        ),
    )
    op.create_table(
        "accounts",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("username", sa.String(64), nullable=False, comment="登录名 (login name)"),
        sa.Column(
            "password_hash",
            sa.String(255),
            nullable=False,
            comment="argon2id 口令散列 (argon2id hash; the password is never stored)",
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("province", sa.String(2), nullable=True),
        sa.Column(
            "domain", sa.String(64), nullable=True, comment="政务部门的领域 (a department's domain)"
        ),
        sa.Column("source", sa.String(32), nullable=True),
        sa.Column(
            "subject_id",
            BIGID,
            nullable=True,
            comment="主体账户所代表的主体 (the subject a subject account speaks for)",
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
        sa.ForeignKeyConstraint(["source"], ["sources.code"], name="fk_accounts_source_sources"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_accounts_subject_id_subjects"
        ),
        sa.CheckConstraint(_in("role", ACCOUNT_ROLES), name="ck_accounts_role"),
        sa.CheckConstraint(
            "role <> 'subject' OR subject_id IS NOT NULL", name="ck_accounts_subject_has_subject"
        ),
    )
    op.create_index("ix_accounts_subject_id", "accounts", ["subject_id"])
    op.create_table(
        "sessions",
        sa.Column("id", BIGID, nullable=False),
        sa.Column(
            "token_hash",
            sa.String(64),
            nullable=False,
            comment="会话令牌的 SHA-256 (the token is never stored)",
        ),
        sa.Column("account_id", BIGID, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False, comment="表单防伪令牌 (CSRF token)"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_sessions_account_id_accounts"
        ),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "authorisations",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("subject_id", BIGID, nullable=False),
        sa.Column(
            "grantee_account_id",
            BIGID,
            nullable=True,
            comment="获授权的市场机构账户 (the institution's account)",
        ),
        sa.Column(
            "grantee_key_id",
            BIGID,
            nullable=True,
            comment="获授权的市场机构 API 密钥 (the institution's API key)",
        ),
        sa.Column(
            "purpose", sa.String(500), nullable=False, comment="授权用途 (what the read is for)"
        ),
        sa.Column("granted_by", sa.String(200), nullable=False, comment="授权人 (who granted it)"),
        sa.Column("granted_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_authorisations"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_authorisations_subject_id_subjects"
        ),
        sa.ForeignKeyConstraint(
            ["grantee_account_id"],
            ["accounts.id"],
            name="fk_authorisations_grantee_account_id_accounts",
        ),
        sa.ForeignKeyConstraint(
            ["grantee_key_id"], ["api_keys.id"], name="fk_authorisations_grantee_key_id_api_keys"
        ),
        sa.CheckConstraint(
            "(grantee_account_id IS NULL) <> (grantee_key_id IS NULL)",
            name="ck_authorisations_one_grantee",
        ),
    )
    op.create_index("ix_authorisations_subject_id", "authorisations", ["subject_id"])
    op.create_index(
        "ix_authorisations_grantee_account_id", "authorisations", ["grantee_account_id"]
    )
    op.create_index("ix_authorisations_grantee_key_id", "authorisations", ["grantee_key_id"])
    _backfill_record_domains()


def _backfill_record_domains() -> None:
    """Set ``records.domain`` from each record's latest version, as the standard declares it."""
    from credit_yrd.standards.loader import get_standard

    standard = get_standard()
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT r.id, r.kind, v.content FROM records r JOIN record_versions v "
            "ON v.record_id = r.id AND v.version = "
            "(SELECT max(version) FROM record_versions w WHERE w.record_id = r.id)"
        )
    )
    updates = []
    for record_id, kind_code, content in rows:
        kind = standard.record_kinds.get(kind_code)
        if kind is None or kind.domain is None:
            continue
        if isinstance(content, str):
            content = json.loads(content)
        domain = kind.domain_of(content if isinstance(content, dict) else {})
        if domain is not None:
            updates.append({"rid": record_id, "domain": domain})
    if updates:
        conn.execute(sa.text("UPDATE records SET domain = :domain WHERE id = :rid"), updates)


def downgrade() -> None:
    op.drop_index("ix_authorisations_grantee_key_id", table_name="authorisations")
    op.drop_index("ix_authorisations_grantee_account_id", table_name="authorisations")
    op.drop_index("ix_authorisations_subject_id", table_name="authorisations")
    op.drop_table("authorisations")
    op.drop_index("ix_sessions_account_id", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("ix_accounts_subject_id", table_name="accounts")
    op.drop_table("accounts")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("domain")
    op.drop_index("ix_records_domain_subject_id", table_name="records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("domain")
