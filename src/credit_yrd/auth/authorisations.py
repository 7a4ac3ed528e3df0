"""Subjects' authorisations (信用信息查询授权): a market institution reads beyond public data only
with the subject's recorded, time-limited, revocable consent.

A subject grants one institution — named by its account (``grantee_account_id``) or by its API key
(``grantee_key_id``), exactly one of the two — the right to read its shared data for a stated
purpose until ``expires_at`` (at most one year ahead). The subject may revoke it at any time; a
revoked or expired authorisation is kept (``authorisations`` is a record of consent, never
deleted) but no longer opens anything. :func:`active_for` answers whether a calling institution
holds an authorisation for a subject at an instant.

Only institutions that exist, are active (account not disabled, key not revoked) and hold the role
``market_institution`` can be granted to. Every refusal is a typed error with a bilingual message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, case, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.store.schema import accounts, api_keys, authorisations, subjects
from credit_yrd.text import is_clean, one_line

PURPOSE_MAX_CHARS = 500
GRANTED_BY_MAX_CHARS = 200

Status = Literal["active", "expired", "revoked"]


class AuthorisationError(CreditYrdError):
    """An authorisation cannot be granted or changed as asked."""


class InvalidGranteeError(AuthorisationError):
    """The grantee is missing, ambiguous, unknown, inactive or not a market institution."""


def _not_a_grantee(what_zh: str, what_en: str) -> InvalidGranteeError:
    return InvalidGranteeError(
        f"{what_zh} 不是在用的市场机构，不能获得授权",
        f"{what_en} is not an active market institution and cannot be authorised",
    )


class InvalidExpiryError(AuthorisationError):
    """The expiry is not in the future, or more than one year ahead."""


class InvalidAuthorisationPurposeError(AuthorisationError):
    """The purpose is empty or longer than :data:`PURPOSE_MAX_CHARS`."""


class UnknownSubjectError(AuthorisationError):
    """The granting subject does not exist."""


class AuthorisationNotFoundError(AuthorisationError):
    """No authorisation with this id belongs to the subject (the two are not told apart)."""


@dataclass(frozen=True)
class Authorisation:
    """One authorisation, with the grantee's name as the store knows it."""

    id: int
    subject_id: int
    subject_name: str
    grantee_account_id: int | None
    grantee_key_id: int | None
    #: The institution's account username, or its key's label.
    grantee_name: str
    purpose: str
    granted_by: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    def status(self, at: dt.datetime) -> Status:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= at:
            return "expired"
        return "active"

    def is_active(self, at: dt.datetime) -> bool:
        return self.status(at) == "active"

    @property
    def grantee(self) -> str:
        """How the grantee is named: ``account:<id> <username>`` or ``key:<id> <label>``."""
        if self.grantee_account_id is not None:
            return f"account:{self.grantee_account_id} {self.grantee_name}"
        return f"key:{self.grantee_key_id} {self.grantee_name}"

    @property
    def log_purpose(self) -> str:
        """The purpose a read under this authorisation is logged with: ``授权#12: 贷款审批``."""
        return f"授权#{self.id}: {self.purpose}"[:PURPOSE_MAX_CHARS]

    def to_dict(self, at: dt.datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject_id": self.subject_id,
            "subject_name": self.subject_name,
            "grantee": self.grantee,
            "grantee_account_id": self.grantee_account_id,
            "grantee_key_id": self.grantee_key_id,
            "grantee_name": self.grantee_name,
            "purpose": self.purpose,
            "granted_by": self.granted_by,
            "granted_at": self.granted_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "status": self.status(at),
        }


def one_year_after(at: dt.datetime) -> dt.datetime:
    """The same instant one calendar year later (29 February → 28 February)."""
    try:
        return at.replace(year=at.year + 1)
    except ValueError:
        return at.replace(year=at.year + 1, day=28)


def checked_purpose(purpose: str | None) -> str:
    text = one_line(purpose)
    if not text or len(text) > PURPOSE_MAX_CHARS:
        raise InvalidAuthorisationPurposeError(
            f"授权须说明用途（1 至 {PURPOSE_MAX_CHARS} 个字符）",
            f"an authorisation needs a purpose (1 to {PURPOSE_MAX_CHARS} characters)",
        )
    return text


def _check_expiry(expires_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    if expires_at.tzinfo is None:
        raise InvalidExpiryError(
            "到期时间须带时区（如 2027-01-01T00:00:00+08:00）",
            "the expiry needs a time zone (e.g. 2027-01-01T00:00:00+08:00)",
        )
    if expires_at <= now:
        raise InvalidExpiryError("到期时间须在将来", "the expiry must be in the future")
    if expires_at > one_year_after(now):
        raise InvalidExpiryError(
            "授权期限不得超过一年", "an authorisation may last at most one year"
        )
    return expires_at


def _check_grantee(conn: Connection, account_id: int | None, key_id: int | None) -> None:
    if (account_id is None) == (key_id is None):
        raise InvalidGranteeError(
            "须指定且只指定一个被授权机构（账户或 API 密钥）",
            "name exactly one grantee: an account or an API key",
        )
    if account_id is not None:
        row = conn.execute(
            select(accounts.c.role, accounts.c.disabled_at).where(accounts.c.id == account_id)
        ).first()
        what_zh, what_en = f"账户 {account_id}", f"account {account_id}"
        inactive = row is not None and row.disabled_at is not None
    else:
        row = conn.execute(
            select(api_keys.c.role, api_keys.c.revoked_at).where(api_keys.c.id == key_id)
        ).first()
        what_zh, what_en = f"API 密钥 {key_id}", f"API key {key_id}"
        inactive = row is not None and row.revoked_at is not None
    # One answer whether the grantee does not exist, is not a market institution or is no
    # longer active: a subject granting consent must not learn which accounts and keys exist.
    if row is None or row.role != Role.MARKET_INSTITUTION.value or inactive:
        raise _not_a_grantee(what_zh, what_en)


def grant(
    conn: Connection,
    *,
    subject_id: int,
    grantee_account_id: int | None = None,
    grantee_key_id: int | None = None,
    purpose: str,
    expires_at: dt.datetime,
    granted_by: str,
    clock: Clock,
) -> int:
    """Record the subject's authorisation of one institution; returns its id.

    Raises :class:`InvalidGranteeError`, :class:`InvalidExpiryError`,
    :class:`InvalidAuthorisationPurposeError` or :class:`UnknownSubjectError`.
    """
    now = clock.now()
    text = checked_purpose(purpose)
    expiry = _check_expiry(expires_at, now)
    _check_grantee(conn, grantee_account_id, grantee_key_id)
    known = conn.execute(select(subjects.c.id).where(subjects.c.id == subject_id)).first()
    if known is None:
        raise UnknownSubjectError(
            f"主体 {subject_id} 不存在", f"subject {subject_id} does not exist"
        )
    by = " ".join((granted_by or "").split())[:GRANTED_BY_MAX_CHARS] or f"subject:{subject_id}"
    new_id = conn.execute(
        insert(authorisations)
        .values(
            subject_id=subject_id,
            grantee_account_id=grantee_account_id,
            grantee_key_id=grantee_key_id,
            purpose=text,
            granted_by=by,
            granted_at=now,
            expires_at=expiry,
            revoked_at=None,
        )
        .returning(authorisations.c.id)
    ).scalar_one()
    return int(new_id)


def revoke(conn: Connection, authorisation_id: int, *, subject_id: int, clock: Clock) -> bool:
    """Revoke one of the subject's authorisations from now on.

    True when it was in force or not yet revoked; False when it was already revoked. Raises
    :class:`AuthorisationNotFoundError` when no authorisation with this id belongs to the subject.
    """
    row = conn.execute(
        select(authorisations.c.revoked_at).where(
            authorisations.c.id == authorisation_id, authorisations.c.subject_id == subject_id
        )
    ).first()
    if row is None:
        raise AuthorisationNotFoundError(
            f"未找到编号为 {authorisation_id} 的授权",
            f"no authorisation {authorisation_id} of yours",
        )
    if row.revoked_at is not None:
        return False
    conn.execute(
        update(authorisations)
        .where(authorisations.c.id == authorisation_id, authorisations.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return True


def _select() -> Select[Any]:
    grantee_name = case(
        (authorisations.c.grantee_account_id.is_not(None), accounts.c.username),
        else_=api_keys.c.label,
    )
    return (
        select(
            authorisations,
            subjects.c.name.label("subject_name"),
            grantee_name.label("grantee_name"),
        )
        .join(subjects, subjects.c.id == authorisations.c.subject_id)
        .outerjoin(accounts, accounts.c.id == authorisations.c.grantee_account_id)
        .outerjoin(api_keys, api_keys.c.id == authorisations.c.grantee_key_id)
    )


def _of(row: Any) -> Authorisation:
    return Authorisation(
        id=int(row.id),
        subject_id=int(row.subject_id),
        subject_name=row.subject_name,
        grantee_account_id=(
            int(row.grantee_account_id) if row.grantee_account_id is not None else None
        ),
        grantee_key_id=int(row.grantee_key_id) if row.grantee_key_id is not None else None,
        grantee_name=row.grantee_name or "",
        purpose=row.purpose,
        granted_by=row.granted_by,
        granted_at=row.granted_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def _grantee_clause(principal: Principal) -> Any:
    """Authorisations naming this caller (its account or its key); ``None`` when it is neither."""
    if principal.role is not Role.MARKET_INSTITUTION:
        return None
    if principal.account_id is not None:
        return authorisations.c.grantee_account_id == principal.account_id
    if principal.key_id is not None:
        return authorisations.c.grantee_key_id == principal.key_id
    return None


def active_for(
    conn: Connection, *, subject_id: int, principal: Principal | None, at: dt.datetime
) -> Authorisation | None:
    """The authorisation in force at ``at`` that lets this institution read this subject, or
    ``None`` (also for any caller that is not a market institution). When several are in force,
    the most recently granted one."""
    if principal is None:
        return None
    clause = _grantee_clause(principal)
    if clause is None:
        return None
    row = conn.execute(
        _select()
        .where(
            authorisations.c.subject_id == subject_id,
            clause,
            authorisations.c.revoked_at.is_(None),
            authorisations.c.granted_at <= at,
            authorisations.c.expires_at > at,
        )
        .order_by(authorisations.c.id.desc())
        .limit(1)
    ).first()
    return _of(row) if row is not None else None


def get_authorisation(conn: Connection, authorisation_id: int) -> Authorisation | None:
    row = conn.execute(_select().where(authorisations.c.id == authorisation_id)).first()
    return _of(row) if row is not None else None


def list_for_subject(conn: Connection, subject_id: int) -> list[Authorisation]:
    """Every authorisation the subject has granted, newest first (revoked and expired too)."""
    query = _select().where(authorisations.c.subject_id == subject_id)
    return [_of(row) for row in conn.execute(query.order_by(authorisations.c.id.desc()))]


def list_for_grantee(
    conn: Connection, principal: Principal, *, at: dt.datetime
) -> list[Authorisation]:
    """The authorisations granted to this institution: those in force at ``at`` first, then the
    others; newest first within each. Empty for a caller that is not a market institution."""
    clause = _grantee_clause(principal)
    if clause is None:
        return []
    in_force = and_(
        authorisations.c.revoked_at.is_(None),
        authorisations.c.granted_at <= at,
        authorisations.c.expires_at > at,
    )
    query = (
        _select().where(clause).order_by(case((in_force, 0), else_=1), authorisations.c.id.desc())
    )
    return [_of(row) for row in conn.execute(query)]


def find_institution(
    conn: Connection, *, username: str | None = None, key_id: int | None = None
) -> tuple[int | None, int | None]:
    """``(account_id, key_id)`` of the institution named by account username or by key id.

    Exactly one of the two must be given; the result is checked again by :func:`grant`. Raises
    :class:`InvalidGranteeError` when nothing carries the name.
    """
    if (username is None) == (key_id is None):
        raise InvalidGranteeError(
            "须指定被授权机构的账户名或 API 密钥编号（二者选一）",
            "name the institution by account username or by API key id (one of the two)",
        )
    if username is not None:
        name = username.strip()
        row = None
        if is_clean(name):  # no account name holds control characters (nor can NUL be bound)
            row = conn.execute(select(accounts.c.id).where(accounts.c.username == name)).first()
        if row is None:
            raise _not_a_grantee(f"账户“{name}”", f"account {name!r}")
        return int(row.id), None
    return None, key_id
