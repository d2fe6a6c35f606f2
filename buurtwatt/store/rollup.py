"""Counter increases and rollups, for every backend: readings in, raw rows and bucket aggregates out.

Pure: no database, no clock. A backend gives each series a key of its own (SQLite: the row id),
runs a batch through :meth:`Rollups.run`, stores what comes out in one transaction and then
calls :meth:`Rollups.commit`. Until that commit the per-series state stays where it was, so a
batch that failed to store can be run again and counts exactly once.

Rules, in one place:

- A reading not newer than its series' newest is a duplicate (a resend) and ignored.
- A counter's increase is ``value - last value``. No step when the reading says ``restart``
  (the collector's gate saw a reset or a meter swap), when the ``meter`` serial changed, or,
  defensively, when the value went down anyway (counted in ``backwards``). The new value is
  then the base for the next step.
- Every accepted sample goes into the 1-minute bucket it falls in; 15 minutes, hours and local
  days are merged from the minutes. An increase belongs to the bucket of the later sample.
- A raw point is kept when the value changed or a heartbeat passed, no sooner than the
  quantity's cadence, and always after a restart. Raw points are keyed by whole milliseconds:
  when two kept points of one series fall in the same millisecond the later one is kept and
  the earlier one is counted in ``raw_replaced`` (both still count in the rollups).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from buurtwatt.readings import Reading
from buurtwatt.series import Series
from buurtwatt.timeutil import AMSTERDAM, day_start
from buurtwatt.vocabulary import QUANTITIES, Quantity

# level -> bucket width in seconds; 0 = the local day (23, 24 or 25 hours)
LEVELS: tuple[tuple[str, int], ...] = (("1m", 60), ("15m", 900), ("1h", 3600), ("1d", 0))

# A bucket aggregate: [n, sum, min, max, first, last, inc]; sum is None for counters and inc
# None for gauges. A list, not a dataclass: the write path builds a million of them a second.
Aggregate = list
BucketKey = tuple[int, int]  # (series key, bucket start in s)

isfinite = math.isfinite


@dataclass(slots=True)
class SeriesState:
    """What the writer remembers of a series between batches."""

    key: int
    quantity: Quantity
    cadence: float = 0.0
    last_ts: float | None = None
    last_value: float | None = None
    last_meter: str | None = None
    stored_ts: float | None = None
    stored_value: float | None = None


# the state of one series after a batch: state, last_ts, last_value, last_meter, stored_ts, stored_value
StateUpdate = tuple[SeriesState, float | None, float | None, str | None, float | None, float | None]


@dataclass
class Batch:
    """What one run produced; the backend stores it, then calls :meth:`Rollups.commit`."""

    accepted: int = 0
    duplicates: int = 0  # not newer than the series' newest: ignored (a resend)
    rejected: int = 0  # unknown quantity or not a finite number
    backwards: int = 0  # a counter that went down without restart or new meter: no step
    raw_replaced: int = 0  # a kept raw point replaced by a later one in the same millisecond
    raw: list[tuple[int, int, float]] = field(default_factory=list)  # (key, ts in ms, value)
    buckets: dict[str, dict[BucketKey, Aggregate]] = field(default_factory=dict)  # level -> buckets
    updates: list[StateUpdate] = field(default_factory=list)
    new_series: dict[Series, SeriesState] = field(default_factory=dict)


class Rollups:
    """The per-series state and the algorithm; see the module docstring."""

    def __init__(
        self, tz: str = AMSTERDAM, heartbeat_s: float = 60.0, cadence: dict[str, float] | None = None
    ):
        self.tz = tz
        self.heartbeat = heartbeat_s
        self.cadence = cadence or {}
        self.states: dict[Series, SeriesState] = {}
        self._day_cache: dict[int, int] = {}

    # --- state -------------------------------------------------------------------------
    def load(
        self,
        rows: Iterable[tuple[str, int, float | None, float | None, str | None, float | None, float | None]],
    ) -> None:
        """Replace all state with what the backend has stored: (name, key, last_ts, last_value,
        last_meter, stored_ts, stored_value) per series. Also the way back after a failed write."""
        self.states.clear()
        for name, key, lts, lv, lm, sts, sv in rows:
            series = Series.parse(name)
            q = QUANTITIES.get(series.quantity)
            if q is not None:
                self.states[series] = SeriesState(key, q, self.cadence.get(q.name, 0.0), lts, lv, lm, sts, sv)

    def commit(self, batch: Batch) -> None:
        """The backend stored ``batch``: move the state forward."""
        self.states.update(batch.new_series)
        for s, lts, lv, lm, sts, sv in batch.updates:
            s.last_ts, s.last_value, s.last_meter, s.stored_ts, s.stored_value = lts, lv, lm, sts, sv

    # --- the algorithm -----------------------------------------------------------------
    def run(self, readings: Iterable[Reading], new_key: Callable[[Series], int]) -> Batch:
        """Turn a batch into raw rows and buckets; ``new_key`` gives a key to a series seen first."""
        batch = Batch()
        grouped: dict[tuple[str, str], list[Reading]] = {}
        for r in readings:  # a plain tuple key hashes like the Series it stands for, and is cheaper
            key = (r.device, r.quantity)
            group = grouped.get(key)
            if group is None:
                grouped[key] = [r]
            else:
                group.append(r)
        minute: dict[BucketKey, Aggregate] = {}
        for (device, qname), points in grouped.items():
            s = self.states.get((device, qname))  # type: ignore[call-overload]
            if s is None:
                q = QUANTITIES.get(qname)
                if not device or q is None:
                    batch.rejected += len(points)
                    continue
                series = Series(device, qname)
                s = batch.new_series.get(series)
                if s is None:
                    s = batch.new_series[series] = SeriesState(
                        new_key(series), q, self.cadence.get(qname, 0.0)
                    )
            self._series(s, points, batch, minute)
        batch.buckets = self._levels(minute)
        return batch

    def _series(
        self, s: SeriesState, points: list[Reading], batch: Batch, minute: dict[BucketKey, Aggregate]
    ) -> None:
        if len(points) > 1 and any(points[i].ts > points[i + 1].ts for i in range(len(points) - 1)):
            points.sort(key=lambda r: r.ts)
        raw = batch.raw
        heartbeat = self.heartbeat
        counter = s.quantity.is_counter
        key, cadence = s.key, s.cadence
        last_ts, last_value, last_meter = s.last_ts, s.last_value, s.last_meter
        stored_ts, stored_value = s.stored_ts, s.stored_value
        stored_ms = None if stored_ts is None else int(stored_ts * 1000 + 0.5)
        stored_here = False  # the series' newest raw row is in this batch (raw[-1])
        accepted = duplicates = rejected = backwards = replaced = 0
        bucket_ts, b = None, None  # the 1-minute bucket being filled; points are in time order
        for r in points:
            ts, v = r.ts, r.value
            if not isfinite(v) or not isfinite(ts):
                rejected += 1
                continue
            if last_ts is not None and ts <= last_ts:
                duplicates += 1
                continue
            restarted = False
            inc = 0.0
            if counter:
                meter = r.meter or last_meter
                if last_value is None:
                    pass
                elif r.restart or meter != last_meter:
                    restarted = True  # the gate said so, or a new meter: no step
                elif v < last_value:
                    restarted = True  # defensive: never a negative step
                    backwards += 1
                else:
                    inc = v - last_value
                last_meter = meter
            mts = int(ts // 60) * 60
            if mts != bucket_ts:
                bucket_ts = mts
                b = minute.get((key, mts))
                if b is None:  # [n, sum, min, max, first, last, inc]
                    b = minute[(key, mts)] = [
                        0,
                        None if counter else 0.0,
                        v,
                        v,
                        v,
                        v,
                        0.0 if counter else None,
                    ]
            b[0] += 1  # type: ignore[index]
            if counter:
                b[6] += inc  # type: ignore[index]
            else:
                b[1] += v  # type: ignore[index]
            if v < b[2]:  # type: ignore[index]
                b[2] = v  # type: ignore[index]
            elif v > b[3]:  # type: ignore[index]
                b[3] = v  # type: ignore[index]
            b[5] = v  # type: ignore[index]
            if (
                stored_ts is None
                or restarted
                or (ts - stored_ts >= cadence and (v != stored_value or ts - stored_ts >= heartbeat))
            ):
                ms = int(ts * 1000 + 0.5)
                if ms == stored_ms:
                    replaced += 1  # same millisecond: the later point wins
                    if stored_here:
                        raw[-1] = (key, ms, v)
                    else:
                        raw.append((key, ms, v))
                else:
                    raw.append((key, ms, v))
                stored_here = True
                stored_ts, stored_value, stored_ms = ts, v, ms
            last_ts, last_value = ts, v
            accepted += 1
        batch.accepted += accepted
        batch.duplicates += duplicates
        batch.rejected += rejected
        batch.backwards += backwards
        batch.raw_replaced += replaced
        if last_ts != s.last_ts:
            batch.updates.append((s, last_ts, last_value, last_meter, stored_ts, stored_value))

    def _day_of_hour(self, hour_ts: int) -> int:
        day = self._day_cache.get(hour_ts)
        if day is None:
            day = self._day_cache[hour_ts] = int(day_start(hour_ts, self.tz))
        return day

    def _levels(self, minute: dict[BucketKey, Aggregate]) -> dict[str, dict[BucketKey, Aggregate]]:
        """Each level merges the one below it: 15 min from minutes, hours from quarters, days from hours."""
        levels: dict[str, dict[BucketKey, Aggregate]] = {"1m": minute}
        finer = minute
        for name, width in LEVELS[1:]:
            merged: dict[BucketKey, Aggregate] = {}
            for (key, ts), b in finer.items():
                bts = ts - ts % width if width else self._day_of_hour(ts - ts % 3600)
                m = merged.get((key, bts))
                if m is None:
                    merged[(key, bts)] = list(b)
                else:
                    m[0] += b[0]
                    if m[1] is not None:
                        m[1] += b[1]
                    if b[2] < m[2]:
                        m[2] = b[2]
                    if b[3] > m[3]:
                        m[3] = b[3]
                    m[5] = b[5]
                    if m[6] is not None:
                        m[6] += b[6]
            levels[name] = merged
            finer = merged
        return levels
