"""The whole loop end to end — 发起 → 推送 → 执行 → 反馈 — through the lists package, the worker,
the API (subscriptions, pull feed, check, feedback, figures) and a real webhook receiver; the
background worker in the app; and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from credit_yrd.api.app import create_app
from credit_yrd.auth.accounts import create_account, password_hasher
from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.cli.main import app as cli
from credit_yrd.clock import FixedClock
from credit_yrd.lists import lifecycle
from credit_yrd.measures.delivery import verify_signature
from credit_yrd.measures.worker import BackgroundWorker, run_once
from credit_yrd.settings import Settings, get_settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import access_log, actions, subscriptions
from credit_yrd.store.subjects import upsert_legal_subject
from tests.ingest.builders import make_uscc
from tests.measures.conftest import CLOCK, T0, Receiver, add_entry, company, department
from tests.measures.test_delivery import closed_port

STD = get_standard()
USCC = make_uscc(777, division="310115")


class Keys(dict[str, tuple[Principal, str]]):
    def header(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self[name][1]}"}


def make_keys(engine: Engine) -> Keys:
    keys = Keys()
    specs: dict[str, dict[str, Any]] = {
        "js_amr": {"role": "department", "province": "32", "domain": "market_regulation"},
        "ah_finance": {"role": "department", "province": "34", "domain": "finance"},
        "sh_finance": {"role": "department", "province": "31", "domain": "finance"},
        "zj_finance": {"role": "department", "province": "33", "domain": "finance"},
        "sh_office": {"role": "credit_office", "province": "31"},
        "region_office": {"role": "credit_office"},
        "source": {"role": "data_source", "source": "shanghai"},
    }
    with transaction(engine) as conn:
        for name, spec in specs.items():
            key_id, plaintext = create_key(conn, label=name, clock=CLOCK, **spec)
            principal = Principal(
                role=Role(spec["role"]),
                key_id=key_id,
                label=name,
                province=spec.get("province"),
                domain=spec.get("domain"),
            )
            keys[name] = (principal, plaintext)
    return keys


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Engine, Keys, Settings, int]]:
    engine = init_store(database_url)
    keys = make_keys(engine)
    with transaction(engine) as conn:
        subject = upsert_legal_subject(conn, USCC, "上海联合惩戒测试有限公司", clock=CLOCK)
    conf = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        worker_interval_seconds=0,
        password_hash_cost="fast",
        webhook_allow_private_hosts=True,  # the receiver listens on 127.0.0.1
    )
    try:
        yield engine, keys, conf, subject
    finally:
        engine.dispose()


def problem(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"], response.json()["detail"]


def test_the_whole_loop(world: tuple[Engine, Keys, Settings, int], receiver: Receiver) -> None:
    engine, keys, conf, subject = world
    app = create_app(conf)
    with TestClient(app, raise_server_exceptions=False) as api:
        app.state.clock = CLOCK
        # Subscriptions: Anhui by webhook, Shanghai by pull.
        problem(
            api.post(
                "/api/v1/subscriptions",
                json={"scenarios": ["government_procurement"], "webhook_url": "ftp://x.org/h"},
                headers=keys.header("ah_finance"),
            ),
            400,
            "webhook_url",
        )
        made = api.post(
            "/api/v1/subscriptions",
            json={"scenarios": ["government_procurement"], "webhook_url": receiver.url},
            headers=keys.header("ah_finance"),
        )
        assert made.status_code == 201, made.text
        secret = made.json()["webhook_secret"]
        assert secret and made.json()["delivery"] == "webhook"
        pulled = api.post(
            "/api/v1/subscriptions",
            json={"scenarios": ["government_procurement", "fiscal_funds"]},
            headers=keys.header("sh_finance"),
        )
        assert pulled.status_code == 201 and pulled.json()["webhook_secret"] is None
        listing = api.get("/api/v1/subscriptions", headers=keys.header("ah_finance")).json()
        assert [s["id"] for s in listing["subscriptions"]] == [made.json()["id"]]
        assert "webhook_secret" not in listing["subscriptions"][0]
        problem(api.get("/api/v1/subscriptions", headers=keys.header("source")), 403, "department")

        # 发起: Jiangsu market regulation proposes; the objection window passes.
        with transaction(engine) as conn:
            entry = lifecycle.propose(
                conn,
                standard=STD,
                clock=CLOCK,
                principal=keys["js_amr"][0],
                list_code="market_serious_violation",
                subject_id=subject,
                reason="提供虚假材料骗取登记，情节严重",
                legal_basis="《市场监督管理严重违法失信名单管理办法》第十条",
                decision_number="苏市监严〔2026〕1号",
            )
        assert entry.status == "proposed"
        assert run_once(engine, clock=CLOCK, standard=STD, settings=conf)["actions"] == 0
        after_window = FixedClock(T0 + dt.timedelta(days=15))
        app.state.clock = after_window
        done = run_once(engine, clock=after_window, standard=STD, settings=conf)
        assert done["lists"]["listed"] == 1
        assert done["actions"] == 3  # Anhui procurement; Shanghai procurement and fiscal funds
        assert done["delivered"] == 1 and not done["errors"]

        # 推送: the webhook arrived, signed; Shanghai pulls.
        [push] = receiver.delivered()
        assert verify_signature(
            secret,
            push.headers["X-Credit-YRD-Timestamp"],
            push.body,
            push.headers["X-Credit-YRD-Signature"],
        )
        assert push.json()["data"]["entry"]["subject_code"] == USCC
        assert push.json()["data"]["entry"]["province"] == "32"
        feed = api.get(
            "/api/v1/actions", params={"after": 0}, headers=keys.header("sh_finance")
        ).json()
        assert [e["data"]["measure"]["code"] for e in feed["events"]] == [
            "procurement_exclusion",
            "fiscal_funds_restriction",
        ]
        again = api.get(
            "/api/v1/actions",
            params={"after": feed["next_after"]},
            headers=keys.header("sh_finance"),
        ).json()
        assert again["events"] == [] and again["next_after"] == feed["next_after"]

        # 执行: Shanghai checks the subject in government procurement and sees the measure.
        check = api.post(
            "/api/v1/checks",
            json={"code": USCC, "scenario": "government_procurement"},
            headers=keys.header("sh_finance"),
        )
        assert check.status_code == 200, check.text
        assert "procurement_exclusion" in check.text

        # 反馈
        mine = api.get("/api/v1/actions", headers=keys.header("sh_finance")).json()["actions"]
        assert {a["state"] for a in mine} == {"pending"}
        procurement = next(a for a in mine if a["measure_code"] == "procurement_exclusion")
        assert procurement["executed_at"] is not None and procurement["pushed_at"] is not None
        one = api.get(f"/api/v1/actions/{procurement['id']}", headers=keys.header("sh_finance"))
        assert one.status_code == 200 and one.json()["entry"]["authority"]
        problem(
            api.get(f"/api/v1/actions/{procurement['id']}", headers=keys.header("ah_finance")),
            404,
            "no joint action",
        )
        problem(
            api.post(
                f"/api/v1/actions/{procurement['id']}/feedback",
                json={"outcome": "exempted"},
                headers=keys.header("sh_finance"),
            ),
            400,
            "reason",
        )
        answered = api.post(
            f"/api/v1/actions/{procurement['id']}/feedback",
            json={"outcome": "applied"},
            headers=keys.header("sh_finance"),
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["state"] == "fed_back"
        assert answered.json()["feedback_by"].startswith("key:")
        problem(
            api.post(
                f"/api/v1/actions/{procurement['id']}/feedback",
                json={"outcome": "applied"},
                headers=keys.header("sh_finance"),
            ),
            409,
            "cannot be given twice",
        )

        # The credit offices' figures.
        region = api.get("/api/v1/joint/figures", headers=keys.header("region_office")).json()
        assert region["totals"]["initiated"] == 3
        assert region["totals"]["pushed"] == 3
        assert region["totals"]["executed"] == 1
        assert region["totals"]["fed_back"] == 1 and region["totals"]["applied"] == 1
        shanghai = api.get("/api/v1/joint/figures", headers=keys.header("sh_office")).json()
        assert {r["province"] for r in shanghai["rows"]} == {"31"}
        assert shanghai["totals"]["initiated"] == 2
        problem(
            api.get(
                "/api/v1/joint/figures",
                params={"province": "34"},
                headers=keys.header("sh_office"),
            ),
            403,
            "own province",
        )
        anhui = api.get(
            "/api/v1/joint/figures",
            params={"province": "34", "on": (T0 + dt.timedelta(days=60)).date().isoformat()},
            headers=keys.header("region_office"),
        ).json()
        assert anhui["totals"]["overdue"] == 1  # Anhui never answered

        # Removal lifts: the webhook gets action.lifted.
        later = FixedClock(T0 + dt.timedelta(days=40))
        with transaction(engine) as conn:
            lifecycle.remove(
                conn,
                clock=later,
                principal=keys["js_amr"][0],
                entry_id=entry.id,
                reason="repair",
                note="已完成信用修复",
                standard=STD,
            )
        done = run_once(engine, clock=later, standard=STD, settings=conf)
        assert done["actions"] == 3 and done["delivered"] == 1
        assert [r.json()["event"] for r in receiver.delivered()] == [
            "action.initiated",
            "action.lifted",
        ]
        app.state.clock = later
        lifted = api.get(
            "/api/v1/actions", params={"state": "lifted"}, headers=keys.header("sh_finance")
        ).json()["actions"]
        assert len(lifted) == 2
        # The catalogue is public.
        cat = api.get("/api/v1/measures", params={"list": "market_serious_violation"})
        assert cat.status_code == 200
        assert "procurement_exclusion" in {m["code"] for m in cat.json()["measures"]}
        problem(api.get("/api/v1/measures", params={"scenario": "moon"}), 400, "scenario")
    with engine.connect() as conn:
        reads = conn.execute(
            select(func.count()).where(
                access_log.c.actor.like(f"key:{keys['sh_finance'][0].key_id} %"),
                access_log.c.action.like("joint.%"),
                access_log.c.subject_id == subject,
            )
        ).scalar_one()
    assert reads >= 3


def test_subscription_changes_over_the_api(world: tuple[Engine, Keys, Settings, int]) -> None:
    _, keys, conf, _ = world
    with TestClient(create_app(conf), raise_server_exceptions=False) as api:
        made = api.post(
            "/api/v1/subscriptions",
            json={"scenarios": ["fiscal_funds"]},
            headers=keys.header("zj_finance"),
        ).json()
        path = f"/api/v1/subscriptions/{made['id']}"
        problem(
            api.patch(
                path, json={"webhook_url": "https://a.example/h"}, headers=keys.header("sh_finance")
            ),
            404,
            "subscription",
        )
        problem(
            api.patch(path, json={"scenarios": ["nowhere"]}, headers=keys.header("zj_finance")),
            400,
            "scenarios[0]",
        )
        hooked = api.patch(
            path, json={"webhook_url": "https://a.example/h"}, headers=keys.header("zj_finance")
        ).json()
        assert hooked["delivery"] == "webhook" and len(hooked["webhook_secret"]) == 64
        same = api.patch(
            path,
            json={"scenarios": ["fiscal_funds", "government_procurement"]},
            headers=keys.header("zj_finance"),
        ).json()
        assert same["webhook_secret"] is None and same["webhook_url"] == "https://a.example/h"
        gone = api.delete(path, headers=keys.header("zj_finance"))
        assert gone.status_code == 200 and gone.json()["active"] is False
        problem(
            api.patch(
                path, json={"scenarios": ["fiscal_funds"]}, headers=keys.header("zj_finance")
            ),
            409,
            "disabled",
        )


def wait_for(condition: Any, seconds: float = 20.0) -> bool:
    """Poll ``condition`` until it holds (a generous bound, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def count_actions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(actions)).scalar_one())


def test_the_app_runs_the_worker_and_stops_it(database_url: str, tmp_path: Path) -> None:
    engine = init_store(database_url)
    try:
        with transaction(engine) as conn:
            who = department(conn, "31", "finance")
            conn.execute(
                subscriptions.insert().values(
                    key_id=who.key_id,
                    department="上海市财政局",
                    province="31",
                    domain="finance",
                    scenarios=["government_procurement"],
                    created_at=CLOCK.now(),
                )
            )
            add_entry(conn, company(conn, 1))
        conf = Settings(data_dir=tmp_path, database_url=database_url, worker_interval_seconds=0.05)
        app = create_app(conf)
        app.state.clock = CLOCK
        with TestClient(app):
            assert wait_for(lambda: count_actions(engine) == 1)
            assert [t for t in threading.enumerate() if t.name == "credit-yrd-joint"]
        assert not [t for t in threading.enumerate() if t.name == "credit-yrd-joint"]
        assert count_actions(engine) == 1
    finally:
        engine.dispose()


def test_a_failing_pass_never_stops_the_worker(engine: Engine) -> None:
    calls: list[int] = []

    def broken() -> Engine:
        calls.append(1)
        raise RuntimeError("store is down")

    worker = BackgroundWorker(
        engine=broken, clock=lambda: CLOCK, standard=lambda: STD, settings=Settings(), interval=0.01
    )
    worker.start()
    thread = worker._thread
    assert wait_for(lambda: len(calls) >= 3)
    assert thread is not None and thread.is_alive()  # three failed passes, still running
    worker.stop()
    assert worker.passes >= 3
    assert not thread.is_alive()


runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CREDIT_YRD_WORKER_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("CREDIT_YRD_WEBHOOK_ALLOW_PRIVATE_HOSTS", "true")  # hooks on 127.0.0.1
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli(database_url: str, cli_env: None) -> None:
    engine = init_store(database_url)
    try:
        with transaction(engine) as conn:
            who = department(conn, "33", "finance", "浙江省财政厅")
            office, _ = create_key(conn, role="credit_office", label="office", clock=CLOCK)
            add_entry(conn, company(conn, 1))
            create_account(
                conn,
                username="ah-finance",
                password="Anhui-finance-2026!",
                role="department",
                display_name="安徽省财政厅",
                province="34",
                domain="finance",
                clock=CLOCK,
                hasher=password_hasher("fast"),
            )
    finally:
        engine.dispose()
    db = ["--db", database_url]
    by_account = runner.invoke(
        cli, ["subscription", "add", "--user", "ah-finance", "--scenario", "政府采购", *db]
    )
    assert by_account.exit_code == 0, by_account.output
    assert "government_procurement" in by_account.output
    listed = runner.invoke(
        cli, ["--lang", "en", "subscription", "list", "--user", "ah-finance", *db]
    )
    assert listed.exit_code == 0 and "(pull)" in listed.output and "安徽省财政厅" in listed.output
    hook = f"http://127.0.0.1:{closed_port()}/zj"
    shown = runner.invoke(cli, ["measures", "--scenario", "government_procurement"])
    assert shown.exit_code == 0 and "procurement_exclusion" in shown.output
    as_json = runner.invoke(cli, ["measures", "--list", "red_list", "--json"])
    assert as_json.exit_code == 0
    assert all(json.loads(line)["nature"] == "reward" for line in as_json.output.splitlines())
    bad = runner.invoke(cli, ["measures", "--scenario", "moon"])
    assert bad.exit_code == 2 and "scenario" in bad.output
    added = runner.invoke(
        cli,
        [
            "subscription",
            "add",
            "--key",
            str(who.key_id),
            "--scenario",
            "government_procurement",
            "--webhook",
            hook,
            "--json",
            *db,
        ],
    )
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert made["province"] == "33" and len(made["webhook_secret"]) == 64
    listed = runner.invoke(cli, ["subscription", "list", "--key", str(who.key_id), *db])
    assert listed.exit_code == 0 and hook in listed.output
    refused = runner.invoke(
        cli, ["subscription", "add", "--key", str(office), "--scenario", "fiscal_funds", *db]
    )
    assert refused.exit_code == 2 and "不是部门密钥" in refused.output
    neither = runner.invoke(cli, ["subscription", "list", *db])
    assert neither.exit_code == 2 and "--key" in neither.output
    ran = runner.invoke(cli, ["joint", "run", "--json", *db])
    assert ran.exit_code == 0, ran.output
    result = json.loads(ran.output)
    assert result["actions"] == 0  # the subscription caught up when it was made
    assert result["attempted"] == 1 and result["failed"] == 1  # nobody listens on the port
    text = runner.invoke(cli, ["--lang", "en", "joint", "run", *db])
    assert text.exit_code == 0 and "pushes 0" in text.output  # not due again yet
    figures = runner.invoke(cli, ["joint", "figures", "--on", "2026-11-27", *db])
    assert figures.exit_code == 0 and "浙江省财政厅" in figures.output
    data = runner.invoke(cli, ["joint", "figures", "--json", "--province", "33", *db])
    assert json.loads(data.output)["totals"]["initiated"] == 1
    wrong = runner.invoke(cli, ["joint", "figures", "--province", "11", *db])
    assert wrong.exit_code == 2
