"""The household's year next to the Dutch average for the same household size and dwelling type.

Within 15 % of the average counts as "about the same": the averages are rounded, a household
is never exactly average, and B1 sentences should not make a 5 % difference sound like news.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurtwatt.coach.data import Averages, Cited
from buurtwatt.coach.household import Household, YearUse

SAME_BAND = 0.15


@dataclass(frozen=True)
class Against:
    """One energy carrier compared: the household's use, the average and the verdict."""

    carrier: str  # "electricity" | "gas"
    own: float
    average: Cited
    group: str  # what it is compared with: "2" (persons) or "terraced" (dwelling)

    @property
    def ratio(self) -> float:
        return self.own / self.average.value

    @property
    def verdict(self) -> str:
        """ "less", "same" or "more"."""
        if self.ratio < 1 - SAME_BAND:
            return "less"
        if self.ratio > 1 + SAME_BAND:
            return "more"
        return "same"

    @property
    def percent(self) -> int:
        """How far from the average, in whole percent (always positive)."""
        return round(abs(self.ratio - 1) * 100)


@dataclass(frozen=True)
class Comparison:
    electricity: Against
    gas: Against | None  # None when the home is not heated with gas


def compare(use: YearUse, household: Household, averages: Averages) -> Comparison:
    """Electricity by household size (what the grid delivered: averages are grid deliveries
    too), gas by dwelling type; gas only for a gas boiler."""
    size, kwh = averages.kwh(household.persons)
    electricity = Against("electricity", use.kwh_used, kwh, str(size))
    gas = None
    if household.heating == "gas_boiler":
        gas = Against("gas", use.gas_m3, averages.m3(household.dwelling), household.dwelling)
    return Comparison(electricity, gas)
