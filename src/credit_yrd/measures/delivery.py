"""Pushing joint actions (推送): the outbox of signed webhooks, and the pull feed.

Every initiated or lifted action has one ``deliveries`` row (event ``action.initiated`` or
``action.lifted``). For a subscription with a webhook, :func:`dispatch_due` POSTs it as JSON::

    POST <webhook_url>
    Content-Type: application/json
    X-Credit-YRD-Event: action.initiated
    X-Credit-YRD-Delivery: 42                      (the delivery id: the idempotency key)
    X-Credit-YRD-Timestamp: 1796179200             (Unix seconds)
    X-Credit-YRD-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>

    {"created_at": "...", "data": {...the action...}, "delivery_id": 42, "event": "action.initiated"}

A 2xx answer delivers it (``deliveries.delivered_at``; ``actions.pushed_at`` for the initiation).
Anything else — another status, a refused connection, a timeout — counts one attempt and sets the
next at 30 s × 2^(attempts−1), at most an hour apart, until ``webhook_retry_hours`` have passed
since the delivery was made; a failure after that gives it up (``given_up_at``; the figures count
it). A receiver that failed is not called again in the same pass: its other deliveries wait for
the failed one's next attempt without counting one. The same delivery id may arrive more than once (a lost answer, two dispatchers): the receiver
treats a repeat as done. No database transaction is open while a request is on the wire.

A department without a webhook reads :func:`pull`: its deliveries after a cursor, oldest first;
reading them marks them delivered and the actions pushed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from credit_yrd.auth.principal import Principal
from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.measures.errors import BusyError
from credit_yrd.measures.subscribers import owned_by, require_department
from credit_yrd.measures.subscriptions import webhook_target_refused
from credit_yrd.settings import Settings
from credit_yrd.store._sql import TableBusyError, chunked, one_of, settled_max_id
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import actions, deliveries, subscriptions

EVENT_HEADER = "X-Credit-YRD-Event"
DELIVERY_HEADER = "X-Credit-YRD-Delivery"
TIMESTAMP_HEADER = "X-Credit-YRD-Timestamp"
SIGNATURE_HEADER = "X-Credit-YRD-Signature"
SIGNATURE_PREFIX = "sha256="

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
#: While a dispatcher is sending a delivery, others leave it alone for this long.
CLAIM_SECONDS = 120
#: Deliveries sent per pass at most (the next pass takes the rest).
DISPATCH_BATCH = 500
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 5.0
ERROR_MAX_CHARS = 500
PULL_MAX_LIMIT = 500

Post = Callable[[str, bytes, Mapping[str, str]], int]
"""``post(url, body, headers) -> HTTP status``; raises on a connection error or timeout."""

_log = logging.getLogger(__name__)


# -- signatures -------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str | None,
    *,
    max_age_seconds: float | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Whether ``header`` (the ``X-Credit-YRD-Signature`` value) signs ``timestamp`` and the raw
    ``body`` under ``secret``. With ``max_age_seconds`` the timestamp must also be that fresh
    (against ``now``, the current time by default), which stops replays of old pushes."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    try:
        expected = sign(secret, timestamp, body)
    except UnicodeEncodeError:
        return False
    if not hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8")):
        return False
    if max_age_seconds is not None:
        try:
            sent = int(timestamp)
        except ValueError:
            return False
        current = (now or dt.datetime.now(dt.UTC)).timestamp()
        if abs(current - sent) > max_age_seconds:
            return False
    return True


# -- bodies -----------------------------------------------------------------------------------


def event_of(row: RowMapping) -> dict[str, Any]:
    """A delivery as the receiver (and the pull feed) sees it."""
    created: dt.datetime = row["created_at"]
    return {
        "delivery_id": int(row["id"]),
        "event": row["event"],
        "created_at": created.isoformat(),
        "data": row["payload"],
    }


def body_of(row: RowMapping) -> bytes:
    """The exact bytes POSTed (the same for every attempt of one delivery)."""
    return json.dumps(
        event_of(row), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: 30 s, 1 min, 2 min … at most an hour."""
    exponent = max(0, attempts - 1)
    seconds = BACKOFF_CAP_SECONDS if exponent > 16 else BACKOFF_BASE_SECONDS * 2**exponent
    return dt.timedelta(seconds=min(seconds, BACKOFF_CAP_SECONDS))


# -- dispatching ------------------------------------------------------------------------------


def _claim(conn: Connection, now: dt.datetime, limit: int) -> list[RowMapping]:
    query = (
        select(
            deliveries,
            subscriptions.c.webhook_url,
            subscriptions.c.webhook_secret,
        )
        .select_from(
            deliveries.join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        )
        .where(deliveries.c.delivered_at.is_(None))
        .where(deliveries.c.given_up_at.is_(None))
        .where(deliveries.c.next_attempt_at.is_not(None))
        .where(deliveries.c.next_attempt_at <= now)
        .where(subscriptions.c.webhook_url.is_not(None))
        .where(subscriptions.c.disabled_at.is_(None))
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=deliveries, skip_locked=True)
    rows = list(conn.execute(query).mappings().all())
    if rows:
        until = now + dt.timedelta(seconds=CLAIM_SECONDS)
        for chunk in chunked([int(r["id"]) for r in rows]):
            conn.execute(
                update(deliveries)
                .where(one_of(conn, deliveries.c.id, chunk))
                .values(next_attempt_at=until)
            )
    return rows


def httpx_post() -> tuple[Post, Callable[[], None]]:
    """The default ``post``: an httpx client with short timeouts and no redirects, and its close."""
    import httpx

    client = httpx.Client(
        timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        follow_redirects=False,
        trust_env=False,
    )

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        return client.post(url, content=body, headers=dict(headers)).status_code

    return post, client.close


def _delivered(engine: Engine, row: RowMapping, at: dt.datetime) -> None:
    with transaction(engine) as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == row["id"])
            .where(deliveries.c.delivered_at.is_(None))
            .values(delivered_at=at, attempts=deliveries.c.attempts + 1, last_error=None)
        )
        if row["event"] == "action.initiated":
            conn.execute(
                update(actions)
                .where(actions.c.id == row["action_id"])
                .where(actions.c.pushed_at.is_(None))
                .values(pushed_at=at)
            )


def _failed(
    engine: Engine,
    row: RowMapping,
    at: dt.datetime,
    error: str,
    settings: Settings,
    *,
    retry_at: dt.datetime | None = None,
) -> tuple[bool, dt.datetime | None]:
    """Record a failed attempt — or, with ``retry_at``, a delivery not tried because its
    receiver failed earlier in the pass (no attempt counted; tried again at ``retry_at``).
    Returns (whether the delivery is now given up, when it is tried next)."""
    attempted = retry_at is None
    attempts = int(row["attempts"]) + (1 if attempted else 0)
    created: dt.datetime = row["created_at"]
    deadline = created + dt.timedelta(hours=settings.webhook_retry_hours)
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:ERROR_MAX_CHARS]}
    given_up = at >= deadline
    following: dt.datetime | None = None
    if given_up:
        values.update(given_up_at=at, next_attempt_at=None)
    else:
        following = min(retry_at or at + backoff(attempts), deadline)
        values["next_attempt_at"] = following
    with transaction(engine) as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == row["id"])
            .where(deliveries.c.delivered_at.is_(None))
            .values(**values)
        )
    return given_up, following


def headers_for(row: RowMapping, body: bytes, timestamp: str, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "credit-yrd-webhook/1",
        EVENT_HEADER: str(row["event"]),
        DELIVERY_HEADER: str(row["id"]),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def dispatch_due(
    engine: Engine, *, clock: Clock, settings: Settings, post: Post | None = None
) -> dict[str, int]:
    """Push every delivery that is due; returns counts ``attempted``, ``delivered``, ``failed``,
    ``deferred``, ``given_up``. A receiver that fails is not called again in the same pass: its
    other deliveries are ``deferred`` — no attempt counted, tried again with the failed one (given
    up with it once their own retry window has passed). ``post`` replaces the HTTP client (tests);
    by default httpx with short timeouts and no redirects."""
    counts = {"attempted": 0, "delivered": 0, "failed": 0, "deferred": 0, "given_up": 0}
    now = clock.now()
    with transaction(engine) as conn:
        rows = _claim(conn, now, DISPATCH_BATCH)
    if not rows:
        return counts
    close: Callable[[], None] | None = None
    if post is None:
        post, close = httpx_post()
    # A receiver that failed in this pass is not called again in it: its error and when the
    # failed delivery is tried next (the others wait for the same moment).
    down: dict[str, tuple[str, dt.datetime | None]] = {}
    try:
        for row in rows:
            url = str(row["webhook_url"])
            failed = down.get(url)
            if failed is None:
                body = body_of(row)
                sent_at = clock.now()
                timestamp = str(int(sent_at.timestamp()))
                counts["attempted"] += 1
                try:
                    refused = webhook_target_refused(url, settings)
                    if refused is not None:  # an internal address: never called, one failure
                        raise PermissionError(refused)
                    status = post(
                        url, body, headers_for(row, body, timestamp, row["webhook_secret"])
                    )
                except Exception as exc:  # connection refused, timeout, TLS …: one failed attempt
                    error = f"{type(exc).__name__}: {exc}"
                else:
                    if 200 <= status < 300:
                        _delivered(engine, row, sent_at)
                        counts["delivered"] += 1
                        continue
                    error = f"HTTP {status}"
                counts["failed"] += 1
                given_up, following = _failed(engine, row, clock.now(), error, settings)
                down[url] = (error, following)
            else:
                error = f"{failed[0]}（本轮前一次推送已失败，暂缓）(skipped: the receiver failed earlier)"
                at = clock.now()
                counts["deferred"] += 1
                given_up, _ = _failed(
                    engine,
                    row,
                    at,
                    error,
                    settings,
                    retry_at=failed[1] or at + backoff(int(row["attempts"]) + 1),
                )
            if given_up:
                counts["given_up"] += 1
                _log.warning(
                    "delivery %s to %s given up after %s attempts: %s",
                    row["id"],
                    url,
                    int(row["attempts"]) + (0 if failed else 1),
                    error,
                )
    finally:
        if close is not None:
            close()
    return counts


# -- the pull feed ----------------------------------------------------------------------------


def pull(
    conn: Connection,
    principal: Principal,
    after: int,
    limit: int,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> dict[str, Any]:
    """The caller's deliveries with ids above ``after``, oldest first (at most ``limit``), as
    ``{"events": [...], "next_after": <id to pass next time>}``. Reading them marks them delivered
    and their actions pushed. Call in a transaction.

    Only deliveries up to the settled high-water mark of the table are read
    (:func:`credit_yrd.store._sql.settled_max_id`): one whose transaction commits late (a
    subscription's catch-up) is never passed over by the cursor. Raises :class:`BusyError` (503)
    when writers hold the table too long."""
    require_department(principal)
    limit = max(1, min(int(limit), PULL_MAX_LIMIT))
    try:
        top = settled_max_id(conn, deliveries)
    except TableBusyError:
        raise BusyError(
            "推送正在写入，请稍后用同一游标再取",
            "deliveries are being written; ask again shortly with the same cursor",
        ) from None
    rows = (
        conn.execute(
            select(deliveries)
            .select_from(
                deliveries.join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            )
            .where(owned_by(principal))
            .where(deliveries.c.id > max(0, int(after)), deliveries.c.id <= top)
            .order_by(deliveries.c.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    if rows:
        now = clock.now()
        ids = [int(r["id"]) for r in rows]
        initiated = [int(r["action_id"]) for r in rows if r["event"] == "action.initiated"]
        conn.execute(
            update(deliveries)
            .where(one_of(conn, deliveries.c.id, ids))
            .where(deliveries.c.delivered_at.is_(None))
            .values(delivered_at=now)
        )
        if initiated:
            conn.execute(
                update(actions)
                .where(and_(one_of(conn, actions.c.id, initiated), actions.c.pushed_at.is_(None)))
                .values(pushed_at=now)
            )
    return {
        "events": [event_of(r) for r in rows],
        "next_after": int(rows[-1]["id"]) if rows else max(0, int(after)),
    }
