"""What the building's energy costs per day, month and year, under the rules of each period.

Pure function over hourly import/export kWh and gas m3 (no I/O). All prices in the config and
the tax table are excl. BTW; BTW is added per day at the rate of that day.

How the two Dutch regimes are applied (the rule this module implements):

- **Net metering** (salderingsregeling), days up to and including ``net_metering_until``
  (2026-12-31): netting is done per **calendar year** over the hours given. In a year where
  export <= import, every exported kWh is netted against an imported kWh: it lowers the supply
  price and the energy tax at that hour's price (BTW included). In a year where export >
  import, the same fraction f = (export - import) / export of every exported kWh is not netted
  and earns the feed-in compensation (``export_eur_per_kwh``) instead; the rest is netted. So a
  year's energy tax is never negative. For a running year the netting covers the hours so far.
  (A real bill nets per contract year; a calendar year is what the dashboard shows.)
- **Separate settlement**, days from 2027-01-01: import pays price + energy tax + BTW; export
  earns the feed-in compensation. Nothing is netted.
- In both regimes feed-in costs (terugleverkosten) are charged per kWh exported, with BTW;
  the feed-in compensation is credited as configured, without BTW.
- Standing charges accrue per calendar day: per month = amount / days in that month, per
  year = amount / days in that year. The heffingskorting is the year's amount / days in the
  year per day, with the BTW on it, subtracted.

A missing hour (None) costs nothing and is counted in ``missing_hours``: it is never a zero.
A year missing from the tax table is named in ``notes`` and its tax is left out, not reused.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from buurtwatt.tariffs.config import TariffPeriod, TariffsConfig
from buurtwatt.tariffs.tax import MissingTaxYear, TaxTable

HOUR = 3600


@dataclass(frozen=True)
class HourlyEnergy:
    """Hour ``i`` starts at ``start + 3600 * i`` (UTC epoch seconds); None = no data that hour."""

    start: float
    import_kwh: Sequence[float | None]
    export_kwh: Sequence[float | None]
    gas_m3: Sequence[float | None] | None = None

    def __post_init__(self) -> None:
        if self.start % HOUR:
            raise ValueError("hourly energy must start on a whole hour")
        if len(self.import_kwh) != len(self.export_kwh) or (
            self.gas_m3 is not None and len(self.gas_m3) != len(self.import_kwh)
        ):
            raise ValueError("import, export and gas need the same number of hours")


@dataclass
class Cost:
    """EUR for one day, month or year. Credits are positive numbers and are subtracted."""

    supply_eur: float = 0.0  # electricity price (after netting under net metering)
    energy_tax_eur: float = 0.0  # energy tax on electricity (after netting)
    feed_in_cost_eur: float = 0.0
    gas_eur: float = 0.0  # gas price + energy tax on gas
    standing_eur: float = 0.0
    btw_eur: float = 0.0
    export_credit_eur: float = 0.0  # feed-in compensation received
    heffingskorting_eur: float = 0.0  # excl. BTW; its BTW is in btw_eur
    missing_hours: int = 0
    net_metering: bool = False

    @property
    def total_eur(self) -> float:
        return (
            self.supply_eur
            + self.energy_tax_eur
            + self.feed_in_cost_eur
            + self.gas_eur
            + self.standing_eur
            + self.btw_eur
            - self.export_credit_eur
            - self.heffingskorting_eur
        )

    def add(self, other: Cost) -> None:
        for f in fields(self):
            if f.name == "net_metering":
                self.net_metering = self.net_metering or other.net_metering
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class CostReport:
    days: dict[date, Cost]
    months: dict[tuple[int, int], Cost]
    years: dict[int, Cost]
    notes: tuple[str, ...] = ()  # missing periods, prices or tax years: shown to the user
    unverified: tuple[str, ...] = ()  # tax figures used that are not checked against the Belastingdienst
    total: Cost = field(default_factory=Cost)

    def between(self, first: date, end: date) -> Cost | None:
        """The sum of the local days [first, end); None when no day of it was computed."""
        out, found = Cost(), False
        for day, cost in self.days.items():
            if first <= day < end:
                out.add(cost)
                found = True
        return out if found else None


def _value(series: Sequence[float | None] | None, i: int) -> float | None:
    return None if series is None else series[i]


def compute_costs(
    energy: HourlyEnergy,
    tariffs: TariffsConfig,
    table: TaxTable,
    tz: ZoneInfo,
    day_ahead: Mapping[int, float] | None = None,
) -> CostReport:
    """Costs of the hours given, per local day, month and year."""
    notes: dict[str, None] = {}
    unverified: dict[str, None] = {}
    n = len(energy.import_kwh)
    day_of = [
        datetime.fromtimestamp(energy.start + i * HOUR, tz).date() for i in range(n)
    ]  # local date of each hour

    def tax(kind: str, year: int) -> float:
        try:
            entry = getattr(table, kind)(year)
        except MissingTaxYear as exc:
            notes[f"{exc}; left out of the costs of {year}"] = None
            return 0.0
        if not entry.verified:
            unverified[f"{kind} {year}: {entry.value} ({entry.source})"] = None
        return float(entry.value)

    def btw(day: date) -> float:
        try:
            return float(table.btw_pct(day)) / 100
        except MissingTaxYear as exc:
            notes[str(exc)] = None
            return 0.0

    def period(day: date) -> TariffPeriod | None:
        found = tariffs.period(day)
        if found is None:
            notes[f"no tariff period in [tariffs] for {day.year} (first period starts later)"] = None
        return found

    # pass 1: the yearly netting fraction under net metering
    year_import: dict[int, float] = {}
    year_export: dict[int, float] = {}
    for i in range(n):
        imp, exp, day = energy.import_kwh[i], energy.export_kwh[i], day_of[i]
        if imp is None or exp is None or day > tariffs.net_metering_until:
            continue
        year_import[day.year] = year_import.get(day.year, 0.0) + imp
        year_export[day.year] = year_export.get(day.year, 0.0) + exp
    not_netted = {
        y: max(0.0, year_export[y] - year_import[y]) / year_export[y] if year_export[y] > 0 else 0.0
        for y in year_export
    }

    days: dict[date, Cost] = {}
    for i in range(n):
        day = day_of[i]
        cost = days.setdefault(day, Cost(net_metering=day <= tariffs.net_metering_until))
        imp, exp = energy.import_kwh[i], energy.export_kwh[i]
        gas = _value(energy.gas_m3, i)
        p = period(day)
        if imp is None or exp is None or p is None:
            cost.missing_hours += 1
            continue
        hour = int(energy.start + i * HOUR)
        price_in, price_out = p.import_eur_per_kwh, p.export_eur_per_kwh
        if p.hourly:
            market = (day_ahead or {}).get(hour)
            if market is None:
                notes[f"no day-ahead price for some hours of {day.isoformat()}; import prices first"] = None
                cost.missing_hours += 1
                continue
            price_in = market + p.import_markup_eur_per_kwh
            if price_out is None:
                price_out = market + p.export_markup_eur_per_kwh
        assert price_in is not None and price_out is not None  # the config model guarantees it
        rate = btw(day)
        eb = tax("electricity", day.year)
        if cost.net_metering:
            f = not_netted.get(day.year, 0.0)
            billed = imp - exp * (1 - f)  # may be negative in a sunny hour: that is the netting
            credited = exp * f
        else:
            billed, credited = imp, exp
        cost.supply_eur += billed * price_in
        cost.energy_tax_eur += billed * eb
        cost.export_credit_eur += credited * price_out
        feed_in = exp * p.feed_in_cost_eur_per_kwh
        cost.feed_in_cost_eur += feed_in
        taxed = billed * (price_in + eb) + feed_in
        if gas is not None and energy.gas_m3 is not None:
            gas_eur = gas * (p.gas_eur_per_m3 + tax("gas", day.year))
            cost.gas_eur += gas_eur
            taxed += gas_eur
        elif energy.gas_m3 is not None:
            cost.missing_hours += 1
        cost.btw_eur += taxed * rate

    for day, cost in days.items():
        rate = btw(day)
        p = tariffs.period(day)
        year_days = 366 if calendar.isleap(day.year) else 365
        month_days = calendar.monthrange(day.year, day.month)[1]
        standing = 0.0
        for charge in p.standing if p else []:
            standing += charge.eur / {"day": 1, "month": month_days, "year": year_days}[charge.per]
        cost.standing_eur += standing
        korting = tax("heffingskorting", day.year) / year_days if tariffs.heffingskorting else 0.0
        cost.heffingskorting_eur += korting
        cost.btw_eur += (standing - korting) * rate

    months: dict[tuple[int, int], Cost] = {}
    years: dict[int, Cost] = {}
    total = Cost()
    for day in sorted(days):
        months.setdefault((day.year, day.month), Cost()).add(days[day])
        years.setdefault(day.year, Cost()).add(days[day])
        total.add(days[day])
    return CostReport(days, months, years, tuple(notes), tuple(unverified), total)


def whole_days(first: date, end: date, tz: ZoneInfo) -> tuple[float, int]:
    """UTC start and number of hours of the local dates [first, end) (23 or 25 on DST days)."""
    t0 = datetime.combine(first, datetime.min.time(), tz).timestamp()
    t1 = datetime.combine(end, datetime.min.time(), tz).timestamp()
    return t0, int((t1 - t0) // HOUR)


__all__ = ["Cost", "CostReport", "HourlyEnergy", "compute_costs", "whole_days"]
