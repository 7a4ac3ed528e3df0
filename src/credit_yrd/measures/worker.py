"""The background work of lists and joint measures, one pass at a time.

:func:`run_once` does, each step in its own transaction: the lists' periodic step
(``credit_yrd.lists.lifecycle.advance``: objection windows that passed become listings, listings
past their end are removed), the feed of ingested records into the lists
(``credit_yrd.lists.feed.sync_from_records``), the initiation and lifting of actions
(:func:`credit_yrd.measures.actions.initiate_pending`) and the pushes that are due
(:func:`credit_yrd.measures.delivery.dispatch_due`, outside any transaction). A step that fails is
logged and reported in ``errors``; the others still run, and the next pass tries again.

:class:`BackgroundWorker` runs passes in a thread every ``worker_interval_seconds`` (the API
server starts one; ``0`` disables it) and ``credit-yrd joint run`` runs one pass by hand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from credit_yrd.clock import Clock
from credit_yrd.measures.actions import initiate_pending
from credit_yrd.measures.delivery import dispatch_due
from credit_yrd.settings import Settings
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction

_log = logging.getLogger(__name__)


def _lists_steps() -> tuple[Callable[..., Any] | None, Callable[..., Any] | None]:
    """The lists' ``advance`` and ``sync_from_records``, or ``None`` where the lists package
    does not provide them."""
    advance: Callable[..., Any] | None = None
    sync: Callable[..., Any] | None = None
    try:
        from credit_yrd.lists.lifecycle import advance as found_advance

        advance = found_advance
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("credit_yrd.lists"):
            raise
    try:
        from credit_yrd.lists.feed import sync_from_records

        sync = sync_from_records
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("credit_yrd.lists"):
            raise
    return advance, sync


def run_once(
    engine: Engine, *, clock: Clock, standard: Standard, settings: Settings
) -> dict[str, Any]:
    """One pass; returns what it did: ``lists`` (the counts of ``advance``), ``records`` (entries
    fed from records), ``actions`` (initiated or lifted), ``attempted`` / ``delivered`` /
    ``failed`` / ``deferred`` / ``given_up`` (pushes) and ``errors`` (one line per failed step)."""
    result: dict[str, Any] = {
        "lists": {},
        "records": 0,
        "actions": 0,
        "attempted": 0,
        "delivered": 0,
        "failed": 0,
        "deferred": 0,
        "given_up": 0,
        "errors": [],
    }
    advance, sync = _lists_steps()

    def step(name: str, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except Exception as exc:
            _log.exception("joint worker step %s failed", name)
            result["errors"].append(f"{name}: {type(exc).__name__}: {exc}"[:500])
            return None

    if advance is not None:

        def do_advance() -> Any:
            with transaction(engine) as conn:
                return advance(conn, clock=clock, standard=standard)

        result["lists"] = dict(step("lists.advance", do_advance) or {})
    if sync is not None:

        def do_sync() -> Any:
            with transaction(engine) as conn:
                return sync(conn, clock=clock, standard=standard)

        result["records"] = int(step("lists.feed", do_sync) or 0)

    def do_initiate() -> int:
        with transaction(engine) as conn:
            return initiate_pending(conn, clock=clock, standard=standard, settings=settings)

    result["actions"] = int(step("measures.actions", do_initiate) or 0)
    pushed = step("measures.delivery", lambda: dispatch_due(engine, clock=clock, settings=settings))
    if pushed:
        result.update(pushed)
    return result


class BackgroundWorker:
    """Runs :func:`run_once` in a daemon thread every ``interval`` seconds until stopped.

    ``engine``, ``clock`` and ``standard`` are asked for at each pass (the app makes its engine on
    first use, and tests may swap its clock). ``run`` is the pass (:func:`run_once` by default;
    the app runs :func:`credit_yrd.jobs.run_once`, which adds publication and repair).

    The first pass comes one interval after :meth:`start`. Errors are logged, never raised: the
    server that runs the worker keeps serving.
    """

    def __init__(
        self,
        *,
        engine: Callable[[], Engine],
        clock: Callable[[], Clock],
        standard: Callable[[], Standard],
        settings: Settings,
        interval: float,
        run: Callable[..., dict[str, Any]] | None = None,
    ) -> None:
        self._engine = engine
        self._run = run if run is not None else run_once
        self._clock = clock
        self._standard = standard
        self._settings = settings
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="credit-yrd-joint", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._run(
                    self._engine(),
                    clock=self._clock(),
                    standard=self._standard(),
                    settings=self._settings,
                )
            except Exception:
                _log.exception("joint worker pass failed")
            self.passes += 1

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def background_worker(
    *,
    engine: Callable[[], Engine],
    clock: Callable[[], Clock],
    standard: Callable[[], Standard],
    settings: Settings,
    run: Callable[..., dict[str, Any]] | None = None,
) -> BackgroundWorker | None:
    """A started worker at ``settings.worker_interval_seconds``, or ``None`` when that is 0."""
    if settings.worker_interval_seconds <= 0:
        return None
    worker = BackgroundWorker(
        engine=engine,
        clock=clock,
        standard=standard,
        settings=settings,
        interval=settings.worker_interval_seconds,
        run=run,
    )
    worker.start()
    return worker
