"""mqtts with a self-signed certificate, and usernames/passwords, against a real mosquitto."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.certs import self_signed
from tests.mqtt.helpers import publisher, running_source
from tests.services import ServiceProcess, free_port, require_program, start_mosquitto, wait_until

pytestmark = pytest.mark.mqtt
SENSOR = b'{"ENERGY":{"Power":120,"Total":3.5}}'


@pytest.fixture(scope="module")
def readable_dir() -> Iterator[Path]:
    """A folder the broker can read after dropping root (pytest's tmp folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="bw-mqtt-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def tls_broker(readable_dir: Path) -> Iterator[tuple[ServiceProcess, Path]]:
    cert, key = self_signed(readable_dir)
    port = free_port()
    service = start_mosquitto(
        f"listener {port} 127.0.0.1\nallow_anonymous true\ncafile {cert}\ncertfile {cert}\nkeyfile {key}\n",
        port=port,
    )
    yield service, cert
    service.stop()


@pytest.fixture(scope="module")
def password_broker(readable_dir: Path) -> Iterator[ServiceProcess]:
    passwd = require_program("mosquitto_passwd")
    users = readable_dir / "passwords"
    subprocess.run(
        [passwd, "-c", "-b", str(users), "buurtwatt", "correct horse"], check=True, capture_output=True
    )
    users.chmod(0o644)
    port = free_port()
    service = start_mosquitto(
        f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {users}\n", port=port
    )
    yield service
    service.stop()


def test_mqtts_with_self_signed_certificate(tls_broker: tuple[ServiceProcess, Path]) -> None:
    broker, cert = tls_broker
    config = {
        "broker": f"mqtts://127.0.0.1:{broker.port}",
        "ca_file": str(cert),
        "subscriptions": [{"topic": "tele/+/SENSOR", "format": "tasmota"}],
    }
    with running_source(config) as run, publisher(broker.port, ca_file=cert) as pub:
        pub.publish("tele/kiln/SENSOR", SENSOR, qos=1)
        wait_until(lambda: run.values("kiln:power_w") == [120.0], 5, "a reading over TLS")


def test_mqtts_with_the_wrong_ca_stays_offline(
    tls_broker: tuple[ServiceProcess, Path], tmp_path: Path
) -> None:
    broker, _ = tls_broker
    other_ca, _ = self_signed(tmp_path)
    config = {
        "broker": f"mqtts://127.0.0.1:{broker.port}",
        "ca_file": str(other_ca),
        "subscriptions": [{"topic": "tele/+/SENSOR", "format": "tasmota"}],
    }
    with running_source(config, wait_connected=False) as run:
        wait_until(lambda: run.health.state.value == "offline", 5, "the source to give up on TLS")
        assert "ca_file" in run.health.message


def test_refused_password_is_a_clear_error(
    password_broker: ServiceProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BW_TEST_MQTT_PASSWORD", "wrong")
    config = {
        "broker": f"mqtt://127.0.0.1:{password_broker.port}",
        "username": "buurtwatt",
        "password": {"env": "BW_TEST_MQTT_PASSWORD"},
        "subscriptions": [{"topic": "tele/+/SENSOR", "format": "tasmota"}],
    }
    with running_source(config, wait_connected=False) as run:
        wait_until(lambda: run.health.state.value == "error", 5, "the refusal")
        assert "refused user 'buurtwatt'" in run.health.message
        assert "check username and password" in run.health.message
        # it keeps retrying with a growing delay, and the error stays (no flapping to offline)
        time.sleep(2.5)
        assert run.health.state.value == "error"


def test_anonymous_refused_and_right_password_works(
    password_broker: ServiceProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    anonymous = {
        "broker": f"mqtt://127.0.0.1:{password_broker.port}",
        "subscriptions": [{"topic": "tele/+/SENSOR", "format": "tasmota"}],
    }
    with running_source(anonymous, wait_connected=False) as run:
        wait_until(lambda: run.health.state.value == "error", 5, "the refusal")
        assert "refused anonymous clients" in run.health.message
    monkeypatch.setenv("BW_TEST_MQTT_PASSWORD", "correct horse")
    config = {**anonymous, "username": "buurtwatt", "password": {"env": "BW_TEST_MQTT_PASSWORD"}}
    with (
        running_source(config) as run,
        publisher(password_broker.port, username="buurtwatt", password="correct horse") as pub,
    ):
        pub.publish("tele/kiln/SENSOR", SENSOR, qos=1)
        wait_until(lambda: run.values("kiln:energy_kwh") == [3.5], 5, "a reading")


def test_missing_password_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BW_TEST_MQTT_NO_SUCH", raising=False)
    config = {
        "broker": "mqtt://127.0.0.1:1",
        "username": "buurtwatt",
        "password": {"env": "BW_TEST_MQTT_NO_SUCH"},
        "subscriptions": [{"topic": "tele/+/SENSOR", "format": "tasmota"}],
    }
    with running_source(config, wait_connected=False) as run:
        wait_until(lambda: run.health.state.value == "error", 5, "the error")
        assert run.health.message == "MQTT password not found: set environment variable BW_TEST_MQTT_NO_SUCH"
