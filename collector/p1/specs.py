"""Which dsmr_parser specification reads a telegram, and the serial settings that go with it.

``v4`` deliberately uses the V5 specification: it is a superset that reads DSMR 4.x
fully, while dsmr_parser's V4 specification drops the voltage lines. ``v4`` only
changes the serial default (7E1 instead of 8N1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dsmr_parser import telegram_specifications as _specs


@dataclass(frozen=True)
class SerialSetting:
    baudrate: int
    bytesize: int
    parity: str  # pyserial letter: "N" or "E"

    def __str__(self) -> str:
        return f"{self.baudrate} {self.bytesize}{self.parity}1"


SERIAL_AUTO = (SerialSetting(115200, 8, "N"), SerialSetting(115200, 7, "E"), SerialSetting(9600, 7, "E"))
SERIAL_DEFAULT = {
    "v5": SerialSetting(115200, 8, "N"),
    "belgian": SerialSetting(115200, 8, "N"),
    "v4": SerialSetting(115200, 7, "E"),
    "v2_2": SerialSetting(9600, 7, "E"),
}

SPECS: dict[str, dict[str, Any]] = {
    "v5": _specs.V5,
    "v4": _specs.V5,
    "v2_2": _specs.V2_2,
    "belgian": _specs.BELGIUM_FLUVIUS,
}

_VERSION = re.compile(rb"^\d-\d:0\.2\.8\((\w*)\)", re.MULTILINE)


class UnknownSpec(ValueError):
    pass


def detect_spec(body: bytes, crc: str) -> str:
    """Pick the spec from the telegram itself: BE version line, DSMR version line, CRC presence."""
    if b"0-0:96.1.4(" in body:
        return "belgian"
    found = _VERSION.search(body)
    if found:
        version = found.group(1).decode("ascii", "replace")
        if version[:1] in ("4", "5"):
            return "v5"
        raise UnknownSpec(f"DSMR version ({version}) is not one buurtwatt knows; try --spec")
    # DSMR 2.2 and 3 have neither a version line nor a CRC
    return "v5" if crc else "v2_2"
