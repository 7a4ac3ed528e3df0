"""The tables of the store, in SQLAlchemy Core.

The migrations under ``migrations/versions`` build exactly these tables (a test compares them on
both backends); create a store with :func:`credit_yrd.store.migrate.init_store`, not
``metadata.create_all``, so that the Alembic revision is recorded. ``record_versions`` is
append-only: triggers refuse UPDATE and DELETE (see :data:`APPEND_ONLY_TRIGGERS`).
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    event,
)
from sqlalchemy.sql.expression import false

from credit_yrd.store.types import BigID, JSONType, Timestamp

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

SUBJECT_TYPES = (
    "legal_person",
    "individual_business",
    "organisation",
    "public_body",
    "natural_person",
)
LEGACY_KINDS = ("org_code", "business_reg_no")
VERSION_STATUSES = ("active", "withdrawn", "deleted", "corrected")
BATCH_STATUSES = ("received", "processing", "accepted", "rejected")
#: How a record was linked to its subject (``records.link_method``).
LINK_METHODS = ("uscc", "org_code", "business_reg_no", "name", "person_id", "review")
REVIEW_STATUSES = ("open", "linked", "rejected")
API_KEY_ROLES = ("data_source", "department", "credit_office", "market_institution")
#: The roles an account (a person logging in to the portal) can hold.
ACCOUNT_ROLES = ("subject", "department", "credit_office", "data_source", "market_institution")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


sources = Table(
    "sources",
    metadata,
    Column("code", String(32), primary_key=True, comment="数据来源单位代码 (source code)"),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("province", String(2), nullable=True, comment="省级区划前两位；全国为空"),
)

batches = Table(
    "batches",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("source", String(32), ForeignKey("sources.code"), nullable=False),
    Column("received_at", Timestamp, nullable=False),
    Column("file_name", String(500), nullable=True),
    Column("content_sha256", String(64), nullable=False),
    Column("status", String(16), nullable=False, server_default="received"),
    Column("counts", JSONType, nullable=True),
    Column("completed_at", Timestamp, nullable=True),
    Column(
        "quarantine_path", String(1000), nullable=True, comment="隔离文件路径 (quarantine file)"
    ),
    CheckConstraint(_in("status", BATCH_STATUSES), name="status"),
    Index(None, "source", "content_sha256"),
)

subjects = Table(
    "subjects",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("subject_type", String(32), nullable=False),
    Column("uscc", String(18), nullable=True, unique=True),
    Column(
        "person_hash",
        String(64),
        nullable=True,
        unique=True,
        comment="身份证号的键控哈希 HMAC-SM3 (keyed hash of the resident ID)",
    ),
    Column(
        "person_id_enc",
        LargeBinary,
        nullable=True,
        comment="SM4 加密的身份证号 (encrypted resident ID)",
    ),
    Column("name", String(500), nullable=False),
    Column("name_normalised", String(500), nullable=False),
    Column("province", String(2), nullable=True),
    Column("division", String(6), nullable=True),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint(_in("subject_type", SUBJECT_TYPES), name="subject_type"),
    CheckConstraint(
        "subject_type <> 'natural_person' OR person_hash IS NOT NULL",
        name="person_hash",
    ),
    Index(None, "name_normalised"),
)

legacy_codes = Table(
    "legacy_codes",
    metadata,
    Column("legacy_kind", String(16), primary_key=True),
    Column("legacy_code", String(32), primary_key=True),
    Column("uscc", String(18), nullable=False),
    Column("source", String(32), ForeignKey("sources.code"), nullable=True),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint(_in("legacy_kind", LEGACY_KINDS), name="legacy_kind"),
    Index(None, "uscc"),
)

records = Table(
    "records",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("source", String(32), ForeignKey("sources.code"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("source_key", String(200), nullable=False, comment="来源单位的记录编号"),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column(
        "link_method",
        String(32),
        nullable=True,
        comment="主体关联方式 (how the subject was linked)",
    ),
    Column("linked_at", Timestamp, nullable=True),
    Column(
        "domain",
        String(64),
        nullable=True,
        comment="所属领域（代码表 domain），取自当前版本；跨领域信息为空 (the record's domain)",
    ),
    Column(
        "public_from",
        Date,
        nullable=True,
        comment="当前版本的公示起始日；不公示为空 (first day of publication; null: not published)",
    ),
    Column(
        "public_until",
        Date,
        nullable=True,
        comment="当前版本的公示截止日；无截止为空 (last day of publication; null: no end)",
    ),
    Column(
        "repaired_on",
        Date,
        nullable=True,
        comment="信用修复生效日：自该日起终止公示、停止共享 (first day after an approved repair)",
    ),
    Column(
        "objection_open",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="异议处理中 (an objection about the record is being handled)",
    ),
    Column(
        "public_state",
        String(16),
        nullable=True,
        comment="每日公示任务最近一次判定的状态 (state the daily publication job last gave it)",
    ),
    UniqueConstraint("source", "kind", "source_key"),
    CheckConstraint(
        f"link_method IS NULL OR {_in('link_method', LINK_METHODS)}", name="link_method"
    ),
    Index(None, "subject_id"),
    Index(None, "domain", "subject_id"),
)

record_versions = Table(
    "record_versions",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("record_id", BigID, ForeignKey("records.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content", JSONType, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("source", String(32), ForeignKey("sources.code"), nullable=False),
    Column("department", String(200), nullable=True),
    Column("batch_id", BigID, ForeignKey("batches.id"), nullable=True),
    Column("received_at", Timestamp, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("record_id", "version"),
    CheckConstraint(_in("status", VERSION_STATUSES), name="status"),
    CheckConstraint("version >= 1", name="version"),
    Index(None, "batch_id"),
)

review_items = Table(
    "review_items",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("record_id", BigID, ForeignKey("records.id"), nullable=False, unique=True),
    Column("batch_id", BigID, ForeignKey("batches.id"), nullable=True),
    Column("source", String(32), ForeignKey("sources.code"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column(
        "reason",
        String(32),
        nullable=False,
        comment="无法确定主体的原因 (why no subject was linked)",
    ),
    Column("party", JSONType, nullable=False, comment="记录中的主体名称与代码（证件号仅存哈希）"),
    Column("candidates", JSONType, nullable=True, comment="候选主体编号 (candidate subject ids)"),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", Timestamp, nullable=True),
    Column("note", String(2000), nullable=True),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint(_in("status", REVIEW_STATUSES), name="status"),
    Index(None, "status", "source"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigID, primary_key=True),
    Column(
        "prefix",
        String(16),
        nullable=False,
        unique=True,
        comment="密钥前缀，用于查找 (lookup prefix)",
    ),
    Column(
        "key_hash", String(64), nullable=False, comment="密钥的 SHA-256 (the key is never stored)"
    ),
    Column("role", String(32), nullable=False),
    Column("source", String(32), ForeignKey("sources.code"), nullable=True),
    Column("province", String(2), nullable=True),
    Column("label", String(200), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
    Column("domain", String(64), nullable=True, comment="政务部门的领域 (a department's domain)"),
    CheckConstraint(_in("role", API_KEY_ROLES), name="role"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("username", String(64), nullable=False, unique=True, comment="登录名 (login name)"),
    Column(
        "password_hash",
        String(255),
        nullable=False,
        comment="argon2id 口令散列 (argon2id hash; the password is never stored)",
    ),
    Column("role", String(32), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("province", String(2), nullable=True),
    Column("domain", String(64), nullable=True, comment="政务部门的领域 (a department's domain)"),
    Column("source", String(32), ForeignKey("sources.code"), nullable=True),
    Column(
        "subject_id",
        BigID,
        ForeignKey("subjects.id"),
        nullable=True,
        comment="主体账户所代表的主体 (the subject a subject account speaks for)",
    ),
    Column("created_at", Timestamp, nullable=False),
    Column("disabled_at", Timestamp, nullable=True),
    CheckConstraint(_in("role", ACCOUNT_ROLES), name="role"),
    CheckConstraint("role <> 'subject' OR subject_id IS NOT NULL", name="subject_has_subject"),
    Index(None, "subject_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", BigID, primary_key=True),
    Column(
        "token_hash",
        String(64),
        nullable=False,
        unique=True,
        comment="会话令牌的 SHA-256 (the token is never stored)",
    ),
    Column("account_id", BigID, ForeignKey("accounts.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False, comment="表单防伪令牌 (CSRF token)"),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
    Index(None, "account_id"),
)

authorisations = Table(
    "authorisations",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=False),
    Column(
        "grantee_account_id",
        BigID,
        ForeignKey("accounts.id"),
        nullable=True,
        comment="获授权的市场机构账户 (the institution's account)",
    ),
    Column(
        "grantee_key_id",
        BigID,
        ForeignKey("api_keys.id"),
        nullable=True,
        comment="获授权的市场机构 API 密钥 (the institution's API key)",
    ),
    Column("purpose", String(500), nullable=False, comment="授权用途 (what the read is for)"),
    Column("granted_by", String(200), nullable=False, comment="授权人 (who granted it)"),
    Column("granted_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
    CheckConstraint("(grantee_account_id IS NULL) <> (grantee_key_id IS NULL)", name="one_grantee"),
    Index(None, "subject_id"),
    Index(None, "grantee_account_id"),
    Index(None, "grantee_key_id"),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(200), nullable=False, comment="读取者（API 密钥、账户）(who read)"),
    Column("role", String(32), nullable=False),
    Column("province", String(2), nullable=True, comment="读取者所属省份 (the reader's province)"),
    Column("purpose", String(500), nullable=False, comment="读取目的 (the stated purpose)"),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=True),
    Column("record_ids", JSONType, nullable=True, comment="读取的记录 (records read)"),
    Column(
        "action", String(200), nullable=False, comment="操作或接口 (what was read, e.g. the route)"
    ),
    Index(None, "subject_id", "at"),
    Index(None, "at"),
)

subject_terms = Table(
    "subject_terms",
    metadata,
    Column("term", String(8), primary_key=True, comment="名称的二元字组 (a bigram of the name)"),
    Column("subject_id", BigID, ForeignKey("subjects.id"), primary_key=True),
    Index(None, "subject_id"),
)

#: Where a list entry stands (``list_entries.status``): proposed (notice served, objection window
#: open), objected (the subject objected; the department must answer), listed, removed, withdrawn.
ENTRY_STATUSES = ("proposed", "objected", "listed", "removed", "withdrawn")
#: Where an entry came from: decided on the platform, or fed by an ingested record.
ENTRY_ORIGINS = ("platform", "record")
#: Why an entry left its list (``list_entries.removal_reason``).
REMOVAL_REASONS = (
    "expiry",
    "early_exit",
    "performance",
    "repair",
    "court_deletion",
    "source",
)
LIST_EVENTS = (
    "proposed",
    "objected",
    "objection_answered",
    "listed",
    "extended",
    "removed",
    "withdrawn",
)
FEEDBACK_OUTCOMES = ("applied", "not_applicable", "exempted")
DELIVERY_EVENTS = ("action.initiated", "action.lifted")

list_entries = Table(
    "list_entries",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("list_code", String(64), nullable=False, comment="名单代码（标准 lists/）(list code)"),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=False),
    Column("subject_name", String(500), nullable=False, comment="列入时的主体名称"),
    Column("status", String(16), nullable=False),
    Column("origin", String(16), nullable=False),
    Column(
        "record_id",
        BigID,
        ForeignKey("records.id"),
        nullable=True,
        unique=True,
        comment="来自归集记录时的记录 (the ingested record that feeds it)",
    ),
    Column("authority", String(200), nullable=False, comment="认定部门 (deciding authority)"),
    Column("authority_uscc", String(18), nullable=True),
    Column("province", String(2), nullable=False, comment="认定部门所在省份 (deciding province)"),
    Column("domain", String(64), nullable=True, comment="认定部门领域 (deciding domain)"),
    Column("decision_number", String(128), nullable=True, comment="认定文书号"),
    Column("reason", String(4000), nullable=False, comment="列入事由 (reason)"),
    Column("legal_basis", String(2000), nullable=False, comment="认定依据 (legal basis)"),
    Column("proposed_by", String(200), nullable=True, comment="提出列入的部门账户或密钥"),
    Column("proposed_at", Timestamp, nullable=True),
    Column("objection_until", Date, nullable=True, comment="异议期最后一日 (last day to object)"),
    Column("listed_on", Date, nullable=True, comment="列入日期 (first day listed)"),
    Column("ends_on", Date, nullable=True, comment="在列最后一日 (last day listed)"),
    Column("removed_on", Date, nullable=True, comment="移出日期 (first day off the list)"),
    Column("removal_reason", String(32), nullable=True),
    Column("updated_at", Timestamp, nullable=False),
    Column(
        "basis_record_id",
        BigID,
        ForeignKey("records.id"),
        nullable=True,
        comment="认定所依据的记录，如行政处罚决定；该记录修复后本条目随之移出 (the record the listing "
        "rests on, e.g. a penalty decision: repairing it removes the entry)",
    ),
    CheckConstraint(_in("status", ENTRY_STATUSES), name="status"),
    CheckConstraint(_in("origin", ENTRY_ORIGINS), name="origin"),
    CheckConstraint(
        f"removal_reason IS NULL OR {_in('removal_reason', REMOVAL_REASONS)}",
        name="removal_reason",
    ),
    Index(None, "subject_id"),
    Index(None, "list_code", "status"),
    Index(None, "status", "ends_on"),
    Index(None, "updated_at"),
)

list_events = Table(
    "list_events",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("entry_id", BigID, ForeignKey("list_entries.id"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(200), nullable=False, comment="操作者 (who did it)"),
    Column("detail", JSONType, nullable=True, comment="理由、依据、日期等 (reasons, dates …)"),
    CheckConstraint(_in("event", LIST_EVENTS), name="event"),
    Index(None, "entry_id"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("account_id", BigID, ForeignKey("accounts.id"), nullable=True),
    Column("key_id", BigID, ForeignKey("api_keys.id"), nullable=True),
    Column("department", String(200), nullable=False, comment="实施部门名称 (department name)"),
    Column("province", String(2), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("scenarios", JSONType, nullable=False, comment="订阅的业务场景 (scenarios subscribed)"),
    Column("webhook_url", String(1000), nullable=True, comment="推送地址；空则拉取 (push URL)"),
    Column(
        "webhook_secret",
        String(128),
        nullable=True,
        comment="推送签名密钥（HMAC-SHA256），平台须能签名故保存原文 (signing secret)",
    ),
    Column("created_at", Timestamp, nullable=False),
    Column("disabled_at", Timestamp, nullable=True),
    CheckConstraint("(account_id IS NULL) <> (key_id IS NULL)", name="one_owner"),
    Index(None, "account_id"),
    Index(None, "key_id"),
)

actions = Table(
    "actions",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("entry_id", BigID, ForeignKey("list_entries.id"), nullable=False),
    Column("measure_code", String(64), nullable=False),
    Column("subscription_id", BigID, ForeignKey("subscriptions.id"), nullable=False),
    Column(
        "cycle",
        Integer,
        nullable=False,
        server_default="1",
        comment="第几次列入（移出后再列入为新一轮）(which listing of the entry: re-listed = new)",
    ),
    Column("province", String(2), nullable=False, comment="实施部门省份"),
    Column("initiated_at", Timestamp, nullable=False, comment="发起 (initiated)"),
    Column("due_on", Date, nullable=False, comment="反馈期限 (feedback due)"),
    Column("pushed_at", Timestamp, nullable=True, comment="推送送达 (delivered or pulled)"),
    Column("executed_at", Timestamp, nullable=True, comment="执行：首次在核查中返回"),
    Column("lifted_at", Timestamp, nullable=True, comment="名单移出后解除 (lifted)"),
    Column("feedback", String(16), nullable=True, comment="反馈结果 (outcome)"),
    Column("feedback_reason", String(2000), nullable=True),
    Column("feedback_by", String(200), nullable=True),
    Column("feedback_at", Timestamp, nullable=True),
    UniqueConstraint("entry_id", "measure_code", "subscription_id", "cycle"),
    CheckConstraint(f"feedback IS NULL OR {_in('feedback', FEEDBACK_OUTCOMES)}", name="feedback"),
    Index(None, "subscription_id"),
    Index(None, "province", "measure_code"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("subscription_id", BigID, ForeignKey("subscriptions.id"), nullable=False),
    Column("action_id", BigID, ForeignKey("actions.id"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Timestamp, nullable=True, comment="下次推送时间；拉取方式为空"),
    Column("delivered_at", Timestamp, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("given_up_at", Timestamp, nullable=True, comment="超过重试期限 (retries exhausted)"),
    UniqueConstraint("action_id", "event"),
    CheckConstraint(_in("event", DELIVERY_EVENTS), name="event"),
    Index(None, "subscription_id", "id"),
    Index(None, "delivered_at", "next_attempt_at"),
)

checks = Table(
    "checks",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(200), nullable=False, comment="核查者 (who checked)"),
    Column("role", String(32), nullable=False),
    Column("province", String(2), nullable=True),
    Column("domain", String(64), nullable=True),
    Column("scenario", String(64), nullable=False),
    Column("codes", Integer, nullable=False, comment="核查的主体数 (codes checked)"),
    Column("hits", Integer, nullable=False, comment="有措施的主体数 (subjects with measures)"),
    Column(
        "results",
        JSONType,
        nullable=False,
        comment="每个代码及返回的名单条目和措施：核查留痕 (per code: entries and measures returned)",
    ),
    Index(None, "at"),
)

job_cursors = Table(
    "job_cursors",
    metadata,
    Column("name", String(64), primary_key=True, comment="后台任务名 (job name)"),
    Column("position", BigID, nullable=False, comment="已处理到的编号 (last id processed)"),
    Column("updated_at", Timestamp, nullable=False),
)


# --- publication windows, repair and objections (revision 0007) ----------------------------------

#: Where a record stands against its publication window (``records.public_state``).
PUBLIC_STATES = ("scheduled", "published", "ended", "not_published", "repaired", "withdrawn")
REPAIR_TARGETS = ("record", "listing")
REPAIR_STATUSES = ("submitted", "accepted", "approved", "refused", "withdrawn")
DOCUMENT_KINDS = ("payment", "rectification", "commitment", "other")
OBJECTION_GROUNDS = ("content", "period", "repair_decision")
OBJECTION_PARTIES = ("subject", "standing")
OBJECTION_STATUSES = ("open", "corrected", "withdrawn_record", "upheld", "withdrawn")
CASE_EVENTS = (
    "submitted",
    "document_added",
    "accepted",
    "approved",
    "refused",
    "withdrawn",
    "effects_applied",
    "delivered",
    "reminded",
    "filed",
    "corrected",
    "withdrawn_record",
    "upheld",
)
REPAIR_DELIVERY_EVENTS = ("repair.approved",)

publication_runs = Table(
    "publication_runs",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("run_on", Date, nullable=False, comment="判定日 (the day judged)"),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp, nullable=True),
    Column("actor", String(200), nullable=False, comment="运行者 (worker, CLI user)"),
    Column("standard_version", String(32), nullable=False),
    Column("examined", Integer, nullable=False, server_default="0"),
    Column("moved", Integer, nullable=False, server_default="0"),
    Column("counts", JSONType, nullable=True, comment="各状态迁移计数 (moves per from → to)"),
    Index(None, "run_on"),
)

publication_moves = Table(
    "publication_moves",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("run_id", BigID, ForeignKey("publication_runs.id"), nullable=False),
    Column("record_id", BigID, ForeignKey("records.id"), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=False),
    Column("public_from", Date, nullable=True),
    Column("public_until", Date, nullable=True),
    Column("rule_id", String(64), nullable=True, comment="适用的公示规则 (rule applied)"),
    CheckConstraint(f"from_state IS NULL OR {_in('from_state', PUBLIC_STATES)}", name="from_state"),
    CheckConstraint(_in("to_state", PUBLIC_STATES), name="to_state"),
    Index(None, "run_id"),
    Index(None, "record_id"),
)

repair_applications = Table(
    "repair_applications",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("query_code", String(20), nullable=False, unique=True, comment="查询码"),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=False),
    Column("target", String(16), nullable=False, comment="修复对象：记录或名单条目"),
    Column("record_id", BigID, ForeignKey("records.id"), nullable=True),
    Column("entry_id", BigID, ForeignKey("list_entries.id"), nullable=True),
    Column("authority", String(200), nullable=False, comment="认定部门：谁认定、谁修复"),
    Column("province", String(2), nullable=False, comment="认定部门省份"),
    Column("domain", String(64), nullable=True, comment="认定部门领域；空则由信用办办理"),
    Column("applicant", String(200), nullable=False, comment="申请人（账户）"),
    Column("applicant_account_id", BigID, ForeignKey("accounts.id"), nullable=True),
    Column("corrected", String(4000), nullable=False, comment="纠正失信行为、履行义务的情况"),
    Column("conditions", JSONType, nullable=True, comment="受理时核对的修复条件"),
    Column("status", String(16), nullable=False),
    Column("received_at", Timestamp, nullable=False),
    Column("accept_due", Date, nullable=False, comment="受理期限（工作日计）"),
    Column("decide_due", Date, nullable=False, comment="办结期限（工作日计）"),
    Column("accepted_at", Timestamp, nullable=True),
    Column("decided_at", Timestamp, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("reasons", String(4000), nullable=True, comment="决定理由（不予修复须说明）"),
    Column("working_days", Integer, nullable=True, comment="办理用时（工作日）"),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint(_in("target", REPAIR_TARGETS), name="target"),
    CheckConstraint(_in("status", REPAIR_STATUSES), name="status"),
    CheckConstraint("(record_id IS NULL) <> (entry_id IS NULL)", name="one_target"),
    Index(None, "subject_id"),
    Index(None, "status", "decide_due"),
    Index(None, "province", "status"),
    Index(None, "record_id"),
    Index(None, "entry_id"),
)

repair_documents = Table(
    "repair_documents",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("application_id", BigID, ForeignKey("repair_applications.id"), nullable=False),
    Column("kind", String(16), nullable=False, comment="缴款、整改、信用承诺书、其他"),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", Timestamp, nullable=False),
    CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
    Index(None, "application_id"),
)

objections = Table(
    "objections",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("query_code", String(20), nullable=False, unique=True, comment="查询码"),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=False),
    Column("record_id", BigID, ForeignKey("records.id"), nullable=False),
    Column(
        "repair_id",
        BigID,
        ForeignKey("repair_applications.id"),
        nullable=True,
        comment="对修复决定的异议",
    ),
    Column("ground", String(16), nullable=False, comment="异议事项：内容、期限、修复决定"),
    Column("party", String(16), nullable=False, comment="异议人：主体本身或利害关系人"),
    Column("party_name", String(200), nullable=True, comment="利害关系人名称"),
    Column("statement", String(4000), nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("filed_by_account_id", BigID, ForeignKey("accounts.id"), nullable=True),
    Column("province", String(2), nullable=False, comment="信息来源省份"),
    Column("authority", String(200), nullable=False, comment="信息提供部门"),
    Column("domain", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("received_at", Timestamp, nullable=False),
    Column("due_on", Date, nullable=False, comment="答复期限（工作日计）"),
    Column("decided_at", Timestamp, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("reasons", String(4000), nullable=True),
    Column("new_version_id", BigID, ForeignKey("record_versions.id"), nullable=True),
    Column("working_days", Integer, nullable=True, comment="办理用时（工作日）"),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint(_in("ground", OBJECTION_GROUNDS), name="ground"),
    CheckConstraint(_in("party", OBJECTION_PARTIES), name="party"),
    CheckConstraint(_in("status", OBJECTION_STATUSES), name="status"),
    Index(None, "subject_id"),
    Index(None, "record_id"),
    Index(None, "status", "due_on"),
    Index(None, "province", "status"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("application_id", BigID, ForeignKey("repair_applications.id"), nullable=True),
    Column("objection_id", BigID, ForeignKey("objections.id"), nullable=True),
    Column("event", String(32), nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("detail", JSONType, nullable=True),
    CheckConstraint("(application_id IS NULL) <> (objection_id IS NULL)", name="one_case"),
    CheckConstraint(_in("event", CASE_EVENTS), name="event"),
    Index(None, "application_id"),
    Index(None, "objection_id"),
)

notices = Table(
    "notices",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("subject_id", BigID, ForeignKey("subjects.id"), nullable=True, comment="告知的主体"),
    Column("role", String(32), nullable=True, comment="提醒的办理角色"),
    Column("province", String(2), nullable=True),
    Column("domain", String(64), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("ref", String(64), nullable=False, comment="所涉事项，如 repair:12"),
    Column("title_zh", String(500), nullable=False),
    Column("title_en", String(500), nullable=False),
    Column("body_zh", String(2000), nullable=False),
    Column("body_en", String(2000), nullable=False),
    Column("dedupe_key", String(200), nullable=True, unique=True),
    Column("created_at", Timestamp, nullable=False),
    Column("read_at", Timestamp, nullable=True),
    CheckConstraint("(subject_id IS NULL) <> (role IS NULL)", name="one_recipient"),
    Index(None, "subject_id"),
    Index(None, "role", "province"),
)

platform_endpoints = Table(
    "platform_endpoints",
    metadata,
    Column("province", String(2), primary_key=True, comment="省级信用平台"),
    Column("url", String(1000), nullable=True, comment="推送地址；空则拉取"),
    Column("secret", String(128), nullable=True, comment="推送签名密钥（HMAC-SHA256）"),
    Column("updated_at", Timestamp, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

repair_deliveries = Table(
    "repair_deliveries",
    metadata,
    Column("id", BigID, primary_key=True),
    Column("application_id", BigID, ForeignKey("repair_applications.id"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("recipient", String(64), nullable=False, comment="province:31 或 subscription:7"),
    Column("province", String(2), nullable=True),
    Column("subscription_id", BigID, ForeignKey("subscriptions.id"), nullable=True),
    Column("payload", JSONType, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Timestamp, nullable=True, comment="下次推送时间；拉取方式为空"),
    Column("delivered_at", Timestamp, nullable=True),
    Column("last_error", String(500), nullable=True),
    UniqueConstraint("application_id", "event", "recipient"),
    CheckConstraint(_in("event", REPAIR_DELIVERY_EVENTS), name="event"),
    Index(None, "delivered_at", "next_attempt_at"),
    Index(None, "province", "id"),
    Index(None, "subscription_id", "id"),
)

#: The message the database gives when something tries to change a record version.
APPEND_ONLY_MESSAGE = (
    "record_versions 只能追加，不能修改或删除 (record_versions is append-only: no UPDATE or DELETE)"
)

#: Trigger DDL per dialect; the initial migration creates the same triggers.
APPEND_ONLY_TRIGGERS: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER record_versions_no_update BEFORE UPDATE ON record_versions "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
        "CREATE TRIGGER record_versions_no_delete BEFORE DELETE ON record_versions "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION record_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; "
        "END $$",
        "CREATE TRIGGER record_versions_no_update BEFORE UPDATE OR DELETE ON record_versions "
        "FOR EACH ROW EXECUTE FUNCTION record_versions_append_only()",
        "CREATE TRIGGER record_versions_no_truncate BEFORE TRUNCATE ON record_versions "
        "FOR EACH STATEMENT EXECUTE FUNCTION record_versions_append_only()",
    ],
}

for _dialect, _statements in APPEND_ONLY_TRIGGERS.items():
    for _statement in _statements:
        event.listen(record_versions, "after_create", DDL(_statement).execute_if(dialect=_dialect))

#: The access log is append-only too: who read what cannot be edited away.
ACCESS_LOG_MESSAGE = (
    "access_log 只能追加，不能修改或删除 (access_log is append-only: no UPDATE or DELETE)"
)
ACCESS_LOG_TRIGGERS: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
        f"BEGIN SELECT RAISE(ABORT, '{ACCESS_LOG_MESSAGE}'); END",
        "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
        f"BEGIN SELECT RAISE(ABORT, '{ACCESS_LOG_MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{ACCESS_LOG_MESSAGE}' USING ERRCODE = 'restrict_violation'; "
        "END $$",
        "CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log "
        "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()",
        "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()",
    ],
}

for _dialect, _statements in ACCESS_LOG_TRIGGERS.items():
    for _statement in _statements:
        event.listen(access_log, "after_create", DDL(_statement).execute_if(dialect=_dialect))


def append_only_triggers(table: str) -> dict[str, list[str]]:
    """Trigger DDL per dialect that refuses UPDATE, DELETE (and TRUNCATE) on ``table``."""
    message = f"{table} 只能追加，不能修改或删除 ({table} is append-only: no UPDATE or DELETE)"
    return {
        "sqlite": [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ],
        "postgresql": [
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation'; END $$",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
        ],
    }


#: The list steps, the checks, the publication job's moves and the steps of repair and objection
#: cases are evidence: append-only like the access log.
for _table in (list_events, checks, publication_moves, case_events):
    for _dialect, _statements in append_only_triggers(_table.name).items():
        for _statement in _statements:
            event.listen(_table, "after_create", DDL(_statement).execute_if(dialect=_dialect))
