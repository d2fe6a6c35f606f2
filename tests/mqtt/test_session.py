"""The persistent session against a real mosquitto with the shipped queue settings.

A publisher sends about 500 QoS 1 messages/s, each with its own number, while the
collector's MQTT source is stopped and started 10 times. Every number must be stored
exactly once: the broker queues while the source is away (same client id, clean start
off), and a graceful stop hands every acknowledged message to the core first.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from buurtwatt.readings import Reading
from collector.health import DeviceHealth
from collector.mqtt.config import MqttConfig
from collector.mqtt.source import MqttSource
from collector.source import SourceContext
from tests.mqtt.helpers import LoadPublisher, publisher, shipped_queue_settings
from tests.services import ServiceProcess, free_port, start_mosquitto, wait_until

pytestmark = pytest.mark.mqtt


@pytest.fixture(scope="module")
def broker() -> Iterator[ServiceProcess]:
    port = free_port()
    service = start_mosquitto(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n{shipped_queue_settings()}", port=port
    )
    yield service
    service.close()


@dataclass
class Collected:
    readings: list[Reading] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def emit(self, readings: Any) -> None:
        with self.lock:
            self.readings.extend(readings)

    def __len__(self) -> int:
        with self.lock:
            return len(self.readings)

    def numbers(self) -> list[int]:
        """The numbers of the load messages (the subscription marker -1 left out)."""
        with self.lock:
            return [int(r.value) for r in self.readings if r.value >= 0]


@contextmanager
def source_running(config: MqttConfig, collected: Collected) -> Iterator[DeviceHealth]:
    """One run of the source, as the collector starts it; stopped gracefully on exit."""
    health = DeviceHealth(name="mqtt", type="mqtt")
    ctx = SourceContext(emit=collected.emit, health=health)
    thread = threading.Thread(target=MqttSource(config).run, args=(ctx,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: health.state.value == "ok", 20, "the source to connect")
        yield health
    finally:
        ctx.stopping.set()
        thread.join(20)
        assert not thread.is_alive(), "the source did not stop"


def subscribe_once(config: MqttConfig, port: int, topic: str, collected: Collected) -> None:
    """A first run that leaves the session's subscription at the broker, proven by a marker."""
    with source_running(config, collected), publisher(port) as pub:

        def marker_arrived() -> bool:
            pub.publish(topic, json.dumps({"ENERGY": {"Power": -1}}), qos=1)
            return len(collected) > 0

        wait_until(marker_arrived, 20, "the subscription")


def _config(port: int, topic: str, **extra: Any) -> MqttConfig:
    return MqttConfig.model_validate(
        {
            "type": "mqtt",
            "name": "mqtt",
            "broker": f"mqtt://127.0.0.1:{port}",
            "subscriptions": [{"topic": topic, "format": "tasmota", "device": "{1}"}],
            **extra,
        }
    )


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_ten_restarts_under_load_lose_nothing(broker: ServiceProcess, protocol: str) -> None:
    base = f"restart{protocol.replace('.', '')}"
    config = _config(broker.port, f"{base}/+/SENSOR", protocol=protocol, client_id=f"buurtwatt-test-{base}")
    collected = Collected()
    subscribe_once(config, broker.port, f"{base}/plug0/SENSOR", collected)
    with LoadPublisher(broker.port, base + "/plug{}/SENSOR") as load:
        for _ in range(10):
            with source_running(config, collected):
                have = len(collected)
                wait_until(lambda: len(collected) >= have + 100, 20, "messages while running")  # noqa: B023
            # away: the broker must queue what is sent meanwhile
            sent = load.sent
            wait_until(lambda: load.sent >= sent + 200, 20, "messages sent while the source is away")  # noqa: B023
        with source_running(config, collected) as health:
            load.stop()
            wait_until(lambda: len(collected) >= load.sent, 60, f"all {load.sent} messages")
            assert health.reconnects == 0  # resumed sessions are new runs, not reconnects
    numbers = collected.numbers()
    twice = [n for n, c in Counter(numbers).items() if c > 1]
    assert twice == [], f"stored more than once: {twice[:10]}"
    assert sorted(numbers) == list(range(load.sent)), "a message was lost"
    assert load.sent >= 10 * 200


def test_a_clean_session_would_lose_messages(broker: ServiceProcess) -> None:
    """The control: with session_expiry = 0 the same test loses what came while away."""
    config = _config(broker.port, "clean/+/SENSOR", session_expiry=0, client_id="buurtwatt-test-clean")
    collected = Collected()
    with LoadPublisher(broker.port, "clean/plug{}/SENSOR") as load:
        with source_running(config, collected):
            wait_until(lambda: len(collected) >= 100, 20, "messages while running")
        sent = load.sent
        wait_until(lambda: load.sent >= sent + 200, 20, "messages sent while the source is away")
        with source_running(config, collected):
            have = len(collected)
            wait_until(lambda: len(collected) >= have + 50, 20, "messages after the restart")
            load.stop()
            last = load.sent - 1
            wait_until(lambda: last in collected.numbers(), 30, "the last message")
    assert len(set(collected.numbers())) <= load.sent - 200
