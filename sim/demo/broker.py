"""An MQTT broker for the demo: mosquitto when it is installed, else amqtt in this process.

Real deployments use mosquitto (see docker-compose.yml); the embedded broker only
spares a visitor from installing one to see the demo.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


def _wait_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.3):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class DemoBroker:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.kind = ""
        self._proc: subprocess.Popen | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._folder: Path | None = None  # mosquitto's config, removed again by stop()

    def start(self) -> bool:
        """Start a broker; False when it does not listen within 15 s."""
        binary = shutil.which("mosquitto") or (
            "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
        )
        if binary:
            self._start_mosquitto(binary)
        else:
            self._start_amqtt()
        return _wait_port(self.host, self.port, 15)

    def _start_mosquitto(self, binary: str) -> None:
        folder = self._folder = Path(tempfile.mkdtemp(prefix="buurtwatt-demo-mqtt-"))
        conf = folder / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} {self.host}\nallow_anonymous true\npersistence false\nlog_dest none\n"
        )
        self._proc = subprocess.Popen(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.kind = "mosquitto"

    def _start_amqtt(self) -> None:
        from amqtt.broker import Broker

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "sys_interval": 0,
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            broker = Broker(config, loop=self._loop)
            self._loop.run_until_complete(broker.start())
            self._broker = broker
            ready.set()
            self._loop.run_forever()

        logging.getLogger("amqtt").setLevel(logging.WARNING)
        logging.getLogger("transitions").setLevel(logging.WARNING)
        self._thread = threading.Thread(target=serve, name="demo-broker", daemon=True)
        self._thread.start()
        ready.wait(15)
        self.kind = "embedded amqtt"

    def stop(self) -> None:
        if self._proc:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        if self._loop:
            loop = self._loop
            fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), loop)
            try:
                fut.result(5)
            except Exception as exc:  # the demo is exiting anyway
                log.debug("broker shutdown: %s", exc)
            loop.call_soon_threadsafe(loop.stop)
