"""One limit on failed attempts, for every door of the dashboard (admin and coach login,
participant links).

The interface is small on purpose: ``allowed(key)`` before an attempt, ``failed(key)`` after
one that failed, ``wait_s(key)`` for a Retry-After. Only failures count: a door that can tell
a right answer without risk (a 256-bit participant token) answers it even while the key is
refused; a door with a guessable secret (a password) does not look at it while refused.

Three rules, each with bounded memory:

- Per key, growing delays: the first ``free`` failures cost nothing; each failure after that
  doubles the wait before the key may try again (``base_s``, 2x, 4x, ...), up to ``cap_s``.
  A key is forgotten ``cap_s`` after its last failure.
- A block is kept apart from the failure counts. Evicting old failure counts (a flood of new
  addresses) therefore never lifts a block; when even the table of blocks is full, the block
  that ends soonest makes room and everyone waits until it would have ended, so a flood can
  only make things stricter.
- Globally: at most ``global_limit`` failures from all keys together in ``global_window_s``;
  beyond that every key is refused until the oldest of them ages out. Many addresses that
  each stay under their own limit are slowed down together.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Key:
    failures: int
    last: float


class FailureLimiter:
    """Refuses a key after ``free`` failures for a doubling wait; refuses all after ``global_limit``."""

    def __init__(
        self,
        free: int,
        base_s: float,
        cap_s: float,
        global_limit: int,
        global_window_s: float,
        max_keys: int = 10_000,
        max_blocked: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if free < 1 or global_limit < 1 or max_keys < 1 or max_blocked < 1:
            raise ValueError("free, global_limit, max_keys and max_blocked must be at least 1")
        if not 0 < base_s <= cap_s or global_window_s <= 0:
            raise ValueError("need 0 < base_s <= cap_s and global_window_s above 0")
        self.free, self.base_s, self.cap_s = free, base_s, cap_s
        self.global_limit, self.global_window_s = global_limit, global_window_s
        self.max_keys, self.max_blocked = max_keys, max_blocked
        self._clock = clock
        self._keys: OrderedDict[str, _Key] = OrderedDict()  # oldest last failure first
        self._blocked: dict[str, float] = {}  # key -> refused until
        self._ends: list[tuple[float, str]] = []  # heap of (until, key), to evict the soonest end
        self._recent: deque[float] = deque(maxlen=global_limit)  # the newest failures of all keys
        self._all_until = 0.0  # everyone refused until then (a full table of blocks)
        self._lock = threading.Lock()

    def wait_s(self, key: str) -> float:
        """Seconds before ``key`` may try again; 0 when it may try now."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            until = max(self._blocked.get(key, 0.0), self._all_until, self._global_until())
            return max(0.0, until - now)

    def allowed(self, key: str) -> bool:
        """May ``key`` try now?"""
        return self.wait_s(key) == 0.0

    def failed(self, key: str) -> None:
        """Count one failed attempt of ``key``."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            self._recent.append(now)
            entry = self._keys.pop(key, None) or _Key(0, now)
            entry.failures += 1
            entry.last = now
            self._keys[key] = entry  # at the end: the most recent failure
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)  # only a count goes; a block stays in _blocked
            over = entry.failures - self.free
            if over > 0:
                until = now + min(self.cap_s, self.base_s * 2 ** min(over - 1, 62))
                self._block(key, max(until, self._blocked.get(key, 0.0)))

    def _block(self, key: str, until: float) -> None:
        self._blocked[key] = until
        heapq.heappush(self._ends, (until, key))
        while len(self._blocked) > self.max_blocked:
            end, evicted = heapq.heappop(self._ends)
            if self._blocked.get(evicted) == end:
                del self._blocked[evicted]
                self._all_until = max(self._all_until, end)  # nobody gains from the eviction

    def _global_until(self) -> float:
        if len(self._recent) < self.global_limit:
            return 0.0
        return self._recent[0] + self.global_window_s

    def _expire(self, now: float) -> None:
        while self._ends and self._ends[0][0] <= now:
            end, key = heapq.heappop(self._ends)
            if self._blocked.get(key) == end:
                del self._blocked[key]
        if len(self._ends) > 4 * self.max_blocked:  # stale heap entries of renewed blocks
            self._ends = [(u, k) for k, u in self._blocked.items()]
            heapq.heapify(self._ends)
        while self._keys:
            oldest = next(iter(self._keys.values()))
            if oldest.last > now - self.cap_s:
                break
            self._keys.popitem(last=False)

    def __len__(self) -> int:
        """Keys remembered (failure counts and blocks): bounded by ``max_keys + max_blocked``."""
        with self._lock:
            return len(self._keys.keys() | self._blocked.keys())
