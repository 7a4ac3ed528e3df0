"""The tables of the store, in SQLAlchemy Core.

The migrations under ``migrations/versions`` build exactly these tables (a test compares them on
both backends); create a store with :func:`credit_yrd.store.migrate.init_store`, not
``metadata.create_all``, so that the Alembic revision is recorded. ``record_versions`` is
append-only: triggers refuse UPDATE and DELETE (see :data:`APPEND_ONLY_TRIGGERS`).
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
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
