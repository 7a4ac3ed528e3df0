"""The credit office's figures of repair and objections, per province and for the region — what
the city credit monitoring indicators score:

- ``applications`` received, ``approvals``, ``refusals``, ``withdrawn``, ``pending`` (open now),
  ``overdue`` (open past its deadline, or decided after ``decide_due``), ``average_working_days``
  (mean handling time of the decided ones, in working days from received to decided);
- ``objections`` filed and not withdrawn by the filer (a withdrawn objection leaves no mark),
  ``published_records`` (records published today: ``public_state``
  ``published``, or — for records the daily publication job has not judged yet — a public window
  covering today and not repaired) and ``objections_per_thousand`` (objections per 1,000
  published records; ``None`` without published records).

A case counts for the province of its deciding authority; a record for its source's province.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from credit_yrd.clock import Clock
from credit_yrd.repair.applications import OPEN_STATUSES
from credit_yrd.repair.effects import PROVINCES
from credit_yrd.repair.errors import InvalidInput
from credit_yrd.settings import Settings
from credit_yrd.store.schema import objections, records, repair_applications, sources

COUNTS = (
    "applications",
    "approvals",
    "refusals",
    "withdrawn",
    "pending",
    "overdue",
    "objections",
    "published_records",
)


def published_condition(today: dt.date) -> Any:
    """SQL over ``records``: published on ``today`` (see the module's note)."""
    return or_(
        records.c.public_state == "published",
        and_(
            records.c.public_state.is_(None),
            records.c.repaired_on.is_(None),
            records.c.public_from.is_not(None),
            records.c.public_from <= today,
            or_(records.c.public_until.is_(None), records.c.public_until >= today),
        ),
    )


def _blank() -> dict[str, Any]:
    row: dict[str, Any] = {name: 0 for name in COUNTS}
    row["decided_working_days"] = 0
    row["decided"] = 0
    return row


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    decided = row.pop("decided")
    total_days = row.pop("decided_working_days")
    row["average_working_days"] = round(total_days / decided, 2) if decided else None
    published = row["published_records"]
    row["objections_per_thousand"] = (
        round(row["objections"] * 1000 / published, 3) if published else None
    )
    return row


def repair_figures(
    conn: Connection, *, clock: Clock, settings: Settings, province: str | None = None
) -> dict[str, Any]:
    """``{"on", "province", "rows": [per province], "region": {...}}`` as of today."""
    if province is not None and province not in PROVINCES:
        raise InvalidInput(
            "province",
            f"“{province}”不是长三角省份代码（31 32 33 34）",
            f"{province!r} is not one of 31 32 33 34",
        )
    today = clock.today()
    wanted = (province,) if province else PROVINCES
    per: dict[str, dict[str, Any]] = {p: _blank() for p in wanted}
    query = select(
        repair_applications.c.province,
        repair_applications.c.status,
        repair_applications.c.accept_due,
        repair_applications.c.decide_due,
        repair_applications.c.decided_at,
        repair_applications.c.working_days,
    )
    if province:
        query = query.where(repair_applications.c.province == province)
    for app in conn.execute(query):
        row = per.get(app.province)
        if row is None:
            continue
        row["applications"] += 1
        if app.status == "approved":
            row["approvals"] += 1
        elif app.status == "refused":
            row["refusals"] += 1
        elif app.status == "withdrawn":
            row["withdrawn"] += 1
        if app.status in OPEN_STATUSES:
            row["pending"] += 1
            due = app.accept_due if app.status == "submitted" else app.decide_due
            if today > due or today > app.decide_due:
                row["overdue"] += 1
        elif app.status in ("approved", "refused") and app.decided_at is not None:
            if app.decided_at.date() > app.decide_due:
                row["overdue"] += 1
            row["decided"] += 1
            row["decided_working_days"] += int(app.working_days or 0)
    counted = (
        select(objections.c.province, func.count())
        .where(objections.c.status != "withdrawn")  # a withdrawn objection leaves no mark
        .group_by(objections.c.province)
    )
    if province:
        counted = counted.where(objections.c.province == province)
    for found_province, n in conn.execute(counted):
        if found_province in per:
            per[found_province]["objections"] += int(n)
    published = (
        select(sources.c.province, func.count())
        .select_from(records.join(sources, sources.c.code == records.c.source))
        .where(published_condition(today))
        .group_by(sources.c.province)
    )
    if province:
        published = published.where(sources.c.province == province)
    for found_province, n in conn.execute(published):
        if found_province in per:
            per[found_province]["published_records"] += int(n)
    region = _blank()
    for row in per.values():
        for name, value in row.items():
            region[name] += value
    rows = [{"province": p, **_finish(dict(per[p]))} for p in wanted]
    return {
        "on": today.isoformat(),
        "province": province,
        "rows": rows,
        "region": _finish(region),
    }
