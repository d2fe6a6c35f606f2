"""Replay the building's hours with changes: more panels, LED, a heat pump, a battery.

Every hour (in this order):

1. use = import - export + own production (what the building used that hour);
2. LED: use x (1 - lighting_share x led_saving x led_fraction);
3. extra panels: the building's own measured production x extra_kwp / own_kwp. That is its own
   kWh per kWp and its own hour-by-hour profile: no fixed yearly yield;
4. heat pump: gas m3 x kWh per m3 x boiler efficiency = heat; electricity = heat / COP(T),
   with T the outside temperature of that hour (a temperature series, else the De Bilt monthly
   normal); gas becomes 0;
5. battery: a surplus charges it (at most its power, up to its capacity; the round-trip loss is
   taken when charging), a shortage discharges it (at most its power, down to 0);
6. what is left is import (> 0) or export (< 0).

An hour without data stays without data (NaN) and the battery waits through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from buurtwatt.whatif.config import DE_BILT_MONTHLY_C, DE_BILT_SOURCE, WhatifConfig

HOUR = 3600


@dataclass(frozen=True)
class Hours:
    """The measured hours. Arrays of equal length; NaN = no data that hour."""

    start: float  # UTC epoch of hour 0
    import_kwh: np.ndarray
    export_kwh: np.ndarray
    production_kwh: np.ndarray  # the building's own panels (zeros when it has none)
    gas_m3: np.ndarray | None = None
    temperature_c: np.ndarray | None = None


@dataclass(frozen=True)
class Choices:
    extra_kwp: float = 0.0
    led_fraction: float = 0.0  # 0..1 of the lighting replaced by LED
    heat_pump: bool = False
    battery_kwh: float = 0.0
    battery_kw: float | None = None  # None: capacity x battery_kw_per_kwh


@dataclass(frozen=True)
class Year:
    """The totals of an outcome, as a meter would have counted them."""

    import_kwh: float
    export_kwh: float
    production_kwh: float
    gas_m3: float


@dataclass(frozen=True)
class Outcome:
    import_kwh: np.ndarray
    export_kwh: np.ndarray
    production_kwh: np.ndarray
    gas_m3: np.ndarray | None
    heat_pump_kwh: np.ndarray
    kwh_per_kwp: float | None  # the building's own yield over the hours given
    notes: tuple[str, ...] = field(default_factory=tuple)

    def total(self, name: str) -> float:
        values = getattr(self, name)
        return 0.0 if values is None else float(np.nansum(values))

    def year(self) -> Year:
        return Year(*(self.total(n) for n in ("import_kwh", "export_kwh", "production_kwh", "gas_m3")))


def outside_temperature(hours: Hours, tz: ZoneInfo) -> tuple[np.ndarray, str]:
    """Per hour: the measured temperature where there is one, else the De Bilt monthly normal."""
    n = len(hours.import_kwh)
    months = np.array(
        [datetime.fromtimestamp(hours.start + i * HOUR, UTC).astimezone(tz).month for i in range(n)]
    )
    normal = np.array(DE_BILT_MONTHLY_C)[months - 1]
    if hours.temperature_c is None:
        return normal, DE_BILT_SOURCE
    measured = np.asarray(hours.temperature_c, dtype=float)
    return np.where(np.isnan(measured), normal, measured), "measured (gaps: " + DE_BILT_SOURCE + ")"


def simulate(
    hours: Hours, choices: Choices, cfg: WhatifConfig, tz: ZoneInfo, gas_kwh_per_m3: float
) -> Outcome:
    notes: list[str] = []
    imp = np.asarray(hours.import_kwh, dtype=float)
    exp = np.asarray(hours.export_kwh, dtype=float)
    prod = np.nan_to_num(np.asarray(hours.production_kwh, dtype=float))
    known = ~(np.isnan(imp) | np.isnan(exp))
    use = np.where(known, imp - exp + prod, np.nan)

    led = max(0.0, min(1.0, choices.led_fraction))
    use = use * (1 - cfg.lighting_share * cfg.led_saving * led)

    kwh_per_kwp = float(prod.sum()) / cfg.own_kwp if cfg.own_kwp and prod.sum() > 0 else None
    extra = np.zeros_like(prod)
    if choices.extra_kwp > 0:
        if kwh_per_kwp is None:
            notes.append(
                "no own solar profile (whatif.own_kwp or production missing): extra panels not simulated"
            )
        else:
            assert cfg.own_kwp is not None
            extra = prod * (choices.extra_kwp / cfg.own_kwp)
    production = prod + extra

    gas = None if hours.gas_m3 is None else np.asarray(hours.gas_m3, dtype=float)
    heat_pump = np.zeros_like(prod)
    if choices.heat_pump and gas is not None:
        temps, source = outside_temperature(hours, tz)
        cop = np.clip(cfg.cop_at_7c + cfg.cop_per_degree * (temps - 7.0), cfg.cop_min, cfg.cop_max)
        heat_pump = np.nan_to_num(gas) * gas_kwh_per_m3 * cfg.boiler_efficiency / cop
        gas = np.where(np.isnan(gas), np.nan, 0.0)
        notes.append(f"outside temperature: {source}")

    net = use + heat_pump - production  # > 0: the building needs the grid or the battery
    capacity = max(0.0, choices.battery_kwh)
    power = choices.battery_kw if choices.battery_kw is not None else capacity * cfg.battery_kw_per_kwh
    if capacity > 0 and power > 0:
        net = _battery(net, capacity, power, cfg.battery_efficiency)
    return Outcome(
        np.where(np.isnan(net), np.nan, np.maximum(net, 0.0)),
        np.where(np.isnan(net), np.nan, np.maximum(-net, 0.0)),
        production,
        gas,
        heat_pump,
        kwh_per_kwp,
        tuple(notes),
    )


def _battery(net: np.ndarray, capacity: float, power: float, efficiency: float) -> np.ndarray:
    """Net grid need after a battery that starts empty; its charge stays within [0, capacity]."""
    out = net.copy()
    charge = 0.0  # kWh stored
    for i, need in enumerate(net):
        if np.isnan(need):
            continue  # no data: the battery waits
        if need < 0:  # surplus: store it, losing (1 - efficiency) of what goes in
            taken = min(-need, power, (capacity - charge) / efficiency)
            charge = min(capacity, charge + taken * efficiency)
            out[i] = need + taken
        elif need > 0:
            given = min(need, power, charge)
            charge = max(0.0, charge - given)
            out[i] = need - given
    return out
