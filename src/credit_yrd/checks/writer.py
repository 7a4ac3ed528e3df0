"""Group commit of check logs: concurrent checks share one transaction.

Every check is logged before it is answered (the log is the evidence that the measures were
considered), so a check's answer waits for its log row to be committed. Committing each one on its
own makes every request take the store's write lock in turn: on SQLite one writer at a time, and
under load the requests queue behind each other's commits. :class:`CheckLogWriter` is one thread
that takes every log waiting, writes them with :func:`credit_yrd.checks.log.record_check` in one
transaction, commits once and hands each caller its check id. A caller still gets its answer only
after its row is committed; if the transaction fails, every caller of that batch gets the error
(and answers 503), and nothing of the batch is half-written.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from credit_yrd.auth.principal import Principal
from credit_yrd.checks.engine import SubjectResult
from credit_yrd.checks.log import record_check
from credit_yrd.clock import Clock
from credit_yrd.store.engine import transaction

_log = logging.getLogger(__name__)

#: The most check logs written in one transaction.
MAX_BATCH = 500
#: How long a caller waits for its log before giving up (seconds).
WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class _Pending:
    principal: Principal
    scenario: str
    results: Sequence[SubjectResult]
    clock: Clock
    done: Future[int]


class CheckLogWriter:
    """One writer thread per store: :meth:`submit` blocks until the check's log is committed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(
        self,
        principal: Principal,
        scenario: str,
        results: Sequence[SubjectResult],
        *,
        clock: Clock,
    ) -> int:
        """Log one check (with the others waiting) and return its id once committed."""
        return self.enqueue(principal, scenario, results, clock=clock).result(timeout=WAIT_SECONDS)

    def enqueue(
        self,
        principal: Principal,
        scenario: str,
        results: Sequence[SubjectResult],
        *,
        clock: Clock,
    ) -> Future[int]:
        """Queue one check's log; the future gives its id once committed (or the error)."""
        self._ensure_running()
        done: Future[int] = Future()
        self._queue.put(_Pending(principal, scenario, results, clock, done))
        return done

    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="credit-yrd-check-log", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with transaction(self.engine) as conn:
                ids = [
                    record_check(
                        conn,
                        clock=item.clock,
                        principal=item.principal,
                        scenario=item.scenario,
                        results=item.results,
                    )
                    for item in batch
                ]
        except BaseException as exc:  # every caller of the batch hears of it
            _log.error("check log batch of %d failed: %s", len(batch), exc)
            for item in batch:
                item.done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for item, check_id in zip(batch, ids, strict=True):
            item.done.set_result(check_id)
