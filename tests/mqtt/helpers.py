"""Running an MqttSource against a real broker in a test, and publishing to it."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion

from buurtwatt.readings import Reading
from collector.health import DeviceHealth
from collector.mqtt.config import MqttConfig
from collector.mqtt.source import MqttSource
from collector.source import SourceContext
from tests.services import wait_until

SHIPPED_CONF = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "mosquitto.conf"
QUEUE_KEYS = ("max_queued_messages", "max_queued_bytes", "max_inflight_messages", "queue_qos0_messages")


@dataclass
class Running:
    source: MqttSource
    ctx: SourceContext
    readings: list[Reading] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def health(self) -> DeviceHealth:
        return self.ctx.health

    def series(self) -> set[str]:
        with self.lock:
            return {str(r.series) for r in self.readings}

    def values(self, series: str) -> list[float]:
        with self.lock:
            return [r.value for r in self.readings if str(r.series) == series]


@contextmanager
def running_source(config: dict[str, Any], wait_connected: bool = True) -> Iterator[Running]:
    mqtt = MqttConfig.model_validate({"type": "mqtt", "name": "mqtt", **config})
    source = MqttSource(mqtt)
    holder: list[Reading] = []
    run = Running(
        source, SourceContext(emit=lambda rs: None, health=DeviceHealth(name="mqtt", type="mqtt")), holder
    )

    def emit(readings: Any) -> None:
        with run.lock:
            holder.extend(readings)

    run.ctx.emit = emit
    thread = threading.Thread(target=source.run, args=(run.ctx,), daemon=True)
    thread.start()
    try:
        if wait_connected:
            wait_until(lambda: run.health.state.value == "ok", 10, "the source to connect")
            time.sleep(0.1)  # SUBACK follows CONNACK
        yield run
    finally:
        run.ctx.stopping.set()
        thread.join(10)
        assert not thread.is_alive(), "the source did not stop"


@contextmanager
def publisher(
    port: int, ca_file: Path | None = None, username: str | None = None, password: str | None = None
) -> Iterator[Client]:
    client = Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{time.monotonic_ns()}")
    client.max_inflight_messages_set(1000)
    if ca_file:
        client.tls_set(ca_certs=str(ca_file), cert_reqs=ssl.CERT_REQUIRED)
    if username:
        client.username_pw_set(username, password)
    client.reconnect_delay_set(0.1, 0.5)
    client.connect_async("127.0.0.1", port)
    client.loop_start()
    try:
        wait_until(client.is_connected, 10, "the test publisher to connect")
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


def shipped_queue_settings() -> str:
    """The queue lines of deploy/mosquitto/mosquitto.conf: the test runs what we ship."""
    lines = [line for line in SHIPPED_CONF.read_text().splitlines() if line.split(" ")[0] in QUEUE_KEYS]
    assert len(lines) == len(QUEUE_KEYS), lines
    return "\n".join(lines) + "\n"


class LoadPublisher:
    """Publishes numbered QoS 1 messages (``{"ENERGY": {"Power": n}}``) at ``rate`` per second."""

    def __init__(self, port: int, topic: str, rate: float = 500, plugs: int = 10) -> None:
        self.topic = topic
        self.rate = rate
        self.plugs = plugs
        self.sent = 0
        self.acked = 0
        self._stop = threading.Event()
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=f"load-{time.monotonic_ns()}")
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _on_publish(self, client: Client, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        self.acked += 1  # paho's network thread only

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            due = int((time.monotonic() - start) * self.rate)
            while self.sent < due and not self._stop.is_set():
                n = self.sent
                payload = json.dumps({"ENERGY": {"Power": n}})
                info = self.client.publish(self.topic.format(n % self.plugs), payload, qos=1)
                assert info.rc == 0, info.rc
                self.sent += 1
            time.sleep(0.005)

    def __enter__(self) -> LoadPublisher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        wait_until(lambda: self.acked == self.sent, 30, "the broker to acknowledge every message")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.client.disconnect()
        self.client.loop_stop()
