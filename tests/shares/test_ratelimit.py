"""The one failure limiter of the dashboard (admin and coach login, participant links)."""

from __future__ import annotations

from buurtwatt.ratelimit import FailureLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **kw: int) -> FailureLimiter:
    options = {"free": 3, "base_s": 10, "cap_s": 80, "global_limit": 1000, "global_window_s": 60, **kw}
    return FailureLimiter(clock=clock, **options)  # type: ignore[arg-type]


def test_each_failure_after_the_free_ones_doubles_the_wait_up_to_the_cap():
    clock = Clock()
    limit = limiter(clock)
    for _ in range(3):
        assert limit.allowed("1.2.3.4")
        limit.failed("1.2.3.4")
    assert limit.allowed("1.2.3.4") and limit.allowed("5.6.7.8")
    waits = []
    for _ in range(6):
        limit.failed("1.2.3.4")
        waits.append(limit.wait_s("1.2.3.4"))
    assert waits == [10, 20, 40, 80, 80, 80]
    assert limit.allowed("5.6.7.8")  # per key
    clock.now += 80
    assert limit.allowed("1.2.3.4")
    clock.now += 80  # a cap after the last failure the key is forgotten: free tries again
    limit.failed("1.2.3.4")
    assert limit.allowed("1.2.3.4")


def test_a_flood_of_keys_never_lifts_a_block_and_memory_stays_bounded():
    clock = Clock()
    limit = limiter(clock, max_keys=100, max_blocked=10, global_limit=10**9)
    for _ in range(5):
        limit.failed("victim")
    assert not limit.allowed("victim")
    for n in range(10_005):
        limit.failed(f"10.0.{n // 256}.{n % 256}")
    assert not limit.allowed("victim"), "evicting failure counts lifted a block"
    assert len(limit) <= 110
    # more blocked keys than there is room for: the evicted block holds for everyone instead
    for n in range(20):
        for _ in range(5):
            limit.failed(f"blocked-{n}")
    assert len(limit._blocked) <= 10
    assert not limit.allowed("victim") and not limit.allowed("anyone-new")
    clock.now += 80
    assert limit.allowed("anyone-new")


def test_the_global_limit_slows_many_keys_that_each_stay_under_their_own():
    clock = Clock()
    limit = limiter(clock, global_limit=50, global_window_s=60)
    for n in range(25):
        limit.failed(f"a{n}")
        limit.failed(f"a{n}")
    assert not limit.allowed("fresh")
    assert 0 < limit.wait_s("fresh") <= 60
    clock.now += 61
    assert limit.allowed("fresh")
