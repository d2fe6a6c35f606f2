"""Alerts for real: a collector process with a P1 meter and an inverter, a real SMTP server with
STARTTLS and login (aiosmtpd) and a real HTTP server taking ntfy-style pushes. The P1 cable is
pulled, the inverter falls silent, the collector is killed: each alert starts once and ends once."""

from __future__ import annotations

import contextlib
import email
import os
import signal
import ssl
import threading
import time
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from buurtwatt.alerts.runner import AlertRunner
from buurtwatt.config import load_config
from buurtwatt.store.sqlite import SqliteStore
from sim.modbus import SunSpecSimulator
from sim.p1 import SimMeter, TcpSimulator
from tests.certs import self_signed
from tests.collector.helpers import health, start_collector, wait_health
from tests.services import free_port, wait_until

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    """An SMTP server that requires STARTTLS and a login, keeping every message it gets."""

    def __init__(self, folder: Path) -> None:
        from aiosmtpd.smtp import AuthResult

        cert, key = self_signed(folder)
        self.ca = cert
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.messages: list[email.message.Message] = []

        def check(_server, _session, _envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
            ok = auth_data.login == b"vrijwilliger" and auth_data.password == b"geheim"
            return AuthResult(success=ok)

        inbox = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):  # noqa: ANN001, ANN201, N802
                inbox.messages.append(email.message_from_bytes(envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = aiosmtpd.Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=check,
            auth_required=True,
        )
        self.controller.start()

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]

    def stop(self) -> None:
        self.controller.stop()


class PushServer:
    """A local HTTP server that records ntfy-style POSTs (title header, text body)."""

    def __init__(self) -> None:
        self.pushes: list[tuple[str, str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
                title = str(make_header(decode_header(self.headers["Title"])))
                outer.pushes.append((self.path, title, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/buurtwatt-alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def titles(self) -> list[str]:
        return [title for _, title, _ in self.pushes]

    def stop(self) -> None:
        self.server.shutdown()


def daytime_longitude() -> float:
    """A longitude where it is around noon now, so a silent inverter is broken, not asleep."""
    hours = time.gmtime().tm_hour + time.gmtime().tm_min / 60
    return ((12 - hours) * 15 + 180) % 360 - 180


@pytest.fixture
def channels(tmp_path: Path):
    inbox, push = Inbox(tmp_path), PushServer()
    yield inbox, push
    inbox.stop()
    push.stop()


def test_pulled_cable_silent_inverter_and_killed_collector(tmp_path: Path, channels, monkeypatch) -> None:
    inbox, push = channels
    p1 = TcpSimulator()
    inverter = SunSpecSimulator("int", port=free_port(), profile=lambda ts: 1500.0).start()
    hp = free_port()
    monkeypatch.setenv("BUURTWATT_SMTP_PASSWORD", "geheim")
    config_path = tmp_path / "site.toml"
    config_path.write_text(f"""
[site]
name = "Alarmtest"
id = "test"
latitude = 0.0
longitude = {daytime_longitude():.1f}

[store]
type = "sqlite"
path = "store.sqlite"

[collector]
health_port = {hp}

[[devices]]
type = "p1"
name = "meter"
host = "127.0.0.1"
tcp_port = {p1.port}
silence_s = 2

[[devices]]
type = "sunspec"
name = "pv"
host = "127.0.0.1"
port = {inverter.port}
interval_s = 1
timeout_s = 1
backoff_max_s = 2

[alerts]
enabled = true
check_every_s = 0.3
quiet_minutes = 0
device_silent_minutes = 0.05
collector_down_minutes = 0.05
stale_minutes = 60
disk_free_below_pct = 0
refused_per_minute_above = 1000000

[[alerts.email]]
host = "127.0.0.1"
port = {inbox.port}
sender = "buurtwatt@werkplaats.test"
to = ["vrijwilliger@werkplaats.test"]
username = "vrijwilliger"
password = {{ env = "BUURTWATT_SMTP_PASSWORD" }}
ca_file = "{inbox.ca}"

[[alerts.push]]
url = "{push.url}"
""")
    config = load_config(config_path)
    meter = SimMeter(start=time.time(), interval=1.0)
    sending = threading.Event()
    sending.set()
    stop = threading.Event()

    def send_telegrams() -> None:
        while not stop.is_set():
            if sending.is_set():
                gap = time.time() - meter.interval - meter.now
                if gap > 0:  # the meter's clock runs while the cable is out, as a real one does
                    meter.advance(gap)
                with contextlib.suppress(OSError):
                    p1.send(meter.telegram())
            stop.wait(1.0)

    proc = start_collector(config_path)
    sender = threading.Thread(target=send_telegrams, daemon=True)
    runner: AlertRunner | None = None
    try:
        wait_health(hp)
        p1.wait_client(timeout=15)
        sender.start()

        def about(device: str, start: str) -> bool:
            return any(t.startswith(start) and f" {device} " in f" {t} " for t in push.titles())

        def state(name: str) -> str:
            return next(d["state"] for d in health(hp)["devices"] if d["name"] == name)

        wait_until(lambda: state("meter") == "ok" and state("pv") == "ok", timeout=30, what="meter and pv ok")
        store = SqliteStore(config.store.path, site="test", readonly=True)
        runner = AlertRunner(config, store)
        runner.start()
        wait_until(lambda: runner.checks >= 3, timeout=20, what="a few quiet checks")
        assert inbox.messages == [] and push.pushes == []  # all is well: nothing sent

        # 1. the P1 cable is pulled: no telegrams
        sending.clear()
        wait_until(
            lambda: "Probleem: meter stuurt niets meer" in push.titles(), timeout=30, what="cable alert"
        )
        sending.set()
        wait_until(
            lambda: "Opgelost: meter stuurt niets meer" in push.titles(), timeout=30, what="cable over"
        )

        # 2. the inverter falls silent (daytime here: a fault, not sleep)
        inverter.mode = "silent"
        wait_until(
            lambda: any(t.startswith("Probleem: ") and "pv" in t for t in push.titles()),
            timeout=40,
            what="inverter alert",
        )
        inverter.mode = "awake"
        wait_until(
            lambda: any(t.startswith("Opgelost: ") and "pv" in t for t in push.titles()),
            timeout=40,
            what="inverter over",
        )

        # 3. the collector is killed
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        wait_until(
            lambda: "Probleem: de collector draait niet" in push.titles(), timeout=30, what="collector down"
        )
        proc = start_collector(config_path)
        wait_until(
            lambda: "Opgelost: de collector draait niet" in push.titles(), timeout=40, what="collector up"
        )
        wait_until(lambda: len(inbox.messages) >= len(push.pushes), timeout=20, what="every e-mail delivered")
    finally:
        stop.set()
        if runner:
            runner.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        inverter.stop()
        p1.close()

    # each problem started once and ended once, on both channels, in Dutch
    titles = push.titles()
    for word in ("meter", "pv", "collector"):  # silent or in error: either title, but one of each
        mine = [t for t in titles if f" {word} " in f" {t} "]
        assert len(mine) == 2 and mine[0].startswith("Probleem: ") and mine[1].startswith("Opgelost: "), (
            titles
        )
    assert "Probleem: de collector draait niet" in titles
    assert sorted(inbox.subjects()) == sorted(titles)
    body = next(m for m in inbox.messages if "collector draait niet" in m["Subject"]).get_payload(decode=True)
    assert "sudo systemctl restart buurtwatt-collector" in body.decode("utf-8")
    assert {r["key"] for r in runner.recent()} >= {"device:meter", "device:pv", "collector"}
    assert runner.failed_sends == 0
