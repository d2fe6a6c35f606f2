"""The balance maths: pure functions from hourly increases and factors to results.

``energy_from_sums`` and ``co2_from_sums`` are the definitions, over one period's
totals; ``compute_balance`` applies them to many periods at once, with factors
chosen hour by hour (yearly list per local year, or the hourly grid intensity).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from buurtwatt.balance.config import BalanceConfig, Boundary
from buurtwatt.balance.factors import Factors
from buurtwatt.balance.hourly import HourlyData
from buurtwatt.balance.model import (
    Co2Balance,
    Coverage,
    EnergyBalance,
    FactorUse,
    PeriodBalance,
    SeriesCoverage,
)
from buurtwatt.timeutil import HOUR, Period, day_ranges, year_starts


def self_consumed(production: float, export: float) -> float:
    """Own production used in the building: what was made and not given to the grid.

    Never below zero: when the export counter also counts something else (a battery, a
    roof behind the same meter), export can exceed production.
    """
    return max(production - export, 0.0)


def consumption(import_: float, export: float, production: float) -> float:
    """What the building used: taken from the grid plus own production used on site.

    The one definition, for kWh over a period and for watts now alike.
    """
    return import_ + self_consumed(production, export)


def energy_from_sums(
    import_kwh: float,
    export_kwh: float,
    production_kwh: float,
    gas_m3: float,
    collective_kwh: float,
    *,
    boundary: Boundary,
    gas_kwh_per_m3: float,
    collective_fraction: float,
) -> EnergyBalance:
    """The energy definitions over one period's totals."""
    own = self_consumed(production_kwh, export_kwh)
    used = consumption(import_kwh, export_kwh, production_kwh)
    gas_kwh = gas_m3 * gas_kwh_per_m3
    share = collective_kwh * collective_fraction if boundary.collective_share else 0.0
    generation = (production_kwh if boundary.own_solar else 0.0) + share
    demand = (used if boundary.electricity else 0.0) + (gas_kwh if boundary.gas else 0.0)
    return EnergyBalance(
        import_kwh=import_kwh,
        export_kwh=export_kwh,
        production_kwh=production_kwh,
        consumption_kwh=used,
        self_consumed_kwh=own,
        self_sufficiency=own / used if used > 0 else None,
        self_consumption_ratio=own / production_kwh if production_kwh > 0 else None,
        gas_m3=gas_m3,
        gas_kwh=gas_kwh,
        collective_production_kwh=collective_kwh,
        collective_share_kwh=share,
        generation_kwh=generation,
        demand_kwh=demand,
        surplus_kwh=generation - demand,
        energy_positive=generation >= demand,
    )


def co2_from_sums(
    import_kg: float,
    gas_kg: float,
    export_kg: float,
    collective_kg: float,
    *,
    boundary: Boundary,
    factors: tuple[FactorUse, ...] = (),
    hourly_intensity_hours: int = 0,
) -> Co2Balance:
    """The CO2 definitions over one period, given kWh (or m3) already multiplied by their factors.

    ``collective_kg`` is the building's share of the collective production times the avoided factor.
    """
    emitted_el = import_kg if boundary.electricity else 0.0
    emitted_gas = gas_kg if boundary.gas else 0.0
    avoided_export = export_kg if boundary.own_solar else 0.0
    avoided_coll = collective_kg if boundary.collective_share else 0.0
    emitted = emitted_el + emitted_gas
    avoided = avoided_export + avoided_coll
    net = avoided - emitted
    return Co2Balance(
        emitted,
        emitted_el,
        emitted_gas,
        avoided,
        avoided_export,
        avoided_coll,
        net,
        net >= 0,
        factors,
        hourly_intensity_hours,
    )


@dataclass(frozen=True)
class _Hourly:
    """Per-hour factors (kg CO2-eq per kWh or m3) and where they came from."""

    grid: np.ndarray
    avoided: np.ndarray
    gas: np.ndarray
    hourly_used: np.ndarray  # bool: grid factor from the hourly intensity
    year_of_hour: np.ndarray  # index into years
    years: list[tuple[int, float]]


def _hourly_factors(data: HourlyData, config: BalanceConfig, factors: Factors, tz: ZoneInfo) -> _Hourly:
    years = year_starts(data.start, max(data.end, data.start + HOUR), tz)
    hour_ts = data.start + HOUR * np.arange(data.hours)
    year_idx = np.searchsorted(np.array([t for _, t in years]), hour_ts, side="right") - 1
    year_idx = np.clip(year_idx, 0, len(years) - 1)

    def per_year(kind: str, category: str) -> np.ndarray:
        values = np.array([factors.factor(kind, category, y).value for y, _ in years])
        return values[year_idx]

    grid = per_year("electricity", config.electricity_category)
    used = np.zeros(data.hours, dtype=bool)
    if config.grid_intensity == "hourly":
        for s in data.role("intensity"):
            grid = np.where(s.present, s.values / 1000.0, grid)  # g/kWh -> kg/kWh
            used |= s.present
    avoided = grid if config.avoided_category is None else per_year("electricity", config.avoided_category)
    gas = per_year("gas", config.gas_category) if data.role("gas") else np.zeros(data.hours)
    return _Hourly(grid, avoided, gas, used, year_idx, years)


def _window_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sum of ``values[i0:i1]`` for every (i0, i1) row of ``bounds``, in one pass."""
    cs = np.concatenate(([0.0], np.cumsum(values, dtype=float)))
    return cs[bounds[:, 1]] - cs[bounds[:, 0]]


def _day_ranges(data: HourlyData, tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    return day_ranges(data.start, data.hours, tz)


def _days_per_period(days: np.ndarray, counted: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """How many ``counted`` days lie wholly inside each period (periods sorted, not overlapping)."""
    k = np.searchsorted(bounds[:, 0], days[:, 0], side="right") - 1
    ok = counted & (k >= 0)
    ok &= days[:, 1] <= bounds[np.clip(k, 0, None), 1]
    return np.bincount(k[ok], minlength=len(bounds))


def _coverage(
    data: HourlyData, bounds: np.ndarray, periods: list[Period], now: float, tz: ZoneInfo
) -> list[Coverage]:
    hour_end = data.start + HOUR * (np.arange(data.hours) + 1)
    done = hour_end <= now
    expected_hours = _window_sums(done, bounds).round().astype(int)
    days: np.ndarray | None = None
    day_expected: np.ndarray | None = None
    rows: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray]] = []
    for s in data.series:
        if s.check == "none":
            continue
        back = (
            _window_sums(s.went_back, bounds).round().astype(int)
            if s.went_back is not None
            else np.zeros(len(periods), dtype=int)
        )
        if s.check == "hour":
            present = _window_sums(s.present & done, bounds).round().astype(int)
            rows.append((s.series, "hour", expected_hours, present, back))
            continue
        if days is None:
            days, whole = _day_ranges(data, tz)
            # only whole, finished days are expected to have samples
            day_expected = whole & (data.start + HOUR * days[:, 1] <= now)
        assert day_expected is not None
        has = _window_sums(s.present, days) > 0
        rows.append(
            (
                s.series,
                "day",
                _days_per_period(days, day_expected, bounds),
                _days_per_period(days, day_expected & has, bounds),
                back,
            )
        )
    return [
        Coverage(
            p.hours,
            int(expected_hours[k]),
            tuple(
                SeriesCoverage(name, unit, int(exp[k]), int(pres[k]), int(bk[k]))
                for name, unit, exp, pres, bk in rows
            ),
        )
        for k, p in enumerate(periods)
    ]


def _period_bounds(data: HourlyData, periods: list[Period]) -> np.ndarray:
    bounds = np.array(
        [[round((p.start - data.start) / HOUR), round((p.end - data.start) / HOUR)] for p in periods],
        dtype=int,
    ).reshape(-1, 2)
    if len(bounds) and (bounds.min() < 0 or bounds.max() > data.hours):
        raise ValueError("a period lies outside the hourly data")
    return bounds


def _factor_uses(
    hourly: _Hourly,
    i0: int,
    i1: int,
    config: BalanceConfig,
    factors: Factors,
    hourly_cs: np.ndarray,
    has_gas: bool,
) -> tuple[FactorUse, ...]:
    uses: list[FactorUse] = []
    y0, y1 = int(hourly.year_of_hour[i0]), int(hourly.year_of_hour[i1 - 1])
    for k in range(y0, y1 + 1):
        year, _ = hourly.years[k]
        a = max(i0, int(np.searchsorted(hourly.year_of_hour, k, side="left")))
        b = min(i1, int(np.searchsorted(hourly.year_of_hour, k, side="right")))
        hours = b - a
        if hours <= 0:
            continue
        yearly_hours = hours - int(round(hourly_cs[b] - hourly_cs[a]))
        if yearly_hours > 0:
            grid = factors.electricity(config.electricity_category, year)
            uses.append(FactorUse("grid", grid, yearly_hours))
        if config.avoided_category is not None:
            uses.append(FactorUse("avoided", factors.electricity(config.avoided_category, year), hours))
        if has_gas:
            uses.append(FactorUse("gas", factors.gas(config.gas_category, year), hours))
    return tuple(uses)


def compute_balance(
    data: HourlyData,
    periods: list[Period],
    config: BalanceConfig,
    factors: Factors,
    tz: ZoneInfo,
    now: float,
    total: Period | None = None,
) -> list[PeriodBalance]:
    """Energy, CO2 and coverage for each period (periods in time order, inside the data).

    With ``total`` (a period spanning the others) its result is appended at the end, in the same pass.
    """
    if not periods:
        return []
    if total is not None:
        return _compute(data, [*periods, total], config, factors, tz, now, len(periods))
    return _compute(data, periods, config, factors, tz, now, None)


def _compute(
    data: HourlyData,
    periods: list[Period],
    config: BalanceConfig,
    factors: Factors,
    tz: ZoneInfo,
    now: float,
    split: int | None,
) -> list[PeriodBalance]:
    bounds = _period_bounds(data, periods)
    hourly = _hourly_factors(data, config, factors, tz)
    imp, exp = data.total("import"), data.total("export")
    prod, gas, coll = data.total("production"), data.total("gas"), data.total("collective")
    fraction = config.collective.fraction if config.collective else 0.0
    sums = {
        "imp": _window_sums(imp, bounds),
        "exp": _window_sums(exp, bounds),
        "prod": _window_sums(prod, bounds),
        "gas": _window_sums(gas, bounds),
        "coll": _window_sums(coll, bounds),
        "imp_kg": _window_sums(imp * hourly.grid, bounds),
        "exp_kg": _window_sums(exp * hourly.avoided, bounds),
        "coll_kg": _window_sums(coll * fraction * hourly.avoided, bounds),
        "gas_kg": _window_sums(gas * hourly.gas, bounds),
        "hourly": _window_sums(hourly.hourly_used, bounds),
    }
    hourly_cs = np.concatenate(([0.0], np.cumsum(hourly.hourly_used, dtype=float)))
    if split is None:
        coverage = _coverage(data, bounds, periods, now, tz)
    else:  # the appended total overlaps the periods: its day counts are taken on their own
        coverage = _coverage(data, bounds[:split], periods[:split], now, tz) + _coverage(
            data, bounds[split:], periods[split:], now, tz
        )
    has_gas = bool(data.role("gas"))
    out = []
    for k, period in enumerate(periods):
        energy = energy_from_sums(
            float(sums["imp"][k]),
            float(sums["exp"][k]),
            float(sums["prod"][k]),
            float(sums["gas"][k]),
            float(sums["coll"][k]),
            boundary=config.boundary,
            gas_kwh_per_m3=config.gas_kwh_per_m3,
            collective_fraction=fraction,
        )
        uses = _factor_uses(hourly, int(bounds[k, 0]), int(bounds[k, 1]), config, factors, hourly_cs, has_gas)
        co2 = co2_from_sums(
            float(sums["imp_kg"][k]),
            float(sums["gas_kg"][k]),
            float(sums["exp_kg"][k]),
            float(sums["coll_kg"][k]),
            boundary=config.boundary,
            factors=uses,
            hourly_intensity_hours=int(round(sums["hourly"][k])),
        )
        out.append(PeriodBalance(period, energy, co2, coverage[k]))
    return out
