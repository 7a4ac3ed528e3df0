"""A department's subscriptions to joint actions (联合奖惩措施订阅).

A department — an API key or an account of role ``department``, which carries the department's
province and domain — subscribes to business scenarios (code list ``scenario``). Whenever a
subject is listed, every active subscription whose domain implements one of the list's measures
and whose scenarios meet that measure's scenarios gets an action (发起), in whichever of the four
provinces it sits. A subscription may name a webhook URL (http or https): actions are then pushed
to it, signed with HMAC-SHA256 under a secret the platform makes and shows ONCE, when the
subscription is made (or when the secret is rotated). Without a webhook the department pulls its
actions (:func:`credit_yrd.measures.delivery.pull`).

A subscription made late loses nothing: entries already active whose measures match get their
actions at once (:func:`credit_yrd.measures.actions.initiate_for_subscription`).
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.measures.actions import initiate_for_subscription
from credit_yrd.measures.catalogue import CatalogueError, checked_scenario
from credit_yrd.measures.errors import (
    ConflictError,
    MeasuresError,
    NotFoundError,
)
from credit_yrd.measures.subscribers import (
    Subscription,
    owned_by,
    require_department,
    subscription_of,
)
from credit_yrd.settings import Settings, get_settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.schema import accounts, deliveries, subscriptions

WEBHOOK_URL_MAX_CHARS = 1000
#: Bytes of randomness in a signing secret (shown as 64 hex digits).
SECRET_BYTES = 32


class _Unset:
    """Marks an argument that was not given (``None`` means "remove the webhook")."""


UNSET: Any = _Unset()


def checked_scenarios(standard: Standard, scenarios: Any) -> list[str]:
    """Scenario codes (labels and aliases accepted), without repeats, in the given order."""
    if isinstance(scenarios, str) or not isinstance(scenarios, (list, tuple)) or not scenarios:
        raise MeasuresError(
            "scenarios：须为至少一个业务场景代码的列表（代码表 scenario）",
            "scenarios: must be a list of at least one scenario code (code list scenario)",
        )
    chosen: list[str] = []
    for i, value in enumerate(scenarios):
        if not isinstance(value, str) or not value.strip():
            raise MeasuresError(
                f"scenarios[{i}]：须为非空的场景代码", f"scenarios[{i}]: must be a scenario code"
            )
        try:
            code = checked_scenario(standard, value.strip())
        except CatalogueError as exc:
            raise MeasuresError(
                f"scenarios[{i}] {exc.message_zh}", f"scenarios[{i}] {exc.message_en}"
            ) from None
        if code not in chosen:
            chosen.append(code)
    return chosen


def checked_webhook_url(url: str | None) -> str | None:
    """An absolute http or https URL with a host (no user name or password in it, no fragment),
    or ``None`` for "no webhook" (``None`` or blank)."""
    if url is None or not url.strip():
        return None
    text = url.strip()

    def refuse(zh: str, en: str) -> MeasuresError:
        return MeasuresError(f"webhook_url：{zh}", f"webhook_url: {en}")

    if len(text) > WEBHOOK_URL_MAX_CHARS:
        raise refuse(
            f"不能超过 {WEBHOOK_URL_MAX_CHARS} 个字符",
            f"must be at most {WEBHOOK_URL_MAX_CHARS} characters",
        )
    if not text.isascii() or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise refuse(
            "只能含可打印的 ASCII 字符（中文域名请用 punycode，路径请百分号编码）",
            "must be printable ASCII (punycode for international names, percent-encode paths)",
        )
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse("只接受 http 或 https 地址", "only http and https URLs are accepted")
    if not parts.hostname:
        raise refuse("须含主机名", "must name a host")
    if parts.username is not None or parts.password is not None:
        raise refuse(
            "不能在地址中包含用户名或口令（推送以签名认证）",
            "must not carry a user name or password (pushes are authenticated by signature)",
        )
    if parts.fragment:
        raise refuse("不能含片段（#…）", "must not have a fragment (#…)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise refuse("端口无效", "the port is not valid") from None
    return text


#: ``socket.getaddrinfo`` or a stand-in (tests): host, port -> address records.
Resolve = Callable[..., list[Any]]

_INTERNAL_ZH = "回环、链路本地、私有、组播、未指定或保留地址"
_INTERNAL_EN = "a loopback, link-local, private, multicast, unspecified or reserved address"


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a push to ``address`` would reach the platform's own host or network rather than
    a department's public receiver (an IPv4-mapped IPv6 address counts as its IPv4 one)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or not address.is_global
    )


def webhook_target_refused(
    url: str, settings: Settings, *, resolve: Resolve | None = None
) -> str | None:
    """Why the platform will not push to ``url`` (Chinese, then English in brackets), or
    ``None``.

    Unless ``settings.webhook_allow_private_hosts``, a host that is, or resolves to, an internal
    address (:func:`_internal`) is refused, so that a subscription cannot make the platform call
    its own database, the cloud metadata service or other machines of its network. Checked when
    the subscription is made or changed and again before every push (a name may move). A name
    that does not resolve is not refused here: the push to it fails on its own and is retried.
    """
    problem = _target_problem(url, settings, resolve or socket.getaddrinfo)
    return None if problem is None else f"{problem[0]} ({problem[1]})"


def _target_problem(url: str, settings: Settings, resolve: Resolve) -> tuple[str, str] | None:
    if settings.webhook_allow_private_hosts:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "webhook_url：地址无效", "webhook_url: not a valid URL"
    if not host:
        return "webhook_url：须含主机名", "webhook_url: must name a host"
    try:
        literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(
            host.split("%", 1)[0]
        )
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        default = 443 if parts.scheme.lower() == "https" else 80
        try:
            records = resolve(host, port or default, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError):
            return None
        found = []
        for record in records:
            try:
                found.append(ipaddress.ip_address(str(record[4][0]).split("%", 1)[0]))
            except (ValueError, IndexError, TypeError):
                continue
    for address in found:
        if _internal(address):
            shown = host if literal is not None else f"{host}（{address}）"
            shown_en = host if literal is not None else f"{host} ({address})"
            return (
                f"webhook_url：主机 {shown} 是{_INTERNAL_ZH}，平台不向其推送；测试或内网部署可设置 "
                "CREDIT_YRD_WEBHOOK_ALLOW_PRIVATE_HOSTS=true",
                f"webhook_url: the host {shown_en} is {_INTERNAL_EN}; the platform does not push "
                "there (for tests or a closed network set CREDIT_YRD_WEBHOOK_ALLOW_PRIVATE_HOSTS="
                "true)",
            )
    return None


def _checked_target(url: str | None, settings: Settings) -> str | None:
    """:func:`checked_webhook_url`, then :func:`webhook_target_refused` as a 400."""
    checked = checked_webhook_url(url)
    if checked is not None:
        problem = _target_problem(checked, settings, socket.getaddrinfo)
        if problem is not None:
            raise MeasuresError(*problem)
    return checked


def _department_name(conn: Connection, principal: Principal) -> str:
    """An account's display name, or the key's label: how figures and actions name it."""
    if principal.account_id is not None:
        name = conn.execute(
            select(accounts.c.display_name).where(accounts.c.id == principal.account_id)
        ).scalar()
        if name:
            return str(name)[:200]
    return (principal.label or principal.actor)[:200]


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def get_subscription(conn: Connection, subscription_id: int) -> Subscription | None:
    row = (
        conn.execute(select(subscriptions).where(subscriptions.c.id == subscription_id))
        .mappings()
        .first()
    )
    return subscription_of(row) if row is not None else None


def _own(conn: Connection, principal: Principal, subscription_id: int) -> Subscription:
    row = (
        conn.execute(
            select(subscriptions).where(
                and_(subscriptions.c.id == subscription_id, owned_by(principal))
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(
            f"没有本部门的订阅 {subscription_id}",
            f"no subscription {subscription_id} of this department",
        )
    return subscription_of(row)


def list_subscriptions(
    conn: Connection, principal: Principal, *, include_disabled: bool = True
) -> list[Subscription]:
    """The caller's subscriptions, oldest first."""
    require_department(principal)
    query = select(subscriptions).where(owned_by(principal)).order_by(subscriptions.c.id)
    if not include_disabled:
        query = query.where(subscriptions.c.disabled_at.is_(None))
    return [subscription_of(row) for row in conn.execute(query).mappings()]


def subscribe(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    scenarios: Any,
    webhook_url: str | None = None,
    standard: Standard | None = None,
    settings: Settings | None = None,
) -> tuple[Subscription, str | None]:
    """Subscribe the calling department to ``scenarios``; returns the subscription and, with a
    webhook, its signing secret (shown this once: the caller must keep it).

    Entries already active whose measures match get their actions in the same transaction.
    """
    standard = standard or get_standard()
    province, domain = require_department(principal)
    settings = settings or get_settings()
    chosen = checked_scenarios(standard, scenarios)
    url = _checked_target(webhook_url, settings)
    secret = new_secret() if url else None
    new_id = conn.execute(
        insert(subscriptions)
        .values(
            account_id=principal.account_id,
            key_id=principal.key_id if principal.account_id is None else None,
            department=_department_name(conn, principal),
            province=province,
            domain=domain,
            scenarios=chosen,
            webhook_url=url,
            webhook_secret=secret,
            created_at=clock.now(),
        )
        .returning(subscriptions.c.id)
    ).scalar_one()
    found = get_subscription(conn, int(new_id))
    assert found is not None
    initiate_for_subscription(
        conn,
        clock=clock,
        standard=standard,
        settings=settings,
        subscription=found,
    )
    return found, secret


def update_subscription(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    subscription_id: int,
    scenarios: Any = UNSET,
    webhook_url: Any = UNSET,
    rotate_secret: bool = False,
    standard: Standard | None = None,
    settings: Settings | None = None,
) -> tuple[Subscription, str | None]:
    """Change the caller's subscription: its scenarios, its webhook (``None`` removes it: the
    department then pulls), or a new signing secret. Returns the subscription and the new secret
    when one was made (a webhook added where there was none, or ``rotate_secret``).

    Deliveries not yet delivered follow the change: they are pushed to a new webhook at once, and
    wait in the pull feed when the webhook is removed. Scenarios added catch up on entries already
    active, as a new subscription does.
    """
    standard = standard or get_standard()
    require_department(principal)
    current = _own(conn, principal, subscription_id)
    if not current.active:
        raise ConflictError(
            f"订阅 {subscription_id} 已停用，不能修改；请新建订阅",
            f"subscription {subscription_id} is disabled and cannot change; make a new one",
        )
    values: dict[str, Any] = {}
    if scenarios is not UNSET:
        values["scenarios"] = checked_scenarios(standard, scenarios)
    secret: str | None = None
    url = current.webhook_url
    if webhook_url is not UNSET:
        url = _checked_target(webhook_url, settings or get_settings())
        values["webhook_url"] = url
        if url is None:
            values["webhook_secret"] = None
        elif current.webhook_url is None:
            secret = new_secret()
            values["webhook_secret"] = secret
    if rotate_secret:
        if url is None:
            raise MeasuresError(
                "rotate_secret：没有推送地址的订阅没有签名密钥",
                "rotate_secret: a subscription without a webhook has no signing secret",
            )
        secret = new_secret()
        values["webhook_secret"] = secret
    if values:
        conn.execute(
            update(subscriptions).where(subscriptions.c.id == subscription_id).values(**values)
        )
    if "webhook_url" in values and url != current.webhook_url:
        pending = and_(
            deliveries.c.subscription_id == subscription_id,
            deliveries.c.delivered_at.is_(None),
            deliveries.c.given_up_at.is_(None),
        )
        conn.execute(
            update(deliveries)
            .where(pending)
            .values(next_attempt_at=clock.now() if url else None, attempts=0, last_error=None)
        )
    found = get_subscription(conn, subscription_id)
    assert found is not None
    if "scenarios" in values:
        initiate_for_subscription(
            conn,
            clock=clock,
            standard=standard,
            settings=settings or get_settings(),
            subscription=found,
        )
    return found, secret


def disable_subscription(
    conn: Connection, *, clock: Clock, principal: Principal, subscription_id: int
) -> Subscription:
    """Stop the subscription: no new actions, no more pushes. Its actions stay (and still count
    in the figures, overdue included, until fed back)."""
    require_department(principal)
    current = _own(conn, principal, subscription_id)
    if current.active:
        conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(disabled_at=clock.now())
        )
    found = get_subscription(conn, subscription_id)
    assert found is not None
    return found


def secret_of(conn: Connection, subscription_id: int) -> str | None:
    """The signing secret (for the dispatcher only; never shown again)."""
    return conn.execute(
        select(subscriptions.c.webhook_secret).where(subscriptions.c.id == subscription_id)
    ).scalar_one_or_none()
