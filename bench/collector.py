"""Benchmark of the collector at nominal load (issue 6).

Load: 1 P1 telegram/s over TCP, 2 SunSpec inverters polled every 5 s, 20 MQTT sensors
publishing every 10 s through mosquitto; SQLite store. The collector runs as its own
process (`buurtwatt collect`); the simulators run here.

Reports the collector's CPU share of one core, its peak RSS, and the telegram-to-store
latency (sent on the socket -> visible through the store's latest-values call).
The outbox drain rate against InfluxDB is measured by bench/store_influx.py.

Run: .venv/bin/python bench/collector.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402
from buurtwatt.store.sqlite import SqliteStore  # noqa: E402
from sim.modbus import SunSpecSimulator  # noqa: E402
from sim.p1 import SimMeter, TcpSimulator  # noqa: E402
from tests.services import free_port, start_mosquitto  # noqa: E402


def config_text(p1: int, inverters: list[int], broker: int, health: int) -> str:
    inv = "".join(
        f"""
[[devices]]
type = "sunspec"
name = "inv{i}"
host = "127.0.0.1"
port = {port}
interval_s = 5
"""
        for i, port in enumerate(inverters)
    )
    return f"""
[site]
name = "Bench"
id = "bench"
night = "zero"

[store]
type = "sqlite"
path = "store.sqlite"

[collector]
health_port = {health}

[[devices]]
type = "p1"
name = "meter"
host = "127.0.0.1"
tcp_port = {p1}
{inv}
[[devices]]
type = "mqtt"
name = "sensors"
broker = "mqtt://127.0.0.1:{broker}"

[[devices.subscriptions]]
topic = "tele/+/SENSOR"
format = "tasmota"
device = "{{1}}"
"""


def publish_sensors(port: int, stop: threading.Event) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-sensors")
    client.connect("127.0.0.1", port)
    client.loop_start()
    n = 0
    while not stop.wait(10 if n else 0.5):
        n += 1
        for i in range(20):
            payload = {
                "Time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "ENERGY": {"Total": 10 + n * 0.001 + i, "Power": 40 + (n + i) % 7, "Voltage": 230},
            }
            client.publish(f"tele/plug{i:02d}/SENSOR", json.dumps(payload))
    client.loop_stop()
    client.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="bw-bench-collector-") as tmp:
        folder = Path(tmp)
        broker = start_mosquitto()
        p1 = TcpSimulator()
        inverters = [
            SunSpecSimulator("int", port=free_port(), profile=lambda ts: 2500.0).start() for _ in range(2)
        ]
        health = free_port()
        site = config_text(p1.port, [s.port for s in inverters], broker.port, health)
        (folder / "site.toml").write_text(site)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "buurtwatt_app",
                "collect",
                "--config",
                str(folder / "site.toml"),
                "--seconds",
                str(seconds + 15),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stop = threading.Event()
        threading.Thread(target=publish_sensors, args=(broker.port, stop), daemon=True).start()
        p1.wait_client(timeout=30)
        meter = SimMeter(start=float(int(time.time())), interval=1.0)  # the meter clock has whole seconds
        ps = psutil.Process(proc.pid)
        time.sleep(2)
        reader = SqliteStore(folder / "store.sqlite", site="bench", readonly=True)
        cpu0 = ps.cpu_times()
        wall0 = time.monotonic()
        peak_rss = 0
        latencies: list[float] = []
        next_send = time.monotonic()
        while time.monotonic() - wall0 < seconds:
            telegram = meter.telegram()
            sent = time.time()
            p1.send(telegram)
            while time.time() - sent < 1.0:
                row = reader.latest(["meter:import_kwh"]).get("meter:import_kwh")
                if row and abs(row.ts - meter.now) < 0.5:
                    latencies.append((time.time() - sent) * 1000)
                    break
                time.sleep(0.002)
            peak_rss = max(peak_rss, ps.memory_info().rss)
            next_send += 1.0
            time.sleep(max(0.0, next_send - time.monotonic()))
        cpu1 = ps.cpu_times()
        wall = time.monotonic() - wall0
        stop.set()
        cpu_pct = ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / wall * 100
        proc.terminate()
        proc.wait(15)
        reader.close()
        p1.close()
        for s in inverters:
            s.stop()
        broker.stop()
    latencies.sort()
    med = statistics.median(latencies) if latencies else float("nan")
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    print(
        f"CPU {cpu_pct:.2f} % of one core, peak RSS {peak_rss / 1e6:.0f} MB, "
        f"latency median {med:.1f} ms p95 {p95:.1f} ms over {len(latencies)} telegrams"
    )
    write_section(
        "collector",
        [
            f"Nominal load for {args.minutes:g} min: 1 P1 telegram/s (TCP), 2 SunSpec inverters every 5 s, "
            "20 MQTT sensors every 10 s (mosquitto), SQLite store; the collector in its own process.",
            "",
            "| figure | result | target |",
            "|---|---|---|",
            f"| CPU of the collector | {cpu_pct:.2f} % of one core | <= 3 % |",
            f"| peak RSS | {peak_rss / 1e6:.0f} MB | <= 120 MB |",
            f"| telegram-to-store latency ({len(latencies)} telegrams) "
            f"| median {med:.1f} ms, p95 {p95:.1f} ms | p95 <= 200 ms |",
            "",
            "Outbox drain rate after an outage: see the InfluxDB section (bench/store_influx.py).",
        ],
    )


if __name__ == "__main__":
    main()
