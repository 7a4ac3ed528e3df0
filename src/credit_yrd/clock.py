"""Time is a parameter: code that needs "now" or "today" takes a clock.

Tests stand on any date with :class:`FixedClock`; production code uses :data:`SYSTEM_CLOCK`.
Dates are those of China Standard Time (UTC+8), in which every rule of the platform is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
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


class FileClock:
    """A clock whose time is written in a file: an ISO date (``2026-12-01``) or date and time
    (``2026-12-01T09:30:00+08:00``). A demo or an acceptance test moves the platform's time by
    rewriting the file (setting ``CREDIT_YRD_CLOCK_FILE``); the time then stands still until the
    file changes. A missing or empty file means the system clock. A file that holds anything else
    is an error that says so, never a silent fallback.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[float, int] | None = None
        self._at: dt.datetime | None = None

    def _read(self) -> dt.datetime | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        key = (stat.st_mtime, stat.st_size)
        if key != self._seen:
            text = self.path.read_text(encoding="utf-8").strip()
            self._at = parse_instant(text, str(self.path)) if text else None
            self._seen = key
        return self._at

    def now(self) -> dt.datetime:
        at = self._read()
        return at if at is not None else SYSTEM_CLOCK.now()

    def today(self) -> dt.date:
        return self.now().date()


def parse_instant(text: str, where: str) -> dt.datetime:
    """``2026-12-01`` (noon, China time) or an ISO date and time; ValueError naming ``where``."""
    try:
        if len(text) == 10:
            return FixedClock(dt.date.fromisoformat(text)).now()
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{where}：“{text[:40]}”不是日期或日期时间（如 2026-12-01 或 2026-12-01T09:30:00+08:00）"
            f" ({where}: {text[:40]!r} is not an ISO date or date-time)"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)


def clock_from(path: Path | None) -> Clock:
    """The clock the settings ask for: a :class:`FileClock` on ``path``, or the system clock."""
    return FileClock(path) if path is not None else SYSTEM_CLOCK
