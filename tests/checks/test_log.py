"""The check log: one append-only row per check, and the checker's actions marked executed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.checks.engine import check_codes
from credit_yrd.checks.log import Checker, get_check, list_checks, may_read, record_check
from credit_yrd.clock import FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import actions, checks, subscriptions
from tests.checks.conftest import CLOCK, TODAY, World


def department(key_id: int, province: str = "32") -> Principal:
    return Principal(
        role=Role.DEPARTMENT,
        key_id=key_id,
        label="财政厅采购系统",
        province=province,
        domain="finance",
    )


def add_key(conn: Connection, label: str) -> int:
    key_id, _ = create_key(
        conn, role="department", label=label, province="32", domain="finance", clock=CLOCK
    )
    return key_id


def add_subscription(conn: Connection, key_id: int, scenarios: list[str]) -> int:
    return int(
        conn.execute(
            insert(subscriptions)
            .values(
                key_id=key_id,
                department="江苏省财政厅",
                province="32",
                domain="finance",
                scenarios=scenarios,
                created_at=CLOCK.now(),
            )
            .returning(subscriptions.c.id)
        ).scalar_one()
    )


def add_action(conn: Connection, entry_id: int, measure: str, subscription_id: int) -> int:
    return int(
        conn.execute(
            insert(actions)
            .values(
                entry_id=entry_id,
                measure_code=measure,
                subscription_id=subscription_id,
                province="32",
                initiated_at=CLOCK.now(),
                due_on=TODAY + dt.timedelta(days=15),
            )
            .returning(actions.c.id)
        ).scalar_one()
    )


def checked(world: World, codes: list[str], scenario: str):
    with world.engine.connect() as conn:
        return check_codes(
            conn,
            codes=codes,
            scenario=scenario,
            on=TODAY,
            standard=world.standard,
            vault=world.vault,
        )


def test_a_check_is_logged_with_what_it_returned(world: World) -> None:
    codes = [world.black_uscc, world.clean_uscc, "NOPE", world.person_id]
    results = checked(world, codes, "government_procurement")
    with transaction(world.engine) as conn:
        key_id = add_key(conn, "采购系统")
        check_id = record_check(
            conn,
            clock=CLOCK,
            principal=department(key_id),
            scenario="government_procurement",
            results=results,
        )
    with world.engine.connect() as conn:
        record = get_check(conn, check_id)
    assert record is not None
    assert record.scenario == "government_procurement" and record.codes == 4 and record.hits == 2
    assert record.actor == department(key_id).actor and record.role == "department"
    assert record.province == "32" and record.domain == "finance"
    black, clean, nope, person = record.results
    assert black == {
        "code": world.black_uscc,
        "subject_id": world.black,
        "entries": [world.black_entry],
        "measures": [[world.black_entry, "procurement_exclusion"]],
    }
    assert clean == {"code": world.clean_uscc, "subject_id": world.clean}  # nothing returned
    assert nope["subject_id"] is None and nope["status"] == "invalid"
    assert person["subject_id"] == world.person
    assert world.person_id not in str(record.to_dict())  # masked in the evidence too


def test_the_log_is_append_only(world: World) -> None:
    results = checked(world, [world.clean_uscc], "fiscal_funds")
    with transaction(world.engine) as conn:
        check_id = record_check(
            conn,
            clock=CLOCK,
            principal=Checker.cli("tester"),
            scenario="fiscal_funds",
            results=results,
        )
    with pytest.raises(DBAPIError), transaction(world.engine) as conn:
        conn.execute(update(checks).where(checks.c.id == check_id).values(hits=9))


def test_the_checkers_actions_are_marked_executed_once(world: World) -> None:
    with transaction(world.engine) as conn:
        mine = add_key(conn, "采购系统")
        other = add_key(conn, "另一系统")
        my_sub = add_subscription(conn, mine, ["government_procurement"])
        other_sub = add_subscription(conn, other, ["government_procurement"])
        my_action = add_action(conn, world.black_entry, "procurement_exclusion", my_sub)
        not_returned = add_action(conn, world.black_entry, "bidding_restriction", my_sub)
        others_action = add_action(conn, world.black_entry, "procurement_exclusion", other_sub)
    results = checked(world, [world.black_uscc], "government_procurement")
    with transaction(world.engine) as conn:
        record_check(
            conn,
            clock=CLOCK,
            principal=department(mine),
            scenario="government_procurement",
            results=results,
        )
    later = FixedClock(CLOCK.now() + dt.timedelta(days=2))
    with transaction(world.engine) as conn:
        record_check(
            conn,
            clock=later,
            principal=department(mine),
            scenario="government_procurement",
            results=results,
        )
    with world.engine.connect() as conn:
        executed = {
            row.id: row.executed_at
            for row in conn.execute(select(actions.c.id, actions.c.executed_at))
        }
    assert executed[my_action] == CLOCK.now()  # the first check, not the later one
    assert executed[not_returned] is None  # another scenario's measure
    assert executed[others_action] is None  # another department's subscription


def test_a_cli_check_marks_nothing(world: World) -> None:
    with transaction(world.engine) as conn:
        key_id = add_key(conn, "采购系统")
        action = add_action(
            conn,
            world.black_entry,
            "procurement_exclusion",
            add_subscription(conn, key_id, ["government_procurement"]),
        )
    results = checked(world, [world.black_uscc], "government_procurement")
    with transaction(world.engine) as conn:
        check_id = record_check(
            conn,
            clock=CLOCK,
            principal=Checker.cli("tester"),
            scenario="government_procurement",
            results=results,
        )
        executed = conn.execute(
            select(actions.c.executed_at).where(actions.c.id == action)
        ).scalar_one()
        record = get_check(conn, check_id)
    assert executed is None
    assert record is not None and record.actor == "cli:tester" and record.role == "cli"


def test_checks_are_listed_per_checker_and_read_by_whom_may(world: World) -> None:
    results = checked(world, [world.clean_uscc], "fiscal_funds")
    with transaction(world.engine) as conn:
        mine, other = add_key(conn, "甲"), add_key(conn, "乙")
        ids = [
            record_check(
                conn, clock=CLOCK, principal=department(k), scenario="fiscal_funds", results=results
            )
            for k in (mine, other, mine)
        ]
    with world.engine.connect() as conn:
        listed = list_checks(conn, actor=department(mine).actor)
        record = get_check(conn, ids[1])
    assert [r.id for r in listed] == [ids[2], ids[0]]
    assert record is not None
    assert may_read(department(other), record)
    assert not may_read(department(mine), record)
    regional = Principal(role=Role.CREDIT_OFFICE, key_id=99, label="信用办")
    jiangsu = Principal(role=Role.CREDIT_OFFICE, key_id=98, label="苏信用办", province="32")
    zhejiang = Principal(role=Role.CREDIT_OFFICE, key_id=97, label="浙信用办", province="33")
    assert may_read(regional, record) and may_read(jiangsu, record)
    assert not may_read(zhejiang, record)
