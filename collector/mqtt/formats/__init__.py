"""The payload formats: a table of small mappers, one module each.

Adding a format is one module with a ``FORMAT`` and one line in ``FORMATS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from collector.mqtt.config import Subscription
from collector.mqtt.mapped import Mapped

Mapper = Callable[[str, bytes, Subscription], Mapped]


@dataclass(frozen=True)
class PayloadFormat:
    name: str
    parse: Mapper
    # extra topic filters to follow for a subscription (LWT next to SENSOR, and so on)
    availability_topics: Callable[[str], list[str]]
    merges_partials: bool = False


def no_extra_topics(topic_filter: str) -> list[str]:
    return []


def _table() -> dict[str, PayloadFormat]:
    from collector.mqtt.formats import esphome, plain, shelly, tasmota, zigbee2mqtt

    formats = (tasmota.FORMAT, shelly.FORMAT, zigbee2mqtt.FORMAT, esphome.FORMAT, plain.JSON, plain.VALUE)
    return {f.name: f for f in formats}


FORMATS: dict[str, PayloadFormat] = _table()
