"""The demo's joint-action loop: departments of several provinces and domains get accounts and
pull-mode subscriptions, the ingested lists become entries and their measures are initiated; a
re-run adds nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.auth import password_hasher
from credit_yrd.clock import FixedClock
from credit_yrd.demo import GenerationSummary
from credit_yrd.demo.accounts import JOINT_PLANS, ensure_demo_accounts
from credit_yrd.demo.joint import DEMO_SUBSCRIPTIONS, setup_joint
from credit_yrd.ingest import context_for, expand_inputs, ingest_file
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.schema import accounts, actions, subscriptions
from tests.ingest.builders import TEST_KEY

CLOCK = FixedClock(dt.date(2026, 10, 31))  # the generated world's day
FAST = password_hasher("fast")


def _ingest(engine: Engine, folder: Path, settings: Settings) -> None:
    for source in ("shanghai", "jiangsu", "zhejiang", "anhui"):
        ctx = context_for(engine, source, settings=settings, clock=CLOCK)
        files, _ = expand_inputs([folder / source], ctx.mapping)
        for path in files:
            ingest_file(ctx, path)


def test_the_joint_demo_subscribes_syncs_and_initiates(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    generated: tuple[Path, GenerationSummary],
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_KEY,
        password_hash_cost="fast",
        worker_interval_seconds=0,
    )
    _ingest(engine, generated[0], settings)
    made = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST, joint=True)
    by_name = {a.username: a for a in made}
    for plan in JOINT_PLANS:
        assert (by_name[plan.username].province, by_name[plan.username].domain) == (
            plan.province,
            plan.domain,
        )
    departments = [a for a in made if a.role == "department"]
    assert len({a.province for a in departments}) >= 3
    assert len({a.domain for a in departments}) >= 3

    summary = setup_joint(engine, clock=CLOCK, settings=settings, standard=get_standard())
    assert sorted(summary.subscribed) == sorted(DEMO_SUBSCRIPTIONS)
    assert not summary.worker["errors"], summary.worker
    assert summary.total_active > 0, summary
    assert len(summary.active_entries) >= 3  # several lists, from several domains
    assert summary.actions > 0
    with engine.connect() as conn:
        subs = conn.execute(
            select(subscriptions, accounts.c.username).join(
                accounts, accounts.c.id == subscriptions.c.account_id
            )
        ).all()
        finance = {
            r.measure_code
            for r in conn.execute(
                select(actions.c.measure_code)
                .join(subscriptions, subscriptions.c.id == actions.c.subscription_id)
                .where(subscriptions.c.province == "32")
            )
        }
    assert all(s.webhook_url is None for s in subs)  # pull mode
    assert {s.username: tuple(s.scenarios) for s in subs} == DEMO_SUBSCRIPTIONS
    assert "procurement_exclusion" in finance

    again = setup_joint(engine, clock=CLOCK, settings=settings, standard=get_standard())
    assert again.subscribed == [] and again.actions == summary.actions
    assert again.worker["actions"] == 0
