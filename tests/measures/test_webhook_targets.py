"""Webhook URLs that point inside the platform's network are refused when the subscription is
made and again before each push (a name may come to resolve to an internal address), unless
``webhook_allow_private_hosts`` allows them."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.measures.delivery import dispatch_due
from credit_yrd.measures.errors import MeasuresError
from credit_yrd.measures.subscriptions import subscribe, webhook_target_refused
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import deliveries, subscriptions
from tests.measures.conftest import CLOCK, add_entry, at, company, department, settings

STD = get_standard()
STRICT = settings(webhook_allow_private_hosts=False)


def resolving_to(*addresses: str) -> Any:
    def resolve(host: str, port: int, **_: Any) -> list[Any]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return resolve


def unresolvable(host: str, port: int, **_: Any) -> list[Any]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://127.8.9.10/",
        "http://[::1]:22/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1%25eth0]/",
        "http://10.0.0.8/hook",
        "http://172.16.5.4/hook",
        "http://192.168.1.1/hook",
        "http://[fd00::5]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.251/",
        "http://[ff02::1]/",
        "http://240.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
    ],
)
def test_internal_addresses_are_refused(url: str) -> None:
    refused = webhook_target_refused(url, STRICT, resolve=resolving_to("93.184.216.34"))
    assert refused is not None and refused.startswith("webhook_url：")
    assert "CREDIT_YRD_WEBHOOK_ALLOW_PRIVATE_HOSTS" in refused and "(webhook_url: " in refused
    assert webhook_target_refused(url, settings(webhook_allow_private_hosts=True)) is None


def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    url = "https://hooks.dept.example/joint"
    assert webhook_target_refused(url, STRICT, resolve=resolving_to("93.184.216.34")) is None
    refused = webhook_target_refused(url, STRICT, resolve=resolving_to("93.184.216.34", "10.1.1.1"))
    assert refused is not None and "hooks.dept.example（10.1.1.1）" in refused
    assert "hooks.dept.example (10.1.1.1)" in refused
    # A name that does not resolve is not refused here: the push to it simply fails.
    assert webhook_target_refused(url, STRICT, resolve=unresolvable) is None
    assert webhook_target_refused("http://8.8.8.8/hook", STRICT, resolve=unresolvable) is None


def test_subscribing_refuses_a_name_that_resolves_inside(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("192.168.10.20"))
    with transaction(engine) as conn:
        who = department(conn, "33", "finance", "浙江省财政厅")
    with pytest.raises(MeasuresError) as refused, transaction(engine) as conn:
        subscribe(
            conn,
            clock=CLOCK,
            principal=who,
            scenarios=["government_procurement"],
            webhook_url="https://hooks.zj.example/joint",
            standard=STD,
            settings=STRICT,
        )
    assert "192.168.10.20" in refused.value.message_zh
    with engine.connect() as conn:
        assert conn.execute(select(subscriptions.c.id)).first() is None


def test_a_push_to_a_name_that_has_moved_inside_is_not_sent(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.216.34"))
    with transaction(engine) as conn:
        who = department(conn, "33", "finance", "浙江省财政厅")
        add_entry(conn, company(conn, 1))
        subscribe(
            conn,
            clock=CLOCK,
            principal=who,
            scenarios=["government_procurement"],
            webhook_url="https://hooks.zj.example/joint",
            standard=STD,
            settings=STRICT,
        )
    calls: list[str] = []

    def post(url: str, body: bytes, headers: Any) -> int:
        calls.append(url)
        return 200

    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("169.254.169.254"))
    counts = dispatch_due(engine, clock=at(hours=0.01), settings=STRICT, post=post)
    assert counts["attempted"] == 1 and counts["failed"] == 1 and counts["delivered"] == 0
    assert calls == []
    with engine.connect() as conn:
        row = conn.execute(select(deliveries)).mappings().one()
    assert row["delivered_at"] is None and row["next_attempt_at"] is not None
    assert "169.254.169.254" in row["last_error"]
    # Back on a public address, the same delivery goes out.
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.216.34"))
    later = dispatch_due(engine, clock=at(hours=2), settings=STRICT, post=post)
    assert later["delivered"] == 1 and calls == ["https://hooks.zj.example/joint"]
