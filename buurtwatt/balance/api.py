"""The balance from a store, for the CLI and the dashboard (see the package docstring)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buurtwatt.balance.compute import compute_balance
from buurtwatt.balance.config import BalanceConfig
from buurtwatt.balance.factors import DEFAULT_FACTORS_FILE, FactorError, Factors, load_factors
from buurtwatt.balance.model import PeriodBalance
from buurtwatt.balance.periods import local_date, local_midnight, split_periods
from buurtwatt.balance.projection import Projection, project
from buurtwatt.balance.reader import read_hourly, series_roles
from buurtwatt.store.base import Store

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
    factors_file: str
    warnings: list[str] = field(default_factory=list)

    def boundary_lines(self) -> list[str]:
        """The system boundary in plain words (English; the dashboard translates its own)."""
        b, cfg = self.balance.boundary, self.balance
        coll = cfg.collective
        lines = [
            f"building electricity: {'counted' if b.electricity else 'not counted'}"
            + (f" (grid meter {cfg.grid_meter})" if cfg.grid_meter else ""),
            f"gas: {'counted' if b.gas else 'not counted'}"
            + (
                f" (gas meter {cfg.gas_meter}, {cfg.gas_kwh_per_m3:g} kWh/m3)"
                if cfg.gas_meter
                else " (no gas meter)"
            ),
            f"own solar: {'counted' if b.own_solar else 'not counted'}"
            + (f" ({', '.join(cfg.solar)})" if cfg.solar else " (no inverters)"),
        ]
        if coll is None:
            lines.append("collective roof: none configured")
        else:
            held = (
                f"{coll.shares_held:g} of {coll.shares_total:g} shares" if coll.shares_total else "0 shares"
            )
            lines.append(
                f"share of the collective roof {coll.installation}: "
                f"{'counted' if b.collective_share else 'not counted'} ({held}); "
                "the rest belongs to its participants and is never counted here"
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


def check_roles(config: SiteConfig, factors: Factors) -> list[str]:
    """Problems with the [balance] section that the config model alone cannot see."""
    cfg = config.balance
    names = {d.name for d in config.devices}
    problems = []
    for label, device in [
        ("grid_meter", cfg.grid_meter),
        ("gas_meter", cfg.gas_meter),
        *(("solar", d) for d in cfg.solar),
    ]:
        if device and names and device not in names:
            problems.append(f"balance.{label}: no device named {device!r} in [[devices]]")
    if not cfg.grid_meter:
        problems.append("balance.grid_meter is not set: grid import and export are not counted")
    try:
        factors.electricity(cfg.electricity_category, 2000)
        if cfg.avoided_category:
            factors.electricity(cfg.avoided_category, 2000)
        if cfg.gas_meter:
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
) -> BalanceReport:
    """The balance of local dates [start, end) split by hour, day, month, year or total."""
    tz = config.site.tz
    now = time.time() if now is None else now
    factors = factors or factors_for(config)
    warnings = check_roles(config, factors)
    periods = split_periods(start, end, by, tz)
    total = split_periods(start, end, "total", tz)
    t0, t1 = local_midnight(start, tz), local_midnight(end, tz)
    fast = not exact and by != "hour" and config.balance.grid_intensity == "yearly"
    data = read_hourly(store, config.balance, t0, t1, night=config.site.night, tz=tz, now=now, exact=not fast)
    if by == "total":
        results = compute_balance(data, periods, config.balance, factors, tz, now)
        total_result = results[0]
    else:
        *results, total_result = compute_balance(data, periods, config.balance, factors, tz, now, total[0])
    return BalanceReport(
        config.site.name,
        config.site.timezone,
        start,
        end,
        by,
        results,
        total_result,
        config.balance,
        factors.origin,
        warnings,
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
    since = balance_for(store, config, started, end, "total", now=now, factors=factors)
    window_start = max(started, date(today.year - 1, today.month, min(today.day, 28)) + timedelta(days=1))
    window = balance_for(store, config, window_start, end, "total", now=now, factors=factors)
    window_days = min((now - local_midnight(window_start, tz)) / 86400, (end - window_start).days)
    return project(since.total.co2.net_kg, window.total.co2.net_kg, max(window_days, 1 / 24), today)


__all__ = ["BalanceReport", "balance_for", "check_roles", "factors_for", "projection", "series_roles"]
