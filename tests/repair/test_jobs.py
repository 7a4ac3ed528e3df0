"""The background work of repair: the worker's pass runs every step (a real local receiver gets
the signed pushes), reminders before and after a deadline (once each), the credit office's
figures, and the ``credit-yrd repair`` commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from credit_yrd.cli.main import app as cli
from credit_yrd.clock import FixedClock
from credit_yrd.jobs import run_once
from credit_yrd.measures.delivery import verify_signature
from credit_yrd.repair import applications as apps
from credit_yrd.repair import deliveries, figures, reminders
from credit_yrd.repair.common import may_handle
from credit_yrd.repair.notices_read import notices_for
from credit_yrd.settings import get_settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import case_events, notices, objections, repair_deliveries
from tests.measures.conftest import Receiver
from tests.repair.conftest import CLOCK, T0, World, at, docs

SECRET = "receiver-secret-0123456789"


def apply(world: World, record: str = "old", who: str = "company", clock: Any = CLOCK) -> int:
    with transaction(world.engine) as conn:
        return apps.apply(
            conn,
            clock=clock,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(who),
            target="record",
            record_id=world.records[record],
            corrected="已缴清罚款",
            documents=docs(),
        ).id


def decide(world: World, app_id: int, approve: bool, clock: Any, who: str = "sh_amr") -> None:
    with transaction(world.engine) as conn:
        apps.decide(
            conn,
            clock=clock,
            settings=world.settings,
            standard=world.standard,
            principal=world[who],
            application_id=app_id,
            approve=approve,
            reasons="" if approve else "材料不全",
        )


def test_the_worker_pass_runs_every_step(world: World, receiver: Receiver) -> None:
    with transaction(world.engine) as conn:
        deliveries.set_endpoint(
            conn,
            clock=CLOCK,
            principal=world["region"],
            province="32",
            url=receiver.url,
            secret=SECRET,
            settings=world.settings,
        )
    app_id = apply(world)
    decide(world, app_id, True, at(days=1))
    result = run_once(
        world.engine, clock=at(days=1, hours=1), standard=world.standard, settings=world.settings
    )
    assert result["errors"] == []
    assert result["repair_deliveries"]["delivered"] == 1  # Jiangsu pushes; the others pull
    assert result["actions"] >= 1  # the listing's action initiated, then lifted
    assert "publication" in result and "reminders" in result and "lists" in result
    [got] = receiver.delivered()
    assert verify_signature(
        SECRET,
        got.headers["X-Credit-YRD-Timestamp"],
        got.body,
        got.headers["X-Credit-YRD-Signature"],
    )
    assert got.json()["data"]["application_id"] == app_id
    # A province that changes to push later gets the undelivered rows at once.
    with transaction(world.engine) as conn:
        deliveries.set_endpoint(
            conn,
            clock=at(days=1, hours=2),
            principal=world["sh_office"],
            province="31",
            url=receiver.url,
            secret=SECRET,
            settings=world.settings,
        )
    again = run_once(
        world.engine, clock=at(days=1, hours=2), standard=world.standard, settings=world.settings
    )
    assert again["repair_deliveries"]["delivered"] == 1
    assert len(receiver.delivered()) == 2


def test_a_failing_receiver_is_retried_without_end(world: World, receiver: Receiver) -> None:
    receiver.status = 500
    with transaction(world.engine) as conn:
        deliveries.set_endpoint(
            conn,
            clock=CLOCK,
            principal=world["region"],
            province="33",
            url=receiver.url,
            secret=SECRET,
            settings=world.settings,
        )
    decide(world, apply(world), True, CLOCK)
    clock = at(hours=1)
    # The joint actions' webhooks give up after webhook_retry_hours; repairs never do.
    conf = world.settings.model_copy(update={"webhook_retry_hours": 1})
    for _ in range(25):
        counts = deliveries.dispatch_due(world.engine, clock=clock, settings=conf)
        assert counts["failed"] == 1
        with world.engine.connect() as conn:
            row = conn.execute(
                select(repair_deliveries).where(repair_deliveries.c.recipient == "province:33")
            ).one()
        assert row.next_attempt_at is not None and row.delivered_at is None
        assert row.next_attempt_at - clock.now() <= dt.timedelta(hours=1)  # backoff capped at 1 h
        clock = FixedClock(row.next_attempt_at)
    assert clock.now() - T0 > dt.timedelta(hours=12)
    receiver.status = 200
    assert deliveries.dispatch_due(world.engine, clock=clock, settings=conf)["delivered"] == 1


def test_reminders_before_and_after_the_deadline_once_each(world: World) -> None:
    apply(world)  # received Monday 09-28: accept by 10-08
    with transaction(world.engine) as conn:
        conn.execute(
            insert(objections).values(
                query_code="YY-2345-6789-ABCD",
                subject_id=world.company,
                record_id=world.records["fresh"],
                ground="content",
                party="subject",
                statement="金额有误",
                filed_by="test",
                province="31",
                authority="上海市市场监督管理局",
                domain=None,
                status="open",
                received_at=T0,
                due_on=dt.date(2026, 10, 12),
                updated_at=T0,
            )
        )
    assert reminders.send_due(world.engine, clock=CLOCK, settings=world.settings) == 0
    # Tuesday 09-29: the acceptance deadline is 2 working days away (09-30, 10-08).
    tuesday = at(days=1)
    assert reminders.send_due(world.engine, clock=tuesday, settings=world.settings) == 2
    assert reminders.send_due(world.engine, clock=tuesday, settings=world.settings) == 0
    # Friday 10-09: the acceptance is overdue; the objection (10-12) is due in 1 working day
    # (Saturday 10-10 is a make-up working day: 10-10, 10-12 → 2).
    friday = at(days=11)
    assert reminders.send_due(world.engine, clock=friday, settings=world.settings) == 3
    assert reminders.send_due(world.engine, clock=friday, settings=world.settings) == 0
    with world.engine.connect() as conn:
        kinds = sorted(
            conn.execute(
                select(notices.c.kind).where(
                    notices.c.role.is_not(None), notices.c.kind != "repair.submitted"
                )
            ).scalars()
        )
        reminded = conn.execute(
            select(func.count()).select_from(case_events).where(case_events.c.event == "reminded")
        ).scalar_one()
        dept = notices_for(conn, world["sh_amr"])
        outsider = notices_for(conn, world["js_amr"])
    assert kinds == [
        "objection.due_soon",
        "repair.due_soon",
        "repair.due_soon",
        "repair.overdue",
        "repair.overdue",
    ]
    assert reminded == 3
    assert {n.kind for n in dept} == {"repair.submitted", "repair.due_soon", "repair.overdue"}
    assert outsider == []
    assert may_handle(world["sh_amr"], "31", "market_regulation")


def test_figures(world: World) -> None:
    approved = apply(world)
    refused = apply(world, "person", who="person")
    apply(world, "other", who="other")  # still open on the day counted: overdue
    decide(world, approved, True, at(days=2))
    decide(world, refused, False, at(days=20))  # 10-18: after decide_due 10-16
    with transaction(world.engine) as conn:
        conn.execute(
            insert(objections).values(
                query_code="YY-2345-6789-ABCE",
                subject_id=world.company,
                record_id=world.records["fresh"],
                ground="content",
                party="subject",
                statement="x",
                filed_by="test",
                province="31",
                authority="a",
                domain=None,
                status="open",
                received_at=T0,
                due_on=dt.date(2026, 10, 12),
                updated_at=T0,
            )
        )
    with world.engine.connect() as conn:
        found = figures.repair_figures(conn, clock=at(days=20), settings=world.settings)
        only_js = figures.repair_figures(
            conn, clock=at(days=20), settings=world.settings, province="32"
        )
    [sh] = [r for r in found["rows"] if r["province"] == "31"]
    assert sh["applications"] == 3
    assert sh["approvals"] == 1 and sh["refusals"] == 1 and sh["pending"] == 1
    assert sh["withdrawn"] == 0
    assert sh["overdue"] == 2
    # 2 working days (09-28 → 09-30) and 10 (09-28 → 10-18: 09-29, 09-30, 10-08, 10-09, the
    # make-up Saturday 10-10, 10-12 … 10-16).
    assert sh["average_working_days"] == 6.0
    # Published today: fresh, license, other, person (old is repaired).
    assert sh["published_records"] == 4
    assert sh["objections"] == 1 and sh["objections_per_thousand"] == 250.0
    assert found["region"]["applications"] == 3
    assert [r["province"] for r in only_js["rows"]] == ["32"]
    assert only_js["rows"][0]["applications"] == 0
    assert only_js["rows"][0]["objections_per_thousand"] is None


runner = CliRunner()


def test_the_cli(
    world: World,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    receiver: Receiver,
) -> None:
    monkeypatch.setenv("CREDIT_YRD_WEBHOOK_ALLOW_PRIVATE_HOSTS", "true")
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(T0.isoformat())
    monkeypatch.setenv("CREDIT_YRD_CLOCK_FILE", str(clock_file))
    get_settings.cache_clear()
    try:
        cli_steps(world, database_url, receiver)
    finally:
        get_settings.cache_clear()


def cli_steps(world: World, database_url: str, receiver: Receiver) -> None:
    app_id = apply(world)
    db = ["--db", database_url]
    listed = runner.invoke(cli, ["repair", "list", "--json", *db])
    assert listed.exit_code == 0, listed.output
    [item] = [json.loads(line) for line in listed.output.splitlines()]
    assert item["id"] == app_id and item["due"] == "2026-10-08" and item["days_left"] == 3
    shown = runner.invoke(cli, ["--lang", "en", "repair", "show", str(app_id), *db])
    assert shown.exit_code == 0 and "decide by 2026-10-16" in shown.output
    assert "XF-" not in shown.output
    refused = runner.invoke(cli, ["repair", "decide", str(app_id), "--refuse", *db])
    assert refused.exit_code == 2 and "reasons" in refused.output
    missing = runner.invoke(cli, ["repair", "show", "999", *db])
    assert missing.exit_code == 2
    set_url = runner.invoke(
        cli,
        [
            "repair",
            "endpoint",
            "set",
            "--province",
            "31",
            "--url",
            receiver.url,
            "--secret-stdin",
            *db,
        ],
        input=SECRET + "\n",
    )
    assert set_url.exit_code == 0, set_url.output
    no_secret = runner.invoke(
        cli, ["repair", "endpoint", "set", "--province", "32", "--url", receiver.url, *db]
    )
    assert no_secret.exit_code == 2
    endpoints = runner.invoke(cli, ["repair", "endpoint", "list", "--json", *db])
    rows = [json.loads(line) for line in endpoints.output.splitlines()]
    assert [r["delivery"] for r in rows] == ["push", "pull", "pull", "pull"]
    assert all("secret" not in r for r in rows)
    approved = runner.invoke(cli, ["repair", "decide", str(app_id), "--approve", "--json", *db])
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.output)["status"] == "approved"
    pushed = runner.invoke(cli, ["repair", "deliver", "--json", *db])
    assert json.loads(pushed.output)["delivered"] == 1
    assert len(receiver.delivered()) == 1
    numbers = runner.invoke(cli, ["repair", "figures", "--province", "31", "--json", *db])
    assert json.loads(numbers.output)["rows"][0]["approvals"] == 1
    table = runner.invoke(cli, ["repair", "figures", *db])
    assert table.exit_code == 0 and "全区域" in table.output
