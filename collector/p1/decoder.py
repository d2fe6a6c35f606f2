"""Check and parse one telegram into plain numbers named after the series vocabulary.

Two parsers give the same result: ``library`` runs dsmr_parser's ``TelegramParser``
as is; ``fast`` (the default) uses the same dsmr_parser specifications and value
parsers but only for the lines our series need, dispatching each line to the
object whose OBIS pattern matches it instead of running every pattern over the
whole telegram, and checks the CRC with a table instead of per-character hex
conversion. tests/p1 check that both agree on every fixture and on fuzzed input. The one
allowed difference: a damaged line that no series needs (the 13-month peaks, the failure log)
makes dsmr_parser drop the whole telegram, while the fast parser never reads that line; a
damaged line that a series needs is skipped by dsmr_parser in silence, while the fast parser
reports it (``MeterTelegram.problems``), so the source counts it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from dsmr_parser.exceptions import InvalidChecksumError, ParseError
from dsmr_parser.objects import DSMRObject
from dsmr_parser.parsers import TelegramParser

from collector.p1.framing import Frame, crc16
from collector.p1.specs import SPECS, UnknownSpec, detect_spec

log = logging.getLogger(__name__)

# dsmr_parser value names that feed our series; everything else (failure log, text messages,
# the Belgian 13-month peak history, thresholds) is skipped by the fast parser.
NEEDED = frozenset(
    {
        "P1_MESSAGE_TIMESTAMP",
        "EQUIPMENT_IDENTIFIER",
        "BELGIUM_EQUIPMENT_IDENTIFIER",
        "ELECTRICITY_IMPORTED_TOTAL",
        "ELECTRICITY_EXPORTED_TOTAL",
        "BELGIUM_CURRENT_AVERAGE_DEMAND",
        "BELGIUM_MAXIMUM_DEMAND_MONTH",
        "Q3D_EQUIPMENT_SERIALNUMBER",
        "ELECTRICITY_USED_TARIFF_1",
        "ELECTRICITY_USED_TARIFF_2",
        "ELECTRICITY_DELIVERED_TARIFF_1",
        "ELECTRICITY_DELIVERED_TARIFF_2",
        "ELECTRICITY_ACTIVE_TARIFF",
        "CURRENT_ELECTRICITY_USAGE",
        "CURRENT_ELECTRICITY_DELIVERY",
        "SHORT_POWER_FAILURE_COUNT",
        "LONG_POWER_FAILURE_COUNT",
        *(f"VOLTAGE_{kind}_L{p}_COUNT" for kind in ("SAG", "SWELL") for p in (1, 2, 3)),
        *(f"INSTANTANEOUS_{kind}_L{p}" for kind in ("VOLTAGE", "CURRENT") for p in (1, 2, 3)),
        *(f"INSTANTANEOUS_ACTIVE_POWER_L{p}_{d}" for p in (1, 2, 3) for d in ("POSITIVE", "NEGATIVE")),
        "MBUS_DEVICE_TYPE",
        "MBUS_EQUIPMENT_IDENTIFIER",
        "MBUS_METER_READING",
        "DEVICE_TYPE",
        "EQUIPMENT_IDENTIFIER_GAS",
        "GAS_METER_READING",
    }
)

MBUS_QUANTITIES = {3: "gas_m3", 7: "water_m3"}  # M-Bus device type -> quantity; heat (4) is not read
_EPOCH_2000 = 946684800.0  # earlier capture times are placeholders (700101010000W)
# a lower-case DST flag (Landis+Gyr E350: 150701190000s) that dsmr_parser would read as "no time"
_LOWER_DST = re.compile(r"\((\d{12})([sw])\)")

_PLACEHOLDER = re.compile(r"^[^(]*\((0*)\)\s*$")

Value = tuple[float, str | None]  # (number as the telegram printed it, its unit or None)


class BadTelegram(Exception):
    """A telegram that must not be stored. ``reason`` is a short health counter key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class MbusValue:
    """A reading of an M-Bus meter (gas, water) behind the smart meter."""

    quantity: str  # gas_m3 or water_m3
    meter: str  # equipment identifier
    captured: float  # Unix seconds UTC, the meter's capture time
    value: float
    unit: str | None


@dataclass(slots=True)
class MeterTelegram:
    """What a telegram says: vocabulary names, values and units as printed (kWh or Wh, kW or W)."""

    spec: str
    meter_time: float | None  # Unix seconds UTC from the meter clock; None for DSMR 2.2/3 and Q3D
    serial: str | None
    counters: dict[str, Value] = field(default_factory=dict)
    gauges: dict[str, Value] = field(default_factory=dict)
    mbus: list[MbusValue] = field(default_factory=list)
    # lines or values that were there but could not be read: (reason, detail); not part of equality,
    # because dsmr_parser's own loop (the ``library`` parser) swallows them
    problems: list[tuple[str, str]] = field(default_factory=list, compare=False)

    @property
    def gas(self) -> MbusValue | None:
        return next((m for m in self.mbus if m.quantity == "gas_m3"), None)


Fields = dict[str, Any]
MbusFields = dict[int, dict[str, Any]]


class LineParser:
    """dsmr_parser's parse loop, restricted to ``NEEDED`` and driven by lines.

    Same semantics as ``TelegramParser.parse`` for the objects kept: each object's
    pattern is tried only at line starts (where its ``^`` could match anyway), matches
    of one object do not overlap, objects are added in specification order.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.objects = [
            (o["value_name"], re.compile(o["obis_reference"], re.DOTALL | re.MULTILINE), o["value_parser"])
            for o in spec["objects"]
            if o["value_name"] in NEEDED
        ]
        self._everyone = tuple(range(len(self.objects)))
        self._candidates: dict[str, tuple[int, ...]] = {}

    def parse(self, text: str) -> tuple[Fields, MbusFields, list[tuple[str, str]]]:
        objects = self.objects
        found: list[list[str]] = [[] for _ in objects]
        free_from = [0] * len(objects)  # findall semantics: matches of one object do not overlap
        cache = self._candidates
        pos, size = 0, len(text)
        while pos < size:
            end = text.find("\r\n", pos)
            if end < 0:
                break
            paren = text.find("(", pos, end)
            if paren < 0:
                candidates = self._everyone  # header, blank, '!' and continuation lines: rare, try all
            else:
                key = text[pos:paren]
                candidates = cache.get(key)  # type: ignore[assignment]
                if candidates is None:
                    # OBIS patterns never reach past the '(' so the key decides who can match
                    candidates = tuple(i for i, (_, rx, _) in enumerate(objects) if rx.match(text, pos))
                    cache[key] = candidates
            for i in candidates:
                if pos >= free_from[i]:
                    m = objects[i][1].match(text, pos)
                    if m:
                        found[i].append(m.group(0))
                        free_from[i] = m.end()
            pos = end + 2
        fields: Fields = {}
        mbus: MbusFields = {}
        problems: list[tuple[str, str]] = []
        for (name, _, parser), lines in zip(objects, found, strict=True):
            for line in lines:
                try:
                    obj = parser.parse(line)
                except ParseError:
                    if _PLACEHOLDER.search(line):
                        continue  # "0-1:24.2.1(0)": some meters mark an empty channel like this
                    problems.append(("unreadable_line", f"{line.strip()!r} does not read as {name}"))
                    continue
                _add(fields, mbus, name, obj)
        return fields, mbus, problems


def _add(fields: Fields, mbus: MbusFields, name: str, obj: Any) -> None:
    """Where ``Telegram.add`` puts an object: M-Bus channel objects grouped per channel."""
    if isinstance(obj, DSMRObject) and obj.is_mbus_reading:
        mbus.setdefault(obj.obis_id_code[1], {})[name] = obj
    else:
        fields[name] = obj


def _library_parse(parser: TelegramParser, text: str) -> tuple[Fields, MbusFields, list[tuple[str, str]]]:
    telegram = parser.parse(text)
    refs = {o["value_name"]: o["obis_reference"] for o in parser.telegram_specification["objects"]}
    fields = {}
    for name, value in telegram:
        if name not in NEEDED:
            continue
        if isinstance(value, DSMRObject) and value.is_mbus_reading:
            # the attribute was overwritten by an M-Bus channel line (0-1:96.1.1 under the V5 spec);
            # the deprecated dict view still holds the channel 0 object
            value = dict.get(telegram, refs[name])
            if not isinstance(value, DSMRObject) or value.is_mbus_reading:
                continue
        fields[name] = value
    mbus = {
        dev.channel_id: {n: v for n, v in dev if n in NEEDED} for dev in getattr(telegram, "MBUS_DEVICES", [])
    }
    return fields, mbus, []  # dsmr_parser logs and skips lines it cannot read


def _serial(raw: Any) -> str | None:
    """Equipment ids are hex-encoded ASCII (4B38... = K8...); show them readable when they are."""
    if not raw:
        return None
    text = str(raw)
    try:
        decoded = bytes.fromhex(text).decode("ascii")
    except ValueError:
        return text
    return decoded if decoded.isprintable() and decoded.strip() else text


def _num(obj: Any) -> float | None:
    value = getattr(obj, "value", None)
    if isinstance(value, Decimal | int | float):
        return float(value)
    if isinstance(value, str) and value.strip().isdigit():
        return float(int(value))
    return None


def _val(obj: Any) -> Value | None:
    """The number and the unit its line printed (``*Wh``, ``*kW``, ``*m3``, ...)."""
    number = _num(obj)
    if number is None:
        return None
    return number, getattr(obj, "unit", None) or None


def _ts(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def _sum(parts: list[Value | None]) -> Value | None:
    """Add values printed in one unit; mixed units are the gate's to convert, so no sum then."""
    present = [p for p in parts if p is not None]
    if len(present) != len(parts) or len({unit for _, unit in present}) != 1:
        return None
    return round(sum(v for v, _ in present), 6), present[0][1]


def extract(spec: str, fields: Fields, mbus: MbusFields, problems: list[tuple[str, str]]) -> MeterTelegram:
    """Map dsmr_parser objects to vocabulary names; values keep the unit their line printed."""
    get = fields.get
    out = MeterTelegram(
        spec=spec,
        meter_time=_ts(getattr(get("P1_MESSAGE_TIMESTAMP"), "value", None)),
        serial=_serial(
            getattr(
                get("EQUIPMENT_IDENTIFIER")
                or get("BELGIUM_EQUIPMENT_IDENTIFIER")
                or get("Q3D_EQUIPMENT_SERIALNUMBER"),
                "value",
                None,
            )
        ),
        problems=problems,
    )
    c, g = out.counters, out.gauges

    def put(into: dict[str, Value], name: str, value: Value | None) -> None:
        if value is not None:
            into[name] = value

    # Belgium numbers tariffs the other way round: 1 = day (normal), 2 = night (low)
    low, normal = ("2", "1") if spec == "belgian" else ("1", "2")
    for name, key in (
        ("import_t1_kwh", f"ELECTRICITY_USED_TARIFF_{low}"),
        ("import_t2_kwh", f"ELECTRICITY_USED_TARIFF_{normal}"),
        ("export_t1_kwh", f"ELECTRICITY_DELIVERED_TARIFF_{low}"),
        ("export_t2_kwh", f"ELECTRICITY_DELIVERED_TARIFF_{normal}"),
    ):
        put(c, name, _val(get(key)))
    for total, t1, t2, printed in (
        ("import_kwh", "import_t1_kwh", "import_t2_kwh", "ELECTRICITY_IMPORTED_TOTAL"),
        ("export_kwh", "export_t1_kwh", "export_t2_kwh", "ELECTRICITY_EXPORTED_TOTAL"),
    ):
        # the sum of the tariffs, as always; a meter without tariff registers prints its own total
        put(c, total, _sum([c.get(t1), c.get(t2)]) if t1 in c or t2 in c else _val(get(printed)))
    for name, parts in (
        ("power_failures", ("SHORT_POWER_FAILURE_COUNT", "LONG_POWER_FAILURE_COUNT")),
        ("voltage_sags", tuple(f"VOLTAGE_SAG_L{p}_COUNT" for p in (1, 2, 3))),
        ("voltage_swells", tuple(f"VOLTAGE_SWELL_L{p}_COUNT" for p in (1, 2, 3))),
    ):
        values = [v for v in (_num(get(p)) for p in parts) if v is not None]
        if values:
            c[name] = (sum(values), None)
    put(g, "import_w", _val(get("CURRENT_ELECTRICITY_USAGE")))
    put(g, "export_w", _val(get("CURRENT_ELECTRICITY_DELIVERY")))
    for p in (1, 2, 3):
        put(g, f"voltage_l{p}_v", _val(get(f"INSTANTANEOUS_VOLTAGE_L{p}")))
        put(g, f"current_l{p}_a", _val(get(f"INSTANTANEOUS_CURRENT_L{p}")))
        put(g, f"import_l{p}_w", _val(get(f"INSTANTANEOUS_ACTIVE_POWER_L{p}_POSITIVE")))
        put(g, f"export_l{p}_w", _val(get(f"INSTANTANEOUS_ACTIVE_POWER_L{p}_NEGATIVE")))
    # Belgian capacity tariff: the running quarter-hour average and this month's peak with its time
    put(g, "demand_w", _val(get("BELGIUM_CURRENT_AVERAGE_DEMAND")))
    peak = get("BELGIUM_MAXIMUM_DEMAND_MONTH")
    if peak is not None:
        when = _ts(getattr(peak, "datetime", None))
        if when is None:
            problems.append(("unreadable_value", "1-0:1.6.0: the time of this month's peak is not a time"))
        else:
            put(g, "peak_demand_w", _val(peak))
            g["peak_demand_ts"] = (when, "s")
    tariff = _num(get("ELECTRICITY_ACTIVE_TARIFF"))
    if tariff in (1.0, 2.0):
        g["tariff"] = ((3.0 - tariff) if spec == "belgian" else tariff, None)
    out.mbus = _mbus(mbus, problems)
    return out


def _mbus(mbus: MbusFields, problems: list[tuple[str, str]]) -> list[MbusValue]:
    """The first gas and the first water meter that have an id, a real capture time and a value."""
    found: dict[str, MbusValue] = {}
    for channel in sorted(mbus):
        dev = mbus[channel]
        quantity = MBUS_QUANTITIES.get(_num(dev.get("MBUS_DEVICE_TYPE") or dev.get("DEVICE_TYPE")))  # type: ignore[arg-type]
        if quantity is None or quantity in found:
            continue
        reading = dev.get("MBUS_METER_READING") or dev.get("GAS_METER_READING")
        ident = _serial(
            getattr(
                dev.get("MBUS_EQUIPMENT_IDENTIFIER") or dev.get("EQUIPMENT_IDENTIFIER_GAS"), "value", None
            )
        )
        if reading is None or not ident:
            continue  # an empty channel: nothing connected
        try:
            raw_time, value, unit = reading.datetime, reading.value, reading.unit
        except (IndexError, KeyError, TypeError):
            detail = f"M-Bus channel {channel}: the reading has no time or value"
            problems.append(("unreadable_value", detail))
            continue
        captured = _ts(raw_time)
        if isinstance(value, Decimal) and value == 0 and (captured is None or captured < _EPOCH_2000):
            continue  # placeholder channel (700101010000W)(00000000) or an invalid time (632525252525S)
        if captured is None or captured < _EPOCH_2000 or not isinstance(value, Decimal):
            problems.append(
                (
                    "unreadable_value",
                    f"M-Bus channel {channel} ({quantity}): capture time or value cannot be read",
                )
            )
            continue
        found[quantity] = MbusValue(quantity, ident, captured, float(value), unit or None)
    return list(found.values())


class Decoder:
    """Decode frames with a fixed spec or ``auto``; ``parser`` is ``fast`` or ``library``."""

    def __init__(self, spec: str = "auto", parser: str = "fast") -> None:
        if spec != "auto" and spec not in SPECS:
            raise ValueError(f"unknown spec {spec!r}; use auto, {', '.join(SPECS)}")
        self.spec = spec
        self.parser = parser
        self._crc_seen = False
        self._fast = {name: LineParser(s.dsmr) for name, s in SPECS.items()} if parser == "fast" else {}
        self._library = (
            # the CRC is checked on the telegram as sent, before a lower-case DST flag is mended
            {name: TelegramParser(s.dsmr, apply_checksum_validation=False) for name, s in SPECS.items()}
            if parser == "library"
            else {}
        )

    @staticmethod
    def spec_has_crc(spec: str) -> bool:
        return SPECS[spec].checksum

    def decode(self, frame: Frame) -> MeterTelegram:
        try:
            spec = self.spec if self.spec != "auto" else detect_spec(frame.body, frame.crc)
        except UnknownSpec as exc:
            raise BadTelegram("unknown_spec", str(exc)) from None
        needs_crc = SPECS[spec].checksum
        if needs_crc and not frame.crc:
            raise BadTelegram("bad_crc", f"no CRC after '!' but spec {spec} requires one")
        if self._crc_seen and not frame.crc:
            # a meter that sent CRCs does not stop: a lost CRC plus a damaged version line is not DSMR 2.2
            raise BadTelegram("bad_crc", "no CRC after '!' but this meter sends one")
        text = frame.text
        if self.parser == "library" and needs_crc:
            try:
                TelegramParser.validate_checksum(text)
            except InvalidChecksumError:
                raise BadTelegram("bad_crc", self._crc_detail(frame)) from None
            except ParseError as exc:
                raise BadTelegram("unparsable", str(exc)) from None
        if "s)" in text or "w)" in text:
            text = _LOWER_DST.sub(lambda m: f"({m.group(1)}{m.group(2).upper()})", text)
        if self.parser == "library":
            try:
                fields, mbus, problems = _library_parse(self._library[spec], text)
            except InvalidChecksumError:
                raise BadTelegram("bad_crc", self._crc_detail(frame)) from None
            except ParseError as exc:
                raise BadTelegram("unparsable", str(exc)) from None
            except Exception as exc:  # dsmr_parser re-raises unexpected value errors
                raise BadTelegram("unparsable", f"{type(exc).__name__}: {exc}") from None
        else:
            if frame.crc and crc16(frame.body) != int(frame.crc, 16):
                raise BadTelegram("bad_crc", self._crc_detail(frame))
            if not needs_crc and not frame.body.isascii():
                raise BadTelegram("unparsable", "non-ASCII bytes in a telegram without CRC")
            try:
                fields, mbus, problems = self._fast[spec].parse(text)
            except Exception as exc:  # same as the library: an unexpected value error drops the telegram
                raise BadTelegram("unparsable", f"{type(exc).__name__}: {exc}") from None
        self._crc_seen = self._crc_seen or bool(frame.crc)
        telegram = extract(spec, fields, mbus, problems)
        if not telegram.counters and not telegram.gauges and not telegram.mbus:
            raise BadTelegram("unparsable", "no known lines in the telegram (wrong spec or line ends?)")
        return telegram

    @staticmethod
    def _crc_detail(frame: Frame) -> str:
        return (
            f"expected {crc16(frame.body):04X} (computed over the content), "
            f"found {frame.crc} (in the telegram)"
        )
