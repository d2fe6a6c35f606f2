"""The one failure limiter of the dashboard (admin login and participant links)."""

from __future__ import annotations

from buurtwatt.ratelimit import FailureLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_refuses_after_the_limit_until_the_window_moves_on():
    clock = Clock()
    limiter = FailureLimiter(limit=3, window_s=60, clock=clock)
    for _ in range(3):
        assert limiter.allowed("1.2.3.4")
        limiter.failed("1.2.3.4")
        clock.now += 1
    assert not limiter.allowed("1.2.3.4")
    assert limiter.allowed("5.6.7.8")  # per key
    clock.now = 160.0  # the first failure (at 100) is out of the window
    assert limiter.allowed("1.2.3.4")
    clock.now = 163.0  # all three are: the key is forgotten
    assert limiter.allowed("1.2.3.4") and len(limiter) == 0


def test_memory_is_bounded_by_keys_and_by_failures_per_key():
    clock = Clock()
    limiter = FailureLimiter(limit=2, window_s=600, max_keys=100, clock=clock)
    for _ in range(50):
        limiter.failed("flooder")
    assert len(limiter._failures["flooder"]) == 2  # older failures cannot change the answer
    assert not limiter.allowed("flooder")
    for n in range(1000):
        limiter.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) == 100
    # the key that failed longest ago went first; the most recent ones are still refused
    assert limiter.allowed("flooder")
    limiter.failed("10.0.3.231")
    assert not limiter.allowed("10.0.3.231")
