"""Generic formats: ``json`` (dotted paths to values) and ``value`` (one plain number).

Neither finds a device name in the topic; the subscription gives it (literal or ``{N}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collector.mqtt.formats import PayloadFormat, register
from collector.mqtt.mapped import BadPayload, Mapped, Value, load_json, number, text, values_at_paths
from collector.mqtt.topics import topic_matches

if TYPE_CHECKING:
    from collector.mqtt.config import Subscription


def parse_json(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    data = load_json(payload)
    found, missing = values_at_paths(data, sub.series, sub.units)
    if not found.values and not found.bad:
        raise BadPayload("missing path", missing[0] if missing else "(none configured)")
    return Mapped(values=tuple(found.values), missing=", ".join(missing), bad=tuple(found.bad))


def parse_value(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    quantity = next((q for q, wanted in sub.series.items() if topic_matches(wanted, topic)), sub.quantity)
    if quantity is None:
        return Mapped(ignored="no series matches this topic")
    return Mapped(values=(Value(quantity, number(text(payload), topic[-60:]), sub.units.get(quantity)),))


def _needs_device(sub: Subscription) -> None:
    if "{name}" in sub.device:
        raise ValueError(
            f'format "{sub.format}" finds no device name in the topic; '
            'set device = "plug1" or a topic level like "{1}"'
        )


def check_json(sub: Subscription) -> None:
    _needs_device(sub)
    if not sub.series:
        raise ValueError(
            'format "json" needs series = { quantity = "dotted.path" }, '
            'e.g. series = { power_w = "ENERGY.Power" }'
        )


def check_value(sub: Subscription) -> None:
    _needs_device(sub)
    if not (sub.quantity or sub.series):
        raise ValueError(
            'format "value" needs quantity = "power_w" or series = { quantity = "topic/filter" }'
        )


JSON = register(
    PayloadFormat("json", parse_json, check=check_json, summary="any JSON, values at dotted paths (series)")
)
VALUE = register(
    PayloadFormat("value", parse_value, check=check_value, summary="one plain number per message")
)
