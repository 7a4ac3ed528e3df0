"""One settings object for the whole platform (environment prefix ``CREDIT_YRD_``).

Every field is documented here and listed in the README; ``credit-yrd settings`` prints the values
in force. Nothing else in the code reads the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_YRD_", env_file=None, extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="本地数据目录：SQLite 库、密钥文件、隔离文件 (local data folder: SQLite store, key file, "
        "quarantine files)",
    )
    database_url: str | None = Field(
        default=None,
        description="数据库地址；缺省为数据目录下的 SQLite 文件，生产用 postgresql+psycopg://… (database URL; "
        "defaults to an SQLite file in the data folder; PostgreSQL in production)",
    )
    secret_key: str | None = Field(
        default=None,
        description="个人信息密钥（64 位十六进制）：身份证号的键控哈希与 SM4 加密由它派生；缺省时在数据目录生成 "
        "secret.key (hex key from which the ID-number hash and SM4 encryption keys derive; generated "
        "into the data folder when unset)",
    )
    standard_version: str | None = Field(
        default=None,
        description="使用的区域数据标准版本；缺省为最新版 (regional data standard version; latest by default)",
    )
    sources_dir: Path | None = Field(
        default=None,
        description="额外的来源映射文件目录（每个来源一个 YAML，可覆盖内置映射）；缺省为数据目录下的 sources "
        "(folder of extra source mapping files, one YAML per source, overriding built-in ones; "
        "defaults to data_dir/sources)",
    )
    lang: str = Field(
        default="zh", description="界面语言 zh 或 en (language of messages: zh or en)"
    )
    host: str = Field(
        default="127.0.0.1", description="服务监听地址 (address the server listens on)"
    )
    port: int = Field(default=8000, description="服务端口 (port the server listens on)")
    session_ttl_minutes: int = Field(
        default=480,
        ge=1,
        le=60 * 24 * 30,
        description="门户登录会话的有效时长（分钟）(how long a portal login session lasts, minutes)",
    )
    cookie_secure: bool = Field(
        default=False,
        description="会话 Cookie 仅经 HTTPS 发送；部署在 HTTPS 后时设为 true (send the session cookie "
        "over HTTPS only; set true behind HTTPS)",
    )
    password_hash_cost: Literal["standard", "fast"] = Field(
        default="standard",
        description="口令散列（argon2id）强度：standard 为生产强度，fast 仅供测试 (argon2id cost: "
        "standard in production, fast for tests only)",
    )

    clock_file: Path | None = Field(
        default=None,
        description="平台时间文件：写入 ISO 日期或日期时间即可拨动平台时钟（演示、验收测试用）；缺省为系统时间 "
        "(a file holding an ISO date or date-time that sets the platform's clock, for demos and "
        "acceptance tests; system time by default)",
    )
    worker_interval_seconds: float = Field(
        default=1.0,
        ge=0,
        le=3600,
        description="服务内后台任务（名单期满、联合奖惩发起与推送）的运行间隔（秒）；0 表示不在服务内运行 "
        "(how often the server's background work runs: list expiry, joint actions, webhook pushes; "
        "0: not in the server)",
    )
    feedback_due_days: int = Field(
        default=20,
        ge=1,
        le=365,
        description="联合奖惩措施推送后部门反馈的期限（日）(days a department has to feed back on a "
        "joint action before it counts as overdue)",
    )
    webhook_retry_hours: float = Field(
        default=72,
        gt=0,
        le=24 * 30,
        description="推送失败后持续重试的时长（小时），超过后停止并计入逾期 (how long failed webhook "
        "pushes keep being retried, hours)",
    )
    webhook_allow_private_hosts: bool = Field(
        default=False,
        description="允许推送地址指向回环、链路本地、私有、组播、未指定或保留地址（仅限测试或内网部署）"
        "(allow webhook URLs whose host is a loopback, link-local, private, multicast, unspecified "
        "or reserved address: for tests or a closed network only)",
    )

    calendar_file: Path | None = Field(
        default=None,
        description="补充法定节假日与调休安排的日历文件（YAML，内置数据只到 2026 年）；缺失的年份按仅周末计算并告警 "
        "(YAML calendar file with the official holidays and make-up working days of years after "
        "the bundled data, which ends with 2026; missing years count weekends only, with a warning)",
    )
    repair_accept_working_days: int = Field(
        default=3,
        ge=1,
        le=60,
        description="信用修复申请的受理期限（工作日）(working days to accept or refuse a repair "
        "application for handling)",
    )
    repair_decide_working_days: int = Field(
        default=10,
        ge=1,
        le=120,
        description="信用修复申请的办结期限（工作日）(working days to decide a repair application)",
    )
    objection_working_days: int = Field(
        default=10,
        ge=1,
        le=120,
        description="异议申诉的答复期限（工作日）(working days to answer an objection)",
    )
    reminder_working_days: int = Field(
        default=2,
        ge=0,
        le=30,
        description="办理期限前多少个工作日提醒办理部门 (remind handlers this many working days "
        "before a deadline)",
    )
    repair_document_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="信用修复证明材料单个文件的上限（字节）(largest evidence document accepted, bytes)",
    )

    def resolved_sources_dir(self) -> Path:
        return self.sources_dir if self.sources_dir is not None else self.data_dir / "sources"

    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'credit-yrd.sqlite3').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
