"""The SCE figures of one installation per year, each with where it comes from, for people
to check: what the beschikking fixed, what RVO published per year, and what that makes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.tariffs import Tariffs, sce_rate


@dataclass(frozen=True)
class SceYear:
    year: int
    correctiebedrag: Decimal | None  # None: not published (never filled from another year)
    final: bool
    source: str
    subsidy: Decimal | None  # EUR/kWh = basisbedrag - max(correctiebedrag, basisenergieprijs), >= 0
    floored: bool  # the correctiebedrag was below the basisenergieprijs


def sce_years(installation: InstallationConfig, tariffs: Tariffs, last_year: int) -> list[SceYear]:
    """From the first delivery's year through ``last_year``; empty for a roof that is not SCE
    per kWh from a beschikking."""
    sce = installation.sce
    if sce is None or sce.payout != "per_kwh" or sce.basisbedrag is None:
        return []
    out = []
    for year in range(installation.delivery_start.year, last_year + 1):
        published = tariffs.sce_correction.get(year)
        rate, _note = sce_rate(installation, tariffs, year)
        floor = sce.basisenergieprijs or Decimal(0)
        out.append(
            SceYear(
                year,
                published[0] if published else None,
                bool(published and published[1]),
                tariffs.sce_sources.get(year, ""),
                None if rate is None else Decimal(rate.numerator) / Decimal(rate.denominator),
                bool(published and published[0] < floor),
            )
        )
    return out
