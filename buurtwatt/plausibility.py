"""Physics a reading must obey before it becomes stored energy. Pure: no I/O, no clocks.

The collector's gate keeps one :class:`CounterTrack` per counter
series and one :class:`MeterClock` per device, and asks :func:`limits_for` once per series.

Counters, in the counter's own unit:

- a step up larger than the limit per second times the time since the level last changed (plus
  one minute of grace for counters that step in coarse units) is a *spike*;
- a step down is a *glitch*;
- either is held, not stored. A later reading that continues the old level discards what was
  held (counted with its reason). When ``reset_after`` held readings in a row agree with each
  other, the counter was reset or the meter swapped: the held readings are released, the first
  one marked as a restart (the store takes no step there), so no bad read freezes a series;
- a register that rolls over at ``wrap`` is unwrapped: the level keeps growing.
"""

from __future__ import annotations

from typing import NamedTuple

from buurtwatt.vocabulary import Quantity

# Return codes of CounterTrack.feed
ACCEPT = 0  # store ``track.value``
HOLD = 1  # store nothing yet
RESET = 2  # store ``track.released``; the first one restarts the counter

GLITCH = "counter_glitch"
SPIKE = "counter_spike"

# Counters that step in coarse units (0.1 kWh, 1 m3) change rarely; the grace keeps one such
# step from looking like a spike right after a restart or a quiet spell.
GRACE_S = 60.0


class Limits(NamedTuple):
    """The plausibility rule of one series, in the vocabulary's unit."""

    low: float | None
    high: float | None
    max_per_s: float | None  # counters: largest increase per second


def limits_for(q: Quantity, max_power_w: float | None = None, max_flow_m3_h: float | None = None) -> Limits:
    """The rule for ``q``; a device's own maximum replaces the vocabulary's default."""
    low, high, per_hour = q.low, q.high, q.max_per_hour
    if max_power_w is not None:
        if q.unit == "W" and high is not None and high > 0:
            high = max_power_w
            if low is not None and low < 0:
                low = -max_power_w
        elif q.unit == "kWh":
            per_hour = max_power_w / 1000
    if max_flow_m3_h is not None and q.unit == "m3":
        per_hour = max_flow_m3_h
    return Limits(low, high, per_hour / 3600 if per_hour is not None else None)


def out_of_range(value: float, limits: Limits) -> bool:
    """True when ``value`` is outside the physical range (NaN included)."""
    low, high = limits.low, limits.high
    if value != value:  # NaN compares false with everything
        return True
    return (low is not None and value < low) or (high is not None and value > high)


class Held(NamedTuple):
    ts: float
    value: float  # unwrapped
    raw: float  # as read, for unwrapping what follows
    reason: str


class CounterTrack:
    """What the gate remembers of one counter series; see the module docstring."""

    __slots__ = (
        "max_per_s",
        "reset_after",
        "wrap",
        "level",
        "ts",
        "since",
        "last_raw",
        "offset",
        "held",
        "released",
        "discarded",
        "value",
    )

    def __init__(self, max_per_s: float | None, reset_after: int = 3, wrap: float | None = None) -> None:
        if reset_after < 1:
            raise ValueError("reset_after must be at least 1")
        self.max_per_s = max_per_s
        self.reset_after = reset_after
        self.wrap = wrap
        self.level: float | None = None  # last accepted value, unwrapped
        self.ts = 0.0  # time of the last accepted reading
        self.since = 0.0  # time the level last went up
        self.last_raw: float | None = None
        self.offset = 0.0  # whole wraps added to raw register values
        self.held: list[Held] = []
        self.released: list[tuple[float, float]] = []  # (ts, value) after a RESET
        self.discarded: list[str] = []  # reasons of held readings dropped by the last feed
        self.value = 0.0  # the value to store after ACCEPT

    def seed(self, ts: float, value: float) -> None:
        """Start from the store's last value, so a collector restart makes no step."""
        self.level, self.ts, self.since = value, ts, ts

    def forget(self) -> None:
        """A new meter behind the series (its serial changed): start again from its next reading."""
        self.discarded.extend(h.reason for h in self.held)
        self.held.clear()
        self.level, self.last_raw, self.offset = None, None, 0.0

    def _unwrap(self, raw: float) -> float:
        wrap = self.wrap
        if not wrap:
            return raw
        last = self.last_raw
        if last is None:
            if self.level is not None and self.level - raw > wrap / 2:
                # seeded from the store after a restart: as many wraps as the stored level holds
                self.offset = wrap * round((self.level - raw) / wrap)
            return raw + self.offset
        if raw < last - wrap / 2:  # rolled over past the top of the register
            return raw + self.offset + wrap
        return raw + self.offset

    def _fits(self, from_ts: float, from_value: float, ts: float, value: float) -> bool:
        step = value - from_value
        if step < 0:
            return False
        limit = self.max_per_s
        return limit is None or step <= limit * (ts - from_ts + GRACE_S)

    def feed(self, ts: float, raw: float) -> int:
        """Judge one reading; returns ACCEPT, HOLD or RESET (see the module constants)."""
        value = self._unwrap(raw)
        level = self.level
        if level is None:  # the first reading ever: nothing to compare with
            self._accept(ts, value, raw)
            return ACCEPT
        if ts <= self.ts:  # not newer: the store ignores it, the track must not move
            self.value = value
            return ACCEPT
        if self._fits(self.since, level, ts, value):
            if self.held:
                self.discarded.extend(h.reason for h in self.held)
                self.held.clear()
            self._accept(ts, value, raw)
            return ACCEPT
        reason = GLITCH if value < level else SPIKE
        held = self.held
        if held and not self._fits(held[-1].ts, held[-1].value, ts, value):
            self.discarded.extend(h.reason for h in held)
            held.clear()
        held.append(Held(ts, value, raw, reason))
        if len(held) < self.reset_after:
            return HOLD
        # the new level stayed: a reset or a meter swap
        self.released = [(h.ts, h.value) for h in held]
        self.level, self.ts, self.since, self.last_raw = value, ts, ts, raw
        self.offset = value - raw  # the wraps the released readings were unwrapped with
        held.clear()
        return RESET

    def _accept(self, ts: float, value: float, raw: float) -> None:
        if self.wrap and self.last_raw is not None and raw < self.last_raw - self.wrap / 2:
            self.offset += self.wrap
        if self.level is None or value > self.level:
            self.since = ts
        self.level, self.ts, self.last_raw, self.value = value, ts, raw, value


class MeterClock:
    """Chooses a reading's time when the device has its own clock.

    Within ``max_skew_s`` of the receive time the device's time is kept. Further off, the
    receive time is used; the offset found then is kept while it holds, so readings that
    arrive in a burst keep their spacing. A meter clock ahead can then never block the
    readings after it (the store ignores readings not newer than its newest). The times given
    out never go back: when the meter's time is within the skew again but behind a time already
    given out, the gap closes at half the meter's pace.
    """

    __slots__ = ("max_skew_s", "offset", "repeated", "_ts", "_received", "_result", "_last")

    def __init__(self, max_skew_s: float) -> None:
        self.max_skew_s = max_skew_s
        self.offset: float | None = None
        # the readings of one telegram share ts and received: judged once, counted once
        self.repeated = False
        self._ts = self._received = float("nan")
        self._result: float | None = None
        self._last = float("-inf")  # the last time this clock gave out

    def time(self, ts: float, received: float) -> float | None:
        """The time to store, or None when ``ts`` is within the skew (keep it).

        ``repeated`` tells whether this (ts, received) was judged by the previous call.
        """
        if ts == self._ts and received == self._received:
            self.repeated = True
            return self._result
        self.repeated = False
        self._result = result = self._judge(ts, received)
        self._ts, self._received = ts, received
        out = ts if result is None else result
        if out > self._last:
            self._last = out
        return result

    def _judge(self, ts: float, received: float) -> float | None:
        skew = received - ts
        limit = self.max_skew_s
        if -limit <= skew <= limit:
            if self.offset is None or ts > self._last:
                self.offset = None
                return None
            # back within the skew, but behind a time already given out: close the gap at half
            # the meter's pace, so no reading lands before an earlier one and none pile up
            step = max(ts - self._ts, 0.002) / 2 if self._ts == self._ts else 0.5
            out = self._last + step
            self.offset = out - ts
            return out
        if self.offset is None or abs(skew - self.offset) > limit:
            # a new offset; never earlier than what was given out (the store ignores older)
            self.offset = max(skew, self._last + 0.001 - ts)
        return ts + self.offset
