"""The ``[tariffs]`` section: what the building's supplier and grid operator charge, per period.

All amounts are EUR EXCLUDING BTW, as on a supplier's price sheet "excl. btw"; the cost
calculation adds energy tax and BTW from the tax table. Example::

    [tariffs]
    heffingskorting = true            # the connection has a verblijfsfunctie
    prices_file = "prices.csv"        # written by `buurtwatt import-prices`

    [[tariffs.periods]]
    from = "2025-01-01"
    import_eur_per_kwh = 0.11         # fixed supplier price, or
    # hourly = true                   # the imported day-ahead price of each hour ...
    # import_markup_eur_per_kwh = 0.02  # ... plus the supplier's markup
    export_eur_per_kwh = 0.06         # feed-in compensation (counts only after net metering)
    feed_in_cost_eur_per_kwh = 0.02   # terugleverkosten per kWh exported
    gas_eur_per_m3 = 0.60
    standing = [
      { name = "vastrecht", eur = 6.50, per = "month" },
      { name = "netbeheer", eur = 430.0, per = "year" },
    ]

A period lasts until the next one starts; the last one lasts until further notice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from buurtwatt.config_base import StrictModel

NET_METERING_LAST_DAY = date(2026, 12, 31)  # the salderingsregeling ends on 1 January 2027


class StandingCharge(StrictModel):
    name: str = Field(min_length=1)
    eur: float = Field(ge=0, description="EUR excl. BTW per `per`")
    per: Literal["day", "month", "year"]


class TariffPeriod(StrictModel):
    first: date = Field(alias="from")
    import_eur_per_kwh: float | None = Field(default=None, ge=0)
    hourly: bool = False
    import_markup_eur_per_kwh: float = 0.0
    export_eur_per_kwh: float | None = Field(default=None, ge=0)
    export_markup_eur_per_kwh: float = 0.0
    feed_in_cost_eur_per_kwh: float = Field(default=0.0, ge=0)
    gas_eur_per_m3: float = Field(default=0.0, ge=0)
    standing: list[StandingCharge] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_import_price(self) -> TariffPeriod:
        if self.hourly and self.import_eur_per_kwh is not None:
            raise ValueError("set either hourly = true or import_eur_per_kwh, not both")
        if not self.hourly and self.import_eur_per_kwh is None:
            raise ValueError("needs import_eur_per_kwh (a fixed price) or hourly = true (day-ahead prices)")
        if not self.hourly and self.export_eur_per_kwh is None:
            # export always has a value: after net metering it is paid at this price
            raise ValueError(
                "needs export_eur_per_kwh, the feed-in compensation (0 if the supplier pays nothing)"
            )
        return self


class TariffsConfig(StrictModel):
    periods: list[TariffPeriod] = Field(default_factory=list)
    heffingskorting: bool = Field(default=True, description="the connection has a verblijfsfunctie")
    net_metering_until: date = Field(
        default=NET_METERING_LAST_DAY, description="last day of the salderingsregeling (law: 2026-12-31)"
    )
    prices_file: Path = Path("prices.csv")
    tax_table: Path | None = None

    @field_validator("periods")
    @classmethod
    def _ordered(cls, value: list[TariffPeriod]) -> list[TariffPeriod]:
        starts = [p.first for p in value]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("periods must be in date order, each with its own `from` date")
        return value

    def period(self, day: date) -> TariffPeriod | None:
        """The period that holds on ``day``; None before the first period."""
        found = None
        for period in self.periods:
            if period.first <= day:
                found = period
        return found

    @property
    def uses_hourly_prices(self) -> bool:
        return any(p.hourly for p in self.periods)
