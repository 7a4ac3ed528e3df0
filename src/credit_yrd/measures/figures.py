"""Figures of the joint-action loop for the credit offices (发起 → 推送 → 执行 → 反馈).

Per province (of the implementing department), department and measure, as of the end of day
``on`` (China time): ``initiated`` actions, ``pushed`` (delivered by webhook or pulled),
``executed`` (returned by a check at least once), ``fed_back`` and its split ``applied`` /
``not_applicable`` / ``exempted``, ``lifted`` (the subject left the list), ``overdue`` (no
feedback after ``due_on`` and not lifted) and ``given_up`` deliveries (a webhook that stayed down
past ``webhook_retry_hours``). A provincial credit office passes its province; the regional one
none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from credit_yrd.clock import CHINA_TZ
from credit_yrd.measures.errors import MeasuresError
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.schema import actions, deliveries, subscriptions

#: The days figures may be asked for (the platform has no actions before; the day after the
#: last one must still be a date).
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(9998, 12, 31)


class FiguresDayError(MeasuresError):
    """The day asked for lies outside :data:`EARLIEST_DAY` .. :data:`LATEST_DAY`."""

    def __init__(self, on: dt.date) -> None:
        self.on = on
        super().__init__(
            f"on：统计日 {on.isoformat()} 须在 {EARLIEST_DAY.isoformat()} 至 "
            f"{LATEST_DAY.isoformat()} 之间",
            f"on: the day {on.isoformat()} must be between {EARLIEST_DAY.isoformat()} and "
            f"{LATEST_DAY.isoformat()}",
        )


COUNTS = (
    "initiated",
    "pushed",
    "executed",
    "fed_back",
    "applied",
    "not_applicable",
    "exempted",
    "lifted",
    "overdue",
    "given_up",
)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _by(column: Any, end: dt.datetime) -> Any:
    return and_(column.is_not(None), column < end)


def _not_by(column: Any, end: dt.datetime) -> Any:
    return or_(column.is_(None), column >= end)


def joint_figures(
    conn: Connection,
    *,
    on: dt.date,
    province: str | None = None,
    standard: Standard | None = None,
) -> dict[str, Any]:
    """The loop's figures as of the end of ``on`` (in ``province`` only, when given)."""
    if not EARLIEST_DAY <= on <= LATEST_DAY:
        raise FiguresDayError(on)
    standard = standard or get_standard()
    end = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA_TZ)
    keys = (
        actions.c.province,
        subscriptions.c.department,
        subscriptions.c.domain,
        actions.c.measure_code,
    )
    joined = actions.join(subscriptions, subscriptions.c.id == actions.c.subscription_id)
    query = (
        select(
            *keys,
            _count(actions.c.id.is_not(None)).label("initiated"),
            _count(_by(actions.c.pushed_at, end)).label("pushed"),
            _count(_by(actions.c.executed_at, end)).label("executed"),
            _count(_by(actions.c.feedback_at, end)).label("fed_back"),
            *(
                _count(and_(_by(actions.c.feedback_at, end), actions.c.feedback == outcome)).label(
                    outcome
                )
                for outcome in ("applied", "not_applicable", "exempted")
            ),
            _count(_by(actions.c.lifted_at, end)).label("lifted"),
            _count(
                and_(
                    actions.c.due_on < on,
                    _not_by(actions.c.feedback_at, end),
                    _not_by(actions.c.lifted_at, end),
                )
            ).label("overdue"),
        )
        .select_from(joined)
        .where(actions.c.initiated_at < end)
        .group_by(*keys)
    )
    gave_up = (
        select(*keys, func.count().label("given_up"))
        .select_from(joined.join(deliveries, deliveries.c.action_id == actions.c.id))
        .where(_by(deliveries.c.given_up_at, end))
        .group_by(*keys)
    )
    if province is not None:
        query = query.where(actions.c.province == province)
        gave_up = gave_up.where(actions.c.province == province)
    given: dict[tuple[str, str, str, str], int] = {
        (r.province, r.department, r.domain, r.measure_code): int(r.given_up)
        for r in conn.execute(gave_up)
    }
    rows: list[dict[str, Any]] = []
    for r in conn.execute(query).mappings():
        key = (r["province"], r["department"], r["domain"], r["measure_code"])
        measure = standard.measures.get(r["measure_code"])
        rows.append(
            {
                "province": r["province"],
                "department": r["department"],
                "domain": r["domain"],
                "measure_code": r["measure_code"],
                "measure_label_zh": measure.label_zh if measure else r["measure_code"],
                "measure_label_en": measure.label_en if measure else r["measure_code"],
                **{name: int(r[name]) for name in COUNTS if name != "given_up"},
                "given_up": given.get(key, 0),
            }
        )
    rows.sort(key=lambda row: (row["province"], row["department"], row["measure_code"]))
    by_province: dict[str, dict[str, Any]] = {}
    totals = dict.fromkeys(COUNTS, 0)
    for row in rows:
        slot = by_province.setdefault(
            row["province"], {"province": row["province"], **dict.fromkeys(COUNTS, 0)}
        )
        for name in COUNTS:
            slot[name] += row[name]
            totals[name] += row[name]
    return {
        "on": on.isoformat(),
        "province": province,
        "rows": rows,
        "by_province": [by_province[p] for p in sorted(by_province)],
        "totals": totals,
    }
