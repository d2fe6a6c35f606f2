"""Tasmota: ``tele/<topic>/SENSOR`` JSON and ``tele/<topic>/LWT`` Online/Offline.

The ENERGY block gives Total (kWh), Power (W), Voltage and Current.

- A **list** is one value per relay channel (Sonoff Dual R3 ``"Power": [52, 5]``):
  devices ``<name>-1``, ``<name>-2``.
- An **object** ``{"Phase1": .., "Phase2": ..}`` is one meter's phases: Total and
  Power are summed into the device's own series (a sum of counters is a counter);
  Voltage and Current become ``voltage_l1_v`` .. ``current_l3_a``.

Sensor drivers sit in their own block (``{"SCD30": {"CarbonDioxide": 612}}``):

- ``ESP32.Temperature`` is the chip's own heat: ``device_temperature_c``.
- A block named with an instance id (``DS18B20-2``, ``MJ_HT_V1-a4c138``, ``ATCa4c138``;
  Tasmota adds one when several sensors of a kind are present, and BLE gateways name
  every sensor so) is its own device ``<name>-<block>``.
- Any other block feeds the device itself, unless an earlier block already gave that
  quantity: then it too becomes its own device (two thermometers never overwrite each
  other). ``series`` names a path to pick one value instead.

One unusable field (``"Total": "n/a"``) drops only that field. ``Time`` is the
device's local time without a zone, so it is not used.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from collector.mqtt.formats import PayloadFormat, register
from collector.mqtt.mapped import (
    BadPayload,
    Found,
    Mapped,
    Value,
    load_object,
    number,
    online_word,
    text,
    values_at_paths,
    with_overrides,
)

if TYPE_CHECKING:
    from collector.mqtt.config import Subscription

ENERGY_KEYS = {"Power": "power_w", "Total": "energy_kwh", "Voltage": "voltage_v", "Current": "current_a"}
# per-phase quantities when ENERGY gives an object of phases; additive ones are summed instead
PHASE_QUANTITIES = {"Voltage": "voltage_l{}_v", "Current": "current_l{}_a"}
SENSOR_KEYS = {
    "Temperature": "temperature_c",
    "Humidity": "humidity_pct",
    "CarbonDioxide": "co2_ppm",
    "eCO2": "co2_ppm",
    "CO2": "co2_ppm",
    "Illuminance": "illuminance_lx",
}
CHIP_BLOCKS = {"ESP32", "ESP8266"}  # the microcontroller's own temperature
# "DS18B20-2", "MJ_HT_V1-a4c138", "LYWSD03-52680f", and the ATC/PVVX firmware's "ATCa4c138"
_INSTANCE = re.compile(r"^[A-Za-z0-9_]+-[0-9A-Za-z]+$|^(ATC|PVVX)[0-9A-Fa-f]{6}$")
PREFIXES = {"tele", "stat", "cmnd"}


def device_of(topic: str) -> str:
    """The %topic% part, whether FullTopic is ``tele/%topic%/`` or ``tasmota/%topic%/tele/``."""
    levels = [level for level in topic.split("/")[:-1] if level not in PREFIXES]
    return levels[-1] if levels else ""


def _phases(key: str, raw: dict[str, Any], found: Found) -> None:
    """``{"Phase1": 1.2, "Phase2": 3.4}``: summed, or per phase for voltage and current."""
    numbered = sorted(
        (int(name.removeprefix("Phase")), value)
        for name, value in raw.items()
        if name.startswith("Phase") and name.removeprefix("Phase").isdigit()
    )
    if not numbered:
        found.bad.append(BadPayload("not a number", f"ENERGY.{key} has no Phase1.. keys"))
        return
    if key in PHASE_QUANTITIES:
        for phase, value in numbered:
            if 1 <= phase <= 3:
                found.add(PHASE_QUANTITIES[key].format(phase), value, f"ENERGY.{key}.Phase{phase}")
        return
    try:
        total = sum(number(value, f"ENERGY.{key}.Phase{phase}") for phase, value in numbered)
    except BadPayload as bad:  # a sum with a phase missing would be a false step in the counter
        found.bad.append(bad)
        return
    found.add(ENERGY_KEYS[key], total, f"ENERGY.{key}")


def _energy(block: dict[str, Any]) -> Found:
    found = Found()
    for key, quantity in ENERGY_KEYS.items():
        raw = block.get(key)
        if raw is None:
            continue
        if isinstance(raw, list):
            for i, item in enumerate(raw):
                found.add(quantity, item, f"ENERGY.{key}.{i}", channel=str(i + 1))
        elif isinstance(raw, dict):
            _phases(key, raw, found)
        else:
            found.add(quantity, raw, f"ENERGY.{key}")
    return found


def _sensors(data: dict[str, Any]) -> Found:
    fahrenheit = data.get("TempUnit") == "F"
    found = Found()
    taken: set[str] = set()  # quantities the device itself already has
    for name, block in data.items():
        if name == "ENERGY" or not isinstance(block, dict):
            continue
        if name in CHIP_BLOCKS:
            if "Temperature" in block:
                _add(
                    found, "device_temperature_c", block["Temperature"], f"{name}.Temperature", "", fahrenheit
                )
            continue
        here = [(key, quantity) for key, quantity in SENSOR_KEYS.items() if key in block]
        if not here:
            continue
        own = _INSTANCE.match(name) is not None or any(q in taken for _, q in here)
        channel = name if own else ""
        block_found: set[str] = set()
        for key, quantity in here:
            if quantity in block_found:  # eCO2 after CarbonDioxide: the first one counts
                continue
            block_found.add(quantity)
            _add(found, quantity, block[key], f"{name}.{key}", channel, fahrenheit)
        if not own:
            taken |= block_found
    return found


def _add(found: Found, quantity: str, raw: Any, where: str, channel: str, fahrenheit: bool) -> None:
    if not (fahrenheit and quantity.endswith("temperature_c")):
        found.add(quantity, raw, where, channel=channel)
        return
    # Tasmota's TempUnit F: the core's units have no offsets, so this one conversion stays here
    try:
        found.values.append(Value(quantity, (number(raw, where) - 32) * 5 / 9, channel=channel))
    except BadPayload as bad:
        found.bad.append(bad)


def parse(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    device = device_of(topic)
    kind = topic.rsplit("/", 1)[-1]
    if kind == "LWT":
        online = online_word(text(payload))
        if online is None:
            raise BadPayload("unknown availability word", text(payload)[:40])
        return Mapped(device, online=online)
    if kind != "SENSOR" and not kind.startswith("STATUS"):
        return Mapped(device, ignored=f"Tasmota {kind} messages carry no readings")
    data = load_object(payload)
    if isinstance(data.get("StatusSNS"), dict):  # reply to "Status 8/10"
        data = data["StatusSNS"]
    energy = data.get("ENERGY")
    defaults = _energy(energy) if isinstance(energy, dict) else Found()
    defaults.extend(_sensors(data))
    overrides, missing = values_at_paths(data, sub.series, sub.units) if sub.series else (Found(), [])
    found = with_overrides(defaults, overrides)
    if not found.values and not found.bad and missing:
        raise BadPayload("missing path", missing[0])
    return Mapped(
        device,
        tuple(found.values),
        missing=", ".join(missing),
        ignored="" if found.values or found.bad else "no ENERGY or sensor values",
        bad=tuple(found.bad),
    )


def availability_topics(topic_filter: str) -> list[str]:
    if topic_filter.endswith("/SENSOR"):
        return [topic_filter[: -len("SENSOR")] + "LWT"]
    return []


FORMAT = register(
    PayloadFormat("tasmota", parse, availability_topics, summary="Tasmota tele/<topic>/SENSOR and LWT")
)
