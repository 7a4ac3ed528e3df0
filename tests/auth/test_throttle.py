"""Password guessing is slowed down: the attempt that reaches the limit in a window locks the
username for that client for a while; a success clears the count; other clients are not locked
out; guesses sent in parallel are counted as they arrive."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from credit_yrd.auth.throttle import LoginThrottle, LoginThrottledError

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_locks_after_max_failures_and_unlocks_after_lockout() -> None:
    throttle = LoginThrottle(max_failures=3, window=dt.timedelta(minutes=10))
    key = LoginThrottle.key("Alice", "10.0.0.1")
    for i in range(3):
        throttle.attempt(key, T0 + dt.timedelta(seconds=i))
    with pytest.raises(LoginThrottledError) as caught:
        throttle.attempt(key, T0 + dt.timedelta(minutes=1))
    assert 0 < caught.value.retry_after <= 15 * 60
    assert "分钟" in caught.value.message("zh") and "minute" in caught.value.message("en")
    throttle.attempt(key, T0 + dt.timedelta(minutes=16))  # the lockout has passed


def test_failures_outside_the_window_do_not_count() -> None:
    throttle = LoginThrottle(max_failures=3, window=dt.timedelta(minutes=10))
    key = LoginThrottle.key("bob", "10.0.0.1")
    for minutes in (0, 11, 22, 33, 44):
        throttle.attempt(key, T0 + dt.timedelta(minutes=minutes))


def test_success_clears_the_count_and_other_clients_are_not_locked() -> None:
    throttle = LoginThrottle(max_failures=2)
    mine = LoginThrottle.key("carol", "10.0.0.1")
    throttle.attempt(mine, T0)
    throttle.succeeded(mine)
    throttle.attempt(mine, T0)
    throttle.attempt(mine, T0)
    with pytest.raises(LoginThrottledError):
        throttle.attempt(mine, T0)
    throttle.attempt(LoginThrottle.key("carol", "10.9.9.9"), T0)
    assert LoginThrottle.key(" CAROL ", "10.0.0.1") == mine


def test_parallel_guesses_are_counted_as_they_arrive() -> None:
    throttle = LoginThrottle(max_failures=5)
    key = LoginThrottle.key("dave", "10.0.0.1")
    allowed: list[int] = []
    barrier = threading.Barrier(40)

    def guess(i: int) -> None:
        barrier.wait()
        try:
            throttle.attempt(key, T0)
            allowed.append(i)
        except LoginThrottledError:
            pass

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 5


def test_memory_stays_bounded() -> None:
    throttle = LoginThrottle(max_keys=10)
    for i in range(100):
        throttle.attempt(LoginThrottle.key(f"user{i}", None), T0)
    assert len(throttle._entries) == 10
