"""The demo's logins: one portal account per role, made once, with passwords kept for showing.

:func:`ensure_demo_accounts` makes ``demo-subject`` (the organisation with the most penalty
records published today), ``demo-department`` (Shanghai, market regulation), ``demo-office``
(the regional credit office), ``demo-source`` (the Shanghai platform) and ``demo-bank`` (a market
institution); with ``joint=True`` also the departments and the provincial credit office of the
joint-action demo (:data:`JOINT_PLANS`: Jiangsu finance, Zhejiang development and reform, the
Jiangsu credit office). Their passwords are random, made on the first run and written to
``<data_dir>/demo-accounts.json`` (mode 0600) so that every later run can show them again; a re-run
keeps the accounts. This is a demo convenience: real accounts are made with ``credit-yrd user add``
and their passwords are never written anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth.accounts import create_account, get_account, set_password
from credit_yrd.auth.roles import Role
from credit_yrd.clock import Clock
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import records, subjects

PASSWORDS_FILE = "demo-accounts.json"
PASSWORD_BYTES = 12


@dataclass(frozen=True)
class DemoAccount:
    """A demo login: who it is, what it stands for, and its password."""

    username: str
    role: Role
    display_name: str
    password: str
    province: str | None = None
    domain: str | None = None
    source: str | None = None
    subject_id: int | None = None
    subject_name: str | None = None
    subject_uscc: str | None = None


@dataclass(frozen=True)
class _Plan:
    username: str
    role: Role
    display_name: str
    province: str | None = None
    domain: str | None = None
    source: str | None = None


FIXED_PLANS = (
    _Plan(
        "demo-department",
        Role.DEPARTMENT,
        "上海市市场监督管理局（演示）",
        province="31",
        domain="market_regulation",
    ),
    _Plan("demo-office", Role.CREDIT_OFFICE, "长三角区域信用办（演示）"),
    _Plan("demo-source", Role.DATA_SOURCE, "上海市公共信用信息平台（演示）", source="shanghai"),
    _Plan("demo-bank", Role.MARKET_INSTITUTION, "长三角演示银行"),
)
#: The joint-action demo (联合奖惩): departments in other provinces and domains that implement the
#: measures a Shanghai market-regulation listing triggers, and a provincial credit office.
JOINT_PLANS = (
    _Plan(
        "demo-js-finance",
        Role.DEPARTMENT,
        "江苏省财政厅（演示）",
        province="32",
        domain="finance",
    ),
    _Plan(
        "demo-zj-reform",
        Role.DEPARTMENT,
        "浙江省发展和改革委员会（演示）",
        province="33",
        domain="development_reform",
    ),
    _Plan("demo-office-js", Role.CREDIT_OFFICE, "江苏省信用办（演示）", province="32"),
)
SUBJECT_USERNAME = "demo-subject"


def passwords_path(data_dir: Path) -> Path:
    return data_dir / PASSWORDS_FILE


def _read_passwords(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return {}
    return {
        str(e["username"]): str(e["password"])
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("username"), str) and e.get("password")
    }


def _write_passwords(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(
        {
            "note": "credit-yrd demo logins; delete this file after the demo",
            "accounts": [{"username": u, "password": p} for u, p in passwords.items()],
        },
        ensure_ascii=False,
        indent=2,
    )
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body + "\n")
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def most_penalised_organisation(conn: Connection, today: dt.date) -> Any | None:
    """The organisation (a subject with a USCC, not a person) with the most penalty records
    published on ``today`` (inside their window, not repaired), so that its file, its repair and
    its objections have something to show; the first organisation when none has one; ``None``
    when the store holds no organisation."""
    count = func.count(records.c.id)
    row = conn.execute(
        select(subjects.c.id, subjects.c.name, subjects.c.uscc, count.label("n"))
        .join(records, records.c.subject_id == subjects.c.id)
        .where(
            records.c.kind == "penalty",
            records.c.public_from <= today,
            or_(records.c.public_until.is_(None), records.c.public_until >= today),
            records.c.repaired_on.is_(None),
            subjects.c.uscc.is_not(None),
            subjects.c.subject_type != "natural_person",
        )
        .group_by(subjects.c.id, subjects.c.name, subjects.c.uscc)
        .order_by(count.desc(), subjects.c.id)
        .limit(1)
    ).first()
    if row is not None:
        return row
    return conn.execute(
        select(subjects.c.id, subjects.c.name, subjects.c.uscc)
        .where(subjects.c.uscc.is_not(None), subjects.c.subject_type != "natural_person")
        .order_by(subjects.c.id)
        .limit(1)
    ).first()


def ensure_demo_accounts(
    engine: Engine,
    data_dir: Path,
    clock: Clock,
    *,
    hasher: PasswordHasher | None = None,
    joint: bool = False,
) -> list[DemoAccount]:
    """Make the demo accounts that are missing and return all of them with their passwords
    (with ``joint``, the accounts of :data:`JOINT_PLANS` too).

    An account that exists keeps its password when the passwords file knows it; when the file was
    lost, the account gets a new random password (and its sessions end), so it can be shown.
    The subject account is skipped when the store holds no organisation yet.
    """
    path = passwords_path(data_dir)
    passwords = _read_passwords(path)
    made: list[DemoAccount] = []
    with transaction(engine) as conn:
        plans = list(FIXED_PLANS) + (list(JOINT_PLANS) if joint else [])
        subject_row = None
        existing_subject = get_account(conn, SUBJECT_USERNAME)
        if existing_subject is not None and existing_subject.subject_id is not None:
            subject_row = conn.execute(
                select(subjects.c.id, subjects.c.name, subjects.c.uscc).where(
                    subjects.c.id == existing_subject.subject_id
                )
            ).first()
        else:
            subject_row = most_penalised_organisation(conn, clock.today())
        if subject_row is not None:
            plans.insert(0, _Plan(SUBJECT_USERNAME, Role.SUBJECT, str(subject_row.name)))
        for plan in plans:
            password = passwords.get(plan.username)
            info = get_account(conn, plan.username)
            subject_id = int(subject_row.id) if plan.role is Role.SUBJECT and subject_row else None
            if info is None:
                password = password or secrets.token_urlsafe(PASSWORD_BYTES)
                create_account(
                    conn,
                    username=plan.username,
                    password=password,
                    role=plan.role,
                    display_name=plan.display_name,
                    province=plan.province,
                    domain=plan.domain,
                    source=plan.source,
                    subject_id=subject_id,
                    clock=clock,
                    hasher=hasher,
                )
                info = get_account(conn, plan.username)
                assert info is not None
            elif password is None:
                password = secrets.token_urlsafe(PASSWORD_BYTES)
                set_password(conn, info.id, password, clock=clock, hasher=hasher)
            passwords[plan.username] = password
            made.append(
                DemoAccount(
                    username=info.username,
                    role=Role(info.role),
                    display_name=info.display_name,
                    password=password,
                    province=info.province,
                    domain=info.domain,
                    source=info.source,
                    subject_id=info.subject_id,
                    subject_name=str(subject_row.name) if info.subject_id and subject_row else None,
                    subject_uscc=subject_row.uscc if info.subject_id and subject_row else None,
                )
            )
        _write_passwords(path, passwords)
    return made
