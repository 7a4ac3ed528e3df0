"""Signed webhooks against a real local HTTP receiver that fails and recovers."""

from __future__ import annotations

import datetime as dt
import json
import socket

from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.measures import actions as acts
from credit_yrd.measures.delivery import (
    backoff,
    dispatch_due,
    sign,
    verify_signature,
)
from credit_yrd.measures.figures import joint_figures
from credit_yrd.measures.subscriptions import subscribe, update_subscription
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import actions, deliveries
from tests.measures.conftest import (
    CLOCK,
    T0,
    TODAY,
    Receiver,
    add_entry,
    at,
    company,
    department,
    settings,
)

STD = get_standard()


def webhook_world(engine: Engine, url: str, entries: int = 2) -> tuple[int, str]:
    """A Zhejiang finance department subscribed with a webhook, and ``entries`` listings
    already initiated; returns (subscription id, secret)."""
    with transaction(engine) as conn:
        who = department(conn, "33", "finance", "浙江省财政厅")
        for n in range(entries):
            add_entry(conn, company(conn, n))
        made, secret = subscribe(
            conn,
            clock=CLOCK,
            principal=who,
            scenarios=["government_procurement"],
            webhook_url=url,
            standard=STD,
            settings=settings(),
        )
    assert secret is not None
    return made.id, secret


def delivery_rows(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r) for r in conn.execute(select(deliveries).order_by(deliveries.c.id)).mappings()
        ]


def assert_signed(secret: str, received) -> None:
    for r in received:
        assert verify_signature(
            secret, r.headers["X-Credit-YRD-Timestamp"], r.body, r.headers["X-Credit-YRD-Signature"]
        )
        assert r.json()["delivery_id"] == int(r.delivery_id)
        assert r.headers["X-Credit-YRD-Event"] == r.json()["event"]


def test_a_receiver_down_for_a_day_loses_nothing_and_gets_each_delivery_once(
    engine: Engine, receiver: Receiver
) -> None:
    receiver.status = 500
    _, secret = webhook_world(engine, receiver.url)
    conf = settings(webhook_retry_hours=72)
    ids = [str(d["id"]) for d in delivery_rows(engine)]
    assert len(ids) == 2

    # 1. The receiver answers 500: one attempt; the other delivery (same receiver) is deferred
    # to the same moment without counting an attempt.
    first = dispatch_due(engine, clock=CLOCK, settings=conf)
    assert first == {"attempted": 1, "delivered": 0, "failed": 1, "deferred": 1, "given_up": 0}
    rows = delivery_rows(engine)
    assert [r["attempts"] for r in rows] == [1, 0]
    assert all(r["delivered_at"] is None for r in rows)
    assert rows[0]["last_error"] == "HTTP 500"
    assert "HTTP 500" in (rows[1]["last_error"] or "") and "skipped" in rows[1]["last_error"]
    assert [r["next_attempt_at"] for r in rows] == [T0 + backoff(1)] * 2
    # Not yet due: nothing is sent.
    assert dispatch_due(engine, clock=at(hours=0.005), settings=conf)["attempted"] == 0

    # 2. The receiver goes away for a day: connections are refused.
    receiver.stop()
    for hour in range(1, 25):
        counts = dispatch_due(engine, clock=at(hours=hour), settings=conf)
        assert counts["delivered"] == 0 and counts["given_up"] == 0, (hour, counts)
        assert counts["attempted"] == 1
    rows = delivery_rows(engine)
    assert all(r["delivered_at"] is None and r["given_up_at"] is None for r in rows)
    assert [r["attempts"] for r in rows] == [25, 0]  # only the one actually sent counts
    assert "Connect" in (rows[0]["last_error"] or "")

    # 3. It comes back: both arrive, once each, signed.
    receiver.status = 200
    receiver.start()
    back = dispatch_due(engine, clock=at(hours=25), settings=conf)
    assert back == {"attempted": 2, "delivered": 2, "failed": 0, "deferred": 0, "given_up": 0}
    assert sorted(r.delivery_id for r in receiver.delivered()) == sorted(ids)
    assert_signed(secret, receiver.received)
    body = receiver.delivered()[0].json()
    assert body["event"] == "action.initiated"
    assert body["data"]["measure"]["code"] == "procurement_exclusion"
    assert body["data"]["entry"]["list_code"] == "judgment_defaulter"
    # Nothing more is sent, however often the dispatcher runs.
    for hour in (26, 30, 80):
        assert dispatch_due(engine, clock=at(hours=hour), settings=conf)["attempted"] == 0
    assert len(receiver.delivered()) == 2
    with engine.connect() as conn:
        pushed = conn.execute(select(actions.c.pushed_at)).scalars().all()
    assert pushed == [at(hours=25).now()] * 2
    rows = delivery_rows(engine)
    assert all(r["delivered_at"] == at(hours=25).now() for r in rows)


def test_every_attempt_of_a_delivery_sends_the_same_signed_body(
    engine: Engine, receiver: Receiver
) -> None:
    receiver.status = 503
    _, secret = webhook_world(engine, receiver.url, entries=1)
    conf = settings()
    dispatch_due(engine, clock=CLOCK, settings=conf)
    receiver.status = 204
    dispatch_due(engine, clock=at(hours=1), settings=conf)
    assert [r.status for r in receiver.received] == [503, 204]
    first, second = receiver.received
    assert first.body == second.body and first.delivery_id == second.delivery_id
    assert first.headers["X-Credit-YRD-Timestamp"] != second.headers["X-Credit-YRD-Timestamp"]
    assert_signed(secret, receiver.received)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_receiver_that_stays_down_is_given_up_and_counted(engine: Engine) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hook"
    webhook_world(engine, url, entries=3)
    conf = settings(webhook_retry_hours=2)
    half_hours = 0
    while True:
        counts = dispatch_due(engine, clock=at(hours=half_hours / 2), settings=conf)
        if counts["given_up"]:
            break
        assert counts["delivered"] == 0
        half_hours += 1
        assert half_hours < 20, "never given up"
    assert counts["given_up"] == 3
    assert half_hours / 2 >= 2  # not before the retry window has passed
    rows = delivery_rows(engine)
    assert all(r["given_up_at"] is not None and r["next_attempt_at"] is None for r in rows)
    assert all(r["given_up_at"] - r["created_at"] >= dt.timedelta(hours=2) for r in rows)
    assert dispatch_due(engine, clock=at(days=5), settings=conf)["attempted"] == 0
    with engine.connect() as conn:
        found = joint_figures(conn, on=TODAY, standard=STD)
    assert found["totals"]["given_up"] == 3
    assert found["totals"]["pushed"] == 0
    assert found["rows"][0]["province"] == "33"


def test_a_new_webhook_takes_over_what_the_old_one_did_not_get(
    engine: Engine, receiver: Receiver
) -> None:
    sub_id, _ = webhook_world(engine, f"http://127.0.0.1:{closed_port()}/gone", entries=2)
    conf = settings()
    dispatch_due(engine, clock=CLOCK, settings=conf)  # fails
    with transaction(engine) as conn:
        from credit_yrd.auth.principal import Principal
        from credit_yrd.auth.roles import Role
        from credit_yrd.store.schema import subscriptions

        row = conn.execute(select(subscriptions).where(subscriptions.c.id == sub_id)).one()
        who = Principal(
            role=Role.DEPARTMENT,
            key_id=row.key_id,
            label=row.department,
            province="33",
            domain="finance",
        )
        _, secret = update_subscription(
            conn,
            clock=at(hours=0.01),
            principal=who,
            subscription_id=sub_id,
            webhook_url=receiver.url,
            settings=settings(),
        )
    assert secret is None  # the secret stays when the URL changes
    counts = dispatch_due(engine, clock=at(hours=0.01), settings=conf)
    assert counts["delivered"] == 2


def test_signatures() -> None:
    body = json.dumps({"delivery_id": 7, "event": "action.initiated"}).encode()
    header = sign("s3cret", "1796179200", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature("s3cret", "1796179200", body, header)
    assert not verify_signature("other", "1796179200", body, header)
    assert not verify_signature("s3cret", "1796179201", body, header)
    assert not verify_signature("s3cret", "1796179200", body + b" ", header)
    assert not verify_signature("s3cret", "1796179200", body, None)
    assert not verify_signature("s3cret", "1796179200", body, header.replace("sha256=", "md5="))
    sent = dt.datetime.fromtimestamp(1796179200, dt.UTC)
    assert verify_signature(
        "s3cret",
        "1796179200",
        body,
        header,
        max_age_seconds=300,
        now=sent + dt.timedelta(minutes=4),
    )
    assert not verify_signature(
        "s3cret",
        "1796179200",
        body,
        header,
        max_age_seconds=300,
        now=sent + dt.timedelta(minutes=6),
    )


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(8).total_seconds() == 3600
    assert backoff(500).total_seconds() == 3600


def test_pull_subscriptions_are_never_pushed(engine: Engine) -> None:
    with transaction(engine) as conn:
        who = department(conn, "31", "finance")
        add_entry(conn, company(conn, 1))
        subscribe(conn, clock=CLOCK, principal=who, scenarios=["government_procurement"])
    calls: list[str] = []

    def post(url: str, body: bytes, headers) -> int:
        calls.append(url)
        return 200

    assert dispatch_due(engine, clock=at(days=1), settings=settings(), post=post)["attempted"] == 0
    assert calls == []
    with transaction(engine) as conn:
        assert acts.initiate_pending(conn, clock=CLOCK, standard=STD, settings=settings()) == 0
