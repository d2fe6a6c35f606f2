"""The few SunSpec points a PV collector needs, as tables, and how to decode them.

Offsets count from the model's ID register (ID at 0, L at 1), as in the SunSpec
model tables. Only the points buurtwatt stores are listed; the rest of a model is
never decoded. Sources: SunSpec Information Model (pysunspec2 1.3.7 model JSON),
summarised in shared/reference/modbus_mqtt.md section 2.
"""

from __future__ import annotations

from dataclasses import dataclass

from collector.modbus.registers import decode, is_not_implemented


@dataclass(frozen=True)
class Point:
    name: str
    offset: int
    type: str  # SunSpec type: int16, uint16, acc32, uint32, uint64, sunssf, enum16, float32
    sf: str | None = None

    @property
    def size(self) -> int:
        return {"acc32": 2, "uint32": 2, "int32": 2, "float32": 2, "acc64": 4, "uint64": 4}.get(self.type, 1)


def _p(name: str, offset: int, type_: str, sf: str | None = None) -> Point:
    return Point(name, offset, type_, sf)


# Inverter, integer + scale factor: 101 (1-phase), 102 (split), 103 (3-phase) share one layout.
INT_INVERTER = (
    _p("W", 14, "int16", "W_SF"),
    _p("W_SF", 15, "sunssf"),
    _p("Hz", 16, "uint16", "Hz_SF"),
    _p("Hz_SF", 17, "sunssf"),
    _p("WH", 24, "acc32", "WH_SF"),
    _p("WH_SF", 26, "sunssf"),
    _p("DCW", 31, "int16", "DCW_SF"),
    _p("DCW_SF", 32, "sunssf"),
    _p("TmpCab", 33, "int16", "Tmp_SF"),
    _p("TmpSnk", 34, "int16", "Tmp_SF"),
    _p("Tmp_SF", 37, "sunssf"),
    _p("St", 38, "enum16"),
)

# Inverter, float: 111/112/113.
FLOAT_INVERTER = (
    _p("W", 22, "float32"),
    _p("Hz", 24, "float32"),
    _p("WH", 32, "float32"),
    _p("DCW", 38, "float32"),
    _p("TmpCab", 40, "float32"),
    _p("TmpSnk", 42, "float32"),
    _p("St", 48, "enum16"),
)

# DER AC measurement (IEEE 1547-2018), model 701. Its scale factors come after the values.
DER_AC = (
    _p("InvSt", 4, "enum16"),
    _p("W", 10, "int16", "W_SF"),
    _p("Hz", 17, "uint32", "Hz_SF"),
    _p("WH", 19, "uint64", "TotWh_SF"),
    _p("TmpCab", 36, "int16", "Tmp_SF"),
    _p("TmpSnk", 37, "int16", "Tmp_SF"),
    _p("Hz_SF", 115, "sunssf"),
    _p("W_SF", 116, "sunssf"),
    _p("TotWh_SF", 120, "sunssf"),
    _p("Tmp_SF", 122, "sunssf"),
)

INVERTER_POINTS: dict[int, tuple[Point, ...]] = {
    **{m: INT_INVERTER for m in (101, 102, 103)},
    **{m: FLOAT_INVERTER for m in (111, 112, 113)},
    701: DER_AC,
}
# Preference when a device shows several: DER first, then float, then integer + SF.
INVERTER_PREFERENCE = (701, 113, 112, 111, 103, 102, 101)

MPPT_MODEL = 160
MPPT_MODULE_START = 10  # offset of the first repeating "module" block
MPPT_MODULE_SIZE = 20
MPPT_DCW_IN_MODULE = 11
MPPT_DCW_SF = 4
MPPT_COUNT = 8

# Model 1 (common): strings used to name the device and tag its energy counter.
COMMON_STRINGS = (("Mn", 2, 16), ("Md", 18, 16), ("Vr", 42, 8), ("SN", 50, 16))

# SunSpec inverter operating state (model 101-113 St). 701 InvSt counts from 0 (OFF) instead of 1.
STATE_NAMES = {
    1: "off",
    2: "sleeping",
    3: "starting",
    4: "mppt",
    5: "throttled",
    6: "shutting down",
    7: "fault",
    8: "standby",
}
ASLEEP_STATES = {1, 2}  # off or sleeping: what an inverter reports at night


def span(points: tuple[Point, ...]) -> int:
    """Registers to read from the model's ID register to cover every point."""
    return max(p.offset + p.size for p in points)


MAX_SF = 10  # scale factors outside -10..10 are garbage, not data


def decode_points(block: list[int], points: tuple[Point, ...]) -> dict[str, float]:
    """Decode points from a block read from the model's ID register; missing points are left out."""
    raw: dict[str, float] = {}
    factors: dict[str, int | None] = {}
    for point in points:
        words = block[point.offset : point.offset + point.size]
        if len(words) < point.size:
            continue
        if point.type == "sunssf":
            sf = None if is_not_implemented(words, "sunssf") else int(decode(words, "int16"))
            factors[point.name] = sf if sf is not None and abs(sf) <= MAX_SF else None
            continue
        if is_not_implemented(words, point.type):
            continue
        number_type = {"acc32": "uint32", "acc64": "uint64", "enum16": "uint16"}.get(point.type, point.type)
        number = float(decode(words, number_type))
        if point.name == "WH" and number <= 0:
            continue  # a lifetime counter of 0 is "not implemented" (SunSpec accumulators), never data
        raw[point.name] = number
    values: dict[str, float] = {}
    for point in points:
        if point.name not in raw:
            continue
        if point.sf is None:
            values[point.name] = raw[point.name]
        elif factors.get(point.sf) is not None:
            values[point.name] = raw[point.name] * 10.0 ** factors[point.sf]  # type: ignore[operator]
    return values


def decode_mppt_dc_power(block: list[int]) -> float | None:
    """Sum of the module DC powers in a model-160 block (read from its ID register)."""
    if len(block) <= MPPT_COUNT:
        return None
    sf_words = block[MPPT_DCW_SF : MPPT_DCW_SF + 1]
    if is_not_implemented(sf_words, "sunssf"):
        return None
    sf = int(decode(sf_words, "int16"))
    if abs(sf) > MAX_SF:
        return None
    total, found = 0.0, False
    n = block[MPPT_COUNT]
    for i in range(n if n != 0xFFFF else 0):
        at = MPPT_MODULE_START + i * MPPT_MODULE_SIZE + MPPT_DCW_IN_MODULE
        words = block[at : at + 1]
        if len(words) == 1 and not is_not_implemented(words, "uint16"):
            total += words[0] * 10.0**sf
            found = True
    return total if found else None
