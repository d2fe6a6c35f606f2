""" "Wat als": the effect of simple changes on a year, from the site's real last 12 months.

Pure arithmetic with every assumption named, so a coach can explain each number.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurtwatt.balance import EnergyBalance

YIELD_KWH_PER_KWP = 875.0  # typical Dutch yearly yield per kWp (assumption, shown on the page)
LIGHTING_SHARE = 0.15  # part of electricity use that is lighting (assumption)
LED_SAVING = 0.6  # LED uses 60 % less than older lamps (assumption)
BOILER_EFFICIENCY = 0.9  # heat out of a gas boiler per kWh of gas (assumption)
HEAT_PUMP_COP = 3.5  # heat per kWh of electricity, seasonal average (assumption)
BATTERY_CYCLES = 250  # full cycles a year that find sun to store (assumption)
BATTERY_EFFICIENCY = 0.9


@dataclass(frozen=True)
class Choices:
    extra_kwp: float = 0.0
    led_fraction: float = 0.0  # 0..1 of the lighting replaced
    heat_pump: bool = False
    battery_kwh: float = 0.0


@dataclass(frozen=True)
class Year:
    """The meter readings of an imagined year: what the choices change."""

    import_kwh: float
    export_kwh: float
    production_kwh: float
    gas_m3: float

    @classmethod
    def of(cls, base: EnergyBalance) -> Year:
        return cls(base.import_kwh, base.export_kwh, base.production_kwh, base.gas_m3)


def apply(base: EnergyBalance, choices: Choices, gas_kwh_per_m3: float) -> Year:
    """The year as it would have been with the choices (``base``: the real year from the balance)."""
    imp, exp, solar = base.import_kwh, base.export_kwh, base.production_kwh
    gas = base.gas_m3
    self_share = 0.0 if solar <= 0 else max(0.0, min(1.0, (solar - exp) / solar))
    # extra panels: used in the building in the same share as today's panels, the rest goes to the grid
    extra = choices.extra_kwp * YIELD_KWH_PER_KWP
    solar += extra
    used = extra * (self_share if base.production_kwh > 0 else 0.3)
    used = min(used, imp)
    imp -= used
    exp += extra - used
    # LED: less use; it comes off the import first
    saving = base.consumption_kwh * LIGHTING_SHARE * LED_SAVING * max(0.0, min(1.0, choices.led_fraction))
    from_import = min(saving, imp)
    imp -= from_import
    exp += saving - from_import
    if choices.heat_pump and gas > 0:
        heat = gas * gas_kwh_per_m3 * BOILER_EFFICIENCY
        imp += heat / HEAT_PUMP_COP
        gas = 0.0
    if choices.battery_kwh > 0:
        shifted = min(exp, imp, choices.battery_kwh * BATTERY_CYCLES) * BATTERY_EFFICIENCY
        exp -= shifted / BATTERY_EFFICIENCY
        imp -= shifted
    return Year(max(0.0, imp), max(0.0, exp), solar, gas)
