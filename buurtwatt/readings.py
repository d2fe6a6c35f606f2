"""A reading: one value of one series at one moment, as sources produce it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reading:
    """One measured value.

    ``ts`` is Unix time in seconds (UTC). ``unit`` is the unit the device
    reported when it differs from the vocabulary; the core converts it.
    ``meter`` is the serial of the physical meter behind a counter: when it
    changes, the counter restarted and the store must not see a step.
    """

    device: str
    quantity: str
    ts: float
    value: float
    meter: str | None = None
    unit: str | None = None

    @property
    def series(self) -> str:
        return f"{self.device}:{self.quantity}"
