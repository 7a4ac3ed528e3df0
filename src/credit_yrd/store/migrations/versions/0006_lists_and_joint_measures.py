"""Red and black lists and joint measures: list entries and their dated steps, departments'
subscriptions, joint actions (发起/推送/执行/反馈) with their delivery outbox, the check log, and the
cursors of background jobs. ``list_events`` and ``checks`` are append-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
APPEND_ONLY = ("list_events", "checks")


def _append_only(table: str, dialect: str) -> list[str]:
    message = f"{table} 只能追加，不能修改或删除 ({table} is append-only: no UPDATE or DELETE)"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation'; END $$",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
        ]
    return []


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False, comment="核查者 (who checked)"),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("province", sa.String(length=2), nullable=True),
        sa.Column("domain", sa.String(length=64), nullable=True),
        sa.Column("scenario", sa.String(length=64), nullable=False),
        sa.Column("codes", sa.Integer(), nullable=False, comment="核查的主体数 (codes checked)"),
        sa.Column(
            "hits", sa.Integer(), nullable=False, comment="有措施的主体数 (subjects with measures)"
        ),
        sa.Column(
            "results",
            JSON,
            nullable=False,
            comment="每个代码及返回的名单条目和措施：核查留痕 (per code: entries and measures returned)",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checks_at"), ["at"], unique=False)

    op.create_table(
        "job_cursors",
        sa.Column("name", sa.String(length=64), nullable=False, comment="后台任务名 (job name)"),
        sa.Column("position", BIGID, nullable=False, comment="已处理到的编号 (last id processed)"),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_cursors")),
    )
    op.create_table(
        "list_entries",
        sa.Column("id", BIGID, nullable=False),
        sa.Column(
            "list_code",
            sa.String(length=64),
            nullable=False,
            comment="名单代码（标准 lists/）(list code)",
        ),
        sa.Column("subject_id", BIGID, nullable=False),
        sa.Column(
            "subject_name", sa.String(length=500), nullable=False, comment="列入时的主体名称"
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column(
            "record_id",
            BIGID,
            nullable=True,
            comment="来自归集记录时的记录 (the ingested record that feeds it)",
        ),
        sa.Column(
            "authority",
            sa.String(length=200),
            nullable=False,
            comment="认定部门 (deciding authority)",
        ),
        sa.Column("authority_uscc", sa.String(length=18), nullable=True),
        sa.Column(
            "province",
            sa.String(length=2),
            nullable=False,
            comment="认定部门所在省份 (deciding province)",
        ),
        sa.Column(
            "domain", sa.String(length=64), nullable=True, comment="认定部门领域 (deciding domain)"
        ),
        sa.Column("decision_number", sa.String(length=128), nullable=True, comment="认定文书号"),
        sa.Column("reason", sa.String(length=4000), nullable=False, comment="列入事由 (reason)"),
        sa.Column(
            "legal_basis", sa.String(length=2000), nullable=False, comment="认定依据 (legal basis)"
        ),
        sa.Column(
            "proposed_by", sa.String(length=200), nullable=True, comment="提出列入的部门账户或密钥"
        ),
        sa.Column("proposed_at", TS, nullable=True),
        sa.Column(
            "objection_until",
            sa.Date(),
            nullable=True,
            comment="异议期最后一日 (last day to object)",
        ),
        sa.Column("listed_on", sa.Date(), nullable=True, comment="列入日期 (first day listed)"),
        sa.Column("ends_on", sa.Date(), nullable=True, comment="在列最后一日 (last day listed)"),
        sa.Column(
            "removed_on", sa.Date(), nullable=True, comment="移出日期 (first day off the list)"
        ),
        sa.Column("removal_reason", sa.String(length=32), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("origin IN ('platform', 'record')", name=op.f("ck_list_entries_origin")),
        sa.CheckConstraint(
            "removal_reason IS NULL OR removal_reason IN ('expiry', 'early_exit', 'performance', 'repair', 'court_deletion', 'source')",
            name=op.f("ck_list_entries_removal_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'objected', 'listed', 'removed', 'withdrawn')",
            name=op.f("ck_list_entries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_list_entries_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_list_entries_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
        sa.UniqueConstraint("record_id", name=op.f("uq_list_entries_record_id")),
    )
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_list_entries_list_code_status"), ["list_code", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_list_entries_status_ends_on"), ["status", "ends_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_list_entries_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_list_entries_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "subscriptions",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("account_id", BIGID, nullable=True),
        sa.Column("key_id", BIGID, nullable=True),
        sa.Column(
            "department",
            sa.String(length=200),
            nullable=False,
            comment="实施部门名称 (department name)",
        ),
        sa.Column("province", sa.String(length=2), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.Column(
            "scenarios", JSON, nullable=False, comment="订阅的业务场景 (scenarios subscribed)"
        ),
        sa.Column(
            "webhook_url",
            sa.String(length=1000),
            nullable=True,
            comment="推送地址；空则拉取 (push URL)",
        ),
        sa.Column(
            "webhook_secret",
            sa.String(length=128),
            nullable=True,
            comment="推送签名密钥（HMAC-SHA256），平台须能签名故保存原文 (signing secret)",
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
        sa.CheckConstraint(
            "(account_id IS NULL) <> (key_id IS NULL)", name=op.f("ck_subscriptions_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_subscriptions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name=op.f("fk_subscriptions_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscriptions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_key_id"), ["key_id"], unique=False)

    op.create_table(
        "actions",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("entry_id", BIGID, nullable=False),
        sa.Column("measure_code", sa.String(length=64), nullable=False),
        sa.Column("subscription_id", BIGID, nullable=False),
        sa.Column(
            "cycle",
            sa.Integer(),
            server_default="1",
            nullable=False,
            comment="第几次列入（移出后再列入为新一轮）(which listing of the entry: re-listed = new)",
        ),
        sa.Column("province", sa.String(length=2), nullable=False, comment="实施部门省份"),
        sa.Column("initiated_at", TS, nullable=False, comment="发起 (initiated)"),
        sa.Column("due_on", sa.Date(), nullable=False, comment="反馈期限 (feedback due)"),
        sa.Column("pushed_at", TS, nullable=True, comment="推送送达 (delivered or pulled)"),
        sa.Column("executed_at", TS, nullable=True, comment="执行：首次在核查中返回"),
        sa.Column("lifted_at", TS, nullable=True, comment="名单移出后解除 (lifted)"),
        sa.Column("feedback", sa.String(length=16), nullable=True, comment="反馈结果 (outcome)"),
        sa.Column("feedback_reason", sa.String(length=2000), nullable=True),
        sa.Column("feedback_by", sa.String(length=200), nullable=True),
        sa.Column("feedback_at", TS, nullable=True),
        sa.CheckConstraint(
            "feedback IS NULL OR feedback IN ('applied', 'not_applicable', 'exempted')",
            name=op.f("ck_actions_feedback"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["list_entries.id"], name=op.f("fk_actions_entry_id_list_entries")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_actions_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint(
            "entry_id",
            "measure_code",
            "subscription_id",
            "cycle",
            name=op.f("uq_actions_entry_id_measure_code_subscription_id_cycle"),
        ),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_actions_province_measure_code"),
            ["province", "measure_code"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_actions_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "list_events",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("entry_id", BIGID, nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False, comment="操作者 (who did it)"),
        sa.Column("detail", JSON, nullable=True, comment="理由、依据、日期等 (reasons, dates …)"),
        sa.CheckConstraint(
            "event IN ('proposed', 'objected', 'objection_answered', 'listed', 'extended', 'removed', 'withdrawn')",
            name=op.f("ck_list_events_event"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["list_entries.id"], name=op.f("fk_list_events_entry_id_list_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_events")),
    )
    with op.batch_alter_table("list_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_events_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("subscription_id", BIGID, nullable=False),
        sa.Column("action_id", BIGID, nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True, comment="下次推送时间；拉取方式为空"),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("given_up_at", TS, nullable=True, comment="超过重试期限 (retries exhausted)"),
        sa.CheckConstraint(
            "event IN ('action.initiated', 'action.lifted')", name=op.f("ck_deliveries_event")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_deliveries_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_deliveries_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("action_id", "event", name=op.f("uq_deliveries_action_id_event")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deliveries_delivered_at_next_attempt_at"),
            ["delivered_at", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_deliveries_subscription_id_id"), ["subscription_id", "id"], unique=False
        )

    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in _append_only(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_subscription_id_id"))
        batch_op.drop_index(batch_op.f("ix_deliveries_delivered_at_next_attempt_at"))

    op.drop_table("deliveries")
    with op.batch_alter_table("list_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_events_entry_id"))

    op.drop_table("list_events")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_actions_province_measure_code"))

    op.drop_table("actions")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_key_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_account_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_entries_updated_at"))
        batch_op.drop_index(batch_op.f("ix_list_entries_subject_id"))
        batch_op.drop_index(batch_op.f("ix_list_entries_status_ends_on"))
        batch_op.drop_index(batch_op.f("ix_list_entries_list_code_status"))

    op.drop_table("list_entries")
    op.drop_table("job_cursors")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checks_at"))

    op.drop_table("checks")
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
