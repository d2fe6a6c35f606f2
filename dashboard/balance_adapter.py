"""The one place the dashboard asks for energy and CO2 balances.

The balance issue owns the maths (buurtwatt/balance). Until its public function is
wired here, this module computes the same simple balance from day rollups and the
factors file (buurtwatt.balance.factors), so changing over is a change to this file only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from buurtwatt.balance.factors import Factors, equivalents, load_factors
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_date, local_midnight
from dashboard.context import DashContext
from dashboard.data import EnergyTotals, energy_totals, history
from dashboard.roles import Roles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FactorLine:
    kind: str  # electricity | gas
    category: str
    year: int
    list_year: int
    value: float
    unit: str
    scope: str
    source: str
    verified: bool


@dataclass(frozen=True)
class Co2Amount:
    emitted_kg: float  # grid import and gas
    avoided_kg: float  # exported solar that others did not have to make

    @property
    def net_kg(self) -> float:
        """Positive: more CO2 caused than avoided."""
        return self.emitted_kg - self.avoided_kg


@dataclass(frozen=True)
class Co2Overview:
    months: list[tuple[float, float]]  # month start, net kg
    cumulative: list[tuple[float, float]]  # month start, net kg since the start (end of that month)
    total_kg: float
    rolling12_kg: float
    positive_since: float | None  # month start from which the running total stayed <= 0
    first_month: float | None
    factors: list[FactorLine]
    gas_kwh_per_m3: float
    gas_source: str
    boundary: dict[str, bool]


def factors(ctx: DashContext) -> Factors:
    return ctx.cached("factors", 600, lambda: load_factors(ctx.config.balance.factors_file))


def _factor_lines(ctx: DashContext, year: int) -> list[FactorLine]:
    cfg = ctx.config.balance
    f = factors(ctx)
    lines = [f.electricity(cfg.electricity_category, year)]
    if cfg.avoided_category and cfg.avoided_category != cfg.electricity_category:
        lines.append(f.electricity(cfg.avoided_category, year))
    if cfg.boundary.gas:
        lines.append(f.gas(cfg.gas_category, year))
    return [FactorLine(x.kind, x.category, x.year, x.list_year, x.value, x.unit, x.scope, x.source,
                       x.verified) for x in lines]


def period_totals(ctx: DashContext, store: Store, roles: Roles, start: float, end: float) -> EnergyTotals:
    """Import, export, solar and gas between two moments (local-midnight aligned day buckets)."""
    return energy_totals(store, roles, start, end)


def co2_of(ctx: DashContext, totals: EnergyTotals, year: int) -> Co2Amount:
    """CO2 of an energy total with the yearly factors of ``year``."""
    cfg = ctx.config.balance
    f = factors(ctx)
    grid = f.electricity(cfg.electricity_category, year).value
    avoided = f.electricity(cfg.avoided_category or cfg.electricity_category, year).value
    emitted = avoided_kg = 0.0
    if cfg.boundary.electricity:
        emitted += totals.import_kwh * grid
        if cfg.boundary.own_solar:
            avoided_kg += totals.export_kwh * avoided
    if cfg.boundary.gas and totals.gas_m3:
        emitted += totals.gas_m3 * f.gas(cfg.gas_category, year).value
    return Co2Amount(emitted, avoided_kg)


def comparisons(ctx: DashContext, kg: float) -> list[tuple[str, float]]:
    """(comparison key, amount) pairs, e.g. ("car_km", 120.0); labels come from the catalogue."""
    return [(e.comparison.key, e.amount) for e in equivalents(kg, factors(ctx))]


def co2_overview(ctx: DashContext, store: Store, roles: Roles, now: float) -> Co2Overview:
    tz = ctx.tz
    today = local_date(now, tz)
    started = ctx.config.site.started
    first_day = date.fromisoformat(started) if started else date(today.year - 10, 1, 1)
    series = history(store, roles, local_midnight(first_day, tz), now, Resolution.MONTH)
    month_keys = sorted({ts for values in series.values() for ts, _ in values})
    lookup = {k: dict(v) for k, v in series.items()}
    months: list[tuple[float, float]] = []
    cumulative: list[tuple[float, float]] = []
    running = 0.0
    positive_since: float | None = None
    for ts in month_keys:
        totals = EnergyTotals(lookup["import_kwh"].get(ts, 0.0), lookup["export_kwh"].get(ts, 0.0),
                              lookup["solar_kwh"].get(ts, 0.0),
                              lookup["gas_m3"].get(ts) if roles.gas else None)
        net = co2_of(ctx, totals, local_date(ts, tz).year).net_kg
        months.append((ts, net))
        running += net
        cumulative.append((ts, running))
        if running <= 0 and positive_since is None:
            positive_since = ts
        elif running > 0:
            positive_since = None
    # rolling 12 months: this month and the 11 before it
    index = today.year * 12 + today.month - 1 - 11
    since = local_midnight(date(index // 12, index % 12 + 1, 1), tz)
    rolling = sum(kg for ts, kg in months if ts >= since)
    cfg = ctx.config.balance
    return Co2Overview(months, cumulative, running, rolling, positive_since,
                       month_keys[0] if month_keys else None, _factor_lines(ctx, today.year),
                       cfg.gas_kwh_per_m3, cfg.gas_kwh_per_m3_source, cfg.boundary.model_dump())
