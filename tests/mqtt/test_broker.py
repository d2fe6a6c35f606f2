"""The mqtt source against a real mosquitto: every format, a broker restart, a flood of bad input."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.mqtt import Simulator
from tests.mqtt.helpers import publisher, running_source
from tests.services import ServiceProcess, free_port, start_mosquitto, wait_until

pytestmark = pytest.mark.mqtt
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def broker() -> Iterator[ServiceProcess]:
    # our own broker: retained test messages must not reach other tests; no queue limit for the flood
    port = free_port()
    service = start_mosquitto(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n", port=port
    )
    yield service
    service.stop()


def test_every_format_end_to_end(broker: ServiceProcess) -> None:
    sim = Simulator.demo(f"mqtt://127.0.0.1:{broker.port}", interval=0.1)
    config = {"broker": f"mqtt://127.0.0.1:{broker.port}", "subscriptions": sim.subscriptions()}
    with running_source(config) as run, publisher(broker.port) as pub:
        for topic, payload, retain in sim.availability(True):
            pub.publish(topic, payload, qos=1, retain=retain)
        for step in range(8):  # enough rounds for Shelly's full status and its deltas
            for topic, payload, retain in sim.messages(time.time() + step, 10):
                pub.publish(topic, payload, qos=1, retain=retain)
        want = (
            {f"{p.name}:power_w" for p in sim.plugs}
            | {f"{p.name}:energy_kwh" for p in sim.plugs}
            | {f"{r.name}:{q}" for r in sim.rooms for q in ("temperature_c", "humidity_pct", "co2_ppm")}
        )
        wait_until(lambda: want <= run.series(), 10, f"series {sorted(want - run.series())}")
        energy = {r.device: r for r in run.readings if r.quantity == "energy_kwh"}
        assert energy["workbench"].unit == "Wh" and energy["coach-plug"].unit == "Wh"
        assert energy["kiln"].unit is None  # Tasmota sends kWh
        assert {c.name: c.state.value for c in run.health.children.values()} == {
            name: "ok" for name in {s.split(":")[0] for s in want}
        }
        assert run.health.dropped == 0, run.health.drops
        for topic, payload, retain in sim.availability(False):
            pub.publish(topic, payload, qos=1, retain=retain)
        wait_until(
            lambda: all(c.state.value == "offline" for c in run.health.children.values()),
            5,
            "every device offline after its last will",
        )


def test_broker_restart_keeps_subscriptions_and_stores_nothing_twice(broker: ServiceProcess) -> None:
    config = {
        "broker": f"mqtt://127.0.0.1:{broker.port}",
        "subscriptions": [
            {"topic": "restart/+/SENSOR", "format": "tasmota", "device": "{1}", "retained": "store"}
        ],
    }
    sent: list[int] = []
    stop = threading.Event()

    def stream() -> None:
        with publisher(broker.port) as pub:
            # a retained message too: the broker hands it out again on every subscribe
            pub.publish("restart/plug/SENSOR", json.dumps({"ENERGY": {"Power": -1}}), qos=1, retain=True)
            i = 0
            while not stop.is_set():
                if pub.is_connected():
                    pub.publish("restart/plug/SENSOR", json.dumps({"ENERGY": {"Power": i}}), qos=0)
                    sent.append(i)
                    i += 1
                time.sleep(0.005)

    with running_source(config) as run:
        thread = threading.Thread(target=stream)
        thread.start()
        try:
            wait_until(lambda: len(run.values("plug:power_w")) > 50, 5, "the stream")
            broker.stop()
            time.sleep(0.3)
            before = len(run.values("plug:power_w"))
            broker.start()
            wait_until(
                lambda: run.health.reconnects >= 1 and run.health.state.value == "ok",
                15,
                "the source to reconnect",
            )
            wait_until(
                lambda: len(run.values("plug:power_w")) > before + 50,
                10,
                "messages after the restart (subscriptions renewed)",
            )
        finally:
            stop.set()
            thread.join(10)
        values = run.values("plug:power_w")
        counts = Counter(values)
        assert [v for v, n in counts.items() if n > 1] == [], "a value was stored twice"
        assert max(values) > sent[len(sent) // 2] - 1000  # the stream really continued


def test_flood_of_bad_messages(broker: ServiceProcess, caplog: pytest.LogCaptureFixture) -> None:
    config = {
        "broker": f"mqtt://127.0.0.1:{broker.port}",
        "max_message_bytes": 1024,
        "subscriptions": [
            {"topic": "flood/t/+/SENSOR", "format": "tasmota", "device": "{2}"},
            {"topic": "flood/j/+", "format": "json", "device": "{2}", "series": {"power_w": "a.power"}},
        ],
    }
    bad = [
        ("flood/t/p/SENSOR", b"{not json"),
        ("flood/t/p/SENSOR", b'{"ENERGY":{"Power":"high"}}'),
        ("flood/t/p/SENSOR", b'{"ENERGY":{"Power":1,"pad":"' + b"x" * 2000 + b'"}}'),
        ("flood/j/p", b'{"b":{"power":1}}'),
    ]
    caplog.set_level(logging.WARNING, logger="buurtwatt.device")
    with running_source(config) as run, publisher(broker.port) as pub:
        for i in range(10_000):
            topic, payload = bad[i % 4]
            pub.publish(topic, payload, qos=1)
        pub.publish("flood/j/p", b'{"a":{"power":42}}', qos=1)
        wait_until(lambda: run.values("p:power_w") == [42.0], 20, "the good message after the flood")
        assert run.health.drops == {
            "flood/t/+/SENSOR: invalid JSON": 2500,
            "flood/t/+/SENSOR: not a number": 2500,
            "flood/t/+/SENSOR: message too large": 2500,
            "flood/j/+: missing path": 2500,
        }
    drop_lines = [r for r in caplog.records if "dropped input" in r.getMessage()]
    assert len(drop_lines) == 1  # at most one line a minute


def test_listen_cli(broker: ServiceProcess) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BUURTWATT_LANG": "en"}  # the asserts read English
    cmd = [
        sys.executable,
        "-m",
        "buurtwatt_app",
        "mqtt",
        "listen",
        "--broker",
        f"mqtt://127.0.0.1:{broker.port}",
        "--topic",
        "cli/+/SENSOR",
        "--format",
        "tasmota",
        "--device",
        "{1}",
        "--seconds",
        "3",
        "--json",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # "listen: starting (connecting ...)", then "listen: ok (...)"
        second = proc.stderr.readline()
        assert "ok (connected" in second, first + second
        time.sleep(0.2)  # SUBACK follows CONNACK
        with publisher(broker.port) as pub:
            pub.publish("cli/sewing-1/SENSOR", b'{"ENERGY":{"Power":12.5,"Total":1.5}}', qos=1)
            pub.publish("cli/sewing-1/SENSOR", b"garbage", qos=1)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    lines = [json.loads(line) for line in out.splitlines()]
    want = [("sewing-1:power_w", 12.5), ("sewing-1:energy_kwh", 1.5)]
    assert [(d["series"], d["value"]) for d in lines] == want
    assert lines[0]["time"].endswith("Z")
    assert "dropped: cli/+/SENSOR: invalid JSON" in err
    assert proc.returncode == 1  # dropped input is a problem worth an exit code


def test_republish_with_home_assistant_discovery(broker: ServiceProcess) -> None:
    got: dict[str, bytes] = {}
    config = {
        "broker": f"mqtt://127.0.0.1:{broker.port}",
        "subscriptions": [{"topic": "ha/+/SENSOR", "format": "tasmota", "device": "{1}"}],
        "publish": {"enabled": True, "homeassistant_discovery": True},
    }
    with publisher(broker.port) as watcher:
        watcher.on_message = lambda c, u, m: got.__setitem__(m.topic, m.payload)
        watcher.subscribe([("buurtwatt/#", 1), ("homeassistant/#", 1)])
        time.sleep(0.2)
        with running_source(config), publisher(broker.port) as pub:
            pub.publish("ha/kiln/SENSOR", b'{"ENERGY":{"Power":3000,"Total":812.4}}', qos=1)
            wait_until(lambda: "buurtwatt/site/kiln/energy_kwh" in got, 5, "the republished reading")
        wait_until(lambda: got.get("buurtwatt/site/status") == b"offline", 5, "offline status")
    assert got["buurtwatt/site/kiln/power_w"] == b"3000"
    discovery = json.loads(got["homeassistant/sensor/buurtwatt_site_kiln_energy_kwh/config"])
    assert discovery["state_topic"] == "buurtwatt/site/kiln/energy_kwh"
    assert discovery["device_class"] == "energy" and discovery["state_class"] == "total_increasing"
    assert discovery["unit_of_measurement"] == "kWh"
