"""The few SunSpec points a PV collector needs, as tables, and how to decode them.

Offsets count from the model's ID register (ID at 0, L at 1), as in the SunSpec
model tables. Only the points buurtwatt stores are listed; the rest of a model is
never decoded. Sources: SunSpec Information Model (pysunspec2 1.3.7 model JSON),
summarised in shared/reference/modbus_mqtt.md section 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

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

    @property
    def wrap_bits(self) -> int | None:
        """Bits of an accumulator that rolls over to 0 in the device's lifetime (acc16, acc32).

        64-bit registers do not roll over in any inverter's lifetime, and floats do not wrap.
        """
        return {"acc16": 16, "acc32": 32}.get(self.type)


class Decoded(NamedTuple):
    """A point as the device said it: the scaled value and, for an accumulator, where it wraps."""

    value: float
    wrap: float | None = None


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
# Models of one family in one device are separate inverters; models of different families are one
# inverter shown in several forms (a device may offer 701 beside 103). Most preferred family first.
INVERTER_FAMILIES = ((701,), (111, 112, 113), (101, 102, 103))

MPPT_MODEL = 160
MPPT_MODULE_START = 10  # offset of the first repeating "module" block
MPPT_MODULE_SIZE = 20
MPPT_DCW_IN_MODULE = 11
MPPT_DCW_SF = 4
MPPT_COUNT = 8


def mppt_points(length: int) -> tuple[Point, ...]:
    """The model-160 points :func:`decode_mppt_dc_power` needs, for a model of body length ``length``."""
    modules = max(0, (length - (MPPT_MODULE_START - 2)) // MPPT_MODULE_SIZE)
    return (
        _p("DCW_SF", MPPT_DCW_SF, "sunssf"),
        _p("N", MPPT_COUNT, "uint16"),
        *(
            _p(
                f"DCW{i + 1}",
                MPPT_MODULE_START + i * MPPT_MODULE_SIZE + MPPT_DCW_IN_MODULE,
                "uint16",
                "DCW_SF",
            )
            for i in range(modules)
        ),
    )


# Model 1 (common): strings used to name the device and tag its energy counter.
COMMON_STRINGS = (("Mn", 2, 16), ("Md", 18, 16), ("Vr", 42, 8), ("SN", 50, 16))

# SunSpec inverter operating state (model 101-113 St): 1 off, 2 sleeping, 3 starting, 4 mppt,
# 5 throttled, 6 shutting down, 7 fault, 8 standby. 701 InvSt counts from 0 (OFF) instead of 1.
ASLEEP_STATES = {1, 2}  # off or sleeping: what an inverter reports at night


def span(points: tuple[Point, ...]) -> int:
    """Registers to read from the model's ID register to cover every point."""
    return max(p.offset + p.size for p in points)


MAX_SF = 10  # scale factors outside -10..10 are garbage, not data
SF_NOT_IMPLEMENTED = 0x8000


def decode_points(block: list[int], points: tuple[Point, ...]) -> dict[str, Decoded]:
    """Decode points from a block read from the model's ID register; missing points are left out.

    A value whose scale factor is "not implemented" or outside -10..10 is missing too: it cannot
    be scaled. An accumulator's wrap is 2**bits x 10**sf, in the point's own unit.
    """
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
            continue  # includes an accumulator of 0: SunSpec's "not implemented", never data
        number_type = {"acc16": "uint16", "acc32": "uint32", "acc64": "uint64", "enum16": "uint16"}.get(
            point.type, point.type
        )
        raw[point.name] = float(decode(words, number_type))
    values: dict[str, Decoded] = {}
    for point in points:
        if point.name not in raw:
            continue
        if point.sf is None:
            scale = 1.0
        elif factors.get(point.sf) is not None:
            scale = 10.0 ** factors[point.sf]  # type: ignore[operator]
        else:
            continue
        bits = point.wrap_bits
        values[point.name] = Decoded(raw[point.name] * scale, 2.0**bits * scale if bits else None)
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
