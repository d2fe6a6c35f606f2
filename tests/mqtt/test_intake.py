"""The intake's own refusals: devices and series over a subscription's limit, colliding names.

No broker: messages go straight into :class:`Intake` (the broker tests cover the wire).
"""

from __future__ import annotations

import json
import logging

import pytest

from collector.health import DeviceHealth
from collector.mqtt.config import MAX_DEVICES, MAX_SERIES, Subscription
from collector.mqtt.intake import Intake


def _limit_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "reached its limit" in r.getMessage()]


def test_topic_flood_is_bounded_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="buurtwatt.device")
    sub = Subscription(topic="tele/+/SENSOR", format="tasmota", device="{1}")
    health = DeviceHealth(name="mqtt")
    intake = Intake([sub], health)
    payload = json.dumps({"ENERGY": {"Power": 1, "Total": 2.0}}).encode()
    stored = set()
    for i in range(10_000):
        stored |= {r.series for r in intake.receive(f"tele/flood{i}/SENSOR", payload, False, 1.0 + i)}
    assert (MAX_DEVICES, MAX_SERIES) == (200, 2000)
    assert len({s.device for s in stored}) == MAX_DEVICES
    assert len(health.children) == MAX_DEVICES  # /health stays small
    assert health.drops == {"tele/+/SENSOR: device_limit": 10_000 - MAX_DEVICES}
    assert len(_limit_lines(caplog)) == 1
    assert "max_devices" in _limit_lines(caplog)[0]
    # devices already in keep working
    assert len(intake.receive("tele/flood0/SENSOR", payload, False, 20_000.0)) == 2


def test_series_limit_keeps_known_series(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="buurtwatt.device")
    sub = Subscription(topic="z/#", format="json", device="{1}", series={"power_w": "p"}, max_series=10)
    health = DeviceHealth(name="mqtt")
    intake = Intake([sub], health)
    got = [intake.receive(f"z/d{i}", b'{"p": 1}', False, 1.0) for i in range(50)]
    assert sum(len(r) for r in got) == 10
    assert health.drops == {"z/#: series_limit": 40}
    assert len(_limit_lines(caplog)) == 1
    assert len(intake.receive("z/d3", b'{"p": 2}', False, 2.0)) == 1


def test_colliding_names_are_refused_with_both_names_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="buurtwatt.device")
    sub = Subscription(topic="tele/+/SENSOR", format="tasmota", device="{1}")
    health = DeviceHealth(name="mqtt")
    intake = Intake([sub], health)
    total = 0.0
    for step in range(8):  # true increase of each plug: 8 kWh, never one counter fed by both
        total += 1
        intake.receive(
            "tele/Oven/SENSOR", json.dumps({"ENERGY": {"Total": 100 + total}}).encode(), False, step
        )
        intake.receive("tele/oven/SENSOR", json.dumps({"ENERGY": {"Total": 5 + total}}).encode(), False, step)
    lines = [r.getMessage() for r in caplog.records if "after cleaning" in r.getMessage()]
    assert len(lines) == 1
    assert "'Oven'" in lines[0] and "'oven'" in lines[0] and "rename" in lines[0]
    assert health.drops == {"tele/+/SENSOR: name_collision": 8}


def test_rename_resolves_a_collision() -> None:
    sub = Subscription(topic="tele/+/SENSOR", format="tasmota", device="{1}", rename={"oven": "oven-small"})
    intake = Intake([sub], DeviceHealth(name="mqtt"))
    a = intake.receive("tele/Oven/SENSOR", b'{"ENERGY":{"Total":1}}', False, 1.0)
    b = intake.receive("tele/oven/SENSOR", b'{"ENERGY":{"Total":2}}', False, 1.0)
    assert [str(r.series) for r in a + b] == ["oven:energy_kwh", "oven-small:energy_kwh"]


def test_the_intake_counts_no_readings() -> None:
    """Counting readings is the core's job (issue 14): health here only counts refusals."""
    sub = Subscription(topic="tele/+/SENSOR", format="tasmota", device="{1}")
    health = DeviceHealth(name="mqtt")
    intake = Intake([sub], health)
    assert len(intake.receive("tele/a/SENSOR", b'{"ENERGY":{"Power":1}}', False, 1.0)) == 1
    assert health.readings == 0 and health.children["a"].readings == 0
