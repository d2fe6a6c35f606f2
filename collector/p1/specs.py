"""The one list of P1 specifications: which dsmr_parser specification reads a telegram,
the serial setting that goes with it, and how to recognise it.

Everything else derives from :data:`SPECS`: the config's ``spec`` choices
(:data:`SpecName`), the ``--spec`` choices of ``buurtwatt p1``, the help text and the
tests (``tests/p1`` parametrise over it). Adding a spec is one :func:`_register` call.

``v4`` deliberately uses the V5 specification: it is a superset that reads DSMR 4.x
fully, while dsmr_parser's V4 specification drops the voltage lines. ``v4`` only
changes the serial default (7E1 instead of 8N1). Meters that print other units
(Sagemcom T210-D-r in Wh and W) need no spec of their own: every value keeps the
unit its line carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from dsmr_parser import telegram_specifications as _specs


@dataclass(frozen=True)
class SerialSetting:
    baudrate: int
    bytesize: int
    parity: str  # pyserial letter: "N" or "E"

    def __str__(self) -> str:
        return f"{self.baudrate} {self.bytesize}{self.parity}1"


@dataclass(frozen=True)
class P1Spec:
    """One way of reading telegrams."""

    name: str
    dsmr: dict[str, Any]  # the dsmr_parser telegram specification
    serial: SerialSetting  # default serial setting for this kind of meter
    meters: str  # which meters, for help texts and docs

    @property
    def checksum(self) -> bool:
        return bool(self.dsmr["checksum_support"])


SPECS: dict[str, P1Spec] = {}


def _register(spec: P1Spec) -> None:
    if spec.name in SPECS or spec.name == "auto":
        raise ValueError(f"P1 spec {spec.name!r} registered twice")
    SPECS[spec.name] = spec


_8N1 = SerialSetting(115200, 8, "N")
_register(P1Spec("v5", _specs.V5, _8N1, "DSMR 4.x and 5.x (NL), Sagemcom T210-D-r"))
_register(P1Spec("v4", _specs.V5, SerialSetting(115200, 7, "E"), "DSMR 4.x on a 7E1 serial line"))
_register(P1Spec("v2_2", _specs.V2_2, SerialSetting(9600, 7, "E"), "DSMR 2.2 and 3 (no CRC, no clock)"))
_register(P1Spec("belgian", _specs.BELGIUM_FLUVIUS, _8N1, "Belgian e-MUCS (Fluvius), capacity tariff"))
_register(P1Spec("q3d", _specs.Q3D, SerialSetting(9600, 7, "E"), "EasyMeter Q3D (no CRC, no clock)"))

SPEC_NAMES: tuple[str, ...] = tuple(SPECS)
SPEC_CHOICES: tuple[str, ...] = ("auto", *SPEC_NAMES)
# the config's Literal, built from the registry so the choices cannot drift apart
SpecName = Literal[SPEC_CHOICES]  # type: ignore[valid-type]

SERIAL_AUTO = (_8N1, SerialSetting(115200, 7, "E"), SerialSetting(9600, 7, "E"))
SERIAL_DEFAULT = {name: spec.serial for name, spec in SPECS.items()}


def describe() -> str:
    """One line per spec, for help texts and docs."""
    return "; ".join(f"{s.name}: {s.meters}" for s in SPECS.values())


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
    if not crc and b"*255(" in body:
        return "q3d"  # EasyMeter writes OBIS codes with the '*255' storage suffix
    # DSMR 2.2 and 3 have neither a version line nor a CRC
    return "v5" if crc else "v2_2"
