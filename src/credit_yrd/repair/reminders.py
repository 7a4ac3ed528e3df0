"""Reminders to handlers before a deadline, and once it has passed.

:func:`send_due` looks at every open case — repair applications (``submitted``: the acceptance
deadline; ``accepted``: the decision deadline) and objections (``open``: ``due_on``) — and leaves a
notice for its handlers (the deciding departments of the province and domain and the credit
office; the credit office alone for a case without a domain) when the deadline is at most
``reminder_working_days`` working days away (kind ``due_soon``) and again once it has passed
(kind ``overdue``). Each (case, deadline, kind) is reminded once: the notices' ``dedupe_key``
makes a second pass — or a second worker — write nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.clock import Clock
from credit_yrd.repair.applications import OPEN_STATUSES, notify_handlers
from credit_yrd.repair.common import record_case_event, working_calendar
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import objections, repair_applications

ACTOR = "system:repair.reminders"


def _texts(
    kind: str, case_zh: str, case_en: str, due: dt.date, left: int
) -> tuple[tuple[str, str], tuple[str, str]]:
    if kind == "overdue":
        return (
            (f"{case_zh}已逾期", f"{case_en} is overdue"),
            (
                f"{case_zh}的办理期限 {due.isoformat()} 已过（逾期 {-left} 个工作日），请尽快办理。",
                f"The deadline of {case_en}, {due.isoformat()}, has passed ({-left} working days "
                "over); please handle it now.",
            ),
        )
    return (
        (f"{case_zh}即将到期", f"{case_en} is due soon"),
        (
            f"{case_zh}的办理期限为 {due.isoformat()}，还剩 {left} 个工作日。",
            f"{case_en} is due on {due.isoformat()}: {left} working days left.",
        ),
    )


def send_due(engine: Engine, *, clock: Clock, settings: Settings) -> int:
    """Write the reminders that are due; returns how many notices were written."""
    calendar = working_calendar(settings)
    today = clock.today()
    window = settings.reminder_working_days
    written = 0
    with transaction(engine) as conn:
        cases: list[tuple[str, int, str, str | None, dt.date, str, str]] = []
        for row in conn.execute(
            select(
                repair_applications.c.id,
                repair_applications.c.status,
                repair_applications.c.province,
                repair_applications.c.domain,
                repair_applications.c.accept_due,
                repair_applications.c.decide_due,
            ).where(repair_applications.c.status.in_(OPEN_STATUSES))
        ):
            due = row.accept_due if row.status == "submitted" else row.decide_due
            step_zh = "受理" if row.status == "submitted" else "办结"
            step_en = "acceptance" if row.status == "submitted" else "decision"
            cases.append(
                (
                    "repair",
                    int(row.id),
                    row.province,
                    row.domain,
                    due,
                    f"信用修复申请 {row.id}（{step_zh}）",
                    f"repair application {row.id} ({step_en})",
                )
            )
        for row in conn.execute(
            select(
                objections.c.id, objections.c.province, objections.c.domain, objections.c.due_on
            ).where(objections.c.status == "open")
        ):
            cases.append(
                (
                    "objection",
                    int(row.id),
                    row.province,
                    row.domain,
                    row.due_on,
                    f"异议 {row.id}",
                    f"objection {row.id}",
                )
            )
        for case, case_id, province, domain, due, zh, en in cases:
            left = calendar.working_days_left(today, due)
            if left < 0:
                kind = "overdue"
            elif left <= window:
                kind = "due_soon"
            else:
                continue
            title, body = _texts(kind, zh, en, due, left)
            ref = f"{case}:{case_id}"
            made = notify_handlers(
                conn,
                clock=clock,
                kind=f"{case}.{kind}",
                ref=ref,
                province=province,
                domain=domain,
                title=title,
                body=body,
                dedupe=f"remind:{ref}:{due.isoformat()}:{kind}",
            )
            if made:
                written += made
                record_case_event(
                    conn,
                    clock=clock,
                    event="reminded",
                    actor=ACTOR,
                    application_id=case_id if case == "repair" else None,
                    objection_id=case_id if case == "objection" else None,
                    detail={"kind": kind, "due": due, "working_days_left": left},
                )
    return written
