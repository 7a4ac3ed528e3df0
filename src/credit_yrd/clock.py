"""Time is a parameter: code that needs "now" or "today" takes a clock.

Tests stand on any date with :class:`FixedClock`; production code uses :data:`SYSTEM_CLOCK`.
Dates are those of China Standard Time (UTC+8), in which every rule of the platform is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), name="CST")


class Clock(Protocol):
    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(CHINA_TZ)

    def today(self) -> dt.date:
        return self.now().date()


class FixedClock:
    """A clock that always answers the same instant (for tests and replays)."""

    def __init__(self, at: dt.datetime | dt.date) -> None:
        if isinstance(at, dt.datetime):
            self._at = at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)
        else:
            self._at = dt.datetime.combine(at, dt.time(12, 0), tzinfo=CHINA_TZ)

    def now(self) -> dt.datetime:
        return self._at

    def today(self) -> dt.date:
        return self._at.date()


SYSTEM_CLOCK: Clock = SystemClock()
