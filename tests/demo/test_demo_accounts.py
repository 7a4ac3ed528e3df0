"""The demo's logins: one account per role, made once, passwords kept in a private file."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth import password_hasher, verify_login
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.demo.accounts import ensure_demo_accounts, passwords_path
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import accounts, record_versions, records, subjects
from credit_yrd.store.subjects import upsert_legal_subject

CLOCK = FixedClock(dt.datetime(2026, 6, 1, 9, 0))
FAST = password_hasher("fast")


def penalty(conn: Connection, subject_id: int, key: str, statuses: list[str]) -> None:
    """A penalty record of ``subject_id`` whose versions have these statuses, in order."""
    now = CLOCK.now()
    record_id = conn.execute(
        records.insert()
        .values(source="shanghai", kind="penalty", source_key=key, subject_id=subject_id,
                created_at=now)
        .returning(records.c.id)
    ).scalar_one()  # fmt: skip
    for number, status in enumerate(statuses, start=1):
        conn.execute(
            record_versions.insert().values(
                record_id=record_id, version=number, content={"CF_WSH": key},
                content_hash=f"{key}-{number}".ljust(64, "0"), status=status, source="shanghai",
                received_at=now, created_at=now,
            )
        )  # fmt: skip


def seed(engine: Engine) -> dict[str, int]:
    with transaction(engine) as conn:
        ids = {
            "two_active": upsert_legal_subject(conn, "913205836000373417", "苏州华信科技有限公司"),
            "mostly_withdrawn": upsert_legal_subject(
                conn, "91310115MA1H7GXX1C", "上海浦江贸易有限公司"
            ),
        }
        penalty(conn, ids["two_active"], "A1", ["active"])
        penalty(conn, ids["two_active"], "A2", ["active", "corrected", "active"])
        penalty(conn, ids["mostly_withdrawn"], "B1", ["active"])
        penalty(conn, ids["mostly_withdrawn"], "B2", ["active", "withdrawn"])
        penalty(conn, ids["mostly_withdrawn"], "B3", ["active", "withdrawn"])
        conn.execute(records.insert().values(source="shanghai", kind="license", source_key="L1",
                     subject_id=ids["mostly_withdrawn"], created_at=CLOCK.now()))  # fmt: skip
    return ids


def test_one_account_per_role_with_its_scope(engine: Engine, tmp_path: Path) -> None:
    ids = seed(engine)
    made = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    by_name = {a.username: a for a in made}
    assert set(by_name) == {
        "demo-subject", "demo-department", "demo-office", "demo-source", "demo-bank"
    }  # fmt: skip
    assert {a.role for a in made} == set(Role) - {Role.PUBLIC}
    subject = by_name["demo-subject"]
    assert subject.subject_id == ids["two_active"]  # the most *current* penalties
    assert subject.subject_uscc == "913205836000373417"
    assert subject.display_name == "苏州华信科技有限公司"
    department = by_name["demo-department"]
    assert (department.province, department.domain) == ("31", "market_regulation")
    assert by_name["demo-office"].province is None
    assert (by_name["demo-source"].source, by_name["demo-source"].province) == ("shanghai", "31")
    with engine.connect() as conn:
        for account in made:
            assert verify_login(conn, account.username, account.password, clock=CLOCK, hasher=FAST)


def test_passwords_are_kept_private_and_a_rerun_keeps_the_accounts(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    first = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    path = passwords_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = {e["username"]: e["password"] for e in json.loads(path.read_text())["accounts"]}
    assert saved == {a.username: a.password for a in first}
    assert len({a.password for a in first}) == 5
    with engine.connect() as conn:
        hashes = dict(conn.execute(select(accounts.c.username, accounts.c.password_hash)).all())
    assert not set(saved.values()) & set(hashes.values())

    again = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    assert [(a.username, a.password) for a in again] == [(a.username, a.password) for a in first]
    with engine.connect() as conn:
        assert conn.execute(select(accounts.c.id)).all().__len__() == 5
        assert dict(conn.execute(select(accounts.c.username, accounts.c.password_hash)).all()) == (
            hashes
        )


def test_a_lost_passwords_file_gives_new_passwords_that_work(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    first = {
        a.username: a.password for a in ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    }
    passwords_path(tmp_path).unlink()
    second = {
        a.username: a.password for a in ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    }
    assert set(first) == set(second)
    with engine.connect() as conn:
        for username, password in second.items():
            assert password != first[username]
            assert verify_login(conn, username, password, clock=CLOCK, hasher=FAST)
            assert not verify_login(conn, username, first[username], clock=CLOCK, hasher=FAST)


def test_without_organisations_there_is_no_subject_account_yet(
    engine: Engine, tmp_path: Path
) -> None:
    made = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    assert "demo-subject" not in {a.username for a in made}
    assert len(made) == 4
    with transaction(engine) as conn:
        subject_id = upsert_legal_subject(conn, "913205836000373417", "苏州华信科技有限公司")
    later = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    assert {a.username: a.subject_id for a in later}["demo-subject"] == subject_id
    with engine.connect() as conn:
        assert conn.execute(select(subjects.c.id)).all().__len__() == 1


def test_the_demo_prints_each_login_and_where_to_log_in(
    engine: Engine, tmp_path: Path, capsys
) -> None:
    from credit_yrd.cli.context import CliState
    from credit_yrd.cli.demo_cmd import print_demo_accounts
    from credit_yrd.settings import Settings

    seed(engine)
    made = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST)
    settings = Settings(data_dir=tmp_path, host="127.0.0.1", port=8123)
    print_demo_accounts(CliState(lang="zh", settings=settings), made)
    shown = capsys.readouterr().out
    assert "http://127.0.0.1:8123/login" in shown
    for account in made:
        assert account.username in shown and account.password in shown
    assert "苏州华信科技有限公司" in shown and "全区域" in shown
