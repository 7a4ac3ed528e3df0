"""Accounts: people who log in to the portal, with a role and the scope it stands for.

A password is kept only as an argon2id hash (:class:`argon2.PasswordHasher`); it is never stored,
returned or logged. :func:`verify_login` answers ``None`` for an unknown user, a wrong password and
a disabled account alike, and an unknown user still costs one argon2 verification, so neither the
answer nor its timing tells which usernames exist.

What an account stands for depends on its role:

========================  ==========================================================
role                      scope
========================  ==========================================================
``subject``               ``subject_id`` (required): the subject it speaks for
``department``            ``province`` and ``domain`` (both required)
``credit_office``         ``province`` (optional: ``None`` = the whole region)
``data_source``           ``source`` (required); takes the source's province
``market_institution``    nothing
========================  ==========================================================

A field that does not belong to the role is refused rather than ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.api_keys import checked_domain, checked_province
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.store.schema import ACCOUNT_ROLES, accounts, sources, subjects
from credit_yrd.text import is_clean

USERNAME_MIN_CHARS = 3
USERNAME_MAX_CHARS = 64
PASSWORD_MIN_CHARS = 10
#: Longest password looked at; longer ones are refused (argon2 would hash them, at a cost).
PASSWORD_MAX_CHARS = 1024
DISPLAY_NAME_MAX_CHARS = 200

HashCost = Literal["standard", "fast"]

_USERNAME_SHAPE = re.compile(r"^[A-Za-z0-9._-]+$")


class AccountError(CreditYrdError):
    """An account cannot be created or changed as asked."""


class InvalidUsernameError(AccountError):
    """The username is too short, too long or has characters outside ``[A-Za-z0-9._-]``."""


class UsernameTakenError(AccountError):
    """Another account has this username."""


class WeakPasswordError(AccountError):
    """The password is too short, too long, or contains the username."""


class InvalidAccountRoleError(AccountError):
    """The role is not one an account can hold."""


class AccountScopeError(AccountError):
    """A scope field (province, domain, source, subject) is missing, unknown or not for the role."""


class InvalidDisplayNameError(AccountError):
    """The display name is empty or too long."""


class AccountNotFoundError(AccountError):
    """No account has this username or id."""


def password_hasher(cost: HashCost | None = None) -> PasswordHasher:
    """The argon2id hasher for a cost: ``standard`` (argon2-cffi's RFC 9106 defaults) or ``fast``
    (cheap parameters, for test suites only). ``None`` reads the setting ``password_hash_cost``."""
    if cost is None:
        from credit_yrd.settings import get_settings

        cost = get_settings().password_hash_cost
    return _hasher(cost)


@lru_cache(maxsize=2)
def _hasher(cost: str) -> PasswordHasher:
    if cost == "fast":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


@dataclass(frozen=True)
class AccountInfo:
    """What may be shown about an account: everything but its password hash."""

    id: int
    username: str
    role: str
    display_name: str
    province: str | None
    domain: str | None
    source: str | None
    subject_id: int | None
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "role": self.role,
            "display_name": self.display_name,
            "province": self.province,
            "domain": self.domain,
            "source": self.source,
            "subject_id": self.subject_id,
            "created_at": self.created_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
            "active": self.active,
        }


def principal_of(info: AccountInfo, session_id: int | None = None) -> Principal:
    """The caller an account is: its role and scope, labelled by its username."""
    return Principal(
        role=Role(info.role),
        key_id=None,
        label=info.username,
        source=info.source,
        province=info.province,
        domain=info.domain,
        account_id=info.id,
        subject_id=info.subject_id,
        session_id=session_id,
    )


def checked_username(username: str) -> str:
    text = (username or "").strip()
    if not (USERNAME_MIN_CHARS <= len(text) <= USERNAME_MAX_CHARS) or not _USERNAME_SHAPE.match(
        text
    ):
        raise InvalidUsernameError(
            f"用户名须为 {USERNAME_MIN_CHARS}–{USERNAME_MAX_CHARS} 个字符，只含字母、数字、点、"
            "下划线或连字符",
            f"a username has {USERNAME_MIN_CHARS}–{USERNAME_MAX_CHARS} characters, letters, "
            "digits, '.', '_' or '-' only",
        )
    return text


def check_password(password: str, username: str) -> None:
    """Refuse a password shorter than 10 characters, absurdly long, or containing the username."""
    if len(password) < PASSWORD_MIN_CHARS:
        raise WeakPasswordError(
            f"口令至少 {PASSWORD_MIN_CHARS} 个字符",
            f"a password has at least {PASSWORD_MIN_CHARS} characters",
        )
    if len(password) > PASSWORD_MAX_CHARS:
        raise WeakPasswordError(
            f"口令不得超过 {PASSWORD_MAX_CHARS} 个字符",
            f"a password has at most {PASSWORD_MAX_CHARS} characters",
        )
    if username and username.casefold() in password.casefold():
        raise WeakPasswordError("口令不得包含用户名", "the password must not contain the username")
    if len(set(password)) == 1:
        raise WeakPasswordError(
            "口令不能由同一个字符重复组成", "the password must not repeat one character"
        )


def _role(role: Role | str) -> Role:
    value = role.value if isinstance(role, Role) else str(role).strip()
    if value not in ACCOUNT_ROLES:
        allowed = "、".join(ACCOUNT_ROLES)
        raise InvalidAccountRoleError(
            f"账户不能持有角色“{value}”；可选：{allowed}",
            f"an account cannot hold role {value!r}; choose one of {', '.join(ACCOUNT_ROLES)}",
        )
    return Role(value)


def _display_name(name: str) -> str:
    text = (name or "").strip()
    if not text:
        raise InvalidDisplayNameError("账户须有显示名", "an account needs a display name")
    if len(text) > DISPLAY_NAME_MAX_CHARS:
        raise InvalidDisplayNameError(
            f"显示名不得超过 {DISPLAY_NAME_MAX_CHARS} 个字符",
            f"a display name has at most {DISPLAY_NAME_MAX_CHARS} characters",
        )
    return text


def _given(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _refuse(role: Role, **fields: Any) -> None:
    for name, value in fields.items():
        if _given(value):
            raise AccountScopeError(
                f"角色“{role.value}”的账户不能指定 {name}",
                f"an account of role {role.value!r} cannot have a {name}",
            )


def _require(role: Role, name: str, value: Any) -> None:
    if not _given(value):
        raise AccountScopeError(
            f"角色“{role.value}”的账户须指定 {name}",
            f"an account of role {role.value!r} needs a {name}",
        )


def _scope(
    conn: Connection,
    role: Role,
    *,
    province: str | None,
    domain: str | None,
    source: str | None,
    subject_id: int | None,
) -> dict[str, Any]:
    """The scope columns of a new account, checked for its role."""
    if role is Role.DEPARTMENT:
        _refuse(role, source=source, subject=subject_id)
        _require(role, "province", province)
        _require(role, "domain", domain)
        return {"province": checked_province(province), "domain": checked_domain(domain)}
    if role is Role.CREDIT_OFFICE:
        _refuse(role, domain=domain, source=source, subject=subject_id)
        return {"province": checked_province(province) if _given(province) else None}
    if role is Role.DATA_SOURCE:
        _refuse(role, province=province, domain=domain, subject=subject_id)
        _require(role, "source", source)
        code = (source or "").strip()
        row = conn.execute(
            select(sources.c.code, sources.c.province).where(sources.c.code == code)
        ).first()
        if row is None:
            known = sorted(conn.execute(select(sources.c.code)).scalars())
            raise AccountScopeError(
                f"来源“{code}”不存在（已登记：{'、'.join(known) or '无'}）",
                f"no source {code!r} is registered (known: {', '.join(known) or 'none'})",
            )
        return {"source": row.code, "province": row.province}
    if role is Role.SUBJECT:
        _refuse(role, province=province, domain=domain, source=source)
        _require(role, "subject", subject_id)
        found = conn.execute(select(subjects.c.id).where(subjects.c.id == subject_id)).first()
        if found is None:
            raise AccountScopeError(f"主体 {subject_id} 不存在", f"no subject with id {subject_id}")
        return {"subject_id": int(found.id)}
    _refuse(role, province=province, domain=domain, source=source, subject=subject_id)
    return {}


def create_account(
    conn: Connection,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str,
    province: str | None = None,
    domain: str | None = None,
    source: str | None = None,
    subject_id: int | None = None,
    clock: Clock,
    hasher: PasswordHasher | None = None,
) -> int:
    """Create an account; returns its id. Raises a subclass of :class:`AccountError` (or of
    :class:`credit_yrd.auth.api_keys.ApiKeyError` for a malformed province or domain)."""
    name = checked_username(username)
    check_password(password, name)
    chosen = _role(role)
    shown = _display_name(display_name)
    scope = _scope(
        conn, chosen, province=province, domain=domain, source=source, subject_id=subject_id
    )
    taken = conn.execute(
        select(accounts.c.id).where(func.lower(accounts.c.username) == name.lower())
    ).first()
    if taken is not None:
        raise UsernameTakenError(f"用户名“{name}”已被占用", f"username {name!r} is taken")
    digest = (hasher or password_hasher()).hash(password)
    account_id = conn.execute(
        accounts.insert()
        .values(
            username=name,
            password_hash=digest,
            role=chosen.value,
            display_name=shown,
            created_at=clock.now(),
            **scope,
        )
        .returning(accounts.c.id)
    ).scalar_one()
    return int(account_id)


_SHOWN_COLUMNS = (
    accounts.c.id,
    accounts.c.username,
    accounts.c.role,
    accounts.c.display_name,
    accounts.c.province,
    accounts.c.domain,
    accounts.c.source,
    accounts.c.subject_id,
    accounts.c.created_at,
    accounts.c.disabled_at,
)


def account_info(row: Any) -> AccountInfo:
    """An :class:`AccountInfo` from a row holding the shown columns of ``accounts``."""
    return AccountInfo(
        id=int(row.id),
        username=row.username,
        role=row.role,
        display_name=row.display_name,
        province=row.province,
        domain=row.domain,
        source=row.source,
        subject_id=int(row.subject_id) if row.subject_id is not None else None,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def get_account(conn: Connection, account: int | str) -> AccountInfo | None:
    """One account by id or username (never its hash), or ``None``."""
    query = select(*_SHOWN_COLUMNS)
    if isinstance(account, int):
        query = query.where(accounts.c.id == account)
    else:
        query = query.where(accounts.c.username == account.strip())
    row = conn.execute(query).first()
    return account_info(row) if row is not None else None


def list_accounts(conn: Connection, *, include_disabled: bool = True) -> list[AccountInfo]:
    """Every account (or the active ones), oldest first; never a hash."""
    query = select(*_SHOWN_COLUMNS).order_by(accounts.c.id)
    if not include_disabled:
        query = query.where(accounts.c.disabled_at.is_(None))
    return [account_info(row) for row in conn.execute(query)]


def _existing(conn: Connection, account: int | str) -> AccountInfo:
    info = get_account(conn, account)
    if info is None:
        raise AccountNotFoundError(f"没有账户“{account}”", f"no account {account!r}")
    return info


def verify_login(
    conn: Connection,
    username: str,
    password: str,
    *,
    clock: Clock,
    hasher: PasswordHasher | None = None,
) -> AccountInfo | None:
    """The account when ``password`` is its password and it is active; ``None`` otherwise.

    Unknown users, wrong passwords and disabled accounts all answer ``None``, each after one
    argon2 verification. A hash made with older parameters is replaced on a successful login.
    """
    chosen = hasher or password_hasher()
    name = (username or "").strip()
    row = None
    if (
        0 < len(name) <= USERNAME_MAX_CHARS
        and len(password or "") <= PASSWORD_MAX_CHARS
        and is_clean(name)  # no username holds control characters (nor can NUL be bound)
    ):
        row = conn.execute(
            select(*_SHOWN_COLUMNS, accounts.c.password_hash).where(accounts.c.username == name)
        ).first()
    stored = row.password_hash if row is not None else _dummy_for(chosen)
    try:
        chosen.verify(stored, (password or "")[:PASSWORD_MAX_CHARS])
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled_at is not None:
        return None
    if chosen.check_needs_rehash(stored):
        conn.execute(
            update(accounts)
            .where(accounts.c.id == row.id)
            .values(password_hash=chosen.hash(password))
        )
    return account_info(row)


def _dummy_for(hasher: PasswordHasher) -> str:
    return _dummy_hash_with(
        hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len
    )


@lru_cache(maxsize=4)
def _dummy_hash_with(
    time_cost: int, memory_cost: int, parallelism: int, hash_len: int, salt_len: int
) -> str:
    # Verified against when the username is unknown, so that a miss costs what a hit costs.
    same = PasswordHasher(time_cost, memory_cost, parallelism, hash_len, salt_len)
    return same.hash("credit-yrd: no such account")


def set_password(
    conn: Connection,
    account: int | str,
    password: str,
    *,
    clock: Clock,
    hasher: PasswordHasher | None = None,
) -> AccountInfo:
    """Give an account a new password and end its sessions (they were opened with the old one)."""
    from credit_yrd.auth.sessions import end_sessions_of

    info = _existing(conn, account)
    check_password(password, info.username)
    conn.execute(
        update(accounts)
        .where(accounts.c.id == info.id)
        .values(password_hash=(hasher or password_hasher()).hash(password))
    )
    end_sessions_of(conn, info.id, clock=clock)
    return info


def disable_account(conn: Connection, account: int | str, *, clock: Clock) -> bool:
    """Disable an account from now on and end its sessions; False when it was already disabled."""
    from credit_yrd.auth.sessions import end_sessions_of

    info = _existing(conn, account)
    if info.disabled_at is not None:
        return False
    conn.execute(
        update(accounts)
        .where(accounts.c.id == info.id, accounts.c.disabled_at.is_(None))
        .values(disabled_at=clock.now())
    )
    end_sessions_of(conn, info.id, clock=clock)
    return True
