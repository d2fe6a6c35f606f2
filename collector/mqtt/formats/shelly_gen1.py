"""Shelly Gen1 (legacy): ``shellies/<id>/...`` with one plain value per topic.

- ``relay/N/power`` and ``emeter/N/power`` (W), ``emeter/N/voltage``, ``emeter/N/current``;
  ``emeter/N/total`` is the meter's energy counter in Wh. Relay ``energy`` counters are in
  watt-minutes, a unit the core does not know, so they are not read.
- ``temperature`` is the relay's own temperature (Plug S, 1PM, 2.5): ``device_temperature_c``.
  In the ``info`` JSON the same value is ``tmp.tC`` next to ``overtemperature``; without that
  flag (H&T) ``tmp`` is the room: ``temperature_c``, as are ``sensor/temperature`` and
  ``sensor/humidity``.
- ``online`` is ``true``/``false``.

Channel 0 is the device itself; channel N > 0 becomes ``<name>-N`` (Shelly 2.5, EM).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from collector.mqtt.formats import PayloadFormat, register
from collector.mqtt.mapped import BadPayload, Found, Mapped, load_object, online_word, text

if TYPE_CHECKING:
    from collector.mqtt.config import Subscription

# (kind, key) of <prefix>/<kind>/<N>/<key> -> (quantity, unit)
CHANNEL_KEYS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("relay", "power"): ("power_w", None),
    ("emeter", "power"): ("power_w", None),
    ("emeter", "voltage"): ("voltage_v", None),
    ("emeter", "current"): ("current_a", None),
    ("emeter", "total"): ("energy_kwh", "Wh"),
}
DEVICE_KEYS = {
    "temperature": "device_temperature_c",
    "sensor/temperature": "temperature_c",
    "sensor/humidity": "humidity_pct",
}


def _split(topic: str) -> tuple[str, list[str]]:
    """(device id, levels after it) for ``shellies/<id>/...`` or ``<prefix>/<id>/...``."""
    levels = topic.split("/")
    for i, level in enumerate(levels):
        if level.startswith("shelly") and level != "shellies":
            return level, levels[i + 1 :]
    return (levels[1], levels[2:]) if len(levels) > 2 else ("", [])


def _info(data: dict[str, Any], found: Found) -> None:
    tmp = data.get("tmp")
    if isinstance(tmp, dict) and tmp.get("is_valid", True) and "tC" in tmp:
        quantity = "device_temperature_c" if "overtemperature" in data else "temperature_c"
        found.add(quantity, tmp["tC"], "tmp.tC")
    hum = data.get("hum")
    if isinstance(hum, dict) and hum.get("is_valid", True) and "value" in hum:
        found.add("humidity_pct", hum["value"], "hum.value")


def parse(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    device, rest = _split(topic)
    path = "/".join(rest)
    if path == "online":
        online = online_word(text(payload))
        if online is None:
            raise BadPayload("unknown availability word", text(payload)[:40])
        return Mapped(device, online=online)
    found = Found()
    if path == "info":
        _info(load_object(payload), found)
    elif path in DEVICE_KEYS:
        found.add(DEVICE_KEYS[path], text(payload), path)
    elif len(rest) == 3 and (rest[0], rest[2]) in CHANNEL_KEYS and rest[1].isdigit():
        quantity, unit = CHANNEL_KEYS[(rest[0], rest[2])]
        found.add(quantity, text(payload), path, unit, channel="" if rest[1] == "0" else rest[1])
    else:
        return Mapped(device, ignored=f"Shelly Gen1 {path[:40]} carries no reading we store")
    return Mapped(device, tuple(found.values), bad=tuple(found.bad))


def availability_topics(topic_filter: str) -> list[str]:
    levels = topic_filter.split("/")
    if len(levels) >= 3 and levels[-1] != "#":
        return ["/".join(levels[:2]) + "/online"]
    return []


FORMAT = register(
    PayloadFormat(
        "shelly-gen1",
        parse,
        availability_topics,
        summary="Shelly Gen1 shellies/<id>/relay|emeter|sensor values",
    )
)
