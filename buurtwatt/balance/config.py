"""The [balance] section: which devices play which role, and the system boundary.

The roles are resolved once per site by ``buurtwatt.roles.resolve_roles`` and shared by the
balance, the dashboard and the shares. With ``grid_meter`` set, ``grid_meter``, ``solar`` and
``gas_meter`` are taken as they are. Without it, they follow from the stored quantities: the
device with ``import_kwh`` is the grid meter, the one with ``gas_m3`` the gas meter, and
devices with ``dc_power_w`` are the own inverters (`buurtwatt balance` warns what it guessed).

Example::

    [balance]
    grid_meter = "meter"                 # P1: meter:import_kwh, meter:export_kwh
    solar = ["inverter"]                 # own inverters behind the grid meter: DEVICE:energy_kwh
    gas_meter = "meter"                  # DEVICE:gas_m3 (a P1 meter often carries gas too)
    electricity_category = "stroom_onbekend"
    gas_kwh_per_m3 = 9.77
    gas_kwh_per_m3_source = "..."

    [balance.boundary]                   # what is counted; shown on the CO2 page
    electricity = true
    gas = true
    own_solar = true
    collective_share = false

    [balance.collective]                 # the collective roof (postcoderoos/SCE)
    installation = "zonnedak-west"
    production = ["roof:energy_kwh"]
    shares_held = 0                      # shares the building's own organisation holds
    shares_total = 400
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from buurtwatt.config_base import StrictModel

DEFAULT_GAS_SOURCE = (
    "upper calorific value of Groningen-quality gas, about 35.17 MJ/m3 / 3.6 = 9.77 kWh/m3 "
    "(unverified choice; see docs/co2-method.md)"
)


class Boundary(StrictModel):
    """What the balance counts. Each flag is shown with the result."""

    electricity: bool = Field(default=True, description="grid import/export and electricity use")
    gas: bool = Field(default=True, description="natural gas burnt in the building")
    own_solar: bool = Field(default=True, description="production and export of the building's own panels")
    collective_share: bool = Field(
        default=False, description="the building's share of the collective roof (never counted twice)"
    )


class CollectiveConfig(StrictModel):
    installation: str = Field(description="name of the collective installation")
    production: list[str] = Field(
        default_factory=list, description="production counter series, DEVICE:energy_kwh"
    )
    # The roof belongs to its participants; only the organisation's own shares count here.
    shares_held: float = Field(default=0, ge=0)
    shares_total: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _shares_make_sense(self) -> CollectiveConfig:
        if self.shares_held > 0 and self.shares_total is None:
            raise ValueError("shares_held > 0 needs shares_total (all shares of the installation)")
        if self.shares_total is not None and self.shares_held > self.shares_total:
            raise ValueError(
                f"shares_held ({self.shares_held}) is more than shares_total ({self.shares_total})"
            )
        for series in self.production:
            if not series.endswith(":energy_kwh"):
                raise ValueError(f"production series {series!r} must be DEVICE:energy_kwh")
        return self

    @property
    def fraction(self) -> float:
        """Part of the installation's production that belongs to the building."""
        return self.shares_held / self.shares_total if self.shares_total else 0.0


class BalanceConfig(StrictModel):
    grid_meter: str | None = Field(default=None, description="device with import_kwh and export_kwh (P1)")
    solar: list[str] = Field(default_factory=list, description="own inverters, each with energy_kwh")
    gas_meter: str | None = Field(default=None, description="device with gas_m3")
    collective: CollectiveConfig | None = None
    boundary: Boundary = Boundary()
    factors_file: Path | None = Field(default=None, description="default config/factors/nl.toml")
    electricity_category: str = Field(
        default="stroom_onbekend", description="electricity category in the factors file"
    )
    avoided_category: str | None = Field(
        default=None, description="category for exported kWh; default: same as the grid factor"
    )
    gas_category: str = "aardgas"
    gas_kwh_per_m3: float = Field(default=9.77, gt=0, lt=20)
    gas_kwh_per_m3_source: str = DEFAULT_GAS_SOURCE
    grid_intensity: Literal["yearly", "hourly"] = Field(
        default="yearly", description="hourly: use grid:co2_g_per_kwh where present, yearly factor elsewhere"
    )
    grid_intensity_csv: Path | None = Field(
        default=None, description="CSV that `buurtwatt import-intensity` loads as grid:co2_g_per_kwh"
    )

    @model_validator(mode="after")
    def _csv_means_hourly(self) -> BalanceConfig:
        if self.grid_intensity_csv is not None and self.grid_intensity == "yearly":
            object.__setattr__(self, "grid_intensity", "hourly")
        return self
