"""The one place the dashboard asks for energy and CO2 balances (buurtwatt.balance, issue 7).

The balance owns the maths; this module picks the periods, fills in the device roles
when the [balance] section names none, and caches: a closed month never changes, and the
overview since the start only needs to be fresh to the hour, so callbacks stay fast.

Sign: ``net_kg`` is avoided minus emitted, as in the balance. Above zero is good.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from buurtwatt.balance import (
    BalanceReport,
    Co2Balance,
    Factors,
    PeriodBalance,
    Projection,
    balance_for,
    equivalents,
    factors_for,
    projection,
)
from buurtwatt.balance.compute import co2_from_sums
from buurtwatt.config import SiteConfig
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_date, local_midnight
from dashboard.context import DashContext

log = logging.getLogger(__name__)
HOUR = 3600
TODAY_TTL = 5  # the live pages ask every 2 s; today's kWh may lag a few seconds


@dataclass(frozen=True)
class FactorLine:
    role: str  # grid | avoided | gas
    kind: str  # electricity | gas
    category: str
    year: int
    list_year: int
    value: float
    unit: str
    scope: str
    source: str
    verified: bool
    note: str


@dataclass(frozen=True)
class MonthCo2:
    start: float  # local midnight of the first day
    net_kg: float | None  # None: no data at all in this month (a gap, never a zero)
    emitted_kg: float
    avoided_kg: float
    partial: bool  # some expected data are missing: the real figure differs
    in_progress: bool  # the month has not ended
    fraction: float  # share of the expected hours/days that have data


@dataclass(frozen=True)
class Co2Overview:
    started: date
    months: list[MonthCo2]
    cumulative: list[tuple[float, float]]  # month start, net kg since the start at the end of that month
    total: PeriodBalance  # since the start
    rolling12: PeriodBalance  # the last 12 months up to today
    projection: Projection | None
    positive_since: float | None  # month start from which the running total stayed >= 0
    factors: list[FactorLine]
    boundary: dict[str, bool]
    details: dict[str, str]  # device names behind each boundary flag
    gas_kwh_per_m3: float
    gas_source: str
    warnings: list[str] = field(default_factory=list)

    @property
    def partial_months(self) -> list[MonthCo2]:
        return [m for m in self.months if m.partial]


def effective_config(ctx: DashContext, store: Store | None = None) -> SiteConfig:
    """The site config with balance roles filled in from the stored series when [balance] names none."""
    store = store or ctx.store

    def build() -> SiteConfig:
        cfg = ctx.config
        if cfg.balance.grid_meter:
            return cfg
        roles = ctx.roles(store)
        update = {"grid_meter": roles.grid, "solar": list(cfg.balance.solar or roles.solar)}
        if roles.gas and not cfg.balance.gas_meter:
            update["gas_meter"] = roles.gas.partition(":")[0]
        return cfg.model_copy(update={"balance": cfg.balance.model_copy(update=update)})

    return ctx.cached(("balance-config", store.site), 60, build)


def factors(ctx: DashContext) -> Factors:
    return factors_for(ctx.config)  # re-read only when the file changes


def report(ctx: DashContext, store: Store, first: date, end: date, by: str, now: float) -> BalanceReport:
    """``balance_for`` with a cache: closed periods for an hour, open ones for a few seconds."""
    open_period = local_midnight(end, ctx.tz) > now - HOUR  # today's data still grow
    ttl = TODAY_TTL if open_period else HOUR
    key = ("balance", store.site, first, end, by, int(now // ttl) if open_period else 0)
    return ctx.cached(
        key,
        ttl,
        lambda: balance_for(
            store, effective_config(ctx, store), first, end, by, now=now, factors=factors(ctx)
        ),
    )


def today(ctx: DashContext, now: float, store: Store | None = None) -> PeriodBalance:
    """Today so far (local day)."""
    store = store or ctx.store
    day = local_date(now, ctx.tz)
    return report(ctx, store, day, day + timedelta(days=1), "total", now).total


def last_12_months(ctx: DashContext, now: float) -> PeriodBalance:
    """The 12 months up to and including today: summer and winter both count."""
    day = local_date(now, ctx.tz)
    first = min(day, max(_year_back(day), start_date(ctx, now)))
    return report(ctx, ctx.store, first, day + timedelta(days=1), "total", now).total


def co2_of_energy(
    ctx: DashContext, import_kwh: float, export_kwh: float, gas_m3: float, year: int
) -> Co2Balance:
    """CO2 of imagined energy (the coach's "what if", a plug's year) with the year's factors."""
    cfg = effective_config(ctx).balance
    f = factors(ctx)
    grid = f.electricity(cfg.electricity_category, year).value
    avoided = f.electricity(cfg.avoided_category or cfg.electricity_category, year).value
    gas = f.gas(cfg.gas_category, year).value
    return co2_from_sums(import_kwh * grid, gas_m3 * gas, export_kwh * avoided, 0.0, boundary=cfg.boundary)


def comparisons(ctx: DashContext, kg: float) -> list[tuple[str, float]]:
    """(comparison key, amount) pairs, e.g. ("car_km", 120.0); labels come from the catalogue."""
    return [(e.comparison.key, e.amount) for e in equivalents(kg, factors(ctx))]


def _year_back(day: date) -> date:
    return date(day.year - 1, day.month, min(day.day, 28)) + timedelta(days=1)


def start_date(ctx: DashContext, now: float) -> date:
    """site.started, else the first day the grid meter has data (within ten years)."""
    if ctx.config.site.started:
        return date.fromisoformat(ctx.config.site.started)

    def find() -> date:
        tz, store = ctx.tz, ctx.store
        series = f"{effective_config(ctx).balance.grid_meter}:import_kwh"
        ten_years = local_midnight(date(local_date(now, tz).year - 10, 1, 1), tz)
        months = [r for r in store.read(series, ten_years, now + 1, Resolution.MONTH) if r.count]
        if not months:
            return local_date(now, tz)
        days = [r for r in store.read(series, months[0].ts, now + 1, Resolution.DAY) if r.count]
        return local_date(days[0].ts if days else months[0].ts, tz)

    return ctx.cached(("started", ctx.store.site), 6 * HOUR, find)


def _factor_lines(total: PeriodBalance) -> list[FactorLine]:
    seen: dict[tuple[str, int], FactorLine] = {}
    for use in total.co2.factors:
        f = use.factor
        key = (use.role, f.list_year)
        if key not in seen:
            seen[key] = FactorLine(
                use.role,
                f.kind,
                f.category,
                f.year,
                f.list_year,
                f.value,
                f.unit,
                f.scope,
                f.source,
                f.verified,
                f.note,
            )
    return sorted(seen.values(), key=lambda x: (x.role, x.list_year))


def _boundary_details(cfg: SiteConfig) -> dict[str, str]:
    b = cfg.balance
    out = {"electricity": b.grid_meter or "", "gas": b.gas_meter or "", "own_solar": ", ".join(b.solar)}
    coll = b.collective
    out["collective_share"] = (
        f"{coll.installation}: {coll.shares_held:g}/{coll.shares_total:g}"
        if coll and coll.shares_total
        else (coll.installation if coll else "")
    )
    return out


def _month(p: PeriodBalance) -> MonthCo2:
    cov = p.coverage
    empty = bool(cov.series) and all(s.present == 0 for s in cov.series) and cov.expected_hours > 0
    return MonthCo2(
        p.period.start,
        None if empty else p.co2.net_kg,
        p.co2.emitted_kg,
        p.co2.avoided_kg,
        cov.partial,
        cov.in_progress,
        cov.fraction,
    )


def co2_overview(ctx: DashContext, now: float) -> Co2Overview:
    """Everything the CO2 page shows; computed at most once per hour."""
    hour = int(now // HOUR)
    return ctx.cached(("co2-overview", ctx.store.site, hour), HOUR, lambda: _overview(ctx, now))


def _overview(ctx: DashContext, now: float) -> Co2Overview:
    cfg = effective_config(ctx)
    day = local_date(now, ctx.tz)
    started = min(start_date(ctx, now), day)
    end = day + timedelta(days=1)
    rep = balance_for(ctx.store, cfg, started, end, "month", now=now, factors=factors(ctx))
    months = [_month(p) for p in rep.periods]
    cumulative: list[tuple[float, float]] = []
    running = 0.0
    positive_since: float | None = None
    for m in months:
        running += m.net_kg or 0.0
        cumulative.append((m.start, running))
        if running < 0:
            positive_since = None
        elif positive_since is None:
            positive_since = m.start
    proj = None
    try:
        proj = projection(ctx.store, cfg, today=day, now=now, started=started, factors=factors(ctx))
    except ValueError as exc:
        log.warning("no CO2 projection: %s", exc)
    rolling = last_12_months(ctx, now)
    b = cfg.balance
    return Co2Overview(
        started,
        months,
        cumulative,
        rep.total,
        rolling,
        proj,
        positive_since,
        _factor_lines(rep.total),
        b.boundary.model_dump(),
        _boundary_details(cfg),
        b.gas_kwh_per_m3,
        b.gas_kwh_per_m3_source,
        list(rep.warnings),
    )
