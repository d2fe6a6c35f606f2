"""The balance from a store, for the CLI and the dashboard (see the package docstring)."""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buurtwatt.balance.compute import compute_balance, consumption, energy_from_sums
from buurtwatt.balance.config import BalanceConfig
from buurtwatt.balance.factors import DEFAULT_FACTORS_FILE, FactorError, Factors, load_factors
from buurtwatt.balance.model import EnergyBalance, EnergyBucket, LivePower, PeriodBalance
from buurtwatt.balance.own_shares import with_own_shares
from buurtwatt.balance.projection import Projection, project
from buurtwatt.balance.reader import read_hourly, series_roles
from buurtwatt.i18n import t
from buurtwatt.roles import ROOM_QUANTITIES, Roles, resolve_roles
from buurtwatt.series import Series
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_date, local_midnight, split_periods, today_range

if TYPE_CHECKING:
    from buurtwatt.config import SiteConfig


@dataclass(frozen=True)
class BalanceReport:
    site: str
    timezone: str
    start: date
    end: date  # exclusive
    by: str
    periods: list[PeriodBalance]
    total: PeriodBalance
    balance: BalanceConfig
    roles: Roles
    factors_file: str
    warnings: list[str] = field(default_factory=list)

    def boundary_lines(self, lang: str = "en") -> list[str]:
        """The system boundary in plain words (the JSON keeps English; the terminal asks for its language)."""
        b, cfg, roles = self.balance.boundary, self.balance, self.roles
        coll = cfg.collective

        def say(key: str, **values: object) -> str:
            return t(f"balance.boundary.{key}", lang, **values)

        def counted(flag: bool) -> str:
            return say("counted" if flag else "not_counted")

        lines = [
            say("electricity", counted=counted(b.electricity))
            + (say("grid_meter", meter=roles.grid) if roles.grid else ""),
            say("gas", counted=counted(b.gas))
            + (
                say("gas_meter", meter=roles.gas, kwh=f"{cfg.gas_kwh_per_m3:g}")
                if roles.gas
                else say("no_gas_meter")
            ),
            say("solar", counted=counted(b.own_solar))
            + (say("inverters", names=", ".join(roles.solar)) if roles.solar else say("no_inverters")),
        ]
        if coll is None:
            lines.append(say("no_collective"))
        else:
            held = (
                say("held", held=f"{coll.shares_held:g}", total=f"{coll.shares_total:g}")
                if coll.shares_total
                else say("no_shares")
            )
            lines.append(
                say(
                    "collective",
                    installation=coll.installation,
                    counted=counted(b.collective_share),
                    held=held,
                )
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "timezone": self.timezone,
            "from": self.start.isoformat(),
            "to": (self.end - timedelta(days=1)).isoformat(),
            "by": self.by,
            "boundary": self.balance.boundary.model_dump(),
            "boundary_text": self.boundary_lines(),
            "roles": self.roles.to_dict(),
            "gas_kwh_per_m3": self.balance.gas_kwh_per_m3,
            "gas_kwh_per_m3_source": self.balance.gas_kwh_per_m3_source,
            "electricity_category": self.balance.electricity_category,
            "grid_intensity": self.balance.grid_intensity,
            "factors_file": self.factors_file,
            "warnings": self.warnings,
            "periods": [p.to_dict() for p in self.periods],
            "total": self.total.to_dict(),
        }


def factors_for(config: SiteConfig) -> Factors:
    """The factors file of the config, read again only when it changed."""
    path = resolve_path(config, config.balance.factors_file) or DEFAULT_FACTORS_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return load_factors(path)  # raises a FactorError that names the file
    return _cached_factors(str(path), stamp)


@lru_cache(maxsize=8)
def _cached_factors(path: str, _stamp: int) -> Factors:
    return load_factors(path)


def resolve_path(config: SiteConfig, path: Path | None) -> Path | None:
    """Relative paths in [balance] are relative to the config file's folder."""
    if path is None or path.is_absolute() or config.source_path is None:
        return path
    return Path(config.source_path).resolve().parent / path


def site_roles(config: SiteConfig, store: Store) -> Roles:
    """The roles of the site, from its config and what the store holds (see ``buurtwatt.roles``)."""
    return resolve_roles(config, store.series_names())


def check_roles(config: SiteConfig, roles: Roles, factors: Factors) -> list[str]:
    """Problems with the roles and the [balance] section that the config model alone cannot see."""
    cfg = config.balance
    # a device may store series under more than one name (a P1 meter's gas channel)
    names = {n for d in config.devices for n in d.series_devices}
    problems = list(roles.notes)
    for label, device in [
        ("grid_meter", cfg.grid_meter),
        ("gas_meter", cfg.gas_meter),
        *(("solar", d) for d in cfg.solar),
    ]:
        if device and names and device not in names:
            problems.append(f"balance.{label}: no device named {device!r} in [[devices]]")
    if not roles.grid:
        problems.append("no grid meter (set balance.grid_meter): grid import and export are not counted")
    try:
        factors.electricity(cfg.electricity_category, 2000)
        if cfg.avoided_category:
            factors.electricity(cfg.avoided_category, 2000)
        if roles.gas:
            factors.gas(cfg.gas_category, 2000)
    except FactorError as exc:
        problems.append(str(exc))
    return problems


def balance_for(
    store: Store,
    config: SiteConfig,
    start: date,
    end: date,
    by: str = "total",
    *,
    now: float | None = None,
    factors: Factors | None = None,
    exact: bool = False,
    roles: Roles | None = None,
) -> BalanceReport:
    """The balance of local dates [start, end) split by hour, day, month, year or total.

    ``roles`` defaults to :func:`site_roles`; callers that ask often resolve them once.
    """
    tz = config.site.tz
    now = time.time() if now is None else now
    factors = factors or factors_for(config)
    roles = roles or site_roles(config, store)
    warnings = check_roles(config, roles, factors)
    periods = split_periods(start, end, by, tz)
    total = split_periods(start, end, "total", tz)
    t0, t1 = local_midnight(start, tz), local_midnight(end, tz)
    bcfg = with_own_shares(config, end - timedelta(days=1))  # the building's shares from the register
    fast = not exact and by != "hour" and bcfg.grid_intensity == "yearly"
    data = read_hourly(store, roles, bcfg, t0, t1, night=config.site.night, tz=tz, now=now, exact=not fast)
    if by == "total":
        results = compute_balance(data, periods, bcfg, factors, tz, now)
        total_result = results[0]
    else:
        *results, total_result = compute_balance(data, periods, bcfg, factors, tz, now, total[0])
    return BalanceReport(
        config.site.name,
        config.site.timezone,
        start,
        end,
        by,
        results,
        total_result,
        bcfg,
        roles,
        factors.origin,
        warnings,
    )


def today_so_far(
    store: Store,
    config: SiteConfig,
    *,
    now: float | None = None,
    factors: Factors | None = None,
    roles: Roles | None = None,
) -> PeriodBalance:
    """The balance of today, local day, up to ``now``: what `buurtwatt balance` says for today."""
    now = time.time() if now is None else now
    first, end = today_range(now, config.site.tz)
    return balance_for(store, config, first, end, "total", now=now, factors=factors, roles=roles).total


def live_now(store: Store, roles: Roles) -> LivePower:
    """Power now from the newest raw values, with the balance's definition of consumption."""
    rows = store.latest(str(s) for s in roles.live_series())
    newest = max((r.ts for r in rows.values()), default=None)

    def value(series: Series | None) -> float | None:
        row = rows.get(str(series)) if series is not None else None
        return None if row is None or row.value is None else row.value

    solar = [v for v in (value(s) for s in roles.solar_w) if v is not None]
    production = sum(solar) if solar else None
    imp, exp = value(roles.import_w), value(roles.export_w)
    used = None
    if imp is not None or production is not None:
        used = consumption(imp or 0.0, exp or 0.0, production or 0.0)
    return LivePower(newest, imp, exp, production, used)


def energy_buckets(
    store: Store, roles: Roles, start: float, end: float, resolution: Resolution
) -> list[EnergyBucket]:
    """Energy per bucket for charts, each bucket with the balance's definition of consumption."""

    def increases(series: tuple[Series | None, ...]) -> dict[float, float]:
        out: dict[float, float] = {}
        for s in series:
            if s is None:
                continue
            for row in store.read(str(s), start, end, resolution):
                if row.value is not None:
                    out[row.ts] = out.get(row.ts, 0.0) + row.value
        return out

    imp, exp = increases((roles.import_kwh,)), increases((roles.export_kwh,))
    prod, gas = increases(roles.solar_kwh), increases((roles.gas_m3,))
    return [
        EnergyBucket(
            ts,
            imp.get(ts, 0.0),
            exp.get(ts, 0.0),
            prod.get(ts, 0.0),
            consumption(imp.get(ts, 0.0), exp.get(ts, 0.0), prod.get(ts, 0.0)),
            gas.get(ts, 0.0),
        )
        for ts in sorted(set(imp) | set(exp) | set(prod) | set(gas))
    ]


def power_history(store: Store, roles: Roles, start: float, end: float) -> list[LivePower]:
    """Power per 15 minutes (means), with the balance's definition of consumption, for a graph.

    A bucket where the grid meter has no data is left out: a gap, never a zero.
    """

    def means(series: tuple[Series | None, ...]) -> dict[float, float]:
        out: dict[float, float] = {}
        for s in series:
            if s is None:
                continue
            for row in store.read(str(s), start, end, Resolution.MIN15):
                if row.value is not None and row.count:
                    out[row.ts] = out.get(row.ts, 0.0) + row.value
        return out

    imp, exp, sun = means((roles.import_w,)), means((roles.export_w,)), means(roles.solar_w)
    out = []
    for ts in sorted(set(imp) | set(exp)):
        i, e, p = imp.get(ts, 0.0), exp.get(ts, 0.0), sun.get(ts)
        out.append(LivePower(ts, i, e, p, consumption(i, e, p or 0.0)))
    return out


def plug_energy(store: Store, roles: Roles, start: float, end: float) -> dict[str, float]:
    """kWh per plug over [start, end): its energy counter where it has one, else its mean power
    per hour times the hour (an hour without samples adds nothing; plugs without data are left out)."""
    out: dict[str, float] = {}
    for plug in roles.plugs:
        counter = [r for r in store.read(str(Series(plug, "energy_kwh")), start, end, Resolution.HOUR)]
        rows = [r for r in counter if r.value is not None and r.count]
        if rows:
            out[plug] = sum(r.value for r in rows if r.value is not None)
            continue
        first_hour = start - start % 3600  # the bucket that holds ``start`` counts in part
        hours = [r for r in store.read(str(roles.plug_w(plug)), first_hour, end, Resolution.HOUR) if r.count]
        if hours:
            # the buckets that hold ``start`` and ``end`` count only for their part inside the range
            total = 0.0
            for r in hours:
                if r.value is None:
                    continue
                span = min(r.ts + 3600, end) - max(r.ts, start)
                total += r.value * max(span, 0.0) / 3.6e6
            out[plug] = total
    return out


@dataclass(frozen=True)
class PlugHistory:
    """A plug's energy per bucket; buckets without data are left out (a gap, never a zero)."""

    plug: str
    from_counter: bool  # True: its own energy_kwh counter; False: mean power per hour times the hour
    kwh: list[tuple[float, float]]  # (bucket start, kWh)

    @property
    def total_kwh(self) -> float | None:
        return sum(v for _, v in self.kwh) if self.kwh else None


def plug_history(
    store: Store, roles: Roles, plug: str, start: float, end: float, resolution: Resolution
) -> PlugHistory:
    """kWh per bucket of one plug: the increases of its energy counter when it has one in
    [start, end), else its hourly mean power times the hour, added up per bucket.

    ``start`` and ``end`` lie on bucket boundaries (local midnights), as a chart's period does."""
    if plug not in roles.plugs:
        raise ValueError(f"{plug!r} is not a plug of this site")
    counter = store.read(str(Series(plug, "energy_kwh")), start, end, resolution)
    rows = [(r.ts, r.value) for r in counter if r.value is not None and r.count]
    if rows:
        return PlugHistory(plug, True, rows)
    power = str(roles.plug_w(plug))
    hours = [r for r in store.read(power, start, end, Resolution.HOUR) if r.value is not None and r.count]
    if resolution == Resolution.HOUR:
        return PlugHistory(plug, False, [(r.ts, r.value / 1000) for r in hours if r.value is not None])
    # the store's own buckets (local days, months) say where each hour belongs
    starts = [r.ts for r in store.read(power, start, end, resolution) if r.count]
    sums: dict[float, float] = {}
    for r in hours:
        place = bisect_right(starts, r.ts) - 1
        if place >= 0 and r.value is not None:
            sums[starts[place]] = sums.get(starts[place], 0.0) + r.value / 1000
    return PlugHistory(plug, False, sorted(sums.items()))


@dataclass(frozen=True)
class ClimateBucket:
    start: float
    mean: float
    low: float | None
    high: float | None


def room_history(
    store: Store, roles: Roles, room: str, start: float, end: float, resolution: Resolution
) -> dict[str, list[ClimateBucket]]:
    """Mean, lowest and highest CO2 ppm, temperature and humidity of one room per bucket
    (keys: ``ROOM_QUANTITIES``); buckets without samples are left out."""
    if room not in roles.rooms:
        raise ValueError(f"{room!r} is not a room sensor of this site")
    return {
        q: [
            ClimateBucket(r.ts, r.value, r.min, r.max)
            for r in store.read(str(Series(room, q)), start, end, resolution)
            if r.value is not None and r.count
        ]
        for q in ROOM_QUANTITIES
    }


@dataclass(frozen=True)
class RoomClimate:
    room: str
    ts: float | None
    co2_ppm: float | None
    temperature_c: float | None
    humidity_pct: float | None


def room_climate(store: Store, roles: Roles) -> list[RoomClimate]:
    """The newest CO2, temperature and humidity of each room sensor."""
    names = {(room, q): str(Series(room, q)) for room in roles.rooms for q in ROOM_QUANTITIES}
    rows = store.latest(names.values())
    out = []
    for room in roles.rooms:
        found = {q: row for q in ROOM_QUANTITIES if (row := rows.get(names[(room, q)])) is not None}
        stamps = [r.ts for r in found.values()]

        def value(q: str, found: dict = found) -> float | None:
            return found[q].value if q in found else None

        out.append(
            RoomClimate(
                room,
                max(stamps) if stamps else None,
                co2_ppm=value("co2_ppm"),
                temperature_c=value("temperature_c"),
                humidity_pct=value("humidity_pct"),
            )
        )
    return out


def energy_of(buckets: list[EnergyBucket], config: BalanceConfig) -> EnergyBalance:
    """The energy balance over the sum of some buckets (the definitions apply to the sums)."""
    return energy_from_sums(
        sum(b.import_kwh for b in buckets),
        sum(b.export_kwh for b in buckets),
        sum(b.production_kwh for b in buckets),
        sum(b.gas_m3 for b in buckets),
        0.0,
        boundary=config.boundary,
        gas_kwh_per_m3=config.gas_kwh_per_m3,
        collective_fraction=0.0,
    )


def site_start(config: SiteConfig, store: Store) -> date | None:
    """The date the building started counting: site.started, else None."""
    return date.fromisoformat(config.site.started) if config.site.started else None


def projection(
    store: Store,
    config: SiteConfig,
    *,
    today: date | None = None,
    now: float | None = None,
    started: date | None = None,
    factors: Factors | None = None,
    roles: Roles | None = None,
) -> Projection:
    """Cumulative net CO2 since the start and the rolling-12-month rate, extrapolated from today.

    The window and the cumulative balance end with ``today`` (included, so far as it has passed).
    """
    tz = config.site.tz
    now = time.time() if now is None else now
    today = today or local_date(now, tz)
    started = started or site_start(config, store)
    if started is None:
        raise ValueError("site.started is not set: the projection needs the date counting started")
    end = today + timedelta(days=1)
    factors = factors or factors_for(config)
    roles = roles or site_roles(config, store)
    since = balance_for(store, config, started, end, "total", now=now, factors=factors, roles=roles)
    window_start = max(started, date(today.year - 1, today.month, min(today.day, 28)) + timedelta(days=1))
    window = balance_for(store, config, window_start, end, "total", now=now, factors=factors, roles=roles)
    window_days = min((now - local_midnight(window_start, tz)) / 86400, (end - window_start).days)
    return project(since.total.co2.net_kg, window.total.co2.net_kg, max(window_days, 1 / 24), today)


__all__ = [
    "BalanceReport",
    "balance_for",
    "check_roles",
    "energy_buckets",
    "energy_of",
    "factors_for",
    "live_now",
    "plug_energy",
    "plug_history",
    "power_history",
    "projection",
    "room_climate",
    "room_history",
    "series_roles",
    "site_roles",
    "today_so_far",
]
