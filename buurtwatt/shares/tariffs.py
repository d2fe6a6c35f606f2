"""Euros per kWh over time: the postcoderoos energy-tax discount (incl. BTW) and the SCE subsidy.

Read from the shares section of config/factors/nl.toml. :func:`rate_periods` cuts a period
into pieces with one price each (calendar years, BTW changes, the end of the 15-year window).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.tariffs.tax import load_tax_table

DEFAULT_FACTORS = Path(__file__).resolve().parent.parent.parent / "config" / "factors" / "nl.toml"


class TariffError(ValueError):
    pass


@dataclass(frozen=True)
class TaxYear:
    year: int
    reduction: Decimal  # EUR/kWh excl. BTW
    btw: tuple[tuple[date, Decimal], ...]  # (from, percent)
    source: str = ""
    verified: bool = True


@dataclass(frozen=True)
class Tariffs:
    energy_tax: dict[int, TaxYear]
    cap_kwh_per_year: int = 10_000
    scheme_years: int = 15
    sce_correction: dict[int, tuple[Decimal, bool]] = field(default_factory=dict)  # year -> (EUR/kWh, final)
    full_load_hours: int = 900
    sce_sources: dict[int, str] = field(default_factory=dict)  # year -> where the correctiebedrag is from


@dataclass(frozen=True)
class RatePeriod:
    first: date
    last: date
    eur_per_kwh: Fraction  # what one allocated kWh is worth to the member (PCR) or cooperative (SCE)
    note: str = ""
    known: bool = True  # False: no published figures for this year; eur_per_kwh is 0 until they are


def load_tariffs(path: Path | str | None = None) -> Tariffs:
    file = Path(path) if path else DEFAULT_FACTORS
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TariffError(f"{file}: cannot read the energy-tax tables: {exc}") from None
    tax = raw.get("energy_tax", {})
    # the per-year rates have one owner: the tax table of buurtwatt/tariffs
    years = {year: TaxYear(year, *fields) for year, fields in load_tax_table().pcr_years().items()}
    sce = raw.get("sce", {})
    corrections = {
        int(k): (Decimal(str(v["netlevering"])), bool(v.get("final", False)))
        for k, v in sce.get("correctiebedrag", {}).items()
    }
    sources = {int(k): str(v.get("source", "")) for k, v in sce.get("correctiebedrag", {}).items()}
    return Tariffs(
        years,
        int(tax.get("cap_kwh_per_year", 10_000)),
        int(tax.get("scheme_years", 15)),
        corrections,
        int(sce.get("full_load_hours", 900)),
        sources,
    )


def scheme_end(installation: InstallationConfig, tariffs: Tariffs) -> date:
    """Last day of the 15-year window that starts at the first delivery."""
    start = installation.delivery_start
    try:
        end = start.replace(year=start.year + tariffs.scheme_years)
    except ValueError:  # 29 February
        end = date(start.year + tariffs.scheme_years, 3, 1)
    return end - timedelta(days=1)


def _tax_year(tariffs: Tariffs, year: int) -> tuple[TaxYear | None, str]:
    """The year's energy tax; a year missing from the table is said, never filled from another."""
    if year in tariffs.energy_tax:
        entry = tariffs.energy_tax[year]
        return entry, "" if entry.verified else f"energy tax {year} is not verified"
    return None, f"no published energy tax for {year} in the table; the discount of {year} is not known yet"


def sce_rate(installation: InstallationConfig, tariffs: Tariffs, year: int) -> tuple[Fraction | None, str]:
    """basisbedrag - max(correctiebedrag, basisenergieprijs), never below 0; None when the year's
    correctiebedrag is not published (another year's is never used instead)."""
    sce = installation.sce
    assert sce is not None
    if str(year) in sce.eur_per_kwh:
        return Fraction(sce.eur_per_kwh[str(year)]), ""
    if sce.basisbedrag is None:
        raise TariffError(
            f"installation {installation.name!r}: no SCE subsidy for {year}; "
            f'add eur_per_kwh = {{"{year}" = ...}} to its sce table'
        )
    if year not in tariffs.sce_correction:
        return None, f"no published SCE correctiebedrag for {year}; the subsidy of {year} is not known yet"
    correction, final = tariffs.sce_correction[year]
    note = "" if final else f"SCE correctiebedrag {year} is provisional"
    floor = Fraction(sce.basisenergieprijs or 0)
    if floor > correction:
        floored = f"{year}: correctiebedrag below the basisenergieprijs; floored"
        note = "; ".join(filter(None, [note, floored]))
    return max(Fraction(0), Fraction(sce.basisbedrag) - max(Fraction(correction), floor)), note


def rate_periods(
    installation: InstallationConfig, tariffs: Tariffs, start: date, end: date
) -> list[RatePeriod]:
    """Pieces of [start, end] with one price each."""
    cuts = {start, end + timedelta(days=1)}
    for year in range(start.year, end.year + 2):
        cuts.add(date(year, 1, 1))
        for begin, _pct in tariffs.energy_tax.get(year, TaxYear(year, Decimal(0), ())).btw:
            cuts.add(begin)
    window_end = scheme_end(installation, tariffs)
    cuts |= {installation.delivery_start, window_end + timedelta(days=1)}
    bounds = sorted(c for c in cuts if start <= c <= end + timedelta(days=1))
    out: list[RatePeriod] = []
    for first, after in zip(bounds, bounds[1:], strict=False):
        last = after - timedelta(days=1)
        if first < installation.delivery_start or first > window_end:
            out.append(RatePeriod(first, last, Fraction(0), "outside the 15-year window"))
        elif installation.scheme == "sce":
            if installation.sce and installation.sce.payout == "per_share":
                out.append(RatePeriod(first, last, Fraction(0)))
            else:
                rate, note = sce_rate(installation, tariffs, first.year)
                out.append(RatePeriod(first, last, rate or Fraction(0), note, rate is not None))
        else:
            entry, note = _tax_year(tariffs, first.year)
            if entry is None:
                out.append(RatePeriod(first, last, Fraction(0), note, known=False))
                continue
            pct = next((p for b, p in reversed(entry.btw) if b <= first), entry.btw[0][1] if entry.btw else 0)
            out.append(RatePeriod(first, last, Fraction(entry.reduction) * (1 + Fraction(pct) / 100), note))
    return out
