"""The ``[whatif]`` section: the assumptions of the coach's what-if, each one named and changeable."""

from __future__ import annotations

from pydantic import Field, model_validator

from buurtwatt.config_base import StrictModel

# Monthly mean outside temperature at De Bilt, degrees C, January..December: KNMI climate normals
# 1991-2020, rounded to 0.1 (https://www.knmi.nl/nederland-nu/klimatologie/maandgegevens, station
# 260 De Bilt). Used only when the site has no temperature series. Rounded, not checked digit by
# digit against the KNMI table: treat as approximate.
DE_BILT_MONTHLY_C = (3.6, 4.0, 6.5, 9.7, 13.3, 16.1, 18.2, 17.9, 14.7, 10.8, 6.9, 4.1)
DE_BILT_SOURCE = "KNMI klimaatnormalen 1991-2020, De Bilt (maandgemiddelde temperatuur, afgerond)"


class WhatifConfig(StrictModel):
    own_kwp: float | None = Field(
        default=None, gt=0, description="peak power of the building's own panels; gives its kWh per kWp"
    )
    lighting_share: float = Field(
        default=0.15, ge=0, le=1, description="part of electricity use that is lighting"
    )
    led_saving: float = Field(
        default=0.6, ge=0, le=1, description="LED uses this part less than the old lamps"
    )
    boiler_efficiency: float = Field(default=0.9, gt=0, le=1.1, description="heat out per kWh of gas")
    # COP of an air-to-water heat pump as a straight line in the outside temperature, clamped.
    cop_at_7c: float = Field(default=3.5, gt=0)
    cop_per_degree: float = Field(default=0.08, ge=0)
    cop_min: float = Field(default=1.5, gt=0)
    cop_max: float = Field(default=5.0, gt=0)
    battery_efficiency: float = Field(
        default=0.9, gt=0, le=1, description="round trip, applied when charging"
    )
    battery_kw_per_kwh: float = Field(default=0.5, gt=0, description="max power per kWh of capacity")
    temperature_series: str | None = Field(default=None, description='e.g. "weather:temperature_c"')

    @model_validator(mode="after")
    def _cop_range(self) -> WhatifConfig:
        if self.cop_min > self.cop_max:
            raise ValueError("cop_min must not be above cop_max")
        return self

    def cop(self, outside_c: float) -> float:
        return min(self.cop_max, max(self.cop_min, self.cop_at_7c + self.cop_per_degree * (outside_c - 7.0)))
