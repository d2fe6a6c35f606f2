"""The postcoderoos figures of one installation per year, each with where it comes from: the
energy-tax reduction per kWh and the BTW on top, or that the year has no published figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.tariffs import Tariffs, scheme_end


@dataclass(frozen=True)
class PcrYear:
    year: int
    reduction: Decimal | None  # EUR/kWh excl. BTW; None: not in the table (never another year's)
    btw: tuple[Decimal, ...]  # percentages in force during the year
    source: str
    verified: bool


def pcr_years(installation: InstallationConfig, tariffs: Tariffs, last_year: int) -> list[PcrYear]:
    """From the first delivery's year through ``last_year`` (or the window's end); empty for SCE."""
    if installation.scheme != "postcoderoos":
        return []
    end = min(last_year, scheme_end(installation, tariffs).year)
    out = []
    for year in range(installation.delivery_start.year, end + 1):
        entry = tariffs.energy_tax.get(year)
        if entry is None:
            out.append(PcrYear(year, None, (), "", False))
            continue
        pcts = tuple(p for start, p in entry.btw if start <= date(year, 12, 31))
        out.append(PcrYear(year, entry.reduction, pcts, entry.source, entry.verified))
    return out
