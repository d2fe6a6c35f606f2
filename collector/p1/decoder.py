"""Check and parse one telegram into plain numbers named after the series vocabulary.

Two parsers give the same result: ``library`` runs dsmr_parser's ``TelegramParser``
as is; ``fast`` (the default) uses the same dsmr_parser specifications and value
parsers but only for the lines our series need, dispatching each line to the
object whose OBIS pattern matches it instead of running every pattern over the
whole telegram, and checks the CRC with a table instead of per-character hex
conversion. tests/p1 check that both agree on every fixture and on fuzzed input. The one
allowed difference: a damaged line that no series needs (Belgian peaks, the failure log)
makes dsmr_parser drop the whole telegram, while the fast parser never reads that line.
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
# Belgian peaks, thresholds) is skipped by the fast parser.
NEEDED = frozenset(
    {
        "P1_MESSAGE_TIMESTAMP",
        "EQUIPMENT_IDENTIFIER",
        "BELGIUM_EQUIPMENT_IDENTIFIER",
        "ELECTRICITY_IMPORTED_TOTAL",
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

GAS_DEVICE_TYPE = 3
_EPOCH_2000 = 946684800.0  # earlier capture times are placeholders (700101010000W)


class BadTelegram(Exception):
    """A telegram that must not be stored. ``reason`` is a short health counter key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class GasValue:
    meter: str  # equipment identifier
    captured: float  # Unix seconds UTC, the meter's capture time
    m3: float


@dataclass(slots=True)
class MeterTelegram:
    """What a telegram says, in vocabulary units (kWh, W, V, A, m3)."""

    spec: str
    meter_time: float | None  # Unix seconds UTC from the meter clock; None for DSMR 2.2/3
    serial: str | None
    counters: dict[str, float] = field(default_factory=dict)
    gauges: dict[str, float] = field(default_factory=dict)
    gas: GasValue | None = None


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

    def parse(self, text: str) -> tuple[Fields, MbusFields]:
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
        for (name, _, parser), lines in zip(objects, found, strict=True):
            for line in lines:
                try:
                    obj = parser.parse(line)
                except ParseError:
                    log.debug("ignored line %r: it does not parse as %s", line, name)
                    continue
                _add(fields, mbus, name, obj)
        return fields, mbus


def _add(fields: Fields, mbus: MbusFields, name: str, obj: Any) -> None:
    """Where ``Telegram.add`` puts an object: M-Bus channel objects grouped per channel."""
    if isinstance(obj, DSMRObject) and obj.is_mbus_reading:
        mbus.setdefault(obj.obis_id_code[1], {})[name] = obj
    else:
        fields[name] = obj


def _library_parse(parser: TelegramParser, text: str) -> tuple[Fields, MbusFields]:
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
    return fields, mbus


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


def _ts(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def extract(spec: str, fields: Fields, mbus: MbusFields) -> MeterTelegram:
    """Map dsmr_parser objects to vocabulary names and units."""
    get = fields.get
    out = MeterTelegram(
        spec=spec,
        meter_time=_ts(getattr(get("P1_MESSAGE_TIMESTAMP"), "value", None)),
        serial=_serial(
            getattr(get("EQUIPMENT_IDENTIFIER") or get("BELGIUM_EQUIPMENT_IDENTIFIER"), "value", None)
        ),
    )
    c, g = out.counters, out.gauges
    # Belgium numbers tariffs the other way round: 1 = day (normal), 2 = night (low)
    low, normal = ("2", "1") if spec == "belgian" else ("1", "2")
    tariffs = {
        "import_t1_kwh": _num(get(f"ELECTRICITY_USED_TARIFF_{low}")),
        "import_t2_kwh": _num(get(f"ELECTRICITY_USED_TARIFF_{normal}")),
        "export_t1_kwh": _num(get(f"ELECTRICITY_DELIVERED_TARIFF_{low}")),
        "export_t2_kwh": _num(get(f"ELECTRICITY_DELIVERED_TARIFF_{normal}")),
    }
    c.update({k: v for k, v in tariffs.items() if v is not None})
    for total, t1, t2 in (
        ("import_kwh", "import_t1_kwh", "import_t2_kwh"),
        ("export_kwh", "export_t1_kwh", "export_t2_kwh"),
    ):
        if t1 in c and t2 in c:
            c[total] = round(c[t1] + c[t2], 6)
    if "import_kwh" not in c and (total_in := _num(get("ELECTRICITY_IMPORTED_TOTAL"))) is not None:
        c["import_kwh"] = total_in
    for name, parts in (
        ("power_failures", ("SHORT_POWER_FAILURE_COUNT", "LONG_POWER_FAILURE_COUNT")),
        ("voltage_sags", tuple(f"VOLTAGE_SAG_L{p}_COUNT" for p in (1, 2, 3))),
        ("voltage_swells", tuple(f"VOLTAGE_SWELL_L{p}_COUNT" for p in (1, 2, 3))),
    ):
        values = [v for v in (_num(get(p)) for p in parts) if v is not None]
        if values:
            c[name] = sum(values)
    for name, key, factor in (
        ("import_w", "CURRENT_ELECTRICITY_USAGE", 1000.0),
        ("export_w", "CURRENT_ELECTRICITY_DELIVERY", 1000.0),
    ):
        if (v := _num(get(key))) is not None:
            g[name] = round(v * factor, 3)
    for p in (1, 2, 3):
        for name, key, factor in (
            (f"voltage_l{p}_v", f"INSTANTANEOUS_VOLTAGE_L{p}", 1.0),
            (f"current_l{p}_a", f"INSTANTANEOUS_CURRENT_L{p}", 1.0),
            (f"import_l{p}_w", f"INSTANTANEOUS_ACTIVE_POWER_L{p}_POSITIVE", 1000.0),
            (f"export_l{p}_w", f"INSTANTANEOUS_ACTIVE_POWER_L{p}_NEGATIVE", 1000.0),
        ):
            if (v := _num(get(key))) is not None:
                g[name] = round(v * factor, 3)
    tariff = _num(get("ELECTRICITY_ACTIVE_TARIFF"))
    if tariff in (1.0, 2.0):
        g["tariff"] = (3.0 - tariff) if spec == "belgian" else tariff
    out.gas = _gas(mbus)
    return out


def _gas(mbus: MbusFields) -> GasValue | None:
    """The first M-Bus device of type gas with an id, a real capture time and a value."""
    for channel in sorted(mbus):
        dev = mbus[channel]
        kind = dev.get("MBUS_DEVICE_TYPE") or dev.get("DEVICE_TYPE")
        if _num(kind) != GAS_DEVICE_TYPE:
            continue
        reading = dev.get("MBUS_METER_READING") or dev.get("GAS_METER_READING")
        ident = _serial(
            getattr(
                dev.get("MBUS_EQUIPMENT_IDENTIFIER") or dev.get("EQUIPMENT_IDENTIFIER_GAS"), "value", None
            )
        )
        if reading is None or not ident:
            continue
        try:
            captured, value = _ts(reading.datetime), reading.value
        except (IndexError, KeyError, TypeError):
            continue
        if captured is None or captured < _EPOCH_2000 or not isinstance(value, Decimal):
            continue  # placeholder channel (1970, 0) or an invalid timestamp (632525252525S)
        return GasValue(ident, captured, float(value))
    return None


class Decoder:
    """Decode frames with a fixed spec or ``auto``; ``parser`` is ``fast`` or ``library``."""

    def __init__(self, spec: str = "auto", parser: str = "fast") -> None:
        if spec != "auto" and spec not in SPECS:
            raise ValueError(f"unknown spec {spec!r}; use auto, {', '.join(SPECS)}")
        self.spec = spec
        self.parser = parser
        self._crc_seen = False
        self._fast = {name: LineParser(s) for name, s in SPECS.items()} if parser == "fast" else {}
        self._library = {name: TelegramParser(s) for name, s in SPECS.items()} if parser == "library" else {}

    def decode(self, frame: Frame) -> MeterTelegram:
        try:
            spec = self.spec if self.spec != "auto" else detect_spec(frame.body, frame.crc)
        except UnknownSpec as exc:
            raise BadTelegram("unknown_spec", str(exc)) from None
        needs_crc = SPECS[spec]["checksum_support"]
        if needs_crc and not frame.crc:
            raise BadTelegram("bad_crc", f"no CRC after '!' but spec {spec} requires one")
        if self._crc_seen and not frame.crc:
            # a meter that sent CRCs does not stop: a lost CRC plus a damaged version line is not DSMR 2.2
            raise BadTelegram("bad_crc", "no CRC after '!' but this meter sends one")
        text = frame.text
        if self.parser == "library":
            try:
                fields, mbus = _library_parse(self._library[spec], text)
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
                fields, mbus = self._fast[spec].parse(text)
            except Exception as exc:  # same as the library: an unexpected value error drops the telegram
                raise BadTelegram("unparsable", f"{type(exc).__name__}: {exc}") from None
        self._crc_seen = self._crc_seen or bool(frame.crc)
        telegram = extract(spec, fields, mbus)
        if not telegram.counters and not telegram.gauges and telegram.gas is None:
            raise BadTelegram("unparsable", "no known lines in the telegram (wrong spec or line ends?)")
        return telegram

    @staticmethod
    def _crc_detail(frame: Frame) -> str:
        return (
            f"expected {crc16(frame.body):04X} (computed over the content), "
            f"found {frame.crc} (in the telegram)"
        )
