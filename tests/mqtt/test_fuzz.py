"""Fuzz every registered mapper: any bytes (and any JSON) in, either readings or BadPayload out.

The formats come from the registry and each one's subscriptions and topics from its
sample folders (tests/mqtt/data/<format>/<model>/), so a new format is fuzzed as soon
as it has a sample.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtwatt.vocabulary import QUANTITIES
from collector.mqtt.config import Subscription
from collector.mqtt.formats import FORMATS, format_names
from collector.mqtt.mapped import BadPayload, Mapped

DATA = Path(__file__).parent / "data"


def _samples() -> dict[str, tuple[list[Subscription], list[str]]]:
    """format -> (subscriptions of its samples, topics seen in them)."""
    found: dict[str, tuple[list[Subscription], list[str]]] = {}
    for case in sorted(DATA.glob("*/*/subscription.json")):
        sub = Subscription.model_validate(json.loads(case.read_text()))
        subs, topics = found.setdefault(sub.format, ([], []))
        subs.append(sub)
        for line in (case.parent / "input.txt").read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                topic = line.removeprefix("retained ").partition(" ")[0]
                if topic not in topics:
                    topics.append(topic)
    return found


SAMPLES = _samples()


def test_every_registered_format_has_samples() -> None:
    assert set(SAMPLES) == set(FORMATS), "each format needs a folder under tests/mqtt/data"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.just(10**400) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "ENERGY",
                    "Power",
                    "Total",
                    "switch:0",
                    "apower",
                    "aenergy",
                    "total",
                    "params",
                    "method",
                    "NotifyStatus",
                    "power",
                    "battery",
                    "state",
                    "a",
                    "b",
                    "0",
                    "S8",
                    "CarbonDioxide",
                    "Temperature",
                    "TempUnit",
                    "StatusSNS",
                    "em:0",
                    "tC",
                    "ESP32",
                    "Phase1",
                    "Phase2",
                    "ATCa4c138",
                    "DS18B20-1",
                    "Humidity",
                    "sys",
                    "temperature",
                    "device_temperature",
                ]
            )
            | st.text(max_size=6),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _check(fmt: str, sub: Subscription, topic: str, payload: bytes) -> None:
    try:
        mapped = FORMATS.get(fmt).parse(topic, payload, sub)
    except BadPayload as bad:
        assert bad.reason
        return
    assert isinstance(mapped, Mapped)
    for value in mapped.values:
        assert math.isfinite(value.value) and value.quantity in QUANTITIES
    assert all(bad.reason for bad in mapped.bad)


def _draw(fmt: str, data: st.DataObject) -> tuple[Subscription, str]:
    subs, topics = SAMPLES[fmt]
    return data.draw(st.sampled_from(subs)), data.draw(st.sampled_from(topics))


@pytest.mark.parametrize("fmt", format_names())
@settings(max_examples=200, deadline=None)
@given(data=st.data(), payload=st.binary(max_size=300))
def test_any_bytes(fmt: str, data: st.DataObject, payload: bytes) -> None:
    _check(fmt, *_draw(fmt, data), payload)


@pytest.mark.parametrize("fmt", format_names())
@settings(max_examples=200, deadline=None)
@given(data=st.data(), doc=json_values)
def test_any_json(fmt: str, data: st.DataObject, doc: object) -> None:
    _check(fmt, *_draw(fmt, data), json.dumps(doc).encode())


@pytest.mark.parametrize("fmt", format_names())
@settings(max_examples=100, deadline=None)
@given(data=st.data(), topic=st.text(min_size=1, max_size=40))
def test_any_topic(fmt: str, data: st.DataObject, topic: str) -> None:
    sub = _draw(fmt, data)[0]
    _check(fmt, sub, topic, b'{"ENERGY":{"Power":1},"power":2,"params":{"switch:0":{"apower":3}}}')
