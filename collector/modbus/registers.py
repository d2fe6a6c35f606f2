"""Turning 16-bit registers into numbers: types, byte order and "not implemented" sentinels.

Byte orders use Telegraf's letters for a 32-bit value whose bytes are A (most
significant) to D: ABCD big endian, DCBA little endian, BADC bytes swapped in
each register, CDAB registers swapped. 16- and 64-bit values follow the same two
rules (swap bytes inside a register; reverse the register order).
"""

from __future__ import annotations

import math
import struct
from typing import Literal

ByteOrder = Literal["ABCD", "DCBA", "BADC", "CDAB"]
BYTE_ORDERS: tuple[str, ...] = ("ABCD", "DCBA", "BADC", "CDAB")

# type -> (registers, struct format)
NUMBER_TYPES: dict[str, tuple[int, str]] = {
    "int16": (1, ">h"),
    "uint16": (1, ">H"),
    "int32": (2, ">i"),
    "uint32": (2, ">I"),
    "int64": (4, ">q"),
    "uint64": (4, ">Q"),
    "float32": (2, ">f"),
    "float64": (4, ">d"),
}


def register_count(type_: str, length: int = 0) -> int:
    """How many registers a value of ``type_`` occupies (``length`` for strings)."""
    if type_ == "string":
        return length
    return NUMBER_TYPES[type_][0]


def to_bytes(registers: list[int], byte_order: str = "ABCD") -> bytes:
    """Registers in wire order -> bytes with the most significant first."""
    words = list(registers)
    if byte_order in ("DCBA", "CDAB"):
        words.reverse()
    raw = b"".join(w.to_bytes(2, "big") for w in words)
    if byte_order in ("DCBA", "BADC"):
        raw = b"".join(raw[i + 1 : i + 2] + raw[i : i + 1] for i in range(0, len(raw), 2))
    return raw


def from_bytes(raw: bytes, byte_order: str = "ABCD") -> list[int]:
    """The inverse of :func:`to_bytes` (used by the simulator to build images)."""
    if byte_order in ("DCBA", "BADC"):
        raw = b"".join(raw[i + 1 : i + 2] + raw[i : i + 1] for i in range(0, len(raw), 2))
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    if byte_order in ("DCBA", "CDAB"):
        words.reverse()
    return words


def decode(registers: list[int], type_: str, byte_order: str = "ABCD") -> float | int | str:
    """Decode one value. Strings are ASCII/UTF-8 with trailing NULs and spaces removed."""
    if type_ == "string":
        return (
            to_bytes(registers, "BADC" if byte_order in ("BADC", "DCBA") else "ABCD")
            .split(b"\0", 1)[0]
            .decode("utf-8", "replace")
            .strip()
        )
    _, fmt = NUMBER_TYPES[type_]
    return struct.unpack(fmt, to_bytes(registers, byte_order))[0]


def encode(value: float | int | str, type_: str, byte_order: str = "ABCD", length: int = 0) -> list[int]:
    """Encode one value into registers (for the simulator and tests)."""
    if type_ == "string":
        raw = str(value).encode()[: length * 2].ljust(length * 2, b"\0")
        return from_bytes(raw, "BADC" if byte_order in ("BADC", "DCBA") else "ABCD")
    _, fmt = NUMBER_TYPES[type_]
    number = float(value) if fmt[-1] in "fd" else int(round(float(value)))
    return from_bytes(struct.pack(fmt, number), byte_order)


# SunSpec "not implemented" values, per SunSpec point type (raw unsigned register value).
SUNSPEC_SENTINELS: dict[str, int] = {
    "int16": 0x8000,
    "sunssf": 0x8000,
    "uint16": 0xFFFF,
    "enum16": 0xFFFF,
    "bitfield16": 0xFFFF,
    "count": 0xFFFF,
    "int32": 0x80000000,
    "uint32": 0xFFFFFFFF,
    "enum32": 0xFFFFFFFF,
    "bitfield32": 0xFFFFFFFF,
    "int64": 0x8000000000000000,
    "uint64": 0xFFFFFFFFFFFFFFFF,
}


def raw_unsigned(registers: list[int]) -> int:
    value = 0
    for word in registers:
        value = (value << 16) | word
    return value


def is_not_implemented(registers: list[int], sunspec_type: str) -> bool:
    """True when the registers hold the SunSpec 'not implemented' value for that point type.

    Accumulators (acc16/32/64) use 0; float32 uses NaN. A lifetime counter of 0
    is therefore missing, never stored.
    """
    if sunspec_type.startswith("acc"):
        return raw_unsigned(registers) == 0
    if sunspec_type == "float32":
        return math.isnan(struct.unpack(">f", to_bytes(registers))[0])
    sentinel = SUNSPEC_SENTINELS.get(sunspec_type)
    return sentinel is not None and raw_unsigned(registers) == sentinel


# The generic "not implemented" values that the issue names for vendor maps too.
GENERIC_SENTINELS: dict[str, tuple[int, ...]] = {
    "int16": (0x8000,),
    "uint16": (0xFFFF,),
    "int32": (0x80000000,),
    "uint32": (0xFFFFFFFF,),
    "int64": (0x8000000000000000,),
    "uint64": (0xFFFFFFFFFFFFFFFF,),
}


def is_generic_sentinel(registers: list[int], type_: str, byte_order: str = "ABCD") -> bool:
    """True for 0x8000/0xFFFF/0x80000000/0xFFFFFFFF (by type) or a NaN float."""
    if type_ in ("float32", "float64"):
        return math.isnan(float(decode(registers, type_, byte_order)))
    raw = raw_unsigned(from_bytes(to_bytes(registers, byte_order)))
    return raw in GENERIC_SENTINELS.get(type_, ())
