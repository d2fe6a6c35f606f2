"""Small builders for the shares tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.production import DailyProduction, fill_days
from buurtwatt.shares.register import Holding


def flat(first: date, last: date, kwh: str | int = 10) -> DailyProduction:
    """The same kWh every day from first to last."""
    days = {first + timedelta(n): Decimal(kwh) for n in range((last - first).days + 1)}
    return fill_days(days, first, last)


def roof(
    issued: int = 10,
    count_unsold: bool = True,
    scheme: str = "postcoderoos",
    delivery: date = date(2020, 1, 1),
    **extra: object,
) -> InstallationConfig:
    return InstallationConfig(
        name="dak",
        scheme=scheme,
        production="dak:energy_kwh",
        shares_issued=issued,
        delivery_start=delivery,
        pc4="2532",
        rose=["2531", "2533"],
        count_unsold=count_unsold,
        **extra,
    )


def hold(pid: str, shares: int, start: str, end: str | None = None) -> Holding:
    return Holding(pid, "dak", shares, date.fromisoformat(start), date.fromisoformat(end) if end else None)
