"""The series vocabulary: the one table that names every quantity buurtwatt stores.

Every layer reads from here: sources pick names, the core converts units and
validates, stores choose how to roll up, the dashboard finds label keys.
A series is ``DEVICE:QUANTITY``; DEVICE is the configured device name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    COUNTER = "counter"  # ever-increasing total; read as its increase per interval
    GAUGE = "gauge"  # a level at a moment; read as mean/min/max per interval


class Rollup(StrEnum):
    INCREASE = "increase"  # first/last/increase per bucket
    MEAN = "mean"  # count/sum/min/max per bucket
    LAST = "last"  # states (tariff, inverter status): the last value counts


@dataclass(frozen=True, slots=True)
class Quantity:
    name: str
    unit: str
    kind: Kind
    rollup: Rollup
    label_key: str
    description: str

    @property
    def is_counter(self) -> bool:
        return self.kind is Kind.COUNTER


def _c(name: str, unit: str, description: str) -> Quantity:
    return Quantity(name, unit, Kind.COUNTER, Rollup.INCREASE, f"q.{name}", description)


def _g(name: str, unit: str, description: str, rollup: Rollup = Rollup.MEAN) -> Quantity:
    return Quantity(name, unit, Kind.GAUGE, rollup, f"q.{name}", description)


_TABLE: tuple[Quantity, ...] = (
    # Smart meter (P1): totals are the sum of both tariffs
    _c("import_kwh", "kWh", "electricity taken from the grid, both tariffs"),
    _c("export_kwh", "kWh", "electricity delivered to the grid, both tariffs"),
    _c("import_t1_kwh", "kWh", "electricity taken from the grid, tariff 1 (low)"),
    _c("import_t2_kwh", "kWh", "electricity taken from the grid, tariff 2 (normal)"),
    _c("export_t1_kwh", "kWh", "electricity delivered to the grid, tariff 1 (low)"),
    _c("export_t2_kwh", "kWh", "electricity delivered to the grid, tariff 2 (normal)"),
    _g("import_w", "W", "power taken from the grid now"),
    _g("export_w", "W", "power delivered to the grid now"),
    *(_g(f"voltage_l{p}_v", "V", f"voltage of phase L{p}") for p in (1, 2, 3)),
    *(_g(f"current_l{p}_a", "A", f"current of phase L{p}") for p in (1, 2, 3)),
    *(_g(f"import_l{p}_w", "W", f"power taken on phase L{p}") for p in (1, 2, 3)),
    *(_g(f"export_l{p}_w", "W", f"power delivered on phase L{p}") for p in (1, 2, 3)),
    _g("tariff", "", "active tariff (1 = low, 2 = normal)", Rollup.LAST),
    _c("power_failures", "", "number of power failures counted by the meter"),
    _c("voltage_sags", "", "number of voltage sags counted by the meter"),
    _c("voltage_swells", "", "number of voltage swells counted by the meter"),
    # Belgian meters (capacity tariff): quarter-hour average demand and this month's peak
    _g("demand_w", "W", "average demand in the running quarter hour (Belgian meters)"),
    _g("peak_demand_w", "W", "highest quarter-hour demand this month (Belgian meters)", Rollup.LAST),
    _g("peak_demand_ts", "s", "when this month's peak demand was, Unix time (Belgian meters)", Rollup.LAST),
    # Gas and water meters (M-Bus channels of the smart meter)
    _c("gas_m3", "m3", "natural gas used"),
    _c("water_m3", "m3", "water used"),
    # Inverters, plugs and sensors
    _g("power_w", "W", "AC power now"),
    _c("energy_kwh", "kWh", "lifetime energy counter"),
    _g("dc_power_w", "W", "DC power from the panels"),
    _g("frequency_hz", "Hz", "grid frequency"),
    _g("temperature_c", "°C", "temperature"),
    _g("device_temperature_c", "°C", "temperature inside a device (chip, relay, inverter), not the room"),
    _g("status", "", "operating state (SunSpec numbering)", Rollup.LAST),
    _g("humidity_pct", "%", "relative humidity"),
    _g("co2_ppm", "ppm", "CO2 concentration in the air"),
    _g("illuminance_lx", "lx", "illuminance"),
    _g("voltage_v", "V", "voltage"),
    _g("current_a", "A", "current"),
    # Imported grid intensity (balance issue)
    _g("co2_g_per_kwh", "g/kWh", "CO2 intensity of grid electricity"),
)

QUANTITIES: dict[str, Quantity] = {q.name: q for q in _TABLE}


class UnknownSeries(ValueError):
    """A series name that is not DEVICE:QUANTITY with a known quantity."""


def quantity(name: str) -> Quantity:
    try:
        return QUANTITIES[name]
    except KeyError:
        raise UnknownSeries(
            f"unknown quantity {name!r}; known quantities: {', '.join(sorted(QUANTITIES))}"
        ) from None


def split_series(series: str) -> tuple[str, Quantity]:
    """Split ``DEVICE:QUANTITY`` into the device name and its vocabulary entry."""
    device, sep, name = series.partition(":")
    if not sep or not device:
        raise UnknownSeries(f"series {series!r} must look like DEVICE:QUANTITY, e.g. meter:import_kwh")
    return device, quantity(name)


def markdown_table() -> str:
    """The vocabulary as the Markdown table in docs/schema.md (a test keeps them equal)."""
    rows = [
        "| quantity | unit | kind | rollup | InfluxDB field (raw) | label key |",
        "|---|---|---|---|---|---|",
    ]
    rows += [
        f"| `{q.name}` | {q.unit or '-'} | {q.kind.value} | {q.rollup.value} | `{q.name}` | `{q.label_key}` |"
        for q in _TABLE
    ]
    return "\n".join(rows)
