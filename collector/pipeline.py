"""The one path every reading takes: the gate (units, validity, physics, counting), then the store.

Sources call the function from :meth:`Pipeline.emitter` from their own threads with what the
device said. The :class:`Gate` alone converts units, refuses what cannot be true (unknown
quantity, not a number, outside the physical range, a counter glitch or spike) and counts, per
device, what it passes on and what it refuses with the reason. Rules live in
``buurtwatt/plausibility.py``; ranges in the vocabulary.

A single writer thread commits whatever has arrived as soon as it can (at least once per
``commit_interval``), so a telegram is readable within a fraction of a second and a crash loses
at most what arrived since the last commit. When the store fails (disk full, I/O error,
read-only, locked) the readings stay in a bounded memory spool and the writer retries with
backoff; once the store takes them again, each is written exactly once.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from buurtwatt.backoff import Backoff
from buurtwatt.plausibility import ACCEPT, HOLD, CounterTrack, Limits, MeterClock, limits_for
from buurtwatt.readings import Reading
from buurtwatt.series import Series
from buurtwatt.store.base import Store
from buurtwatt.units import UnitError, conversion
from buurtwatt.vocabulary import QUANTITIES, Quantity
from collector.health import DeviceHealth, State

log = logging.getLogger(__name__)
isfinite = math.isfinite

# A series whose last readings were all refused makes its device ``degraded`` after this many.
DEGRADED_AFTER = 5
# Readings per store transaction when working off the spool after an outage.
CHUNK = 20_000
DEFAULT_SPOOL = 200_000
DEFAULT_SKEW_S = 30.0
DEFAULT_RESET_AFTER = 3


class DeviceLimits:
    """A device's own limits from its config (``max_power_w``, ``max_flow_m3_h``, and
    ``max_clock_skew_s`` for device types that have it); None: the default."""

    __slots__ = ("max_power_w", "max_flow_m3_h", "max_clock_skew_s")

    def __init__(
        self,
        max_power_w: float | None = None,
        max_flow_m3_h: float | None = None,
        max_clock_skew_s: float | None = None,
    ) -> None:
        self.max_power_w = max_power_w
        self.max_flow_m3_h = max_flow_m3_h
        self.max_clock_skew_s = max_clock_skew_s

    @classmethod
    def of(cls, device_config: Any) -> DeviceLimits:
        return cls(
            getattr(device_config, "max_power_w", None),
            getattr(device_config, "max_flow_m3_h", None),
            getattr(device_config, "max_clock_skew_s", None),
        )


class _SeriesGate:
    """Everything the gate needs for one series, worked out once, on its first reading."""

    __slots__ = (
        "series",
        "spec",
        "health",
        "limits",
        "skew",
        "unit",
        "scale",
        "offset",
        "track",
        "meter",
        "refused",
    )

    def __init__(
        self, series: Series, spec: Quantity | None, health: DeviceHealth, limits: Limits | None
    ) -> None:
        self.series = series
        self.spec = spec
        self.health = health
        self.limits = limits
        self.skew = 0.0  # max_clock_skew_s for this device
        self.unit: str | None = None
        self.scale, self.offset = 1.0, 0.0
        self.track: CounterTrack | None = None
        self.meter: str | None = None  # serial of the meter behind a counter, when the source knows it
        self.refused = 0  # refusals in a row; DEGRADED_AFTER of them make the device degraded


class Gate:
    """Validates and counts; thread-safe (sources call it from their own threads)."""

    def __init__(
        self,
        store: Store | None = None,
        max_clock_skew_s: float = DEFAULT_SKEW_S,
        counter_reset_after: int = DEFAULT_RESET_AFTER,
    ) -> None:
        # only read, to seed counters with their last stored value; the InfluxDB store keeps
        # those in its local SQLite copy, which answers without the network (never a stall here)
        self.store = getattr(store, "local", None) or store
        self.max_clock_skew_s = max_clock_skew_s
        self.reset_after = counter_reset_after
        self._series: dict[tuple[str, str], _SeriesGate] = {}
        self._clocks: dict[str, MeterClock] = {}
        self._lock = threading.Lock()

    def admit(
        self, readings: Sequence[Reading], health: DeviceHealth, limits: DeviceLimits | None = None
    ) -> list[Reading]:
        """The readings to store, in vocabulary units; everything else is counted as refused.

        ``health`` is the source's; a reading of another device (P1's gas meter, an MQTT plug)
        is counted in the child of that name.
        """
        out: list[Reading] = []
        counted: dict[int, list] = {}  # id(health) -> [health, readings, newest ts]
        with self._lock:
            series = self._series
            for r in readings:
                g = series.get((r.device, r.quantity))
                if g is None:
                    g = series[(r.device, r.quantity)] = self._new_series(r, health, limits)
                if g.spec is None:
                    g.health.drop("unknown_quantity", detail=r.quantity)
                    continue
                n = len(out)
                self._check(g, r, out)
                if len(out) > n:
                    c = counted.get(id(g.health))
                    if c is None:
                        counted[id(g.health)] = [g.health, len(out) - n, out[-1].ts]
                    else:
                        c[1] += len(out) - n
                        if out[-1].ts > c[2]:
                            c[2] = out[-1].ts
        for h, n, newest in counted.values():
            h.count_readings(n, newest)
        return out

    def _new_series(self, r: Reading, health: DeviceHealth, limits: DeviceLimits | None) -> _SeriesGate:
        device_health = health if r.device == health.name else health.child(r.device, health.type)
        spec = QUANTITIES.get(r.quantity)
        s = Series(r.device, r.quantity)
        if spec is None:
            return _SeriesGate(s, None, device_health, None)
        lim = limits or DeviceLimits()
        g = _SeriesGate(s, spec, device_health, limits_for(spec, lim.max_power_w, lim.max_flow_m3_h))
        g.skew = lim.max_clock_skew_s or self.max_clock_skew_s
        if spec.is_counter:
            g.track = CounterTrack(g.limits.max_per_s, self.reset_after)
            self._seed(g)
        return g

    def _seed(self, g: _SeriesGate) -> None:
        """The store's last value, so the first reading after a restart makes no step."""
        if self.store is None:
            return
        name = str(g.series)
        try:
            row = self.store.latest([name]).get(name)
        except Exception as exc:  # an unreadable store: start without a seed, never stop a source
            log.warning("cannot read the last value of %s from the store: %s", name, exc)
            return
        if row is not None and row.value is not None and g.track is not None:
            g.track.seed(row.ts, row.value)

    def _refuse(self, g: _SeriesGate, reason: str, detail: str) -> None:
        g.health.drop(reason, detail=detail)
        self._refused(g, reason)

    def _refused(self, g: _SeriesGate, reason: str) -> None:
        g.refused += 1
        if g.refused == DEGRADED_AFTER:
            g.health.set_refusing(str(g.series), reason)

    def _check(self, g: _SeriesGate, r: Reading, out: list[Reading]) -> None:
        value = r.value
        if value.__class__ is not float:
            if not isinstance(value, int | float) or isinstance(value, bool):
                self._refuse(g, "not_a_number", f"{g.series}={value!r}")
                return
            value = float(value)
        if r.unit != g.unit:
            try:
                g.scale, g.offset = conversion(r.unit, g.spec.unit)  # type: ignore[union-attr]
            except UnitError as exc:
                self._refuse(g, "bad_unit", f"{g.series}: {exc}")
                return
            g.unit = r.unit
            if g.track is not None and r.wrap is not None:
                g.track.wrap = r.wrap * g.scale
        if g.scale != 1.0 or g.offset != 0.0:
            value = value * g.scale + g.offset
        if not isfinite(value):
            self._refuse(g, "not_a_number", f"{g.series}={r.value!r}")
            return
        limits = g.limits
        if (limits.low is not None and value < limits.low) or (  # type: ignore[union-attr]
            limits.high is not None and value > limits.high  # type: ignore[union-attr]
        ):
            self._refuse(g, "out_of_range", f"{g.series}={value:g} {g.spec.unit}")  # type: ignore[union-attr]
            return
        ts = r.ts
        if r.received is not None:
            clock = self._clocks.get(r.device)
            if clock is None:
                clock = self._clocks[r.device] = MeterClock(g.skew)
            before = clock.offset
            fixed = clock.time(ts, r.received)
            if fixed is not None:
                ts = fixed
                if not clock.repeated:
                    self._clock_off(g, clock, before)
        track = g.track
        if track is not None:
            if track.wrap is None and r.wrap is not None:
                track.wrap = r.wrap * g.scale
            if r.meter is not None and r.meter != g.meter:
                if g.meter is not None:  # a new meter: the store restarts the counter on the serial
                    log.warning("%s: meter %s replaced by %s", g.series, g.meter, r.meter)
                    g.health.count_event("meter_swap")
                    track.forget()
                g.meter = r.meter
            verdict = track.feed(ts, value)
            if track.discarded:
                for reason in track.discarded:
                    g.health.drop(reason, detail=str(g.series))
                track.discarded.clear()
            if verdict == HOLD:
                self._refused(g, track.held[-1].reason)
                return
            if verdict != ACCEPT:  # RESET: what was held is the new level
                self._reset(g, r, track, out)
                return
            value = track.value
        if g.refused:
            if g.refused >= DEGRADED_AFTER:
                g.health.set_refusing(str(g.series), None)
            g.refused = 0
        if ts == r.ts and value == r.value and g.scale == 1.0 and g.offset == 0.0:
            out.append(r)  # the common case: nothing to change, nothing to allocate
        else:
            out.append(Reading(r.device, r.quantity, ts, value, r.meter))

    def _clock_off(self, g: _SeriesGate, clock: MeterClock, before: float | None) -> None:
        g.health.count_event("clock_off")  # once per telegram, not per reading
        if clock.offset != before:
            log.warning(
                "%s: the device clock is %.0f s off the receive time (more than "
                "max_clock_skew_s = %g); using the receive time",
                g.series.device,
                -(clock.offset or 0.0),
                clock.max_skew_s,
            )

    def _reset(self, g: _SeriesGate, r: Reading, track: CounterTrack, out: list[Reading]) -> None:
        released = track.released
        first_ts, first_value = released[0]
        log.warning(
            "%s restarted at %g (held %d readings in a row below or far above the old level): "
            "a counter reset or a meter swap; stored without a step",
            g.series,
            first_value,
            len(released),
        )
        g.health.count_event("counter_reset")
        out.append(Reading(r.device, r.quantity, first_ts, first_value, r.meter, restart=True))
        out.extend(Reading(r.device, r.quantity, ts, v, r.meter) for ts, v in released[1:])
        track.released = []
        if g.refused >= DEGRADED_AFTER:
            g.health.set_refusing(str(g.series), None)
        g.refused = 0


class Pipeline:
    def __init__(
        self,
        store: Store,
        commit_interval: float = 0.5,
        *,
        max_clock_skew_s: float = DEFAULT_SKEW_S,
        counter_reset_after: int = DEFAULT_RESET_AFTER,
        spool_max_readings: int = DEFAULT_SPOOL,
    ) -> None:
        self.store = store
        self.commit_interval = commit_interval
        self.gate = Gate(store, max_clock_skew_s, counter_reset_after)
        self.health = DeviceHealth(name="store", type=getattr(store, "kind", "store"))
        self.spool_max = spool_max_readings
        self._spool: deque[Reading] = deque()
        self._queue: queue.SimpleQueue[list[Reading] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._abandon = threading.Event()
        self.committed = 0
        self.last_commit: float | None = None
        # what the store said about what it got: accepted + duplicates + rejected == committed
        self.store_counts = {"accepted": 0, "duplicates": 0, "rejected": 0}
        self._watchers: list[Callable[[Sequence[Reading]], None]] = []

    def watch(self, callback: Callable[[Sequence[Reading]], None]) -> None:
        """Call ``callback`` with every committed batch (in the writer thread: keep it quick)."""
        self._watchers.append(callback)

    # --- called by sources -------------------------------------------------------------
    def emitter(self, health: DeviceHealth, device_config: Any = None) -> Callable[[Sequence[Reading]], None]:
        """The ``emit`` function for one source: the gate, then the writer's queue."""
        limits = DeviceLimits.of(device_config)
        admit, put = self.gate.admit, self._queue.put

        def emit(readings: Sequence[Reading]) -> None:
            good = admit(readings, health, limits)
            if good:
                put(good)

        return emit

    @property
    def spooled(self) -> int:
        return len(self._spool)

    # --- the writer ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def _take(self, timeout: float) -> bool:
        """Move what is queued into the spool (waiting up to ``timeout``); True once told to stop."""
        stopping = False
        try:
            item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return False
        spool = self._spool
        while True:
            if item is None:
                stopping = True
            else:
                spool.extend(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
        excess = len(spool) - self.spool_max
        if excess > 0:
            # memory is bounded: the oldest go first, counted, so the newest data survives
            for _ in range(excess):
                spool.popleft()
            self.health.drop("spool_full", excess, detail=f"the memory spool holds at most {self.spool_max}")
        return stopping

    def _run(self) -> None:
        backoff = Backoff(initial=0.5, maximum=10.0)
        stopping = False
        retry_at = 0.0
        while not self._abandon.is_set():
            wait = self.commit_interval if not self._spool else max(0.0, retry_at - time.monotonic())
            if self._take(wait):
                stopping = True
            if self._spool and time.monotonic() >= retry_at:
                if self._write_spool():
                    backoff.reset()
                else:
                    retry_at = time.monotonic() + backoff.next()
            if stopping and not self._spool:
                break

    def _write_spool(self) -> bool:
        """Write the spool in chunks; False (and the rest kept) when the store fails."""
        spool = self._spool
        while spool:
            batch = list(islice(spool, 0, CHUNK))
            try:
                result = self.store.write(batch)
            except Exception as exc:  # the store's own problem (disk full, locked): keep, retry later
                self.health.set_state(State.DEGRADED, f"cannot write to the store: {exc}")
                return False
            for _ in range(len(batch)):
                spool.popleft()
            self._written(batch, result)
        return True

    def _written(self, batch: list[Reading], result: Any) -> None:
        self.committed += len(batch)
        self.last_commit = time.time()
        for key in self.store_counts:
            self.store_counts[key] += getattr(result, key, 0) or 0
        self.health.count_readings(len(batch))
        if self.health.state is not State.OK:
            self.health.set_state(State.OK)
        for callback in self._watchers:
            try:
                callback(batch)
            except Exception:  # a republisher's problem must not stop storing
                log.exception("a reading watcher failed")

    def stop(self, timeout: float = 4.0) -> bool:
        """Commit what is queued and stop the writer; True when everything was committed."""
        self._queue.put(None)
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abandon.set()
            log.error("the store did not take %d readings before the stop; they are lost", len(self._spool))
            return False
        return True
