"""All the platform's background work, one pass at a time.

:func:`run_once` runs, in order:

1. the joint measures' pass (:func:`credit_yrd.measures.worker.run_once`: the lists' periodic step,
   the feed of records into the lists, initiating and lifting actions, webhook pushes);
2. the daily publication job (:func:`credit_yrd.publication.job.run_if_due`: once per clock day,
   records moved across their publication windows);
3. the pushes of approved repairs to the provinces and subscribers
   (:func:`credit_yrd.repair.deliveries.dispatch_due`, outside any transaction);
4. the reminders of repair and objection deadlines (:func:`credit_yrd.repair.reminders.send_due`).

A step that fails is logged and reported in ``errors``; the others still run, and the next pass
tries again. :func:`background_worker` runs passes in the API server's thread every
``worker_interval_seconds`` (0 disables it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from credit_yrd.clock import Clock
from credit_yrd.jsonl import jsonable
from credit_yrd.measures import worker as joint_worker
from credit_yrd.publication import job as publication_job
from credit_yrd.repair import deliveries, reminders
from credit_yrd.settings import Settings
from credit_yrd.standards.models import Standard

_log = logging.getLogger(__name__)


def run_once(
    engine: Engine, *, clock: Clock, standard: Standard, settings: Settings
) -> dict[str, Any]:
    """One pass of every job; returns the joint pass's counts (``lists``, ``records``,
    ``actions``, ``attempted`` …) plus ``publication`` (the run's summary, or ``None`` when it
    was not due), ``repair_deliveries`` (push counts), ``reminders`` (notices written) and
    ``errors`` (one line per failed step, the joint pass's included)."""
    errors: list[str] = []

    def step(name: str, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except Exception as exc:
            _log.exception("background step %s failed", name)
            errors.append(f"{name}: {type(exc).__name__}: {exc}"[:500])
            return None

    joint = step(
        "measures",
        lambda: joint_worker.run_once(engine, clock=clock, standard=standard, settings=settings),
    )
    result: dict[str, Any] = dict(joint or {})
    errors[:0] = list(result.pop("errors", []) or [])
    publication = step(
        "publication",
        lambda: publication_job.run_if_due(
            engine, clock=clock, standard=standard, settings=settings
        ),
    )
    result["publication"] = jsonable(publication) if publication is not None else None

    result["repair_deliveries"] = step(
        "repair.deliveries",
        lambda: deliveries.dispatch_due(engine, clock=clock, settings=settings),
    ) or {"attempted": 0, "delivered": 0, "failed": 0, "deferred": 0}
    result["reminders"] = int(
        step("repair.reminders", lambda: reminders.send_due(engine, clock=clock, settings=settings))
        or 0
    )
    result["errors"] = errors
    return result


def background_worker(
    *,
    engine: Callable[[], Engine],
    clock: Callable[[], Clock],
    standard: Callable[[], Standard],
    settings: Settings,
) -> joint_worker.BackgroundWorker | None:
    """A started worker running :func:`run_once` every ``settings.worker_interval_seconds``, or
    ``None`` when that is 0."""
    return joint_worker.background_worker(
        engine=engine, clock=clock, standard=standard, settings=settings, run=run_once
    )
