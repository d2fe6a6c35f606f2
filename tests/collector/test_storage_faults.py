"""Disk full under a stream of readings: spooled in memory, written exactly once when space returns.

A real 2 MB tmpfs is filled up with a file while the pipeline writes into a SQLite store on it;
SQLite fails with "database or disk is full". Mounting needs root (we are root in CI and in the
dev container); elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution
from buurtwatt.store.sqlite import SqliteStore
from collector.health import DeviceHealth
from collector.pipeline import Pipeline
from tests.services import wait_until

T0 = 1_780_000_000.0


class SmallDisk:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.filler = folder / "filler"

    def fill(self) -> None:
        """Write until the file system says it is full."""
        chunk = b"\0" * 4096
        with open(self.filler, "ab", buffering=0) as f:
            while True:
                try:
                    f.write(chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    return

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    folder = tmp_path / "disk"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield SmallDisk(folder)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


class Stream:
    """Telegram-like batches: a counter rising 1 Wh per second and a gauge, one second apart."""

    def __init__(self, pipeline: Pipeline, health: DeviceHealth) -> None:
        self.emit = pipeline.emitter(health)
        self.sent = 0
        self.second = 0

    def send(self, telegrams: int) -> None:
        for _ in range(telegrams):
            ts = T0 + self.second
            self.emit(
                [
                    Reading("meter", "import_kwh", ts, 1000.0 + self.second / 1000),
                    Reading("meter", "import_w", ts, 100.0 + self.second % 7),
                ]
            )
            self.second += 1
            self.sent += 2


def stored_samples(store: SqliteStore, series: str) -> int:
    return sum(r.count for r in store.read(series, 0, 4e9, Resolution.MIN1))


def test_disk_full_loses_nothing_and_writes_everything_once(small_disk: SmallDisk) -> None:
    store = SqliteStore(small_disk.folder / "store.sqlite", site="test")
    pipeline = Pipeline(store, commit_interval=0.05)
    pipeline.start()
    health = DeviceHealth(name="meter", type="p1")
    stream = Stream(pipeline, health)
    try:
        stream.send(50)
        wait_until(lambda: pipeline.committed == stream.sent, 10, "the first telegrams to be written")
        small_disk.fill()
        # keep sending until SQLite runs into the full disk, then a good while longer
        while pipeline.health.snapshot()["state"] != "degraded":
            stream.send(20)
            wait_until(lambda: pipeline.committed == stream.sent or pipeline.spooled > 0, 10, "a write")
        snap = pipeline.health.snapshot()
        assert "full" in snap["message"], snap
        stream.send(2000)
        assert pipeline.spooled > 0
        small_disk.free()
        stream.send(50)
        wait_until(
            lambda: pipeline.committed == stream.sent, 30, "the spool to be written after space returned"
        )
        assert pipeline.health.snapshot()["state"] == "ok"
        assert health.readings == stream.sent
        # exactly once: every telegram's sample is in the rollups once, and the counter's increase
        # is the true one (1 Wh per second), none lost, none doubled
        telegrams = stream.second
        assert stored_samples(store, "meter:import_w") == telegrams
        assert stored_samples(store, "meter:import_kwh") == telegrams
        total = sum(r.value or 0 for r in store.read("meter:import_kwh", 0, 4e9, Resolution.HOUR))
        assert total == pytest.approx((telegrams - 1) / 1000)
        assert pipeline.store_counts["duplicates"] == 0
        assert not pipeline.health.drops
    finally:
        with contextlib.suppress(FileNotFoundError):
            small_disk.free()
        assert pipeline.stop(10)
        store.close()


def test_a_full_spool_drops_the_oldest_and_counts_them(small_disk: SmallDisk) -> None:
    store = SqliteStore(small_disk.folder / "store.sqlite", site="test")
    pipeline = Pipeline(store, commit_interval=0.05, spool_max_readings=100)
    pipeline.start()
    health = DeviceHealth(name="meter", type="p1")
    stream = Stream(pipeline, health)
    try:
        stream.send(5)
        wait_until(lambda: pipeline.committed == stream.sent, 10, "the first telegrams to be written")
        small_disk.fill()
        while pipeline.health.snapshot()["state"] != "degraded":
            stream.send(20)
            wait_until(lambda: pipeline.committed == stream.sent or pipeline.spooled > 0, 10, "a write")
        stream.send(500)
        wait_until(lambda: pipeline.spooled == 100, 10, "the spool to be trimmed")
        small_disk.free()
        wait_until(lambda: pipeline.spooled == 0, 30, "the spool to be written")
        dropped = pipeline.health.drops["spool_full"]
        assert dropped > 0
        assert pipeline.committed + dropped == stream.sent
        assert pipeline.health.snapshot()["state"] == "ok"
    finally:
        with contextlib.suppress(FileNotFoundError):
            small_disk.free()
        assert pipeline.stop(10)
        store.close()
        os.sync()
