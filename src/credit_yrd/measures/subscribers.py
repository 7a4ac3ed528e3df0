"""Who a subscription belongs to: the :class:`Subscription` shape, the department a caller must be,
and the condition that picks a caller's own subscriptions. Shared by :mod:`.subscriptions` (which
makes and changes them) and :mod:`.actions` (which initiates actions for them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.measures.errors import NotADepartmentError
from credit_yrd.store.schema import subscriptions


@dataclass(frozen=True)
class Subscription:
    """One subscription (never its secret)."""

    id: int
    account_id: int | None
    key_id: int | None
    department: str
    province: str
    domain: str
    scenarios: tuple[str, ...]
    webhook_url: str | None
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def delivery(self) -> str:
        """``webhook`` (pushed) or ``pull`` (the department reads the feed)."""
        return "webhook" if self.webhook_url else "pull"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "key_id": self.key_id,
            "department": self.department,
            "province": self.province,
            "domain": self.domain,
            "scenarios": list(self.scenarios),
            "webhook_url": self.webhook_url,
            "delivery": self.delivery,
            "created_at": self.created_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
            "active": self.active,
        }


def subscription_of(row: RowMapping) -> Subscription:
    return Subscription(
        id=int(row["id"]),
        account_id=row["account_id"],
        key_id=row["key_id"],
        department=row["department"],
        province=row["province"],
        domain=row["domain"],
        scenarios=tuple(row["scenarios"] or ()),
        webhook_url=row["webhook_url"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
    )


def require_department(principal: Principal) -> tuple[str, str]:
    """The department's (province, domain); refuses any other caller."""
    if principal.role is not Role.DEPARTMENT or not principal.province or not principal.domain:
        raise NotADepartmentError(
            "仅限部门（带省份和领域的部门密钥或账户）订阅和反馈联合奖惩措施",
            "only a department (a department key or account with a province and a domain) may "
            "subscribe to and feed back on joint actions",
        )
    return principal.province, principal.domain


def owned_by(principal: Principal) -> ColumnElement[bool]:
    """The subscriptions that belong to the caller (its account, or its API key)."""
    if principal.account_id is not None:
        return subscriptions.c.account_id == principal.account_id
    if principal.key_id is not None:
        return subscriptions.c.key_id == principal.key_id
    return false()
