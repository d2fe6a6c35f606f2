"""Balance periods in local time: hours, days, months and years.

Days start at local midnight, so a day is 23 or 25 hours long when the clocks
change. Hours are whole UTC hours; Dutch offsets are whole hours, so they are
local hours too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

By = Literal["hour", "day", "month", "year", "total"]
BY_CHOICES: tuple[str, ...] = ("hour", "day", "month", "year", "total")
HOUR = 3600


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: float  # Unix seconds UTC, inclusive
    end: float  # exclusive

    @property
    def hours(self) -> int:
        return round((self.end - self.start) / HOUR)


def local_midnight(day: date, tz: ZoneInfo) -> float:
    return datetime.combine(day, time(0), tzinfo=tz).timestamp()


def local_date(ts: float, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(ts, tz).date()


def _next_boundary(day: date, by: str) -> date:
    if by == "day":
        return day + timedelta(days=1)
    if by == "month":
        return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date(day.year + 1, 1, 1)


def _label(day: date, by: str) -> str:
    if by == "day":
        return day.isoformat()
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def split_periods(start: date, end: date, by: str, tz: ZoneInfo) -> list[Period]:
    """Periods covering local dates ``start`` up to (not including) ``end``.

    The first and last period may be shorter than a whole month or year when the
    range starts or ends inside one; their label is still the month or year.
    """
    if end <= start:
        raise ValueError(f"the end ({end}) must be after the start ({start})")
    t0, t1 = local_midnight(start, tz), local_midnight(end, tz)
    if by == "total":
        return [Period(f"{start.isoformat()}..{(end - timedelta(days=1)).isoformat()}", t0, t1)]
    if by == "hour":
        out = []
        ts = t0
        while ts < t1:
            label = datetime.fromtimestamp(ts, tz).isoformat(timespec="minutes")
            out.append(Period(label, ts, ts + HOUR))
            ts += HOUR
        return out
    if by not in ("day", "month", "year"):
        raise ValueError(f"unknown period {by!r}; use one of {', '.join(BY_CHOICES)}")
    out = []
    day = start
    while day < end:
        nxt = min(_next_boundary(day, by), end)
        out.append(Period(_label(day, by), local_midnight(day, tz), local_midnight(nxt, tz)))
        day = nxt
    return out


def year_starts(start: float, end: float, tz: ZoneInfo) -> list[tuple[int, float]]:
    """(year, local New Year as Unix seconds) for every year that [start, end) touches."""
    first, last = local_date(start, tz).year, local_date(max(start, end - 1), tz).year
    return [(y, local_midnight(date(y, 1, 1), tz)) for y in range(first, last + 1)]


@lru_cache(maxsize=32)
def day_ranges(start: float, hours: int, tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """(first hour, end hour) of every local day touching ``hours`` hours from ``start``,
    clipped to them, and whether each day lies wholly inside. Read-only (shared by the cache)."""
    first = local_date(start, tz)
    last = local_date(max(start, start + hours * HOUR - 1), tz)
    count = (last - first).days + 2
    starts = np.array([local_midnight(first + timedelta(days=k), tz) for k in range(count)])
    idx = np.round((starts - start) / HOUR).astype(int)
    whole = (idx[:-1] >= 0) & (idx[1:] <= hours)
    idx = np.clip(idx, 0, hours)
    ranges = np.stack([idx[:-1], idx[1:]], axis=1)
    ranges.flags.writeable = whole.flags.writeable = False
    return ranges, whole
