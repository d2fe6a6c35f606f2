"""Health counts equal what the store received: P1 replay, a pymodbus SunSpec server, real mosquitto.

Each test runs the collector in this process (real sources, the real pipeline, a real SQLite
file, the real /health and /metrics server), stops the sources, lets the writer drain, and then
compares three numbers that must be equal: the readings the health of each device counted, the
readings the store was handed (its own accepted + duplicates + rejected), and /metrics.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from buurtwatt.cli import main as buurtwatt
from buurtwatt.config import parse_config
from collector.runtime import Collector
from sim.modbus import SunSpecSimulator
from tests.mqtt.helpers import publisher
from tests.p1.helpers import CASES, load_expected
from tests.services import free_port, wait_until

BASE = """
[site]
name = "Test"
id = "test"

[store]
type = "sqlite"
path = "store.sqlite"

[collector]
health_port = {health_port}
"""


def collector_for(tmp_path: Path, devices: str) -> Collector:
    text = BASE.format(health_port=free_port()) + devices
    config = parse_config(text, tmp_path / "site.toml", tmp_path)
    collector = Collector(config)
    collector.start()
    return collector


def device_readings(health: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}

    def walk(devices: list[dict[str, Any]]) -> None:
        for d in devices:
            out[d["name"]] = d["readings"]
            walk(d.get("children", []))

    walk(health["devices"])
    return out


def metrics(collector: Collector) -> dict[str, float]:
    host, port = collector.health_server.server.server_address[:2]  # type: ignore[union-attr]
    with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "buurtwatt_device_readings_total":
                out[sample.labels["device"]] = sample.value
    return out


def http_health(collector: Collector) -> dict[str, Any]:
    host, port = collector.health_server.server.server_address[:2]  # type: ignore[union-attr]
    with urllib.request.urlopen(f"http://{host}:{port}/health", timeout=5) as response:
        return json.load(response)


def drain(collector: Collector) -> None:
    """Stop the sources and wait until the writer has committed all the gate passed on."""
    collector.stopping.set()
    for thread in collector._threads:
        thread.join(10)
    wait_until(
        lambda: collector.pipeline.committed == sum(device_readings(collector.health()).values()),
        10,
        "the writer to commit what the gate passed",
    )


def assert_counts_agree(collector: Collector) -> dict[str, int]:
    drain(collector)
    try:
        health = http_health(collector)
        per_device = device_readings(health)
        store = health["store"]["writer"]["store_counts"]
        assert sum(per_device.values()) == collector.pipeline.committed
        assert store["accepted"] + store["duplicates"] + store["rejected"] == collector.pipeline.committed
        assert store["rejected"] == 0
        assert metrics(collector) == {k: float(v) for k, v in per_device.items()}
        return per_device
    finally:
        collector.stop()


def test_p1_replay_counts_each_reading_once(tmp_path: Path) -> None:
    case = CASES / "v5_three_phase_gas"
    expected = load_expected(case)
    collector = collector_for(
        tmp_path,
        f"""
[[devices]]
type = "p1"
name = "meter"
replay = "{case / "telegrams.txt"}"
replay_interval_s = 0
max_clock_skew_s = 1e9
""",
    )
    wait_until(
        lambda: sum(device_readings(collector.health()).values()) >= len(expected), 20, "the replay to finish"
    )
    per_device = assert_counts_agree(collector)
    gas = sum(1 for row in expected if row["series"].startswith("gas:"))
    assert per_device == {"meter": len(expected) - gas, "gas": gas}
    assert sum(per_device.values()) == len(expected) == 145


@pytest.fixture
def sunspec() -> Iterator[SunSpecSimulator]:
    sim = SunSpecSimulator()
    sim.start()
    yield sim
    sim.stop()


def test_modbus_sunspec_counts_each_reading_once(tmp_path: Path, sunspec: SunSpecSimulator) -> None:
    sim = sunspec
    collector = collector_for(
        tmp_path,
        f"""
[[devices]]
type = "sunspec"
name = "roof"
host = "127.0.0.1"
port = {sim.port}
unit = {sim.unit}
interval_s = 0.2
timeout_s = 2
""",
    )
    wait_until(lambda: collector.pipeline.committed >= 50, 30, "a few polls to be stored")
    per_device = assert_counts_agree(collector)
    assert per_device["roof"] >= 50


def test_mqtt_counts_each_reading_once_per_plug(tmp_path: Path, mosquitto) -> None:
    collector = collector_for(
        tmp_path,
        f"""
[[devices]]
type = "mqtt"
name = "plugs"
broker = "mqtt://127.0.0.1:{mosquitto.port}"

[[devices.subscriptions]]
topic = "tele/+/SENSOR"
format = "tasmota"
device = "{{1}}"
""",
    )
    wait_until(lambda: collector.health()["devices"][0]["state"] == "ok", 15, "the MQTT source to connect")
    time.sleep(0.3)  # the subscription follows the connection (SUBACK after CONNACK)
    sent = {"plug1": 0, "plug2": 0}
    with publisher(mosquitto.port) as client:
        for i in range(1, 41):
            for plug in sent:
                payload = f'{{"ENERGY": {{"Total": {i / 100:.3f}, "Power": {i}}}}}'
                client.publish(f"tele/{plug}/SENSOR", payload, qos=1).wait_for_publish(5)
                sent[plug] += 1
    # each message gives two readings (energy and power)
    wait_until(
        lambda: collector.pipeline.committed >= 2 * sum(sent.values()), 20, "every message to be stored"
    )
    per_device = assert_counts_agree(collector)
    assert per_device == {"plugs": 0, "plug1": 80, "plug2": 80}


def test_refusals_show_with_their_reason_in_health_metrics_and_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A meter said to take at most 100 W: its power readings are refused, the device is degraded."""
    case = CASES / "v5_three_phase_gas"
    collector = collector_for(
        tmp_path,
        f"""
[[devices]]
type = "p1"
name = "meter"
replay = "{case / "telegrams.txt"}"
max_clock_skew_s = 1e9
max_power_w = 100
""",
    )
    try:
        wait_until(
            lambda: collector.devices["meter"].snapshot()["state"] == "degraded", 20, "the meter to degrade"
        )
        drain(collector)
        meter = http_health(collector)["devices"][0]
        assert meter["state"] == "degraded" and "meter:import_w: out_of_range" in meter["message"]
        refused = meter["drops"]["out_of_range"]
        assert refused > 0
        host, port = collector.health_server.server.server_address[:2]  # type: ignore[union-attr]
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
        assert f'buurtwatt_device_dropped_total{{device="meter",reason="out_of_range"}} {refused:.1f}' in text
        assert 'buurtwatt_device_state{device="meter",state="degraded"} 1.0' in text
        config = tmp_path / "site.toml"
        config.write_text(BASE.format(health_port=port))
        code = buurtwatt(["status", "--config", str(config)])
        out = capsys.readouterr().out
        assert code == 1
        assert "degraded" in out and f"geweigerd {refused} x out_of_range" in out
    finally:
        collector.stop()
