"""Publication windows, credit repair and objections: the daily publication job's runs and its
append-only moves, repair applications with their documents, objections, the append-only steps of
both kinds of case, notices to subjects and handlers, the provincial platforms' endpoints and the
outbox of repair deliveries; on ``records`` the repair date, the objection mark and the state the
publication job last gave; on ``list_entries`` the record a listing rests on.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from credit_yrd.store.schema import append_only_triggers

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
APPEND_ONLY = ("publication_moves", "case_events")


def upgrade() -> None:
    op.create_table(
        "platform_endpoints",
        sa.Column("province", sa.String(length=2), nullable=False, comment="省级信用平台"),
        sa.Column("url", sa.String(length=1000), nullable=True, comment="推送地址；空则拉取"),
        sa.Column(
            "secret", sa.String(length=128), nullable=True, comment="推送签名密钥（HMAC-SHA256）"
        ),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("province", name=op.f("pk_platform_endpoints")),
    )
    op.create_table(
        "publication_runs",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False, comment="判定日 (the day judged)"),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column(
            "actor", sa.String(length=200), nullable=False, comment="运行者 (worker, CLI user)"
        ),
        sa.Column("standard_version", sa.String(length=32), nullable=False),
        sa.Column("examined", sa.Integer(), server_default="0", nullable=False),
        sa.Column("moved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("counts", JSON, nullable=True, comment="各状态迁移计数 (moves per from → to)"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_runs")),
    )
    with op.batch_alter_table("publication_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publication_runs_run_on"), ["run_on"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("subject_id", BIGID, nullable=True, comment="告知的主体"),
        sa.Column("role", sa.String(length=32), nullable=True, comment="提醒的办理角色"),
        sa.Column("province", sa.String(length=2), nullable=True),
        sa.Column("domain", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False, comment="所涉事项，如 repair:12"),
        sa.Column("title_zh", sa.String(length=500), nullable=False),
        sa.Column("title_en", sa.String(length=500), nullable=False),
        sa.Column("body_zh", sa.String(length=2000), nullable=False),
        sa.Column("body_en", sa.String(length=2000), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.CheckConstraint(
            "(subject_id IS NULL) <> (role IS NULL)", name=op.f("ck_notices_one_recipient")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_notices_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notices_dedupe_key")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notices_role_province"), ["role", "province"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notices_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "publication_moves",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("run_id", BIGID, nullable=False),
        sa.Column("record_id", BIGID, nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("public_from", sa.Date(), nullable=True),
        sa.Column("public_until", sa.Date(), nullable=True),
        sa.Column(
            "rule_id", sa.String(length=64), nullable=True, comment="适用的公示规则 (rule applied)"
        ),
        sa.CheckConstraint(
            "from_state IS NULL OR from_state IN ('scheduled', 'published', 'ended', 'not_published', 'repaired', 'withdrawn')",
            name=op.f("ck_publication_moves_from_state"),
        ),
        sa.CheckConstraint(
            "to_state IN ('scheduled', 'published', 'ended', 'not_published', 'repaired', 'withdrawn')",
            name=op.f("ck_publication_moves_to_state"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_publication_moves_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["publication_runs.id"],
            name=op.f("fk_publication_moves_run_id_publication_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_moves")),
    )
    with op.batch_alter_table("publication_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publication_moves_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_publication_moves_run_id"), ["run_id"], unique=False)

    op.create_table(
        "repair_applications",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("query_code", sa.String(length=20), nullable=False, comment="查询码"),
        sa.Column("subject_id", BIGID, nullable=False),
        sa.Column(
            "target", sa.String(length=16), nullable=False, comment="修复对象：记录或名单条目"
        ),
        sa.Column("record_id", BIGID, nullable=True),
        sa.Column("entry_id", BIGID, nullable=True),
        sa.Column(
            "authority", sa.String(length=200), nullable=False, comment="认定部门：谁认定、谁修复"
        ),
        sa.Column("province", sa.String(length=2), nullable=False, comment="认定部门省份"),
        sa.Column(
            "domain", sa.String(length=64), nullable=True, comment="认定部门领域；空则由信用办办理"
        ),
        sa.Column("applicant", sa.String(length=200), nullable=False, comment="申请人（账户）"),
        sa.Column("applicant_account_id", BIGID, nullable=True),
        sa.Column(
            "corrected",
            sa.String(length=4000),
            nullable=False,
            comment="纠正失信行为、履行义务的情况",
        ),
        sa.Column("conditions", JSON, nullable=True, comment="受理时核对的修复条件"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("accept_due", sa.Date(), nullable=False, comment="受理期限（工作日计）"),
        sa.Column("decide_due", sa.Date(), nullable=False, comment="办结期限（工作日计）"),
        sa.Column("accepted_at", TS, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column(
            "reasons", sa.String(length=4000), nullable=True, comment="决定理由（不予修复须说明）"
        ),
        sa.Column("working_days", sa.Integer(), nullable=True, comment="办理用时（工作日）"),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'approved', 'refused', 'withdrawn')",
            name=op.f("ck_repair_applications_status"),
        ),
        sa.CheckConstraint(
            "target IN ('record', 'listing')", name=op.f("ck_repair_applications_target")
        ),
        sa.CheckConstraint(
            "(record_id IS NULL) <> (entry_id IS NULL)",
            name=op.f("ck_repair_applications_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_account_id"],
            ["accounts.id"],
            name=op.f("fk_repair_applications_applicant_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["list_entries.id"],
            name=op.f("fk_repair_applications_entry_id_list_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_repair_applications_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_repair_applications_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_applications")),
        sa.UniqueConstraint("query_code", name=op.f("uq_repair_applications_query_code")),
    )
    with op.batch_alter_table("repair_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repair_applications_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_repair_applications_province_status"),
            ["province", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_repair_applications_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_repair_applications_status_decide_due"),
            ["status", "decide_due"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_repair_applications_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "objections",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("query_code", sa.String(length=20), nullable=False, comment="查询码"),
        sa.Column("subject_id", BIGID, nullable=False),
        sa.Column("record_id", BIGID, nullable=False),
        sa.Column("repair_id", BIGID, nullable=True, comment="对修复决定的异议"),
        sa.Column(
            "ground", sa.String(length=16), nullable=False, comment="异议事项：内容、期限、修复决定"
        ),
        sa.Column(
            "party", sa.String(length=16), nullable=False, comment="异议人：主体本身或利害关系人"
        ),
        sa.Column("party_name", sa.String(length=200), nullable=True, comment="利害关系人名称"),
        sa.Column("statement", sa.String(length=4000), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("filed_by_account_id", BIGID, nullable=True),
        sa.Column("province", sa.String(length=2), nullable=False, comment="信息来源省份"),
        sa.Column("authority", sa.String(length=200), nullable=False, comment="信息提供部门"),
        sa.Column("domain", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False, comment="答复期限（工作日计）"),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("reasons", sa.String(length=4000), nullable=True),
        sa.Column("new_version_id", BIGID, nullable=True),
        sa.Column("working_days", sa.Integer(), nullable=True, comment="办理用时（工作日）"),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "ground IN ('content', 'period', 'repair_decision')", name=op.f("ck_objections_ground")
        ),
        sa.CheckConstraint("party IN ('subject', 'standing')", name=op.f("ck_objections_party")),
        sa.CheckConstraint(
            "status IN ('open', 'corrected', 'withdrawn_record', 'upheld', 'withdrawn')",
            name=op.f("ck_objections_status"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_objections_filed_by_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["new_version_id"],
            ["record_versions.id"],
            name=op.f("fk_objections_new_version_id_record_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_objections_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["repair_id"],
            ["repair_applications.id"],
            name=op.f("fk_objections_repair_id_repair_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_objections_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("query_code", name=op.f("uq_objections_query_code")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_objections_province_status"), ["province", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_objections_record_id"), ["record_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_objections_status_due_on"), ["status", "due_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_objections_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "repair_deliveries",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("application_id", BIGID, nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column(
            "recipient",
            sa.String(length=64),
            nullable=False,
            comment="province:31 或 subscription:7",
        ),
        sa.Column("province", sa.String(length=2), nullable=True),
        sa.Column("subscription_id", BIGID, nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True, comment="下次推送时间；拉取方式为空"),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.CheckConstraint("event IN ('repair.approved')", name=op.f("ck_repair_deliveries_event")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["repair_applications.id"],
            name=op.f("fk_repair_deliveries_application_id_repair_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_repair_deliveries_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_deliveries")),
        sa.UniqueConstraint(
            "application_id",
            "event",
            "recipient",
            name=op.f("uq_repair_deliveries_application_id_event_recipient"),
        ),
    )
    with op.batch_alter_table("repair_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repair_deliveries_delivered_at_next_attempt_at"),
            ["delivered_at", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_repair_deliveries_province_id"), ["province", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_repair_deliveries_subscription_id_id"),
            ["subscription_id", "id"],
            unique=False,
        )

    op.create_table(
        "repair_documents",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("application_id", BIGID, nullable=False),
        sa.Column(
            "kind", sa.String(length=16), nullable=False, comment="缴款、整改、信用承诺书、其他"
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.CheckConstraint(
            "kind IN ('payment', 'rectification', 'commitment', 'other')",
            name=op.f("ck_repair_documents_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["repair_applications.id"],
            name=op.f("fk_repair_documents_application_id_repair_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_documents")),
    )
    with op.batch_alter_table("repair_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repair_documents_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "case_events",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("application_id", BIGID, nullable=True),
        sa.Column("objection_id", BIGID, nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("detail", JSON, nullable=True),
        sa.CheckConstraint(
            "event IN ('submitted', 'document_added', 'accepted', 'approved', 'refused', 'withdrawn', 'effects_applied', 'delivered', 'reminded', 'filed', 'corrected', 'withdrawn_record', 'upheld')",
            name=op.f("ck_case_events_event"),
        ),
        sa.CheckConstraint(
            "(application_id IS NULL) <> (objection_id IS NULL)",
            name=op.f("ck_case_events_one_case"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["repair_applications.id"],
            name=op.f("fk_case_events_application_id_repair_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"], ["objections.id"], name=op.f("fk_case_events_objection_id_objections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_events_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_events_objection_id"), ["objection_id"], unique=False
        )

    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "basis_record_id",
                BIGID,
                nullable=True,
                comment="认定所依据的记录，如行政处罚决定；该记录修复后本条目随之移出 (the record the listing rests on, e.g. a penalty decision: repairing it removes the entry)",
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_list_entries_basis_record_id_records"),
            "records",
            ["basis_record_id"],
            ["id"],
        )

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "repaired_on",
                sa.Date(),
                nullable=True,
                comment="信用修复生效日：自该日起终止公示、停止共享 (first day after an approved repair)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "objection_open",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="异议处理中 (an objection about the record is being handled)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "public_state",
                sa.String(length=16),
                nullable=True,
                comment="每日公示任务最近一次判定的状态 (state the daily publication job last gave it)",
            )
        )

    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in append_only_triggers(table).get(dialect, []):
            op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("public_state")
        batch_op.drop_column("objection_open")
        batch_op.drop_column("repaired_on")

    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_list_entries_basis_record_id_records"), type_="foreignkey"
        )
        batch_op.drop_column("basis_record_id")

    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_objection_id"))
        batch_op.drop_index(batch_op.f("ix_case_events_application_id"))

    op.drop_table("case_events")
    with op.batch_alter_table("repair_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_documents_application_id"))

    op.drop_table("repair_documents")
    with op.batch_alter_table("repair_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_deliveries_subscription_id_id"))
        batch_op.drop_index(batch_op.f("ix_repair_deliveries_province_id"))
        batch_op.drop_index(batch_op.f("ix_repair_deliveries_delivered_at_next_attempt_at"))

    op.drop_table("repair_deliveries")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objections_subject_id"))
        batch_op.drop_index(batch_op.f("ix_objections_status_due_on"))
        batch_op.drop_index(batch_op.f("ix_objections_record_id"))
        batch_op.drop_index(batch_op.f("ix_objections_province_status"))

    op.drop_table("objections")
    with op.batch_alter_table("repair_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_applications_subject_id"))
        batch_op.drop_index(batch_op.f("ix_repair_applications_status_decide_due"))
        batch_op.drop_index(batch_op.f("ix_repair_applications_record_id"))
        batch_op.drop_index(batch_op.f("ix_repair_applications_province_status"))
        batch_op.drop_index(batch_op.f("ix_repair_applications_entry_id"))

    op.drop_table("repair_applications")
    with op.batch_alter_table("publication_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_moves_run_id"))
        batch_op.drop_index(batch_op.f("ix_publication_moves_record_id"))

    op.drop_table("publication_moves")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_subject_id"))
        batch_op.drop_index(batch_op.f("ix_notices_role_province"))

    op.drop_table("notices")
    with op.batch_alter_table("publication_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_runs_run_on"))

    op.drop_table("publication_runs")
    op.drop_table("platform_endpoints")
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
