"""Real payload samples per device model, next to the readings they must give.

Each folder under data/<format>/<model>/ holds ``subscription.json`` (one subscription),
``input.txt`` (``[retained ]TOPIC PAYLOAD`` per line) and ``expected.txt``: readings as
``SERIES VALUE [UNIT]`` in order, ``state DEVICE STATE`` for device health at the end and
``drop COUNT REASON`` for dropped messages. Lines starting with # are comments.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from collector.health import DeviceHealth
from collector.mqtt.config import Subscription
from collector.mqtt.intake import Intake

DATA = Path(__file__).parent / "data"
CASES = sorted(p.parent for p in DATA.glob("*/*/input.txt"))


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(DATA)) for c in CASES])
def test_sample(case: Path) -> None:
    sub = Subscription.model_validate(json.loads((case / "subscription.json").read_text()))
    health = DeviceHealth(name="mqtt")
    intake = Intake([sub], health)
    got = []
    for number, line in enumerate(_lines(case / "input.txt")):
        retained = line.startswith("retained ")
        topic, _, payload = line.removeprefix("retained ").partition(" ")
        got += intake.receive(topic, payload.encode(), retained, now=1000.0 + number)
    want_readings, want_states, want_drops = [], {}, {}
    for line in _lines(case / "expected.txt"):
        words = line.split()
        if words[0] == "state":
            want_states[words[1]] = words[2]
        elif words[0] == "drop":
            want_drops[f"{sub.topic}: {' '.join(words[2:])}"] = int(words[1])
        else:
            want_readings.append((words[0], float(words[1]), words[2] if len(words) > 2 else None))
    assert [(str(r.series), r.unit) for r in got] == [(s, u) for s, _, u in want_readings]
    for reading, (series, value, _) in zip(got, want_readings, strict=True):
        assert math.isclose(reading.value, value, rel_tol=1e-6), series
    assert health.drops == want_drops
    for device, state in want_states.items():
        assert health.children[device].state.value == state, device


def test_receive_time_is_the_timestamp() -> None:
    sub = Subscription(topic="tele/+/SENSOR", format="tasmota")
    intake = Intake([sub], DeviceHealth(name="mqtt"))
    payload = b'{"Time":"2001-01-01T00:00:00","ENERGY":{"Power":5}}'
    assert [r.ts for r in intake.receive("tele/a/SENSOR", payload, False, now=1234.5)] == [1234.5]


def test_huge_message_dropped_before_parsing() -> None:
    sub = Subscription(topic="z/#", format="zigbee2mqtt")
    health = DeviceHealth(name="mqtt")
    intake = Intake([sub], health, max_message_bytes=1000)
    assert intake.receive("z/plug", b'{"power": 1, "x": "' + b"a" * 2000 + b'"}', False, 1.0) == []
    assert health.drops == {"z/#: message too large": 1}


def test_silent_device_goes_offline_and_partials_start_fresh() -> None:
    sub = Subscription(topic="s/+/events/rpc", format="shelly-gen2", device="{1}", stale_after=60)
    health = DeviceHealth(name="mqtt")
    intake = Intake([sub], health)
    full = {"method": "NotifyFullStatus", "params": {"switch:0": {"apower": 5, "voltage": 230}}}
    delta = {"method": "NotifyStatus", "params": {"switch:0": {"apower": 7}}}
    intake.receive("s/p/events/rpc", json.dumps(full).encode(), False, 0.0)
    intake.check_stale(59.0)
    assert health.children["p"].state.value == "ok"
    intake.check_stale(61.0)
    assert health.children["p"].state.value == "offline"
    assert "stale_after" in health.children["p"].message
    got = intake.receive("s/p/events/rpc", json.dumps(delta).encode(), False, 70.0)
    assert [(r.quantity, r.value) for r in got] == [("power_w", 7.0)]  # no old voltage repeated
    assert health.children["p"].state.value == "ok"


def test_overlapping_subscriptions_store_once() -> None:
    subs = [
        Subscription(topic="tele/+/SENSOR", format="tasmota"),
        Subscription(topic="tele/#", format="tasmota"),
    ]
    intake = Intake(subs, DeviceHealth(name="mqtt"))
    assert len(intake.receive("tele/a/SENSOR", b'{"ENERGY":{"Power":5}}', False, 1.0)) == 1
    assert ("tele/+/LWT", 1) in intake.filters()
