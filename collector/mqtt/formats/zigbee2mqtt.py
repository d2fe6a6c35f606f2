"""Zigbee2MQTT: ``zigbee2mqtt/<friendly name>`` JSON objects.

Friendly names may contain ``/`` ("kitchen/floor_light"), so the name is everything
after the base topic, never one level. ``/set``, ``/get`` and ``bridge/...`` are
not readings; ``/availability`` is JSON ``{"state": "online"}`` in 2.x and a plain
word before, both accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collector.mqtt.formats import PayloadFormat, register
from collector.mqtt.mapped import (
    BadPayload,
    Mapped,
    known_values,
    load_json,
    load_object,
    online_word,
    text,
    values_at_paths,
    with_overrides,
)
from collector.mqtt.topics import literal_prefix

if TYPE_CHECKING:
    from collector.mqtt.config import Subscription

KEYS: dict[str, tuple[str, str | None]] = {
    "power": ("power_w", None),
    "energy": ("energy_kwh", None),
    "voltage": ("voltage_v", None),
    "current": ("current_a", None),
    "temperature": ("temperature_c", None),
    "device_temperature": ("device_temperature_c", None),  # a plug's own chip, not the room
    "humidity": ("humidity_pct", None),
    "co2": ("co2_ppm", None),
    "illuminance_lux": ("illuminance_lx", None),
}
IGNORED_SUFFIXES = ("/set", "/get")


def friendly_name(topic: str, topic_filter: str) -> str:
    base = literal_prefix(topic_filter) or "zigbee2mqtt"
    if topic.startswith(base + "/"):
        return topic[len(base) + 1 :]
    return topic


def parse(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    name = friendly_name(topic, sub.topic)
    if name == "bridge" or name.startswith("bridge/"):
        return Mapped(ignored="Zigbee2MQTT bridge topic")
    if name.endswith(IGNORED_SUFFIXES) or "/set/" in name or "/get/" in name:
        return Mapped(ignored="Zigbee2MQTT command topic")
    if name.endswith("/availability"):
        name = name[: -len("/availability")]
        word = text(payload)
        if word.startswith("{"):
            state = load_json(payload)
            word = str(state.get("state", "")) if isinstance(state, dict) else ""
        online = online_word(word)
        if online is None:
            raise BadPayload("unknown availability word", word[:40])
        return Mapped(name, online=online)
    data = load_object(payload)
    keys = KEYS
    if "battery" in data:  # on battery devices "voltage" is the battery in mV, not the mains
        keys = {k: v for k, v in KEYS.items() if k != "voltage"}
    defaults = known_values(data, keys, "")
    if "illuminance_lux" not in data and data.get("illuminance") is not None:  # 2.x renamed it
        defaults.extend(known_values(data, {"illuminance": ("illuminance_lx", None)}, ""))
    overrides, missing = values_at_paths(data, sub.series, sub.units)
    found = with_overrides(defaults, overrides)
    if not found.values and not found.bad and missing:
        raise BadPayload("missing path", missing[0])
    return Mapped(
        name,
        tuple(found.values),
        missing=", ".join(missing),
        ignored="" if found.values or found.bad else "no known values",
        bad=tuple(found.bad),
    )


FORMAT = register(PayloadFormat("zigbee2mqtt", parse, summary="Zigbee2MQTT zigbee2mqtt/<friendly name> JSON"))
