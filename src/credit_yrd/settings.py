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
