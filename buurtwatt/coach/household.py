"""A household's year of energy, from its yearly bill or from two meter readings.

A year is 365 days. Two readings are scaled by 365 / (days between them), so a period that
holds 29 February counts that day like any other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

DWELLINGS = ("apartment", "terraced", "corner", "semi_detached", "detached")
HEATING = ("gas_boiler", "district_heat", "heat_pump")
PERIODS = ("before_1945", "1945_1974", "1975_1991", "1992_2005", "after_2005")
DAYS_PER_YEAR = 365


class HouseholdError(ValueError):
    """An input that cannot describe a household (negative use, readings going backwards)."""


@dataclass(frozen=True)
class Household:
    persons: int
    dwelling: str = "terraced"
    heating: str = "gas_boiler"
    period: str = "1975_1991"

    def __post_init__(self) -> None:
        if self.persons < 1:
            raise HouseholdError("a household has at least one person")
        if self.dwelling not in DWELLINGS:
            raise HouseholdError(f"dwelling must be one of {', '.join(DWELLINGS)}")
        if self.heating not in HEATING:
            raise HouseholdError(f"heating must be one of {', '.join(HEATING)}")
        if self.period not in PERIODS:
            raise HouseholdError(f"period must be one of {', '.join(PERIODS)}")


@dataclass(frozen=True)
class Prices:
    """The supplier's prices in euro, including taxes, per kWh and per m3."""

    kwh_normal: float = 0.30
    kwh_low: float | None = None  # None: one price for all hours
    kwh_return: float | None = None  # None: the same as kwh_normal (net metering until 2027)
    gas_m3: float = 1.40

    def kwh_average(self, use: YearUse) -> float:
        """The price of one kWh less, weighted by how the household splits normal and low."""
        low = self.kwh_normal if self.kwh_low is None else self.kwh_low
        total = use.kwh_normal + use.kwh_low
        if total <= 0:
            return self.kwh_normal
        return (use.kwh_normal * self.kwh_normal + use.kwh_low * low) / total


@dataclass(frozen=True)
class MeterReading:
    day: date
    kwh_normal: float
    kwh_low: float = 0.0
    kwh_returned_normal: float = 0.0
    kwh_returned_low: float = 0.0
    gas_m3: float = 0.0

    @property
    def kwh_returned(self) -> float:
        return self.kwh_returned_normal + self.kwh_returned_low

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["day"] = self.day.isoformat()
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> MeterReading:
        return cls(**{**raw, "day": date.fromisoformat(str(raw["day"]))})


@dataclass(frozen=True)
class YearUse:
    """Energy in one year (365 days); ``days`` is the length of the period it came from."""

    kwh_normal: float
    kwh_low: float
    kwh_returned: float
    gas_m3: float
    days: int = DAYS_PER_YEAR

    @property
    def kwh_used(self) -> float:
        """Electricity taken from the grid."""
        return self.kwh_normal + self.kwh_low

    @property
    def kwh_net(self) -> float:
        return self.kwh_used - self.kwh_returned

    def cost_eur(self, prices: Prices) -> float:
        """The energy part of the bill (no fixed charges, no tax rebate)."""
        low = prices.kwh_normal if prices.kwh_low is None else prices.kwh_low
        back = prices.kwh_normal if prices.kwh_return is None else prices.kwh_return
        return (
            self.kwh_normal * prices.kwh_normal
            + self.kwh_low * low
            - self.kwh_returned * back
            + self.gas_m3 * prices.gas_m3
        )

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def _check(*values: float) -> None:
    if any(v < 0 for v in values):
        raise HouseholdError("amounts on a bill or a meter are never negative")


def from_bill(
    kwh_normal: float, kwh_low: float, kwh_returned: float, gas_m3: float, days: int = DAYS_PER_YEAR
) -> YearUse:
    """A yearly bill (jaarafrekening); when it covers ``days`` instead of a year, scale it."""
    _check(kwh_normal, kwh_low, kwh_returned, gas_m3)
    if days < 1:
        raise HouseholdError("a bill covers at least one day")
    f = DAYS_PER_YEAR / days
    return YearUse(kwh_normal * f, kwh_low * f, kwh_returned * f, gas_m3 * f, days)


def between(first: MeterReading, second: MeterReading) -> YearUse:
    """What the meters counted between two readings, NOT scaled (``days`` = the period)."""
    days = (second.day - first.day).days
    if days < 1:
        raise HouseholdError("the second reading must be at least one day after the first")
    deltas = (
        second.kwh_normal - first.kwh_normal,
        second.kwh_low - first.kwh_low,
        second.kwh_returned - first.kwh_returned,
        second.gas_m3 - first.gas_m3,
    )
    if any(d < 0 for d in deltas):
        raise HouseholdError("a meter went backwards between the readings (a new meter? enter a bill)")
    return YearUse(*deltas, days=days)


def from_readings(first: MeterReading, second: MeterReading) -> YearUse:
    """Two meter readings with their dates, scaled to a year of 365 days."""
    period = between(first, second)
    f = DAYS_PER_YEAR / period.days
    return YearUse(
        period.kwh_normal * f, period.kwh_low * f, period.kwh_returned * f, period.gas_m3 * f, period.days
    )
