"""Costs and the what-if for the pages: read the hours once, hand them to buurtwatt/tariffs and
buurtwatt/whatif (the pages compute no energy themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

from buurtwatt.balance.reader import read_hourly
from buurtwatt.tariffs.costs import Cost, CostReport, HourlyEnergy, compute_costs
from buurtwatt.tariffs.prices import read_prices
from buurtwatt.tariffs.tax import TaxTable, load_tax_table
from buurtwatt.timeutil import local_date, local_midnight
from buurtwatt.whatif.costs import costs_under
from buurtwatt.whatif.simulate import Choices, Hours, Outcome, Year, simulate
from dashboard import balance_adapter
from dashboard.context import DashContext

CACHE_S = 300


@lru_cache(maxsize=4)
def _table(path: str | None) -> TaxTable:
    return load_tax_table(path)


def tax_table(ctx: DashContext) -> TaxTable:
    path = ctx.config.tariffs.tax_table
    return _table(str(path) if path else None)


def _day_ahead(ctx: DashContext) -> dict[int, float] | None:
    if not ctx.config.tariffs.uses_hourly_prices:
        return None
    return read_prices(Path(ctx.config.tariffs.prices_file))


def hours(ctx: DashContext, first: date, end: date, now: float) -> Hours:
    """The measured hours of local dates [first, end), NaN where an hour has no data."""
    tz, cfg = ctx.config.site.tz, ctx.config
    t0, t1 = local_midnight(first, ctx.tz), local_midnight(end, ctx.tz)
    data = read_hourly(
        ctx.store, ctx.roles(), cfg.balance, t0, t1, night=cfg.site.night, tz=tz, now=now, exact=True
    )

    def summed(role: str, gaps: bool = True) -> np.ndarray | None:
        series = data.role(role)  # type: ignore[arg-type]
        if not series:
            return None
        values = np.sum([s.values for s in series], axis=0)
        if gaps:
            present = np.all([s.present for s in series], axis=0)
            values = np.where(present, values, np.nan)
        return values

    empty = np.full(data.hours, np.nan)
    production = summed("production", gaps=False)  # a sleeping inverter is no production
    return Hours(
        data.start,
        summed("import") if summed("import") is not None else empty,
        summed("export") if summed("export") is not None else empty,
        production if production is not None else np.zeros(data.hours),
        summed("gas"),
    )


def _to_energy(h: Hours) -> HourlyEnergy:
    def listed(values: np.ndarray | None) -> list[float | None] | None:
        return None if values is None else [None if np.isnan(v) else float(v) for v in values]

    return HourlyEnergy(h.start, listed(h.import_kwh) or [], listed(h.export_kwh) or [], listed(h.gas_m3))


def year_costs(ctx: DashContext, year: int, now: float) -> CostReport | None:
    """Costs of a calendar year so far (net metering is per calendar year, so always the whole year)."""
    if not ctx.config.tariffs.periods:
        return None
    today = local_date(now, ctx.tz)
    end = min(date(year + 1, 1, 1), today + timedelta(days=1))
    first = date(year, 1, 1)
    if end <= first:
        return None

    def compute() -> CostReport:
        energy = _to_energy(hours(ctx, first, end, now))
        return compute_costs(energy, ctx.config.tariffs, tax_table(ctx), ctx.config.site.tz, _day_ahead(ctx))

    return ctx.cached(("costs", year, end), CACHE_S, compute)


@dataclass(frozen=True)
class PeriodCost:
    cost: Cost
    notes: tuple[str, ...]
    unverified: bool


def period_cost(ctx: DashContext, first: date, end: date, now: float) -> PeriodCost | None:
    """Costs of local dates [first, end), each year computed whole for its netting."""
    total, notes, unverified, found = Cost(), [], False, False
    for year in range(first.year, (end - timedelta(days=1)).year + 1):
        report = year_costs(ctx, year, now)
        part = report.between(first, end) if report else None
        if report is None or part is None:
            continue
        total.add(part)
        notes += report.notes
        unverified = unverified or bool(report.unverified)
        found = True
    return PeriodCost(total, tuple(dict.fromkeys(notes)), unverified) if found else None


@dataclass(frozen=True)
class WhatifYear:
    before: Outcome
    after: Outcome
    cost_before: Cost | None
    cost_after: Cost | None
    notes: tuple[str, ...]

    @property
    def before_year(self) -> Year:
        return self.before.year()

    @property
    def after_year(self) -> Year:
        return self.after.year()


def whatif_year(ctx: DashContext, choices: Choices, rules_year: int, now: float) -> WhatifYear:
    """The last 12 months replayed hour by hour, with costs under the rules of ``rules_year``."""
    today = local_date(now, ctx.tz)
    first = max(balance_adapter.start_date(ctx, now), date(today.year - 1, today.month, min(today.day, 28)))
    end = today  # whole days only
    measured = ctx.cached(("whatif-hours", first, end), 3600, lambda: hours(ctx, first, end, now))
    tz, cfg = ctx.config.site.tz, ctx.config.whatif
    kwh_per_m3 = ctx.config.balance.gas_kwh_per_m3
    # the year as measured does not depend on the choices: worked out once an hour, not per slider move
    before = ctx.cached(
        ("whatif-before", first, end), 3600, lambda: simulate(measured, Choices(), cfg, tz, kwh_per_m3)
    )
    after = simulate(measured, choices, cfg, tz, kwh_per_m3)
    cost_before = cost_after = None
    notes = list(after.notes)
    if ctx.config.tariffs.periods:
        table, prices = tax_table(ctx), _day_ahead(ctx)
        a = ctx.cached(
            ("whatif-before-costs", first, end, rules_year),
            3600,
            lambda: costs_under(
                measured.start, before.import_kwh, before.export_kwh, before.gas_m3,
                ctx.config.tariffs, table, tz, rules_year, prices,
            ),
        )  # fmt: skip
        b = costs_under(
            measured.start, after.import_kwh, after.export_kwh, after.gas_m3,
            ctx.config.tariffs, table, tz, rules_year, prices,
        )  # fmt: skip
        cost_before, cost_after = a.total, b.total
        notes += [n for n in dict.fromkeys(a.notes + b.notes)]
    return WhatifYear(before, after, cost_before, cost_after, tuple(notes))
