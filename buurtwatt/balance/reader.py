"""Read the hourly increases the balance needs from a store (the only I/O of the balance).

Two ways, same result for whole local days:

- exact: every series at hour resolution. Used for hourly periods, for the hourly
  grid intensity, and whenever asked.
- fast: day buckets (about 25 times fewer rows) for long ranges with yearly factors.
  A day's increase is put in its first hour, which is exact for any period made of
  whole days because yearly factors only change at local midnight on New Year.
  Completeness is still checked per hour: a meter that must report every hour is
  read hour by hour on every day that could hold a gap (no day row, fewer samples
  than its usual rate by more than 2 %, the first and last day, today). A whole
  missing hour removes at least 4 % of a day's samples, so it cannot pass unseen
  unless that day's rate was itself unusually high.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from buurtwatt.balance.config import BalanceConfig
from buurtwatt.balance.hourly import Check, HourlyData, Role, SeriesHours
from buurtwatt.balance.intensity import INTENSITY_SERIES
from buurtwatt.roles import Roles
from buurtwatt.series import Series
from buurtwatt.store.base import Resolution, Row, Store
from buurtwatt.timeutil import HOUR, day_ranges

RATE_TOLERANCE = 0.98  # a day below 98 % of the usual sample rate is read hour by hour


@dataclass(frozen=True, slots=True)
class SeriesRole:
    series: Series
    role: Role
    check: Check


def series_roles(roles: Roles, config: BalanceConfig, night: str = "gap") -> list[SeriesRole]:
    """The series the balance reads, with their role and how their completeness is judged."""
    # inverters that sleep at night leave no samples then: judge them per day
    solar_check: Check = "hour" if night == "zero" else "day"
    out: list[SeriesRole] = []
    if roles.import_kwh and roles.export_kwh:
        out.append(SeriesRole(roles.import_kwh, "import", "hour"))
        out.append(SeriesRole(roles.export_kwh, "export", "hour"))
    out += [SeriesRole(series, "production", solar_check) for series in roles.solar_kwh]
    if roles.gas_m3:
        out.append(SeriesRole(roles.gas_m3, "gas", "hour"))
    if config.collective:
        # only the roof of [balance.collective] has a share in this building's balance
        out += [
            SeriesRole(Series.parse(name), "collective", solar_check) for name in config.collective.production
        ]
    if config.grid_intensity == "hourly":
        out.append(SeriesRole(INTENSITY_SERIES, "intensity", "none"))
    return out


def _fill_hours(values: np.ndarray, present: np.ndarray, rows: list[Row], start: float) -> None:
    n = len(values)
    for row in rows:
        i = int((row.ts - start) // HOUR)
        if 0 <= i < n and row.count > 0 and row.value is not None:
            values[i] = row.value
            present[i] = True


def _series_hours(role: SeriesRole, values: np.ndarray, present: np.ndarray) -> SeriesHours:
    raw = np.where(present, values, np.nan)
    return SeriesHours.from_values(str(role.series), role.role, raw, role.check)


def read_hourly(
    store: Store,
    roles: Roles,
    config: BalanceConfig,
    start: float,
    end: float,
    *,
    night: str = "gap",
    tz: ZoneInfo,
    now: float,
    exact: bool = False,
) -> HourlyData:
    """Hourly increases of every role series for [start, end) (local midnights unless ``exact``)."""
    hours = round((end - start) / HOUR)
    days = None if exact else day_ranges(start, hours, tz)[0]
    items = []
    for role in series_roles(roles, config, night):
        values, present = np.zeros(hours), np.zeros(hours, dtype=bool)
        if days is None or role.role == "intensity":
            _fill_hours(values, present, store.read(str(role.series), start, end, Resolution.HOUR), start)
        else:
            _fill_from_days(store, role, values, present, start, end, days, now)
        items.append(_series_hours(role, values, present))
    return HourlyData(start, hours, tuple(items))


RECENT_S = 2 * 86400  # day buckets may lag their hours this long at most


def _fill_from_days(
    store: Store,
    role: SeriesRole,
    values: np.ndarray,
    present: np.ndarray,
    start: float,
    end: float,
    days: np.ndarray,
    now: float,
) -> None:
    rows = [
        r
        for r in store.read(str(role.series), start, end, Resolution.DAY)
        if r.count > 0 and r.value is not None
    ]
    if not rows:
        _fill_recent_hours(store, role, values, present, start, days, now, set())
        return
    ts = np.fromiter((r.ts for r in rows), float, len(rows))
    count = np.fromiter((r.count for r in rows), float, len(rows))
    inc = np.fromiter((r.value for r in rows), float, len(rows))
    # day buckets start at local midnight: map each to its day by its first hour
    first = np.round((ts - start) / HOUR).astype(int)
    k = np.searchsorted(days[:, 0], first)
    ok = (k < len(days)) & (days[np.clip(k, 0, len(days) - 1), 0] == first)
    k, count, inc = k[ok], count[ok], inc[ok]
    a, b = days[k, 0], days[k, 1]
    if role.check != "hour":  # "day" completeness: one sample in the day is enough
        values[a] = inc
        present[a] = True
        return
    length = np.maximum(b - a, 1)
    inner = (k > 0) & (k < len(days) - 1)
    usual = float(np.median(count[inner] / length[inner])) if inner.any() else 0.0
    edge = (k == 0) | (k == len(days) - 1) | (start + HOUR * b > now)
    doubt = edge | (count < RATE_TOLERANCE * usual * length)
    good = ~doubt
    values[a[good]] = inc[good]
    flags = np.zeros(len(days), dtype=bool)
    flags[k[good]] = True
    present[:] = np.repeat(flags, days[:, 1] - days[:, 0])[: len(present)]
    recheck = [(0.0, int(x), int(y)) for x, y in zip(a[doubt], b[doubt], strict=True)]
    for _ts, x, y in _merge(recheck):
        _fill_hours(
            values,
            present,
            store.read(str(role.series), start + HOUR * x, start + HOUR * y, Resolution.HOUR),
            start,
        )
    _fill_recent_hours(store, role, values, present, start, days, now, {int(x) for x in k})


def _fill_recent_hours(
    store: Store,
    role: SeriesRole,
    values: np.ndarray,
    present: np.ndarray,
    start: float,
    days: np.ndarray,
    now: float,
    with_row: set[int],
) -> None:
    """Recent days without a day total read their hours: a remote store sends the open day
    bucket later than its hours (the InfluxDB outbox holds day buckets for minutes)."""
    recent = [
        (0.0, int(x), int(y))
        for i, (x, y) in enumerate(days)
        if i not in with_row and start + HOUR * y > now - RECENT_S
    ]
    for _ts, x, y in _merge(recent):
        _fill_hours(
            values,
            present,
            store.read(str(role.series), start + HOUR * x, start + HOUR * y, Resolution.HOUR),
            start,
        )


def _merge(days: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    """Join neighbouring days into one read."""
    out: list[tuple[float, int, int]] = []
    for ts, a, b in days:
        if out and out[-1][2] == a:
            out[-1] = (out[-1][0], out[-1][1], b)
        else:
            out.append((ts, a, b))
    return out
