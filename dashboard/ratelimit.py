"""Failed-attempt limits for the admin login and participant links (per client address)."""

from __future__ import annotations

import threading
import time
from collections import deque


class FailureLimit:
    """Allows ``limit`` failures per ``window`` seconds per key; then refuses until they age out."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def fail(self, key: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # bounded memory under a flood of addresses
                self._failures.clear()
            self._recent(key, time.monotonic()).append(time.monotonic())

    def retry_after(self, key: str) -> int:
        with self._lock:
            q = self._recent(key, time.monotonic())
            return 0 if len(q) < self.limit else int(self.window - (time.monotonic() - q[0])) + 1
