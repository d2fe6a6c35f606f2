"""The collector writing to InfluxDB while the server goes away for 60 s (issue 6).

Real processes: Debian's influxd, `buurtwatt collect` with a P1 stream over TCP. Every
telegram sent before, during and after the outage is in InfluxDB once when it is back.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from buurtwatt.config import load_config
from buurtwatt.store import Resolution, open_store
from sim.p1 import SimMeter, TcpSimulator
from tests.collector.helpers import health, start_collector, wait_health
from tests.services import free_port, start_influxdb

pytestmark = [pytest.mark.slow, pytest.mark.influx, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
OUTAGE_S = 60


def test_sixty_second_outage_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    server = start_influxdb()
    p1 = TcpSimulator()
    hp = free_port()
    config = tmp_path / "site.toml"
    config.write_text(f"""
[site]
name = "Outage"
id = "outage"

[store]
type = "influxdb"
api = "v1"
url = "http://127.0.0.1:{server.port}"
database = "outage"
outbox = "outbox.sqlite"

[collector]
health_port = {hp}

[[devices]]
type = "p1"
name = "meter"
host = "127.0.0.1"
tcp_port = {p1.port}
max_clock_skew_s = 1e9
""")
    proc = start_collector(config)
    # a time-lapse meter: 4 telegrams a second, each 1 s of meter time apart
    meter = SimMeter(start=float(int(time.time())) - 86400, interval=1.0)
    sent = 0

    def send_for(seconds: float) -> None:
        nonlocal sent
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            p1.send(meter.telegram())
            sent += 1
            time.sleep(0.25)

    try:
        wait_health(hp)
        p1.wait_client(timeout=20)
        send_for(5)
        server.stop()
        send_for(OUTAGE_S)
        during = health(hp)["store"]
        assert during["ok"] is False and during["outbox"]["depth"] > 0  # shown, not hidden
        server.start()
        send_for(5)
        store = open_store(load_config(config), readonly=True)
        deadline = time.monotonic() + 60
        counted = 0
        while time.monotonic() < deadline:
            # every telegram adds one sample to import_w's minute buckets
            rows = store.read("meter:import_w", 0, 4e9, Resolution.MIN1)
            counted = sum(r.count for r in rows)
            if counted >= sent:
                break
            time.sleep(1)
        assert counted == sent, f"{sent} telegrams sent, {counted} in InfluxDB"
        raw = store.read("meter:import_kwh", 0, 4e9, Resolution.RAW)
        times = [r.ts for r in raw if r.value is not None]
        assert len(times) == len(set(times)), "a point arrived twice"
        assert health(hp)["store"]["ok"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        p1.close()
        server.close()
