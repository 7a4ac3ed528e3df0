"""Who is calling: one shape for callers with an API key (systems) and with a portal session
(people with an account).

``actor`` is how the access log names the caller: ``key:<id> <label>`` or ``account:<id>
<username>``. The scope fields say what the caller stands for: a data source's ``source``; a
department's ``province`` and ``domain``; a credit office's ``province`` (``None`` = the whole
region); a subject account's ``subject_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

from credit_yrd.auth.roles import Role

ACTOR_MAX_CHARS = 200


def key_actor(key_id: int, label: str) -> str:
    """How the log names an API key: ``key:<id> <label>`` (filter with ``actor=key:<id>``)."""
    return f"key:{key_id} {label}".strip()[:ACTOR_MAX_CHARS]


def account_actor(account_id: int, username: str) -> str:
    """How the log names an account: ``account:<id> <username>``."""
    return f"account:{account_id} {username}".strip()[:ACTOR_MAX_CHARS]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an API key (``key_id``) or an account (``account_id``)."""

    role: Role
    key_id: int | None
    label: str
    source: str | None = None
    province: str | None = None
    domain: str | None = None
    account_id: int | None = None
    subject_id: int | None = None
    #: The portal session's id, when the caller came with a session cookie.
    session_id: int | None = None

    @property
    def actor(self) -> str:
        if self.key_id is not None:
            return key_actor(self.key_id, self.label)
        return account_actor(self.account_id or 0, self.label)

    @property
    def via_session(self) -> bool:
        return self.session_id is not None
