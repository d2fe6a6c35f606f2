"""``buurtwatt mqtt listen`` says why it shows nothing, against a real mosquitto."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.mqtt.helpers import publisher
from tests.services import ServiceProcess

ROOT = Path(__file__).resolve().parents[2]


def listen(port: int, topic: str, fmt: str, seconds: float, lang: str = "en") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "buurtwatt_app", "mqtt", "listen", "--broker", f"mqtt://127.0.0.1:{port}"]
        + ["--topic", topic, "--format", fmt, "--seconds", str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "BUURTWATT_LANG": lang},
    )


def test_a_format_that_matches_nothing_is_named(mosquitto: ServiceProcess) -> None:
    proc = listen(mosquitto.port, "hint/+/status", "tasmota", 4)
    assert proc.stderr is not None
    proc.stderr.readline()
    assert "ok (connected" in proc.stderr.readline()
    stop = threading.Event()
    with publisher(mosquitto.port) as pub:

        def keep_publishing() -> None:  # a Shelly Gen2 payload, read with the Tasmota format
            while not stop.wait(0.2):
                pub.publish("hint/plug-1/status", b'{"id": 0, "apower": 12.5, "aenergy": {"total": 3.0}}')

        thread = threading.Thread(target=keep_publishing, daemon=True)
        thread.start()
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            stop.set()
            thread.join()
            proc.kill()
    assert out == ""
    assert "but none gave a reading with --format tasmota" in err and "shelly-gen2" in err, err
    assert "not connected" not in err.lower() and "Traceback" not in err
    assert proc.returncode == 1


def test_a_silent_topic_is_named(mosquitto: ServiceProcess) -> None:
    proc = listen(mosquitto.port, "nobody/+/SENSOR", "tasmota", 1.5)
    out, err = proc.communicate(timeout=30)
    assert out == ""
    assert "No message arrived on nobody/+/SENSOR" in err, err
    assert "not connected" not in err.lower()
    assert proc.returncode == 0


def test_a_silent_topic_is_named_in_dutch(mosquitto: ServiceProcess) -> None:
    proc = listen(mosquitto.port, "niemand/+/SENSOR", "tasmota", 1.5, lang="nl")
    out, err = proc.communicate(timeout=30)
    assert out == ""
    assert "Nog geen bericht ontvangen op niemand/+/SENSOR" in err, err
    assert proc.returncode == 0
