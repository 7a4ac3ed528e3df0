"""What repair applications and objections share: query codes, who handles a case, the working
calendar of deadlines, the append-only case steps and the notices to subjects and handlers.

- A **query code** (查询码) lets an applicant follow a case without logging in. It is a bearer
  secret: 60 random bits from an alphabet without look-alike characters, grouped for reading
  (``XF-7K2M-9QXA-4TPB`` for a repair, ``YY-…`` for an objection). Progress pages show no personal
  identifiers, so a code that leaks tells little.
- **谁认定、谁修复**: the case goes to the deciding authority — departments of its province and
  domain — and to the credit office of that province or of the region. A case without a domain
  (cross-domain information) goes to the credit office only.
- Deadlines are counted in working days with :mod:`credit_yrd.workdays`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import Clock
from credit_yrd.jsonl import jsonable
from credit_yrd.settings import Settings
from credit_yrd.store.schema import case_events, notices
from credit_yrd.workdays import WorkingCalendar, calendar_for

#: Crockford-like alphabet: no 0/O, 1/I/L, U.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LEN = 4
REPAIR_PREFIX = "XF"
OBJECTION_PREFIX = "YY"


def new_query_code(prefix: str) -> str:
    """A fresh query code such as ``XF-7K2M-9QXA-4TPB`` (unique by chance: 60 bits)."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LEN))
        for _ in range(CODE_GROUPS)
    )
    return "-".join((prefix, *groups))


def normalise_query_code(text: str) -> str | None:
    """The stored form of a code as a person may type it (lower case, spaces, missing dashes), or
    None when it cannot be one."""
    compact = "".join(ch for ch in str(text).upper() if ch.isalnum())[:32]
    body_len = CODE_GROUPS * CODE_GROUP_LEN
    if len(compact) != 2 + body_len:
        return None
    prefix, body = compact[:2], compact[2:]
    if prefix not in (REPAIR_PREFIX, OBJECTION_PREFIX):
        return None
    if any(ch not in CODE_ALPHABET for ch in body):
        return None
    parts = [body[i : i + CODE_GROUP_LEN] for i in range(0, body_len, CODE_GROUP_LEN)]
    return "-".join((prefix, *parts))


def working_calendar(settings: Settings) -> WorkingCalendar:
    return calendar_for(settings.calendar_file)


def may_handle(principal: Principal, province: str, domain: str | None) -> bool:
    """Whether ``principal`` handles cases of the deciding authority in ``province``/``domain``:
    a department of that province and domain, or a credit office of the province or the region."""
    if principal.role is Role.CREDIT_OFFICE:
        return principal.province is None or principal.province == province
    if principal.role is Role.DEPARTMENT:
        return domain is not None and principal.province == province and principal.domain == domain
    return False


def handler_filter(principal: Principal) -> tuple[str | None, str | None] | None:
    """``(province, domain)`` a handler's queue is limited to (None = any), or None for callers
    who handle nothing."""
    if principal.role is Role.CREDIT_OFFICE:
        return principal.province, None
    if principal.role is Role.DEPARTMENT and principal.province and principal.domain:
        return principal.province, principal.domain
    return None


def record_case_event(
    conn: Connection,
    *,
    clock: Clock,
    event: str,
    actor: str,
    application_id: int | None = None,
    objection_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one step of a repair (``application_id``) or objection (``objection_id``) case."""
    row = conn.execute(
        insert(case_events)
        .values(
            application_id=application_id,
            objection_id=objection_id,
            event=event,
            at=clock.now(),
            actor=actor,
            detail=jsonable(dict(detail)) if detail else None,
        )
        .returning(case_events.c.id)
    ).scalar_one()
    return int(row)


def notify(
    conn: Connection,
    *,
    clock: Clock,
    kind: str,
    ref: str,
    title: tuple[str, str],
    body: tuple[str, str],
    subject_id: int | None = None,
    role: Role | None = None,
    province: str | None = None,
    domain: str | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Leave a notice for a subject (``subject_id``) or for the handlers of a role, province and
    domain. With ``dedupe_key`` a second notice of the same key is not written (None returned)."""
    if (subject_id is None) == (role is None):
        raise ValueError("a notice goes to a subject or to a role, not both")
    values = {
        "subject_id": subject_id,
        "role": role.value if role is not None else None,
        "province": province,
        "domain": domain,
        "kind": kind,
        "ref": ref,
        "title_zh": title[0][:500],
        "title_en": title[1][:500],
        "body_zh": body[0][:2000],
        "body_en": body[1][:2000],
        "dedupe_key": dedupe_key,
        "created_at": clock.now(),
    }
    if dedupe_key is not None:
        seen = conn.execute(select(notices.c.id).where(notices.c.dedupe_key == dedupe_key)).first()
        if seen is not None:
            return None
        try:
            with conn.begin_nested():
                return int(
                    conn.execute(
                        insert(notices).values(**values).returning(notices.c.id)
                    ).scalar_one()
                )
        except IntegrityError:
            return None
    return int(conn.execute(insert(notices).values(**values).returning(notices.c.id)).scalar_one())
