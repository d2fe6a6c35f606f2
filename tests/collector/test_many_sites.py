"""Two buildings, one InfluxDB: two collectors with their own site tag, one dashboard showing both."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from buurtwatt.config import load_config
from buurtwatt.store import open_store
from sim.p1 import SimMeter, TcpSimulator
from tests.services import free_port, launch_chromium, require_program, wait_for_port

pytestmark = pytest.mark.timeout(240)
ROOT = Path(__file__).resolve().parents[2]


def write_config(
    folder: Path,
    site: str,
    influx_port: int,
    database: str,
    p1_port: int,
    dashboard_port: int,
    others: list[str],
) -> Path:
    path = folder / f"{site}.toml"
    path.write_text(
        f"""
[site]
name = "Werkplaats {site.title()}"
id = "{site}"

[store]
type = "influxdb"
api = "v1"
url = "http://127.0.0.1:{influx_port}"
database = "{database}"
outbox = "{site}-outbox.sqlite"

[collector]
health_port = {free_port()}

[dashboard]
port = {dashboard_port}
sites = {others!r}

[balance]
grid_meter = "meter"

[[devices]]
type = "p1"
name = "meter"
host = "127.0.0.1"
tcp_port = {p1_port}
# a large building: more than the 3 x 80 A default a home connection allows
max_power_w = 150000
""".replace("'", '"')
    )
    return path


def test_two_collectors_one_influxdb_one_dashboard(tmp_path: Path, influxdb) -> None:
    database = f"city{uuid.uuid4().hex[:8]}"
    sims = {"noord": TcpSimulator(), "zuid": TcpSimulator()}
    # different buildings: the north one takes 36 kW, the south one 108 kW, with other meter totals
    meters = {
        "noord": SimMeter(
            start=float(int(time.time())) - 30,
            serial="NOORD0000000001",
            profile=lambda ts: 36_000.0,
            import_t1=100.0,
            import_t2=200.0,
        ),
        "zuid": SimMeter(
            start=float(int(time.time())) - 30,
            serial="ZUID00000000001",
            profile=lambda ts: 108_000.0,
            import_t1=5000.0,
            import_t2=6000.0,
        ),
    }
    dash_port = free_port()
    configs = {
        site: write_config(
            tmp_path,
            site,
            influxdb.port,
            database,
            sims[site].port,
            dash_port,
            ["zuid"] if site == "noord" else [],
        )
        for site in sims
    }
    procs = [
        subprocess.Popen([sys.executable, "-m", "buurtwatt_app", "collect", "--config", str(c)], cwd=ROOT)
        for c in configs.values()
    ]
    dashboard = None
    try:
        for sim in sims.values():
            sim.wait_client(timeout=20)
        for _ in range(10):
            for site, sim in sims.items():
                sim.send(meters[site].telegram())
            time.sleep(0.2)
        expected = {site: round(m.import_t1 + m.import_t2, 3) for site, m in meters.items()}
        stores = {site: open_store(load_config(c), readonly=True) for site, c in configs.items()}
        deadline = time.monotonic() + 30
        seen: dict[str, float | None] = {}
        while time.monotonic() < deadline:
            seen = {
                site: (
                    s.latest(["meter:import_kwh"]).get("meter:import_kwh")
                    or type("Nothing", (), {"value": None})
                ).value
                for site, s in stores.items()
            }
            if all(seen[s] is not None and abs(seen[s] - expected[s]) < 0.002 for s in sims):
                break
            time.sleep(0.5)
        # each site reads its own meter, never the other one's
        assert seen == pytest.approx(expected, abs=0.002)
        assert stores["noord"].latest(["meter:import_w"])["meter:import_w"].value == pytest.approx(36_000.0)
        assert stores["zuid"].latest(["meter:import_w"])["meter:import_w"].value == pytest.approx(108_000.0)
        assert set(stores["noord"].sites()) == {"noord", "zuid"}

        require_program("chromium")
        from playwright.sync_api import sync_playwright

        dashboard = subprocess.Popen(
            [sys.executable, "-m", "buurtwatt_app", "dashboard", "--config", str(configs["noord"])], cwd=ROOT
        )
        wait_for_port(dash_port, timeout=60)
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"http://127.0.0.1:{dash_port}/stad")
            # the hour buckets that today's figures come from reach InfluxDB within about 15 s
            deadline = time.monotonic() + 45
            while True:
                page.wait_for_selector("#city-zuid", timeout=30_000)
                if "0,27" in page.inner_text("#city-zuid") or time.monotonic() > deadline:
                    break
                page.wait_for_timeout(3000)
                page.reload()
            north, south = page.inner_text("#city-noord"), page.inner_text("#city-zuid")
            page.screenshot(path=str(ROOT / "tests" / "artifacts" / "stad-1920x1080.png"))
            browser.close()
        assert "Noord" in north and "zuid" in south.lower()
        # today's import: 9 steps of 1 s at 36 kW and at 108 kW, each building its own
        assert "Van het net gehaald\n0,09\xa0kWh" in north, north
        assert "Van het net gehaald\n0,27\xa0kWh" in south, south
    finally:
        for proc in [*procs, *([dashboard] if dashboard else [])]:
            proc.send_signal(signal.SIGTERM)
        for proc in [*procs, *([dashboard] if dashboard else [])]:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for sim in sims.values():
            sim.close()
