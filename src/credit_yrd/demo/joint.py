"""The joint-action loop (联合奖惩) made visible in the demo.

After the world is ingested and the demo accounts exist (``ensure_demo_accounts(joint=True)``),
:func:`setup_joint` subscribes each demo department to the business scenarios it handles (pull
mode: no webhook), then runs one pass of the background work
(:func:`credit_yrd.jobs.run_once`: the joint worker, the daily publication job, repair deliveries
and reminders): the ingested serious-dishonesty and defaulter records
become list entries (:func:`credit_yrd.lists.feed.sync_from_records`), and the measures those
entries trigger are initiated for every subscribed department in all four provinces. A re-run
subscribes nobody twice and initiates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.auth.accounts import get_account, principal_of
from credit_yrd.clock import Clock
from credit_yrd.jobs import run_once
from credit_yrd.lists.entries import list_counts
from credit_yrd.measures.subscriptions import subscribe
from credit_yrd.settings import Settings
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import actions, subscriptions

#: Demo department → the scenarios it subscribes to (what it decides in its daily business).
DEMO_SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "demo-department": ("market_access", "approval_on_commitment", "inspection_frequency"),
    "demo-js-finance": ("government_procurement", "fiscal_funds"),
    "demo-zj-reform": ("public_bidding", "fiscal_funds", "awards_honours"),
}


@dataclass
class JointSummary:
    """What the joint demo holds after :func:`setup_joint`."""

    subscribed: list[str] = field(default_factory=list)
    active_entries: dict[str, int] = field(default_factory=dict)
    actions: int = 0
    worker: dict[str, Any] = field(default_factory=dict)

    @property
    def total_active(self) -> int:
        return sum(self.active_entries.values())


def setup_joint(
    engine: Engine, *, clock: Clock, settings: Settings, standard: Standard
) -> JointSummary:
    """Subscribe the demo departments that have no subscription yet, then run the joint worker
    once (lists fed from records, actions initiated). Departments whose accounts are missing are
    skipped."""
    summary = JointSummary()
    with transaction(engine) as conn:
        for username, scenarios in DEMO_SUBSCRIPTIONS.items():
            info = get_account(conn, username)
            if info is None:
                continue
            has = conn.execute(
                select(subscriptions.c.id).where(subscriptions.c.account_id == info.id).limit(1)
            ).first()
            if has is not None:
                continue
            subscribe(
                conn,
                clock=clock,
                principal=principal_of(info),
                scenarios=list(scenarios),
                standard=standard,
                settings=settings,
            )
            summary.subscribed.append(username)
    summary.worker = run_once(engine, clock=clock, standard=standard, settings=settings)
    with engine.connect() as conn:
        summary.active_entries = {
            code: n for code, n in list_counts(conn, on=clock.today()).items() if n
        }
        summary.actions = int(conn.execute(select(func.count()).select_from(actions)).scalar_one())
    return summary
