"""Generic formats: ``json`` (dotted paths to values) and ``value`` (one plain number).

Neither finds a device name in the topic; the subscription gives it (literal or ``{N}``).
"""

from __future__ import annotations

from collector.mqtt.config import Subscription
from collector.mqtt.formats import PayloadFormat, no_extra_topics
from collector.mqtt.mapped import BadPayload, Mapped, Value, load_json, number, text, values_at_paths
from collector.mqtt.topics import topic_matches


def parse_json(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    data = load_json(payload)
    values, missing = values_at_paths(data, sub.series, sub.units)
    if not values:
        raise BadPayload("missing path", missing[0] if missing else "(none configured)")
    return Mapped(values=tuple(values), missing=", ".join(missing))


def parse_value(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    quantity = next((q for q, wanted in sub.series.items() if topic_matches(wanted, topic)), sub.quantity)
    if quantity is None:
        return Mapped(ignored="no series matches this topic")
    return Mapped(values=(Value(quantity, number(text(payload), topic[-60:]), sub.units.get(quantity)),))


JSON = PayloadFormat("json", parse_json, no_extra_topics)
VALUE = PayloadFormat("value", parse_value, no_extra_topics)
