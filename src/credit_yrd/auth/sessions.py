"""Portal sessions: what a login gives a browser, and how it is checked.

:func:`start_session` makes a session token (256 bits from :mod:`secrets`) for the cookie
:data:`SESSION_COOKIE` and a CSRF token the portal and API clients send back in ``X-CSRF-Token``
with every unsafe request. The store keeps the SHA-256 of the session token only (like API keys, a
random 256-bit secret needs no slow hash) and the CSRF token as is. A session ends when it expires,
when its user logs out (:func:`end_session`), or when its account is disabled or its password
changed (:func:`end_sessions_of`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.accounts import account_info, principal_of
from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.store.schema import accounts, sessions

#: The name of the cookie that carries the session token.
SESSION_COOKIE = "cyrd_session"
TOKEN_BYTES = 32
#: Longest token :func:`lookup_session` looks at; ``token_urlsafe(32)`` gives 43 characters.
MAX_TOKEN_CHARS = 128

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{32,128}$")


@dataclass(frozen=True)
class NewSession:
    """A session just started: the token for the cookie (shown once) and the CSRF token."""

    session_id: int
    token: str
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class SessionInfo:
    """A live session: who it is, and the CSRF token its unsafe requests must carry."""

    principal: Principal
    csrf_token: str
    expires_at: dt.datetime


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a session token, as the store keeps it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    conn: Connection, account_id: int, *, clock: Clock, ttl: dt.timedelta
) -> NewSession:
    """Open a session for an account, valid for ``ttl`` from now."""
    if ttl <= dt.timedelta(0):
        raise ValueError("a session lasts a positive time")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    csrf = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    expires = now + ttl
    session_id = conn.execute(
        sessions.insert()
        .values(
            token_hash=hash_token(token),
            account_id=account_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
        .returning(sessions.c.id)
    ).scalar_one()
    return NewSession(session_id=int(session_id), token=token, csrf_token=csrf, expires_at=expires)


def _well_formed(token: str) -> bool:
    return len(token) <= MAX_TOKEN_CHARS and _TOKEN_SHAPE.match(token) is not None


def lookup_session(conn: Connection, token: str | None, *, clock: Clock) -> SessionInfo | None:
    """The live session of a token; ``None`` when the token is malformed, unknown, expired or
    revoked, or its account is disabled."""
    if token is None or not _well_formed(token):
        return None
    row = conn.execute(
        select(
            sessions.c.id.label("session_id"),
            sessions.c.csrf_token,
            sessions.c.expires_at,
            sessions.c.revoked_at.label("session_revoked_at"),
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
        .join(accounts, accounts.c.id == sessions.c.account_id)
        .where(sessions.c.token_hash == hash_token(token))
    ).first()
    if row is None or row.session_revoked_at is not None or row.disabled_at is not None:
        return None
    expires: dt.datetime = row.expires_at  # aware: the store's Timestamp type
    if clock.now() >= expires:
        return None
    info = account_info(row)
    return SessionInfo(
        principal=principal_of(info, session_id=int(row.session_id)),
        csrf_token=row.csrf_token,
        expires_at=expires,
    )


def end_session(conn: Connection, token: str | None, *, clock: Clock) -> bool:
    """End the session of a token (logout); True when it had not ended before."""
    if token is None or not _well_formed(token):
        return False
    result = conn.execute(
        update(sessions)
        .where(sessions.c.token_hash == hash_token(token), sessions.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return bool(result.rowcount)


def end_sessions_of(conn: Connection, account_id: int, *, clock: Clock) -> int:
    """End every open session of an account; returns how many were open."""
    result = conn.execute(
        update(sessions)
        .where(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return int(result.rowcount or 0)
