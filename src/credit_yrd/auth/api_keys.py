"""API keys: create, authenticate, revoke and list.

A key reads ``cyk_<prefix>_<secret>``: ``prefix`` (12 lowercase hex digits) finds the key's row,
``secret`` (43 URL-safe characters, 256 bits from :mod:`secrets`) makes it unguessable. The store
keeps the prefix and the SHA-256 of the *whole* key, never the key itself; the plaintext is returned
once, by :func:`create_key`, and cannot be shown again. A 256-bit random secret needs no slow
password hash: nobody can search its space, so one SHA-256 is enough, and lookups stay cheap.

Roles are those of :class:`credit_yrd.auth.roles.Role` that a key can hold (``public`` and
``subject`` are not key roles). A ``data_source`` key belongs to one source of the ``sources``
table and takes that source's province; it may push and read that source's batches only. A
``department`` key may carry a domain (a code of the standard's code list ``domain``).
:func:`checked_province` and :func:`checked_domain` are shared with the accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.ids.divisions import is_province_code
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.schema import API_KEY_ROLES, api_keys, sources

#: Every key starts with this, so that a leaked key is easy to recognise (secret scanners).
KEY_SCHEME = "cyk"
PREFIX_HEX_CHARS = 12
SECRET_BYTES = 32
#: Longest string :func:`authenticate` looks at; anything longer is not a key.
MAX_PRESENTED_CHARS = 200
LABEL_MAX_CHARS = 200

#: The roles a key can hold, in the order the store lists them.
KEY_ROLES: tuple[Role, ...] = tuple(Role(value) for value in API_KEY_ROLES)

_KEY_SHAPE = re.compile(rf"^{KEY_SCHEME}_([0-9a-f]{{{PREFIX_HEX_CHARS}}})_([A-Za-z0-9_\-]{{20,}})$")
# Compared against when no key has the presented prefix, so that a miss costs what a hit costs.
_DUMMY_HASH = hashlib.sha256(b"credit-yrd: no such key").hexdigest()


class ApiKeyError(CreditYrdError):
    """A key cannot be created or changed as asked."""


class InvalidRoleError(ApiKeyError):
    """The role is not one a key can hold."""


class SourceRequiredError(ApiKeyError):
    """A data_source key was asked for without naming its source."""


class SourceNotAllowedError(ApiKeyError):
    """A source was named for a role that does not belong to a source."""


class UnknownKeySourceError(ApiKeyError):
    """The named source is not in the store's ``sources`` table."""


class InvalidProvinceError(ApiKeyError):
    """The province is not a two-digit province-level division code, or contradicts the source."""


class InvalidDomainError(ApiKeyError):
    """The domain is not a code of the standard's code list ``domain``, or not for this role."""


class InvalidLabelError(ApiKeyError):
    """The label is empty or too long."""


class DepartmentScopeRequiredError(ApiKeyError):
    """A department key was asked for without its province or its domain."""


class KeyNotFoundError(ApiKeyError):
    """No key has the given id."""


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a key: everything but its hash (and the key, which is not kept)."""

    id: int
    prefix: str
    role: str
    source: str | None
    province: str | None
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    domain: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "role": self.role,
            "source": self.source,
            "province": self.province,
            "domain": self.domain,
            "label": self.label,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "active": self.active,
        }


def hash_key(plaintext: str) -> str:
    """The SHA-256 (hex) of a whole key, as the store keeps it."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _role(role: Role | str) -> Role:
    value = role.value if isinstance(role, Role) else str(role).strip()
    if value not in API_KEY_ROLES:
        allowed = "、".join(API_KEY_ROLES)
        raise InvalidRoleError(
            f"角色“{value}”不能持有 API 密钥；可选：{allowed}",
            f"role {value!r} cannot hold an API key; choose one of {', '.join(API_KEY_ROLES)}",
        )
    return Role(value)


def _label(label: str) -> str:
    text = (label or "").strip()
    if not text:
        raise InvalidLabelError("密钥须有名称（标签）", "a key needs a label")
    if len(text) > LABEL_MAX_CHARS:
        raise InvalidLabelError(
            f"标签不得超过 {LABEL_MAX_CHARS} 个字符",
            f"the label must not exceed {LABEL_MAX_CHARS} characters",
        )
    return text


def checked_province(province: str | None) -> str | None:
    """A province-level division code (two digits, e.g. ``31``) stripped, or ``None`` for none.

    Raises :class:`InvalidProvinceError` for anything else.
    """
    if province is None:
        return None
    text = province.strip()
    if not (len(text) == 2 and text.isascii() and text.isdigit() and is_province_code(text)):
        raise InvalidProvinceError(
            f"“{province}”不是省级行政区划代码（两位数字，如 31）",
            f"{province!r} is not a province-level division code (two digits, e.g. 31)",
        )
    return text


def checked_domain(domain: str | None) -> str | None:
    """The code of code list ``domain`` for a code, label or alias (``市场监管`` →
    ``market_regulation``), or ``None`` for none.

    Raises :class:`InvalidDomainError` for anything else, naming the valid codes.
    """
    if domain is None:
        return None
    codes = get_standard().code_lists["domain"]
    if not codes.is_valid(domain):
        known = ", ".join(codes.codes())
        raise InvalidDomainError(
            f"“{domain}”不是领域代码表（domain）中的代码；可选：{known}",
            f"{domain!r} is not a code of code list 'domain'; choose one of {known}",
        )
    return codes.normalise(domain)


def _new_prefix(conn: Connection) -> str:
    while True:
        prefix = secrets.token_hex(PREFIX_HEX_CHARS // 2)
        taken = conn.execute(select(api_keys.c.id).where(api_keys.c.prefix == prefix)).first()
        if taken is None:
            return prefix


def create_key(
    conn: Connection,
    *,
    role: Role | str,
    label: str,
    source: str | None = None,
    province: str | None = None,
    domain: str | None = None,
    clock: Clock,
) -> tuple[int, str]:
    """Create a key; returns ``(key_id, plaintext)``. The plaintext is not kept: show it once.

    A ``data_source`` key must name a source of the ``sources`` table and gets its province (a
    province given as well must agree). Other roles may not name a source; their province is
    optional, except that a ``department`` key must name its province and its ``domain`` (a
    department is a regulator of one province and one domain: a key without them would read
    every domain, so it is refused — deny by default); no other role carries a domain. Raises a
    subclass of :class:`ApiKeyError` with a bilingual message.
    """
    chosen = _role(role)
    text = _label(label)
    wanted_province = checked_province(province)
    if domain is not None and domain.strip() and chosen is not Role.DEPARTMENT:
        raise InvalidDomainError(
            f"只有部门（department）密钥可指定领域；角色“{chosen.value}”不能指定",
            f"only department keys carry a domain; role {chosen.value!r} cannot",
        )
    wanted_domain = checked_domain(domain) if domain is not None and domain.strip() else None
    if chosen is Role.DATA_SOURCE:
        code = (source or "").strip()
        if not code:
            raise SourceRequiredError(
                "数据来源（data_source）密钥须指定来源（--source）",
                "a data_source key must name its source (--source)",
            )
        row = conn.execute(
            select(sources.c.code, sources.c.province).where(sources.c.code == code)
        ).first()
        if row is None:
            known = sorted(conn.execute(select(sources.c.code)).scalars())
            raise UnknownKeySourceError(
                f"来源“{code}”不存在（已登记：{'、'.join(known) or '无'}）",
                f"no source {code!r} is registered (known: {', '.join(known) or 'none'})",
            )
        if wanted_province is not None and wanted_province != row.province:
            raise InvalidProvinceError(
                f"来源“{code}”属于省份 {row.province or '无（全国）'}，与指定的 {wanted_province} 不符",
                f"source {code!r} belongs to province {row.province or 'none (national)'}, "
                f"not {wanted_province}",
            )
        source_code: str | None = code
        wanted_province = row.province
    else:
        if source is not None and source.strip():
            raise SourceNotAllowedError(
                f"只有数据来源（data_source）密钥属于某个来源；角色“{chosen.value}”不能指定来源",
                f"only data_source keys belong to a source; role {chosen.value!r} cannot name one",
            )
        source_code = None

    if chosen is Role.DEPARTMENT and (wanted_province is None or wanted_domain is None):
        raise DepartmentScopeRequiredError(
            "部门（department）密钥须指定省份（--province）和领域（--domain）",
            "a department key must name its province (--province) and domain (--domain)",
        )
    prefix = _new_prefix(conn)
    plaintext = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    key_id = conn.execute(
        api_keys.insert()
        .values(
            prefix=prefix,
            key_hash=hash_key(plaintext),
            role=chosen.value,
            source=source_code,
            province=wanted_province,
            domain=wanted_domain,
            label=text,
            created_at=clock.now(),
        )
        .returning(api_keys.c.id)
    ).scalar_one()
    return int(key_id), plaintext


def authenticate(conn: Connection, presented: str | None) -> Principal | None:
    """The principal of a presented key, or ``None`` when it is malformed, unknown or revoked.

    The hashes are compared in constant time, and a key whose prefix is unknown costs the same
    comparison, so timing tells nothing about which part was wrong.
    """
    if not presented or len(presented) > MAX_PRESENTED_CHARS:
        return None
    candidate = presented.strip()
    match = _KEY_SHAPE.match(candidate)
    if match is None:
        return None
    row = conn.execute(
        select(
            api_keys.c.id,
            api_keys.c.key_hash,
            api_keys.c.role,
            api_keys.c.source,
            api_keys.c.province,
            api_keys.c.label,
            api_keys.c.revoked_at,
            api_keys.c.domain,
        ).where(api_keys.c.prefix == match.group(1))
    ).first()
    stored = row.key_hash if row is not None else _DUMMY_HASH
    same = hmac.compare_digest(hash_key(candidate).encode("ascii"), stored.encode("ascii"))
    if row is None or not same or row.revoked_at is not None:
        return None
    if row.role not in API_KEY_ROLES:  # pragma: no cover - the table's check constraint
        return None
    return Principal(
        role=Role(row.role),
        key_id=int(row.id),
        label=row.label,
        source=row.source,
        province=row.province,
        domain=row.domain,
    )


def revoke_key(conn: Connection, key_id: int, *, clock: Clock) -> bool:
    """Revoke a key from now on; True when it was active, False when it was already revoked.

    Raises :class:`KeyNotFoundError` when no key has this id.
    """
    row = conn.execute(select(api_keys.c.revoked_at).where(api_keys.c.id == key_id)).first()
    if row is None:
        raise KeyNotFoundError(f"没有编号为 {key_id} 的密钥", f"no key with id {key_id}")
    if row.revoked_at is not None:
        return False
    conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return True


_SHOWN_COLUMNS = (
    api_keys.c.id,
    api_keys.c.prefix,
    api_keys.c.role,
    api_keys.c.source,
    api_keys.c.province,
    api_keys.c.label,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
    api_keys.c.domain,
)


def _info(row: Any) -> KeyInfo:
    return KeyInfo(
        id=int(row.id),
        prefix=row.prefix,
        role=row.role,
        source=row.source,
        province=row.province,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        domain=row.domain,
    )


def list_keys(conn: Connection, *, include_revoked: bool = True) -> list[KeyInfo]:
    """Every key (or the active ones), oldest first; never the hash."""
    query = select(*_SHOWN_COLUMNS).order_by(api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return [_info(row) for row in conn.execute(query)]


def get_key(conn: Connection, key_id: int) -> KeyInfo | None:
    """One key by id (never its hash), or ``None``."""
    row = conn.execute(select(*_SHOWN_COLUMNS).where(api_keys.c.id == key_id)).first()
    return _info(row) if row is not None else None
