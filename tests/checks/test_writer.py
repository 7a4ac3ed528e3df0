"""The check-log writer commits the logs of concurrent checks together, and answers each caller
only once its own row is committed (or with the error, for every caller of a failed batch)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from credit_yrd.checks.log import get_check
from credit_yrd.checks.writer import CheckLogWriter
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import checks
from tests.checks.conftest import CLOCK, World
from tests.checks.test_log import add_key, checked, department


def test_concurrent_checks_each_get_their_own_committed_log(world: World) -> None:
    with transaction(world.engine) as conn:
        key_id = add_key(conn, "并发核查")
    writer = CheckLogWriter(world.engine)
    codes = [[world.black_uscc], [world.clean_uscc], ["NOPE"], [world.black_uscc, "X1"]]

    def one(i: int) -> tuple[int, int]:
        results = checked(world, codes[i % 4], "government_procurement")
        return i, writer.submit(department(key_id), "government_procurement", results, clock=CLOCK)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answered = list(pool.map(one, range(60)))
    ids = [check_id for _, check_id in answered]
    assert len(set(ids)) == 60
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(checks)).scalar_one() == 60
        for i, check_id in answered:  # each id is the row of that caller's own check
            record = get_check(conn, check_id)
            assert record is not None
            subject = {world.black_uscc: world.black, world.clean_uscc: world.clean}
            assert [r["subject_id"] for r in record.results] == [
                subject.get(code) for code in codes[i % 4]
            ]


def test_a_failed_batch_reaches_every_caller_and_writes_nothing(world: World) -> None:
    broken = create_engine("sqlite:///file:nowhere?mode=ro&uri=true")  # no such store: fails
    writer = CheckLogWriter(broken)
    results = checked(world, [world.black_uscc], "government_procurement")
    with pytest.raises(SQLAlchemyError):
        writer.submit(department(1), "government_procurement", results, clock=CLOCK)
    # the writer survives a failed batch and still serves the next caller
    with transaction(world.engine) as conn:
        key_id = add_key(conn, "恢复后")
    healthy = CheckLogWriter(world.engine)
    assert healthy.submit(department(key_id), "government_procurement", results, clock=CLOCK) >= 1
    with pytest.raises(SQLAlchemyError):
        writer.submit(department(1), "government_procurement", results, clock=CLOCK)
