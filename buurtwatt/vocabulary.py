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
    # Physical range of a value; the gate refuses what falls outside (None: no bound).
    low: float | None = None
    high: float | None = None
    # Counters: the largest plausible increase per hour (unit/h; kWh/h is kW). A larger step is
    # a spike the gate refuses. A device's ``max_power_w`` / ``max_flow_m3_h`` overrides it.
    max_per_hour: float | None = None

    @property
    def is_counter(self) -> bool:
        return self.kind is Kind.COUNTER

    def range_text(self) -> str:
        """The plausibility rule as docs/schema.md shows it."""
        if self.is_counter:
            return f"≥ 0, ≤ {_num(self.max_per_hour)}/h" if self.max_per_hour else "≥ 0"
        if self.low is None and self.high is None:
            return "-"
        return f"{_num(self.low)} .. {_num(self.high)}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


# A Dutch grid connection is at most 3 x 80 A x 230 V = 55.2 kW; the defaults allow 1.5 times
# that, so a meter is never refused for a real peak and 1e29 W still is.
GRID_MAX_W = 3 * 80 * 230
GRID_LIMIT_W = 1.5 * GRID_MAX_W
PHASE_LIMIT_W = 1.5 * 80 * 230
# Inverters, plugs and the collective roof: generic devices; set max_power_w per device.
DEVICE_LIMIT_W = 250_000.0


def _c(name: str, unit: str, description: str, max_per_hour: float | None = None) -> Quantity:
    return Quantity(
        name, unit, Kind.COUNTER, Rollup.INCREASE, f"q.{name}", description, 0.0, None, max_per_hour
    )


def _g(
    name: str,
    unit: str,
    description: str,
    rollup: Rollup = Rollup.MEAN,
    low: float | None = None,
    high: float | None = None,
) -> Quantity:
    return Quantity(name, unit, Kind.GAUGE, rollup, f"q.{name}", description, low, high)


_GRID_KWH_H = GRID_LIMIT_W / 1000
_TABLE: tuple[Quantity, ...] = (
    # Smart meter (P1): totals are the sum of both tariffs
    _c("import_kwh", "kWh", "electricity taken from the grid, both tariffs", _GRID_KWH_H),
    _c("export_kwh", "kWh", "electricity delivered to the grid, both tariffs", _GRID_KWH_H),
    _c("import_t1_kwh", "kWh", "electricity taken from the grid, tariff 1 (low)", _GRID_KWH_H),
    _c("import_t2_kwh", "kWh", "electricity taken from the grid, tariff 2 (normal)", _GRID_KWH_H),
    _c("export_t1_kwh", "kWh", "electricity delivered to the grid, tariff 1 (low)", _GRID_KWH_H),
    _c("export_t2_kwh", "kWh", "electricity delivered to the grid, tariff 2 (normal)", _GRID_KWH_H),
    _g("import_w", "W", "power taken from the grid now", low=0, high=GRID_LIMIT_W),
    _g("export_w", "W", "power delivered to the grid now", low=0, high=GRID_LIMIT_W),
    *(_g(f"voltage_l{p}_v", "V", f"voltage of phase L{p}", low=0, high=400) for p in (1, 2, 3)),
    *(_g(f"current_l{p}_a", "A", f"current of phase L{p}", low=0, high=200) for p in (1, 2, 3)),
    *(_g(f"import_l{p}_w", "W", f"power taken on phase L{p}", low=0, high=PHASE_LIMIT_W) for p in (1, 2, 3)),
    *(
        _g(f"export_l{p}_w", "W", f"power delivered on phase L{p}", low=0, high=PHASE_LIMIT_W)
        for p in (1, 2, 3)
    ),
    _g("tariff", "", "active tariff (1 = low, 2 = normal)", Rollup.LAST, low=0, high=9),
    _c("power_failures", "", "number of power failures counted by the meter"),
    _c("voltage_sags", "", "number of voltage sags counted by the meter"),
    _c("voltage_swells", "", "number of voltage swells counted by the meter"),
    # Belgian meters (capacity tariff): quarter-hour average demand and this month's peak
    _g(
        "demand_w",
        "W",
        "average demand in the running quarter hour (Belgian meters)",
        low=0,
        high=GRID_LIMIT_W,
    ),
    _g(
        "peak_demand_w",
        "W",
        "highest quarter-hour demand this month (Belgian meters)",
        Rollup.LAST,
        low=0,
        high=GRID_LIMIT_W,
    ),
    _g(
        "peak_demand_ts",
        "s",
        "when this month's peak demand was, Unix time (Belgian meters)",
        Rollup.LAST,
        low=0,
        high=4102444800,  # 2100-01-01
    ),
    # Gas and water meters (M-Bus channels of the smart meter); a G25 gas meter passes 40 m3/h
    _c("gas_m3", "m3", "natural gas used", 40.0),
    _c("water_m3", "m3", "water used", 25.0),
    # Inverters, plugs and sensors
    _g("power_w", "W", "AC power now", low=-10_000, high=DEVICE_LIMIT_W),
    _c("energy_kwh", "kWh", "lifetime energy counter", DEVICE_LIMIT_W / 1000),
    _g("dc_power_w", "W", "DC power from the panels", low=-1_000, high=DEVICE_LIMIT_W),
    _g("frequency_hz", "Hz", "grid frequency", low=45, high=65),
    _g("temperature_c", "°C", "temperature", low=-60, high=90),
    _g(
        "device_temperature_c",
        "°C",
        "temperature inside a device (chip, relay, inverter), not the room",
        low=-40,
        high=150,
    ),
    _g("status", "", "operating state (SunSpec numbering)", Rollup.LAST, low=0, high=65535),
    _g("humidity_pct", "%", "relative humidity", low=0, high=100),
    _g("co2_ppm", "ppm", "CO2 concentration in the air", low=250, high=10_000),
    _g("illuminance_lx", "lx", "illuminance", low=0, high=200_000),
    _g("voltage_v", "V", "voltage", low=0, high=1_000),
    _g("current_a", "A", "current", low=-1_000, high=1_000),
    # Imported grid intensity (balance issue)
    _g("co2_g_per_kwh", "g/kWh", "CO2 intensity of grid electricity", low=0, high=2_000),
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


def markdown_table() -> str:
    """The vocabulary as the Markdown table in docs/schema.md (a test keeps them equal)."""
    rows = [
        "| quantity | unit | kind | rollup | plausible | InfluxDB field (raw) | label key |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| `{q.name}` | {q.unit or '-'} | {q.kind.value} | {q.rollup.value} | {q.range_text()} "
        f"| `{q.name}` | `{q.label_key}` |"
        for q in _TABLE
    ]
    return "\n".join(rows)
