"""Telling every province and subscriber of an approved repair (一处修复、处处修复): the outbox
``repair_deliveries``, pushed or pulled, retried until delivered.

**Push.** A province platform whose credit office set a push URL
(:func:`set_endpoint`, ``platform_endpoints``) and a subscription with a webhook get their rows
POSTed by :func:`dispatch_due`, signed exactly like the joint actions
(:mod:`credit_yrd.measures.delivery`)::

    POST <url>
    X-Credit-YRD-Event: repair.approved
    X-Credit-YRD-Delivery: repair-42              (the idempotency key)
    X-Credit-YRD-Timestamp: 1796179200
    X-Credit-YRD-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>

    {"created_at": "...", "data": {...}, "delivery_id": "repair-42", "event": "repair.approved"}

Receivers check it with :func:`credit_yrd.measures.delivery.verify_signature`. A 2xx answer
delivers the row; anything else counts one attempt and the next comes after 30 s × 2^(n−1), at
most an hour later — and never stops: a repair must reach everyone. No transaction is open while
a request is on the wire; a receiver that failed is not called again in the same pass.

**Pull.** Recipients without a URL read :func:`pull` (``GET /api/v1/repair-deliveries``): a data
source's key or account reads its province's rows, a department its own subscriptions' rows;
a row read counts as delivered.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.measures.delivery import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Post,
    backoff,
    httpx_post,
    sign,
)
from credit_yrd.measures.subscribers import owned_by
from credit_yrd.measures.subscriptions import checked_webhook_url, webhook_target_refused
from credit_yrd.repair.common import record_case_event
from credit_yrd.repair.effects import PROVINCES
from credit_yrd.repair.errors import InvalidInput, NotAllowed, RepairError
from credit_yrd.settings import Settings, get_settings
from credit_yrd.store._sql import TableBusyError, chunked, one_of, settled_max_id
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import (
    platform_endpoints,
    repair_deliveries,
    sources,
    subscriptions,
)

CLAIM_SECONDS = 120
DISPATCH_BATCH = 500
ERROR_MAX_CHARS = 500
PULL_MAX_LIMIT = 500
SECRET_MIN = 16
SECRET_MAX = 128
SYSTEM_ACTOR = "system:repair.deliveries"

_log = logging.getLogger(__name__)


class BusyError(RepairError):
    status = 503


@dataclass(frozen=True)
class Endpoint:
    """A province platform's push address (never its secret)."""

    province: str
    url: str | None
    has_secret: bool
    updated_at: dt.datetime | None
    updated_by: str | None

    @property
    def delivery(self) -> str:
        return "push" if self.url else "pull"

    def to_dict(self) -> dict[str, Any]:
        return {
            "province": self.province,
            "url": self.url,
            "has_secret": self.has_secret,
            "delivery": self.delivery,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


# -- endpoints ----------------------------------------------------------------------------------


def _checked_province(province: str) -> str:
    if province not in PROVINCES:
        raise InvalidInput(
            "province",
            f"“{province}”不是长三角省份代码（31 32 33 34）",
            f"{province!r} is not one of 31 32 33 34",
        )
    return province


def list_endpoints(conn: Connection) -> list[Endpoint]:
    """The four provinces' endpoints (a province without a row pulls)."""
    found = {str(r.province): r for r in conn.execute(select(platform_endpoints))}
    result: list[Endpoint] = []
    for province in PROVINCES:
        row = found.get(province)
        result.append(
            Endpoint(
                province=province,
                url=row.url if row is not None else None,
                has_secret=bool(row is not None and row.secret),
                updated_at=row.updated_at if row is not None else None,
                updated_by=row.updated_by if row is not None else None,
            )
        )
    return result


def set_endpoint(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    province: str,
    url: str | None,
    secret: str | None,
    settings: Settings | None = None,
) -> Endpoint:
    """Set (``url`` and ``secret``) or clear (``url`` None: pull) a province platform's push
    address. Only the regional credit office or that province's may. The URL is checked like a
    webhook's (http/https, a host, no credentials; no internal address unless
    ``webhook_allow_private_hosts``). Undelivered rows of the province follow at once: due now
    with a URL, left for pulling without."""
    conf = settings or get_settings()
    if principal.role is not Role.CREDIT_OFFICE:
        raise NotAllowed(
            "只有信用办可以设置省级平台推送地址",
            "only a credit office may set a province platform's push address",
        )
    province = _checked_province(province)
    if principal.province is not None and principal.province != province:
        raise NotAllowed(
            f"省级信用办只能设置本省（{principal.province}）的推送地址",
            f"a provincial credit office sets its own province's address ({principal.province})",
        )
    try:
        checked = checked_webhook_url(url)
    except CreditYrdError as exc:
        raise InvalidInput(
            "url",
            exc.message_zh.removeprefix("webhook_url："),
            exc.message_en.removeprefix("webhook_url: "),
        ) from None
    if checked is not None:
        refused = webhook_target_refused(checked, conf)
        if refused is not None:
            raise InvalidInput("url", refused, refused)
        text = (secret or "").strip()
        if (
            not (SECRET_MIN <= len(text) <= SECRET_MAX)
            or not text.isascii()
            or not text.isprintable()
        ):
            raise InvalidInput(
                "secret",
                f"推送签名密钥须为 {SECRET_MIN} 至 {SECRET_MAX} 个可打印 ASCII 字符",
                f"the signing secret must be {SECRET_MIN} to {SECRET_MAX} printable ASCII "
                "characters",
            )
        secret = text
    else:
        secret = None
    now = clock.now()
    values = {
        "url": checked,
        "secret": secret,
        "updated_at": now,
        "updated_by": principal.actor[:200],
    }
    query = select(platform_endpoints.c.province).where(platform_endpoints.c.province == province)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    if conn.execute(query).first() is None:
        conn.execute(insert(platform_endpoints).values(province=province, **values))
    else:
        conn.execute(
            update(platform_endpoints)
            .where(platform_endpoints.c.province == province)
            .values(**values)
        )
    conn.execute(
        update(repair_deliveries)
        .where(
            repair_deliveries.c.province == province,
            repair_deliveries.c.subscription_id.is_(None),
            repair_deliveries.c.delivered_at.is_(None),
        )
        .values(next_attempt_at=now if checked else None)
    )
    return next(e for e in list_endpoints(conn) if e.province == province)


# -- dispatching ----------------------------------------------------------------------------------


def delivery_key(row: RowMapping) -> str:
    """The idempotency key of a row: ``repair-<id>`` (apart from the joint actions' ids)."""
    return f"repair-{int(row['id'])}"


def event_of(row: RowMapping) -> dict[str, Any]:
    created: dt.datetime = row["created_at"]
    return {
        "delivery_id": delivery_key(row),
        "event": row["event"],
        "created_at": created.isoformat(),
        "recipient": row["recipient"],
        "data": row["payload"],
    }


def body_of(row: RowMapping) -> bytes:
    return json.dumps(
        event_of(row), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def headers_for(row: RowMapping, body: bytes, timestamp: str, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "credit-yrd-webhook/1",
        EVENT_HEADER: str(row["event"]),
        DELIVERY_HEADER: delivery_key(row),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def _claim(conn: Connection, now: dt.datetime, limit: int) -> list[RowMapping]:
    joined = repair_deliveries.outerjoin(
        platform_endpoints,
        and_(
            platform_endpoints.c.province == repair_deliveries.c.province,
            repair_deliveries.c.subscription_id.is_(None),
        ),
    ).outerjoin(subscriptions, subscriptions.c.id == repair_deliveries.c.subscription_id)
    query = (
        select(
            repair_deliveries,
            platform_endpoints.c.url.label("province_url"),
            platform_endpoints.c.secret.label("province_secret"),
            subscriptions.c.webhook_url,
            subscriptions.c.webhook_secret,
        )
        .select_from(joined)
        .where(repair_deliveries.c.delivered_at.is_(None))
        .where(repair_deliveries.c.next_attempt_at.is_not(None))
        .where(repair_deliveries.c.next_attempt_at <= now)
        .where(
            or_(
                platform_endpoints.c.url.is_not(None),
                and_(
                    subscriptions.c.webhook_url.is_not(None),
                    subscriptions.c.disabled_at.is_(None),
                ),
            )
        )
        .order_by(repair_deliveries.c.next_attempt_at, repair_deliveries.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=repair_deliveries, skip_locked=True)
    rows = list(conn.execute(query).mappings().all())
    if rows:
        until = now + dt.timedelta(seconds=CLAIM_SECONDS)
        for chunk in chunked([int(r["id"]) for r in rows]):
            conn.execute(
                update(repair_deliveries)
                .where(one_of(conn, repair_deliveries.c.id, chunk))
                .values(next_attempt_at=until)
            )
    return rows


def _delivered(engine: Engine, row: RowMapping, clock: Clock, how: str) -> None:
    with transaction(engine) as conn:
        done = conn.execute(
            update(repair_deliveries)
            .where(repair_deliveries.c.id == row["id"])
            .where(repair_deliveries.c.delivered_at.is_(None))
            .values(
                delivered_at=clock.now(),
                attempts=repair_deliveries.c.attempts + 1,
                last_error=None,
                next_attempt_at=None,
            )
        )
        if done.rowcount == 1:
            record_case_event(
                conn,
                clock=clock,
                event="delivered",
                actor=SYSTEM_ACTOR,
                application_id=int(row["application_id"]),
                detail={"recipient": row["recipient"], "how": how},
            )


def _failed(
    engine: Engine,
    row: RowMapping,
    at: dt.datetime,
    error: str,
    *,
    counted: bool,
    retry_at: dt.datetime | None = None,
) -> dt.datetime:
    attempts = int(row["attempts"]) + (1 if counted else 0)
    following = retry_at or at + backoff(attempts)
    with transaction(engine) as conn:
        conn.execute(
            update(repair_deliveries)
            .where(repair_deliveries.c.id == row["id"])
            .where(repair_deliveries.c.delivered_at.is_(None))
            .values(
                attempts=attempts, last_error=error[:ERROR_MAX_CHARS], next_attempt_at=following
            )
        )
    return following


def dispatch_due(
    engine: Engine, *, clock: Clock, settings: Settings, post: Post | None = None
) -> dict[str, int]:
    """Push every row that is due; returns counts ``attempted``, ``delivered``, ``failed`` and
    ``deferred`` (not tried: its receiver failed earlier in this pass). Never gives up."""
    counts = {"attempted": 0, "delivered": 0, "failed": 0, "deferred": 0}
    with transaction(engine) as conn:
        rows = _claim(conn, clock.now(), DISPATCH_BATCH)
    if not rows:
        return counts
    close: Callable[[], None] | None = None
    if post is None:
        post, close = httpx_post()
    down: dict[str, tuple[str, dt.datetime]] = {}
    try:
        for row in rows:
            if row["subscription_id"] is None:
                url, secret = row["province_url"], row["province_secret"]
            else:
                url, secret = row["webhook_url"], row["webhook_secret"]
            url = str(url)
            failed = down.get(url)
            if failed is not None:
                counts["deferred"] += 1
                _failed(
                    engine,
                    row,
                    clock.now(),
                    f"{failed[0]}（本轮前一次推送已失败，暂缓）(skipped: the receiver failed earlier)",
                    counted=False,
                    retry_at=failed[1],
                )
                continue
            body = body_of(row)
            sent_at = clock.now()
            timestamp = str(int(sent_at.timestamp()))
            counts["attempted"] += 1
            try:
                refused = webhook_target_refused(url, settings)
                if refused is not None:
                    raise PermissionError(refused)
                status = post(url, body, headers_for(row, body, timestamp, str(secret or "")))
            except Exception as exc:  # refused, timeout, TLS …: one failed attempt
                error = f"{type(exc).__name__}: {exc}"
            else:
                if 200 <= status < 300:
                    _delivered(engine, row, clock, "push")
                    counts["delivered"] += 1
                    continue
                error = f"HTTP {status}"
            counts["failed"] += 1
            following = _failed(engine, row, clock.now(), error, counted=True)
            down[url] = (error, following)
            _log.info("repair delivery %s to %s failed: %s", row["id"], row["recipient"], error)
    finally:
        if close is not None:
            close()
    return counts


# -- the pull feed --------------------------------------------------------------------------------


def _pull_scope(conn: Connection, principal: Principal) -> Any:
    if principal.role is Role.DATA_SOURCE:
        province = principal.province
        if province is None and principal.source:
            province = conn.execute(
                select(sources.c.province).where(sources.c.code == principal.source)
            ).scalar()
        if province is None:
            raise NotAllowed(
                "该数据来源没有所属省份，无省级修复结果可取",
                "this data source has no province: there are no province deliveries for it",
            )
        return and_(
            repair_deliveries.c.province == province,
            repair_deliveries.c.subscription_id.is_(None),
        )
    if principal.role is Role.DEPARTMENT:
        own = select(subscriptions.c.id).where(owned_by(principal))
        return repair_deliveries.c.subscription_id.in_(own)
    raise NotAllowed(
        "只有省级平台（数据来源）和部门可以拉取修复结果",
        "only province platforms (data sources) and departments pull repair deliveries",
    )


def pull(
    conn: Connection,
    principal: Principal,
    *,
    after: int,
    limit: int,
    clock: Clock = SYSTEM_CLOCK,
) -> dict[str, Any]:
    """The caller's rows with ids above ``after``, oldest first, as ``{"events": [...],
    "next_after": id}``; reading them marks them delivered. Call in a transaction. Reads only up
    to the settled high-water mark of the table, so a row committed late is never passed over."""
    scope = _pull_scope(conn, principal)
    limit = max(1, min(int(limit), PULL_MAX_LIMIT))
    try:
        top = settled_max_id(conn, repair_deliveries)
    except TableBusyError:
        raise BusyError(
            "修复结果正在写入，请稍后用同一游标再取",
            "repair deliveries are being written; ask again shortly with the same cursor",
        ) from None
    start = max(0, int(after))
    rows = (
        conn.execute(
            select(repair_deliveries)
            .where(scope)
            .where(repair_deliveries.c.id > start, repair_deliveries.c.id <= top)
            .order_by(repair_deliveries.c.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    for row in rows:
        if row["delivered_at"] is not None:
            continue
        conn.execute(
            update(repair_deliveries)
            .where(repair_deliveries.c.id == row["id"], repair_deliveries.c.delivered_at.is_(None))
            .values(delivered_at=clock.now(), next_attempt_at=None)
        )
        record_case_event(
            conn,
            clock=clock,
            event="delivered",
            actor=principal.actor,
            application_id=int(row["application_id"]),
            detail={"recipient": row["recipient"], "how": "pull"},
        )
    return {
        "events": [event_of(r) for r in rows],
        "next_after": int(rows[-1]["id"]) if rows else start,
    }


def delivery_status(conn: Connection, application_id: int) -> list[dict[str, Any]]:
    """Every recipient of an application's deliveries and where it stands."""
    return [
        {
            "recipient": r.recipient,
            "attempts": int(r.attempts),
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
            "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
            "last_error": r.last_error,
        }
        for r in conn.execute(
            select(repair_deliveries)
            .where(repair_deliveries.c.application_id == application_id)
            .order_by(repair_deliveries.c.id)
        )
    ]
