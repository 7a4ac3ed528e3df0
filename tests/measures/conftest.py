"""Fixtures of the joint-measures tests: departments in the four provinces, listed subjects, and
a real local webhook receiver.

List entries are written straight into ``list_entries`` and ``list_events`` here (the columns the
schema gives them), so that these tests stand on the contract and not on the lists package; the
end-to-end tests (``test_loop.py``) go through :mod:`credit_yrd.lists.lifecycle` instead.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import CHINA_TZ, FixedClock
from credit_yrd.settings import Settings
from credit_yrd.store.schema import list_entries, list_events
from credit_yrd.store.subjects import upsert_legal_subject
from tests.ingest.builders import make_uscc

TODAY = dt.date(2026, 11, 27)
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=CHINA_TZ)
CLOCK = FixedClock(T0)
PROVINCES = ("31", "32", "33", "34")


def settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "feedback_due_days": 20,
        "webhook_retry_hours": 72,
        "worker_interval_seconds": 0,
        # The receivers of these tests listen on 127.0.0.1.
        "webhook_allow_private_hosts": True,
    }
    values.update(changes)
    return Settings(**values)


def at(hours: float = 0, days: int = 0) -> FixedClock:
    """The clock moved forward from T0."""
    return FixedClock(T0 + dt.timedelta(hours=hours, days=days))


def department(conn: Connection, province: str, domain: str, label: str | None = None) -> Principal:
    """A department API key (made in the store) and the principal it authenticates as."""
    name = label or f"{province} {domain}"
    key_id, _ = create_key(
        conn, role=Role.DEPARTMENT, label=name, province=province, domain=domain, clock=CLOCK
    )
    return Principal(
        role=Role.DEPARTMENT, key_id=key_id, label=name, province=province, domain=domain
    )


def company(conn: Connection, n: int, name: str | None = None) -> int:
    return upsert_legal_subject(
        conn, make_uscc(500 + n, division="320500"), name or f"测试失信企业{n}有限公司", clock=CLOCK
    )


def add_entry(
    conn: Connection,
    subject_id: int,
    *,
    list_code: str = "judgment_defaulter",
    province: str = "32",
    listed_on: dt.date = TODAY,
    ends_on: dt.date | None = None,
    clock: FixedClock = CLOCK,
) -> int:
    """A listed entry with its ``listed`` event, as the lists package writes them."""
    entry_id = conn.execute(
        insert(list_entries)
        .values(
            list_code=list_code,
            subject_id=subject_id,
            subject_name=f"subject {subject_id}",
            status="listed",
            origin="platform",
            authority="苏州市中级人民法院",
            province=province,
            domain="court",
            decision_number=f"(2026)苏05执{subject_id}号",
            reason="有履行能力而拒不履行生效法律文书确定的义务",
            legal_basis="《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
            listed_on=listed_on,
            ends_on=ends_on,
            updated_at=clock.now(),
        )
        .returning(list_entries.c.id)
    ).scalar_one()
    conn.execute(
        insert(list_events).values(
            entry_id=entry_id, event="listed", at=clock.now(), actor="test", detail=None
        )
    )
    return int(entry_id)


def remove_entry(
    conn: Connection, entry_id: int, *, clock: FixedClock, event: str = "removed"
) -> None:
    conn.execute(
        update(list_entries)
        .where(list_entries.c.id == entry_id)
        .values(
            status="removed" if event == "removed" else "withdrawn",
            removed_on=clock.today(),
            removal_reason="performance" if event == "removed" else None,
            updated_at=clock.now(),
        )
    )
    conn.execute(
        insert(list_events).values(
            entry_id=entry_id, event=event, at=clock.now(), actor="test", detail=None
        )
    )


# -- a real webhook receiver ----------------------------------------------------------------


@dataclass
class Received:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def delivery_id(self) -> str:
        return self.headers["X-Credit-YRD-Delivery"]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that answers ``status`` (500 to fail) and keeps every
    request; :meth:`stop` closes the port (connections are refused), :meth:`start` reopens it
    on the same port."""

    status: int = 200
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/credit-yrd"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status = receiver.status
                receiver.received.append(Received(status, dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def delivered(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    try:
        yield found
    finally:
        found.stop()
