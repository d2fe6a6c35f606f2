"""The one calendar of buurtwatt: local days, months and years, and how times are written.

Days start at local midnight, so a day is 23 or 25 hours long when the clocks change.
Hours are whole UTC hours; Dutch offsets are whole hours, so they are local hours too.
Every function takes the time zone as a name (``"Europe/Amsterdam"``) or a ``ZoneInfo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

AMSTERDAM = "Europe/Amsterdam"
HOUR = 3600
By = Literal["hour", "day", "month", "year", "total"]
BY_CHOICES: tuple[str, ...] = ("hour", "day", "month", "year", "total")
Zone = str | ZoneInfo


@lru_cache(maxsize=16)
def _named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(tz: Zone) -> ZoneInfo:
    """The ``ZoneInfo`` of a name (cached) or the zone itself."""
    return tz if isinstance(tz, ZoneInfo) else _named(tz)


def local_midnight(day: date, tz: Zone = AMSTERDAM) -> float:
    """Unix time of local midnight at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).timestamp()


def local_date(ts: float, tz: Zone = AMSTERDAM) -> date:
    return datetime.fromtimestamp(ts, zone(tz)).date()


def day_start(ts: float, tz: Zone = AMSTERDAM) -> float:
    """Unix time of the local midnight on or before ``ts``."""
    return local_midnight(local_date(ts, tz), tz)


def today_range(now: float, tz: Zone = AMSTERDAM) -> tuple[date, date]:
    """Today's local date and tomorrow's: the half-open range of "today so far"."""
    day = local_date(now, tz)
    return day, day + timedelta(days=1)


def month_start(ts: float, tz: Zone = AMSTERDAM) -> float:
    return local_midnight(local_date(ts, tz).replace(day=1), tz)


def days(first: date, last_exclusive: date) -> list[date]:
    return [first + timedelta(n) for n in range((last_exclusive - first).days)]


def parse_when(text: str, tz: Zone = AMSTERDAM) -> float:
    """A local date (``2025-01-31``: its local midnight) or an ISO time (naive = local)."""
    if len(text) == 10:
        return local_midnight(date.fromisoformat(text), tz)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return moment.timestamp()


def iso_utc(ts: float, timespec: str = "auto") -> str:
    """``2025-01-31T12:00:00Z``: the one way buurtwatt writes a moment in UTC.

    ``timespec`` as in ``datetime.isoformat`` ("seconds", "milliseconds", ...).
    """
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


# --- periods: the balance splits a range of local dates into these ---------------------------


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: float  # Unix seconds UTC, inclusive
    end: float  # exclusive

    @property
    def hours(self) -> int:
        return round((self.end - self.start) / HOUR)


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


def split_periods(start: date, end: date, by: str, tz: Zone = AMSTERDAM) -> list[Period]:
    """Periods covering local dates ``start`` up to (not including) ``end``.

    The first and last period may be shorter than a whole month or year when the
    range starts or ends inside one; their label is still the month or year.
    """
    if end <= start:
        raise ValueError(f"the end ({end}) must be after the start ({start})")
    tz = zone(tz)
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


def year_starts(start: float, end: float, tz: Zone = AMSTERDAM) -> list[tuple[int, float]]:
    """(year, local New Year as Unix seconds) for every year that [start, end) touches."""
    first, last = local_date(start, tz).year, local_date(max(start, end - 1), tz).year
    return [(y, local_midnight(date(y, 1, 1), tz)) for y in range(first, last + 1)]


def day_ranges(start: float, hours: int, tz: Zone = AMSTERDAM) -> tuple[np.ndarray, np.ndarray]:
    """(first hour, end hour) of every local day touching ``hours`` hours from ``start``,
    clipped to them, and whether each day lies wholly inside. Read-only (shared by the cache)."""
    return _day_ranges(start, hours, zone(tz))


@lru_cache(maxsize=32)
def _day_ranges(start: float, hours: int, tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
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
