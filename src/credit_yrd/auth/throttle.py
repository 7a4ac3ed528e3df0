"""Slowing down password guessing: after too many failed logins for one username from one client,
further attempts are refused for a while, whatever the password.

The count lives in the process (one :class:`LoginThrottle` per app; the API's login route and the
portal's login page share it). It is a first line, not the only one: with several server
processes each keeps its own count, so a reverse proxy's rate limit belongs in front of a
production deployment (README, "Accounts"). Keys are the lower-cased username with the client
address, so a guesser elsewhere cannot lock the owner out of their own account.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from credit_yrd.errors import CreditYrdError

#: Failed attempts allowed inside the window before the key is locked.
MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
#: Keys remembered at most (the oldest are forgotten first), so memory stays bounded.
MAX_KEYS = 100_000


class LoginThrottledError(CreditYrdError):
    """Too many failed logins for this username from this client; try again later."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            f"too many failed logins; try again in {minutes} minute(s)",
        )


@dataclass
class _Entry:
    failures: list[dt.datetime] = field(default_factory=list)
    locked_until: dt.datetime | None = None


class LoginThrottle:
    """Counts failed logins per (username, client) and locks a key after :data:`MAX_FAILURES`."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window: dt.timedelta = WINDOW,
        lockout: dt.timedelta = LOCKOUT,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_keys = max_keys
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(username: str, client: str | None) -> str:
        return f"{username.strip().lower()[:64]}|{client or '-'}"

    def attempt(self, key: str, now: dt.datetime) -> None:
        """Count one login attempt before its password is checked; raise
        :class:`LoginThrottledError` while ``key`` is locked.

        The attempt counts as failed until :meth:`succeeded` clears it, so guesses sent in
        parallel are counted as they arrive, not after their (slow) verification: the attempt
        that reaches the limit locks the key for every later one.
        """
        with self._lock:
            entry = self._entries.pop(key, None) or _Entry()
            if entry.locked_until is not None and entry.locked_until > now:
                self._entries[key] = entry
                remaining = (entry.locked_until - now).total_seconds()
                raise LoginThrottledError(max(1, math.ceil(remaining)))
            entry.locked_until = None
            entry.failures = [t for t in entry.failures if now - t < self.window] + [now]
            if len(entry.failures) >= self.max_failures:
                entry.locked_until = now + self.lockout
                entry.failures = []
            self._entries[key] = entry
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)

    def succeeded(self, key: str) -> None:
        """The attempt's password was right: forget the key's failures."""
        with self._lock:
            self._entries.pop(key, None)


def throttle_of(app: Any) -> LoginThrottle:
    """The throttle an app keeps on ``app.state.login_throttle`` (made on first use)."""
    throttle = getattr(app.state, "login_throttle", None)
    if not isinstance(throttle, LoginThrottle):
        throttle = LoginThrottle()
        app.state.login_throttle = throttle
    return throttle
