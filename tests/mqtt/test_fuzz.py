"""Fuzz every mapper: any bytes (and any JSON) in, either readings or BadPayload out."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtwatt.vocabulary import QUANTITIES
from collector.mqtt.config import Subscription
from collector.mqtt.formats import FORMATS
from collector.mqtt.mapped import BadPayload, Mapped

SUBSCRIPTIONS = {
    "tasmota": Subscription(topic="tele/+/+", format="tasmota", series={"co2_ppm": "S8.CarbonDioxide"}),
    "shelly-gen2": Subscription(
        topic="shellies/#", format="shelly-gen2", series={"temperature_c": "switch:0.temperature.tC"}
    ),
    "zigbee2mqtt": Subscription(topic="zigbee2mqtt/#", format="zigbee2mqtt"),
    "esphome": Subscription(topic="esphome/#", format="esphome", series={"energy_kwh": "energy"}),
    "json": Subscription(topic="j/#", format="json", device="x", series={"power_w": "a.b.0"}),
    "value": Subscription(topic="v/#", format="value", device="x", quantity="power_w"),
}
TOPICS = {
    "tasmota": ["tele/plug/SENSOR", "tele/plug/LWT", "stat/plug/STATUS10", "tele/plug/STATE"],
    "shelly-gen2": [
        "shellies/p/status/switch:0",
        "shellies/p/events/rpc",
        "shellies/p/online",
        "shellies/p/status/em:0",
        "shellies/p/status/temperature:1",
    ],
    "zigbee2mqtt": ["zigbee2mqtt/a/b", "zigbee2mqtt/a/availability", "zigbee2mqtt/bridge/state"],
    "esphome": ["esphome/n/sensor/power/state", "esphome/n/status", "esphome/n/sensor/energy/state"],
    "json": ["j/x"],
    "value": ["v/x"],
}

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
                ]
            )
            | st.text(max_size=6),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _check(fmt: str, topic: str, payload: bytes) -> None:
    try:
        mapped = FORMATS[fmt].parse(topic, payload, SUBSCRIPTIONS[fmt])
    except BadPayload as bad:
        assert bad.reason
        return
    assert isinstance(mapped, Mapped)
    for value in mapped.values:
        assert math.isfinite(value.value) and value.quantity in QUANTITIES


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=200, deadline=None)
@given(data=st.data(), payload=st.binary(max_size=300))
def test_any_bytes(fmt: str, data: st.DataObject, payload: bytes) -> None:
    _check(fmt, data.draw(st.sampled_from(TOPICS[fmt])), payload)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=200, deadline=None)
@given(data=st.data(), doc=json_values)
def test_any_json(fmt: str, data: st.DataObject, doc: object) -> None:
    _check(fmt, data.draw(st.sampled_from(TOPICS[fmt])), json.dumps(doc).encode())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=100, deadline=None)
@given(data=st.data(), topic=st.text(min_size=1, max_size=40))
def test_any_topic(fmt: str, data: st.DataObject, topic: str) -> None:
    _check(fmt, topic, b'{"ENERGY":{"Power":1},"power":2,"params":{"switch:0":{"apower":3}}}')
