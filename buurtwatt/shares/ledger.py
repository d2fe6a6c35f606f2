"""The I/O side of the shares: find the register, the production and the confirmed years
named in a site config, and hand them to the pure code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from buurtwatt.config import SiteConfig
from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.locked import LockedYear, read_locked, write_locked
from buurtwatt.shares.production import DailyProduction, fill_days, production_from_store, read_production_csv
from buurtwatt.shares.register import Register, RegisterError, RegisterProblem, load_register
from buurtwatt.shares.settle import Settlement, SettlementError, production_span, settle
from buurtwatt.shares.tariffs import Tariffs, load_tariffs
from buurtwatt.store.base import Store


def open_register(
    config: SiteConfig, participants: Path | None = None, holdings: Path | None = None
) -> Register:
    """The register named in [shares] (or the given files); raises RegisterError."""
    participants = participants or config.shares.participants
    holdings = holdings or config.shares.holdings
    if participants is None or holdings is None:
        raise RegisterError([RegisterProblem.of(str(config.source_path or "config"), 0, "not_configured")])
    register = load_register(participants, holdings, config.installations, config.shares.payments)
    check_collective(config, register)
    return register


def most_held(register: Register, installation: str) -> int:
    """The most shares of ``installation`` held on any one day."""
    changes: dict[date, int] = {}
    for h in register.holdings_of(installation):
        changes[h.start] = changes.get(h.start, 0) + h.shares
        if h.end is not None:
            after = h.end + timedelta(days=1)
            changes[after] = changes.get(after, 0) - h.shares
    held = most = 0
    for day in sorted(changes):
        held += changes[day]
        most = max(most, held)
    return most


def check_collective(config: SiteConfig, register: Register) -> None:
    """The building's own shares come from the register (its organisation row), never from a
    second number in [balance.collective]: both together would count the same kWh twice."""
    collective = config.balance.collective
    if collective is None or not collective.shares_held:
        return
    inst = next((i for i in config.installations if i.name == collective.installation), None)
    held = most_held(register, inst.name) if inst else 0
    if register.organisation is not None or (inst and held + collective.shares_held > inst.shares_issued):
        raise RegisterError(
            [
                RegisterProblem.of(
                    str(config.source_path or "config"),
                    0,
                    "collective_twice",
                    name=collective.installation,
                    held=held,
                    extra=f"{collective.shares_held:g}",
                    issued=inst.shares_issued if inst else "?",
                    organisation=register.organisation or "-",
                )
            ]
        )


def find_installation(config: SiteConfig, name: str | None) -> InstallationConfig:
    names = [i.name for i in config.installations]
    if not names:
        raise SettlementError("the config has no [[installations]]")
    if name is None:
        if len(names) > 1:
            raise SettlementError(f"say which installation with --installation: {', '.join(names)}")
        return config.installations[0]
    for inst in config.installations:
        if inst.name == name:
            return inst
    raise SettlementError(f"unknown installation {name!r}; the config has: {', '.join(names)}")


def tariffs_for(config: SiteConfig) -> Tariffs:
    return load_tariffs(config.shares.factors)


def locked_years(config: SiteConfig, installation: InstallationConfig) -> dict[int, LockedYear]:
    return read_locked(config.shares.locked_dir, installation.name)


@dataclass(frozen=True)
class ProductionSource:
    """Where daily production comes from: the store, or a ``date,kwh`` CSV."""

    store: Store | None = None
    csv: Path | None = None

    def daily(
        self, config: SiteConfig, installation: InstallationConfig, first: date, last: date
    ) -> DailyProduction:
        if self.csv is not None:
            measured: dict[date, Decimal] = read_production_csv(self.csv)
            return fill_days(measured, first, last)
        if self.store is None:
            raise SettlementError("no production: give --production FILE or configure a store")
        return production_from_store(self.store, installation.production, first, last, config.site.timezone)


def settle_period(
    config: SiteConfig,
    register: Register,
    installation: InstallationConfig,
    source: ProductionSource,
    start: date,
    end: date,
) -> Settlement:
    locked = locked_years(config, installation)
    first, last = production_span(installation, start, end, locked)
    production = source.daily(config, installation, first, max(first, last))
    return settle(
        installation,
        register.holdings_of(installation.name),
        production,
        tariffs_for(config),
        start,
        end,
        locked,
        {pid: Fraction(kwh) for pid, kwh in register.consumption().items()},
    )


def confirm_year(
    config: SiteConfig,
    register: Register,
    installation: InstallationConfig,
    source: ProductionSource,
    year: int,
    today: date,
    precision: int = 3,
) -> Path:
    """Freeze ``year`` into the locked folder. Refuses a year that has not ended or is confirmed."""
    if year >= today.year:
        raise SettlementError(f"{year} has not ended yet; confirm it from 1 January {year + 1}")
    folder = config.shares.locked_dir
    if folder is None:
        raise SettlementError('[shares] needs holdings = "..." (the locked folder goes next to it)')
    if year in locked_years(config, installation):
        raise SettlementError(
            f"{year} of {installation.name!r} is already confirmed; it is never recomputed. "
            "Later changes are posted into the next open year."
        )
    start = max(date(year, 1, 1), installation.delivery_start)
    end = date(year, 12, 31)
    if start > end:
        raise SettlementError(f"{installation.name!r} started delivering after {year}")
    settlement = settle_period(config, register, installation, source, start, end)
    rounded = settlement.rounded(precision).to_json()
    lock = LockedYear(
        installation.name,
        year,
        today,
        precision,
        settlement.total,
        settlement.kwh,
        settlement.eur,
        settlement.share_days,
        settlement.estimated_days,
        settlement.corrections,
        rounded,
    )
    return write_locked(folder, lock)
