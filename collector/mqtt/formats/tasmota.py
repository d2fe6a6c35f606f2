"""Tasmota: ``tele/<topic>/SENSOR`` JSON and ``tele/<topic>/LWT`` Online/Offline.

The ENERGY block gives Total (kWh), Power (W), Voltage and Current; multi-channel
devices send arrays (``"Power": [52, 5]``), stored as devices ``<name>-1``, ``<name>-2``.
Sensor drivers sit in their own block (``{"SCD30": {"CarbonDioxide": 612}}``); the
first block with a temperature wins unless ``series`` names a path. ``Time`` is the
device's local time without a zone, so it is not used.
"""

from __future__ import annotations

from typing import Any

from collector.mqtt.config import Subscription
from collector.mqtt.formats import PayloadFormat
from collector.mqtt.mapped import (
    BadPayload,
    Mapped,
    Value,
    load_object,
    number,
    online_word,
    text,
    values_at_paths,
    with_overrides,
)

ENERGY_KEYS = {"Power": "power_w", "Total": "energy_kwh", "Voltage": "voltage_v", "Current": "current_a"}
SENSOR_KEYS = {
    "Temperature": "temperature_c",
    "Humidity": "humidity_pct",
    "CarbonDioxide": "co2_ppm",
    "eCO2": "co2_ppm",
    "CO2": "co2_ppm",
    "Illuminance": "illuminance_lx",
}
PREFIXES = {"tele", "stat", "cmnd"}


def device_of(topic: str) -> str:
    """The %topic% part, whether FullTopic is ``tele/%topic%/`` or ``tasmota/%topic%/tele/``."""
    levels = [level for level in topic.split("/")[:-1] if level not in PREFIXES]
    return levels[-1] if levels else ""


def _energy(block: dict[str, Any]) -> list[Value]:
    found = []
    for key, quantity in ENERGY_KEYS.items():
        raw = block.get(key)
        if raw is None:
            continue
        if isinstance(raw, list):
            found += [
                Value(quantity, number(item, f"ENERGY.{key}.{i}"), channel=str(i + 1))
                for i, item in enumerate(raw)
            ]
        else:
            found.append(Value(quantity, number(raw, f"ENERGY.{key}")))
    return found


def _sensors(data: dict[str, Any]) -> list[Value]:
    fahrenheit = data.get("TempUnit") == "F"
    found: dict[str, Value] = {}
    for name, block in data.items():
        if name == "ENERGY" or not isinstance(block, dict):
            continue
        for key, quantity in SENSOR_KEYS.items():
            if key in block and quantity not in found:
                value = number(block[key], f"{name}.{key}")
                if quantity == "temperature_c" and fahrenheit:
                    value = (value - 32) * 5 / 9
                found[quantity] = Value(quantity, value)
    return list(found.values())


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
    defaults = (_energy(energy) if isinstance(energy, dict) else []) + _sensors(data)
    overrides, missing = values_at_paths(data, sub.series, sub.units) if sub.series else ([], [])
    values = with_overrides(defaults, overrides)
    if not values and missing:
        raise BadPayload("missing path", missing[0])
    return Mapped(
        device, values, missing=", ".join(missing), ignored="" if values else "no ENERGY or sensor values"
    )


def availability_topics(topic_filter: str) -> list[str]:
    if topic_filter.endswith("/SENSOR"):
        return [topic_filter[: -len("SENSOR")] + "LWT"]
    return []


FORMAT = PayloadFormat("tasmota", parse, availability_topics)
