"""A reading: one value of one series at one moment, as sources produce it."""

from __future__ import annotations

from dataclasses import dataclass

from buurtwatt.series import Series


@dataclass(frozen=True, slots=True)
class Reading:
    """One value as the device said it. The gate (the pipeline every reading passes) alone
    converts units, checks plausibility and counts; sources only read.

    - ``ts`` is Unix time in seconds (UTC): the device's own clock when it has one.
    - ``unit`` is the unit the device reported (``None``: already the vocabulary's unit).
    - ``meter`` is the serial of the physical meter behind a counter: when it changes, the
      counter restarted and the store must not see a step.
    - ``received`` is when the collector received the value, set by sources whose ``ts`` comes
      from the device's clock; the gate uses it to catch a meter clock that is off.
    - ``wrap`` is the value (in ``unit``) at which the device's counter register rolls over to
      zero (a 32-bit accumulator), so the gate can unwrap it.
    - ``restart`` is set by the gate only: the counter restarted here (a reset or a meter swap),
      so the store takes no step.
    """

    device: str
    quantity: str
    ts: float
    value: float
    meter: str | None = None
    unit: str | None = None
    received: float | None = None
    wrap: float | None = None
    restart: bool = False

    @property
    def series(self) -> Series:
        return Series(self.device, self.quantity)
