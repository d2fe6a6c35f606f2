"""Across the core: a meter replacement in the telegrams gives the right hourly increase in the store."""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

import pytest

from buurtwatt.store.base import Resolution
from buurtwatt.store.sqlite import SqliteStore
from collector.health import DeviceHealth
from collector.p1.config import P1Config
from collector.p1.source import P1Source
from collector.source import SourceContext
from sim.p1 import SimMeter, write_file
from tests.services import wait_until as wait_for

START = 1_780_000_200.0  # 2026-05-28 20:30 UTC, a whole 5 minutes


def test_meter_replacement_gives_the_right_hourly_increase(tmp_path: Path) -> None:
    meter = SimMeter(version="5", interval=10.0, start=START)
    telegrams, points = [], []  # points: (ts, import_kwh as printed, serial)
    for i in range(3 * 360):  # three hours of 10-second telegrams
        if i == 540:  # the grid operator swaps both meters half-way
            meter.replace_meter("BWSIM00000000002", "BWGAS00000000002")
        telegrams.append(meter.telegram())
        printed = round(round(meter.import_t1, 3) + round(meter.import_t2, 3), 6)
        points.append((meter.now, printed, meter.serial))
    file = write_file(tmp_path / "swap.txt", telegrams)

    store = SqliteStore(tmp_path / "bw.sqlite", site="test")
    health = DeviceHealth(name="meter", type="p1")
    done = threading.Event()
    ctx = SourceContext(emit=store.write, health=health)
    config = P1Config.model_validate({"type": "p1", "replay": str(file), "max_clock_skew_s": 1e10})
    thread = threading.Thread(target=lambda: (P1Source(config).run(ctx), done.set()), daemon=True)
    thread.start()
    try:
        wait_for(lambda: "replayed" in health.message, 30, "the replay to finish")
    finally:
        ctx.stopping.set()
        thread.join(5)
    assert health.dropped == 0

    expected: dict[float, float] = defaultdict(float)
    for (_, before, old), (ts, value, serial) in zip(points, points[1:], strict=False):
        if serial == old:  # across the swap nothing is counted: no step, never negative
            expected[ts // 3600 * 3600] += value - before
    rows = store.read("meter:import_kwh", START - 3600, START + 4 * 3600, Resolution.HOUR)
    got = {row.ts: row.value for row in rows if row.value is not None}
    assert set(got) == set(expected)
    for hour, value in expected.items():
        assert got[hour] == pytest.approx(value, abs=1e-6), hour
    assert all(v >= 0 for v in got.values()) and max(got.values()) < 5  # no huge step from 35802 -> 0

    gas = store.read("gas:gas_m3", START - 3600, START + 4 * 3600, Resolution.HOUR)
    assert all(row.value is None or 0 <= row.value < 1 for row in gas)
    assert sum(row.value or 0 for row in gas) > 0
    store.close()
