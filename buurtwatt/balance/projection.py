"""When does the building become CO2-positive since the start, at the current rate? (pure)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Status = Literal["positive", "positive_until", "reaches", "not_at_this_rate"]
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class Projection:
    """``net`` is avoided - emitted (kg CO2-eq); positive is good.

    - positive: ahead since the start and not losing ground; ``days_ahead`` says how many days
      of the current rate the lead is worth (None when the rate is 0).
    - positive_until: ahead, but the current rate is negative; ``date`` is when the lead is gone.
    - reaches: behind, the rate is positive; ``date`` is when the building becomes CO2-positive.
    - not_at_this_rate: behind and not catching up.
    """

    status: Status
    cumulative_net_kg: float
    rate_kg_per_year: float
    window_days: float  # length of the window the rate comes from (365 for a full rolling year)
    date: date | None
    days: float | None  # days until ``date`` (reaches, positive_until) or days ahead (positive)

    @property
    def full_year(self) -> bool:
        """A rate from less than a year of data carries the season it was measured in."""
        return self.window_days >= 365


def project(cumulative_net_kg: float, window_net_kg: float, window_days: float, today: date) -> Projection:
    """Extrapolate the rolling-window rate from ``today``."""
    if window_days <= 0:
        raise ValueError("the rate window must be longer than 0 days")
    rate = window_net_kg / window_days * DAYS_PER_YEAR
    per_day = rate / DAYS_PER_YEAR
    if cumulative_net_kg >= 0:
        if rate >= 0:
            return Projection(
                "positive",
                cumulative_net_kg,
                rate,
                window_days,
                None,
                cumulative_net_kg / per_day if per_day > 0 else None,
            )
        days = cumulative_net_kg / -per_day
        return Projection(
            "positive_until", cumulative_net_kg, rate, window_days, today + timedelta(days=int(days)), days
        )
    if rate > 0:
        days = -cumulative_net_kg / per_day
        return Projection(
            "reaches",
            cumulative_net_kg,
            rate,
            window_days,
            today + timedelta(days=int(days) + (days % 1 > 0)),
            days,
        )
    return Projection("not_at_this_rate", cumulative_net_kg, rate, window_days, None, None)
