"""ESPHome: ``<prefix>/sensor/<object_id>/state`` plain values and ``<prefix>/status``.

States are retained by default, so a value received at subscribe time may be
hours old; the source treats retained messages as possibly stale. ``nan`` and
``unknown`` mean "no value". Object ids map to quantities by ``series``
(``energy_kwh = "total_energy"``) or, for gauges, by the words in the id.
Energy has no default: ESPHome energy sensors are in Wh or kWh as the user chose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collector.mqtt.formats import PayloadFormat, register
from collector.mqtt.mapped import BadPayload, Mapped, Value, number, online_word, text

if TYPE_CHECKING:
    from collector.mqtt.config import Subscription

WORDS = {
    "temperature": "temperature_c",
    "temp": "temperature_c",
    "humidity": "humidity_pct",
    "co2": "co2_ppm",
    "power": "power_w",
    "voltage": "voltage_v",
    "current": "current_a",
    "illuminance": "illuminance_lx",
    "lux": "illuminance_lx",
}
NO_VALUE = {"nan", "unknown", "unavailable", "none", ""}


def quantity_of(object_id: str, sub: Subscription) -> str | None:
    for quantity, wanted in sub.series.items():
        if wanted == object_id:
            return quantity
    words = set(object_id.lower().replace("-", "_").split("_"))
    if words & {"factor", "energy", "daily", "total"}:  # power_factor, daily_energy: not gauges we know
        return None
    return next((q for word, q in WORDS.items() if word in words), None)


def parse(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    levels = topic.split("/")
    if levels[-1] == "status" and len(levels) >= 2:
        online = online_word(text(payload))
        if online is None:
            raise BadPayload("unknown availability word", text(payload)[:40])
        return Mapped("/".join(levels[:-1]), online=online)
    if len(levels) < 4 or levels[-1] != "state":
        return Mapped(ignored="not an ESPHome state topic")
    device, component, object_id = "/".join(levels[:-3]), levels[-3], levels[-2]
    if component != "sensor":
        return Mapped(device, ignored=f"ESPHome {component} states are not readings")
    quantity = quantity_of(object_id, sub)
    if quantity is None:
        return Mapped(device, ignored=f"no series for ESPHome sensor {object_id!r}")
    word = text(payload)
    if word.lower() in NO_VALUE:
        return Mapped(device, ignored=f"{object_id} has no value ({word!r})")
    return Mapped(device, (Value(quantity, number(word, object_id), sub.units.get(quantity)),))


def availability_topics(topic_filter: str) -> list[str]:
    levels = topic_filter.split("/")
    if len(levels) >= 4 and levels[-3] == "sensor" and levels[-1] == "state":
        return ["/".join(levels[:-3]) + "/status"]
    return []


FORMAT = register(
    PayloadFormat("esphome", parse, availability_topics, summary="ESPHome <node>/sensor/<id>/state values")
)
