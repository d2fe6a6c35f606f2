"""The one place the dashboard asks for energy and CO2 balances (buurtwatt.balance, issue 7).

The balance owns the maths and the definitions (live power too); this module picks the
periods, passes the site's roles (resolved once, ``DashContext.roles``) and caches: a
closed month never changes, and the overview since the start only needs to be fresh to
the hour, so callbacks stay fast.

Sign: ``net_kg`` is avoided minus emitted, as in the balance. Above zero is good.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field
from datetime import date, timedelta

from buurtwatt.balance import (
    BalanceReport,
    ClimateBucket,
    Co2Balance,
    EnergyBalance,
    EnergyBucket,
    Factors,
    LivePower,
    PeriodBalance,
    PlugHistory,
    Projection,
    RoomClimate,
    balance_for,
    energy_buckets,
    energy_of,
    equivalents,
    factors_for,
    live_now,
    plug_energy,
    plug_history,
    power_history,
    projection,
    room_climate,
    room_history,
    today_so_far,
)
from buurtwatt.balance.compute import co2_from_sums
from buurtwatt.balance.own_shares import with_own_shares
from buurtwatt.config import SiteConfig
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_date, local_midnight
from dashboard.context import DashContext
from dashboard.i18n import LANGUAGES

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
    label: dict[str, str] = field(default_factory=dict)  # the category in words, per language
    source_text: dict[str, str] = field(default_factory=dict)  # the source in words, per language

    def text(self, what: str, lang: str) -> str:
        """``label`` or ``source`` in ``lang``; the category id or the citation when there is none."""
        if what == "label":
            return self.label.get(lang, self.category)
        return self.source_text.get(lang, self.source)


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
    collective: tuple[str, float, float] | None  # the roof's title, shares held, shares in all
    gas_kwh_per_m3: float
    gas_source: str
    warnings: list[str] = field(default_factory=list)

    @property
    def partial_months(self) -> list[MonthCo2]:
        return [m for m in self.months if m.partial]


@dataclass(frozen=True)
class SiteDay:
    """One building's day, from its balance; the city total adds them up."""

    solar_kwh: float
    use_kwh: float
    import_kwh: float
    export_kwh: float
    net_kg: float  # avoided - emitted; above zero is good

    @classmethod
    def of(cls, today: PeriodBalance) -> SiteDay:
        e = today.energy
        return cls(e.production_kwh, e.consumption_kwh, e.import_kwh, e.export_kwh, today.co2.net_kg)

    def __add__(self, other: SiteDay) -> SiteDay:
        return SiteDay(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


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
            store, ctx.config, first, end, by, now=now, factors=factors(ctx), roles=ctx.roles(store)
        ),
    )


def today(ctx: DashContext, now: float, store: Store | None = None) -> PeriodBalance:
    """Today so far (local day), as ``buurtwatt balance`` computes it; cached a few seconds."""
    store = store or ctx.store
    key = ("today", store.site, int(now // TODAY_TTL))
    return ctx.cached(
        key,
        TODAY_TTL,
        lambda: today_so_far(store, ctx.config, now=now, factors=factors(ctx), roles=ctx.roles(store)),
    )


def live(ctx: DashContext) -> LivePower:
    """Power now, with the balance's definitions."""
    return live_now(ctx.store, ctx.roles())


@dataclass(frozen=True)
class Verdict:
    """Is the building CO2-positive and energy-positive, this calendar year and since the start?"""

    year_first: date  # 1 January, or the start when it began later this year
    year: PeriodBalance
    started: date
    since_start: PeriodBalance  # the same figure as /co2's "since the start"


def verdict(ctx: DashContext, now: float) -> Verdict:
    """Cached a minute: the year's figure moves slowly, and every screen asks every 2 s."""
    return ctx.cached(("verdict", ctx.store.site, int(now // 60)), 60, lambda: _verdict(ctx, now))


def _verdict(ctx: DashContext, now: float) -> Verdict:
    day = local_date(now, ctx.tz)
    started = min(start_date(ctx, now), day)
    first = max(date(day.year, 1, 1), started)
    year = report(ctx, ctx.store, first, day + timedelta(days=1), "total", now).total
    return Verdict(first, year, started, co2_overview(ctx, now).total)


def power_24h(ctx: DashContext, now: float) -> list[LivePower]:
    """Power per 15 minutes over the last 24 hours (the screen's rolling graph); cached a minute."""
    key = ("power24", ctx.store.site, int(now // 60))
    return ctx.cached(key, 60, lambda: power_history(ctx.store, ctx.roles(), now - 86400, now + 1))


def plugs_today(ctx: DashContext, now: float) -> list[tuple[str, float]]:
    """(plug, kWh today), most first: who used most today."""
    start = local_midnight(local_date(now, ctx.tz), ctx.tz)
    key = ("plugs-today", ctx.store.site, int(now // 30))
    used = ctx.cached(key, 30, lambda: plug_energy(ctx.store, ctx.roles(), start, now))
    return sorted(used.items(), key=lambda kv: -kv[1])


def rooms(ctx: DashContext) -> list[RoomClimate]:
    """The newest climate of every room sensor."""
    return room_climate(ctx.store, ctx.roles())


@dataclass(frozen=True)
class PeriodRows:
    """The buckets of one period, each at its place in the period (hour 0-23, day 0-30, month 0-11).

    A place without a bucket has no data: it gets no bar, never a zero.
    """

    first: date
    slots: list[float]  # start of every place in the period
    rows: list[tuple[int, EnergyBucket]]  # (place, bucket) for places with data

    def values(self, key: str, sign: float = 1.0) -> list[float | None]:
        out: list[float | None] = [None] * len(self.slots)
        for i, r in self.rows:
            out[i] = sign * getattr(r, key)
        return out

    @property
    def buckets(self) -> list[EnergyBucket]:
        return [r for _, r in self.rows]


def buckets(ctx: DashContext, start: float, end: float, resolution: Resolution) -> list[EnergyBucket]:
    """Energy per chart bucket (the balance's definitions per bucket)."""
    return energy_buckets(ctx.store, ctx.roles(), start, end, resolution)


def plug_buckets(
    ctx: DashContext, plug: str, start: float, end: float, resolution: Resolution
) -> PlugHistory:
    """One plug's kWh per chart bucket (its counter, else its hourly mean power)."""
    return plug_history(ctx.store, ctx.roles(), plug, start, end, resolution)


def room_buckets(
    ctx: DashContext, room: str, start: float, end: float, resolution: Resolution
) -> dict[str, list[ClimateBucket]]:
    """One room's CO2, temperature and humidity per chart bucket: mean, lowest and highest."""
    return room_history(ctx.store, ctx.roles(), room, start, end, resolution)


def on_slots(slots: list[float], points: Iterable[tuple[float, float | None]]) -> list[float | None]:
    """Values at their place in the period (``slots`` are the places' starts); a place
    without a value stays None: no bar, no point, never a zero."""
    out: list[float | None] = [None] * len(slots)
    for ts, value in points:
        if slots and ts >= slots[0]:
            out[bisect_right(slots, ts) - 1] = value
    return out


def climate_mean(buckets: list[ClimateBucket]) -> float | None:
    """The mean over a period of bucket means (each bucket counts once)."""
    return sum(b.mean for b in buckets) / len(buckets) if buckets else None


def energy_over(ctx: DashContext, rows: list[EnergyBucket]) -> EnergyBalance:
    """The energy balance over the sum of some buckets."""
    return energy_of(rows, ctx.config.balance)


def last_12_months(ctx: DashContext, now: float) -> PeriodBalance:
    """The 12 months up to and including today: summer and winter both count."""
    day = local_date(now, ctx.tz)
    first = min(day, max(_year_back(day), start_date(ctx, now)))
    return report(ctx, ctx.store, first, day + timedelta(days=1), "total", now).total


def co2_of_energy(
    ctx: DashContext, import_kwh: float, export_kwh: float, gas_m3: float, year: int
) -> Co2Balance:
    """CO2 of imagined energy (the coach's "what if", a plug's year) with the year's factors."""
    cfg = ctx.config.balance
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
        series = ctx.roles().import_kwh
        if series is None:
            return local_date(now, tz)
        ten_years = local_midnight(date(local_date(now, tz).year - 10, 1, 1), tz)
        months = [r for r in store.read(str(series), ten_years, now + 1, Resolution.MONTH) if r.count]
        if not months:
            return local_date(now, tz)
        days = [r for r in store.read(str(series), months[0].ts, now + 1, Resolution.DAY) if r.count]
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
                {lang: f.text("label", lang) for lang in LANGUAGES},
                {lang: f.text("source", lang) for lang in LANGUAGES},
            )
    return sorted(seen.values(), key=lambda x: (x.role, x.list_year))


def _collective(cfg: SiteConfig) -> tuple[str, float, float] | None:
    """The collective roof by its name for people, with the building's shares of all shares.

    Device names and installation ids ("meter", "moerwijk-dak") are not shown on the page."""
    # the building's own shares come from the register when it names the organisation
    coll = with_own_shares(cfg, local_date(time.time(), cfg.site.tz)).collective
    if coll is None:
        return None
    titles = {i.name: i.title for i in cfg.installations}
    return titles.get(coll.installation, coll.installation), coll.shares_held, coll.shares_total


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
    cfg, roles = ctx.config, ctx.roles()
    day = local_date(now, ctx.tz)
    started = min(start_date(ctx, now), day)
    end = day + timedelta(days=1)
    rep = balance_for(ctx.store, cfg, started, end, "month", now=now, factors=factors(ctx), roles=roles)
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
        proj = projection(
            ctx.store, cfg, today=day, now=now, started=started, factors=factors(ctx), roles=roles
        )
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
        _collective(cfg),
        b.gas_kwh_per_m3,
        b.gas_kwh_per_m3_source,
        list(rep.warnings),
    )
