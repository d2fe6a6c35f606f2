"""A live P1 meter whose clock jumps 2 hours ahead for one telegram blocks nothing after it."""

from __future__ import annotations

import time
from pathlib import Path

from buurtwatt.config import parse_config
from buurtwatt.store.base import Resolution
from collector.runtime import Collector
from sim.p1 import SimMeter, TcpSimulator
from tests.services import free_port, wait_until


def test_one_telegram_two_hours_ahead_then_sixty_good_ones_are_all_stored(tmp_path: Path) -> None:
    sim = TcpSimulator()
    text = f"""
[site]
name = "Test"
id = "test"

[store]
type = "sqlite"
path = "store.sqlite"

[collector]
health_port = {free_port()}
# the 60 good telegrams below are sent at once, their meter clock running up to 63 s ahead
max_clock_skew_s = 120

[[devices]]
type = "p1"
name = "meter"
host = "127.0.0.1"
tcp_port = {sim.port}
"""
    collector = Collector(parse_config(text, tmp_path / "site.toml", tmp_path))
    collector.start()
    try:
        sim.wait_client(timeout=15)
        start = float(int(time.time()) + 2)
        meter = SimMeter(version="5", start=start)
        meter.now = start + 7200  # the meter clock jumps two hours ahead for one telegram
        ahead = meter.render()
        meter.now = start
        sim.send(ahead + b"".join(meter.telegrams(60)))

        def stored() -> int:
            rows = collector.store.read("meter:import_w", 0, 4e9, Resolution.MIN1)
            return sum(r.count for r in rows)

        wait_until(lambda: stored() == 61, 20, "all 61 telegrams to be stored")
        meter_health = collector.devices["meter"]
        assert meter_health.events.get("clock_off") == 1
        assert not meter_health.drops
        latest = collector.store.latest(["meter:import_w"])["meter:import_w"]
        assert latest.ts == start + 60  # the good telegrams keep the meter's own time
    finally:
        collector.stop()
        sim.close()
