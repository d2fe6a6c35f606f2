"""Exponential backoff with jitter, shared by every source and by the outbox sender."""

from __future__ import annotations

import random


class Backoff:
    """Delays that grow ``factor``-fold from ``initial`` up to ``maximum`` seconds."""

    def __init__(
        self, initial: float = 1.0, maximum: float = 60.0, factor: float = 2.0, jitter: float = 0.1
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self._next = initial

    def next(self) -> float:
        """The delay to wait now; the following call returns a longer one."""
        delay = self._next
        self._next = min(self.maximum, self._next * self.factor)
        # jitter spreads reconnects of many collectors after a shared outage
        return delay * (1 + random.uniform(-self.jitter, self.jitter))

    def reset(self) -> None:
        self._next = self.initial
