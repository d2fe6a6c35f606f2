"""One limit on failed attempts per client, for every door of the dashboard (admin login,
participant links).

The interface is small on purpose: ``allowed(key)`` before an attempt, ``failed(key)`` after
one that failed. Memory is bounded twice: each key keeps at most ``limit`` failure times (older
ones cannot change the answer), and at most ``max_keys`` keys are kept; beyond that the key
that failed longest ago is forgotten first, so a flood of addresses cannot grow the process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class FailureLimiter:
    """At most ``limit`` failures per key in any ``window_s`` seconds; then refused until they age out."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("limit and max_keys must be at least 1 and window_s above 0")
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allowed(self, key: str) -> bool:
        """May ``key`` try now?"""
        now = self._clock()
        with self._lock:
            times = self._failures.get(key)
            if times is None:
                return True
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if not times:
                del self._failures[key]
            return len(times) < self.limit

    def failed(self, key: str) -> None:
        """Count one failed attempt of ``key``."""
        now = self._clock()
        with self._lock:
            times = self._failures.pop(key, None)
            if times is None:
                times = deque(maxlen=self.limit)
            times.append(now)
            self._failures[key] = times  # at the end: the most recent failure
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def __len__(self) -> int:
        return len(self._failures)
