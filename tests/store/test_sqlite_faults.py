"""The SQLite store under real faults: a full disk, a read-only disk, a reader that never lets go.

The full and read-only disks are real: a small tmpfs mounted for the test (we run as root). Where
mounting is not allowed the test is skipped with the reason (it fails under CI instead).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution, StoreNotWritable
from buurtwatt.store.sqlite import SqliteStore
from tests.services import wait_until

T0 = 1_735_686_000  # 2025-01-01 00:00 Europe/Amsterdam
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs: a disk that really fills up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full; the file, to delete when space should come back."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * size)
    return filler


def counter_run(start: int, n: int, base: float) -> list[Reading]:
    """A meter rising 1 kWh a minute, and its power, one reading each a minute."""
    out = []
    for i in range(start, start + n):
        out.append(Reading("meter", "import_kwh", T0 + i * 60, base + i, meter="E1"))
        out.append(Reading("meter", "import_w", T0 + i * 60, 60_000.0 + i))
    return out


def test_disk_full_then_freed_every_reading_stored_once(small_disk: Path) -> None:
    store = SqliteStore(small_disk / "store.sqlite", site="t", tz="Europe/Amsterdam")
    store.write([Reading("meter", "import_kwh", T0 - 60, 1000.0, meter="E1")])
    store.checkpoint()  # an empty WAL: the next write needs new space on the disk
    batch = counter_run(0, 400, 1001.0)  # 400 kWh more; import_w is a series the disk never saw
    filler = fill(small_disk)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        store.write(batch)
    status = store.status()
    assert status["write_faults"] == 1 and "full" in status["last_fault"]
    filler.unlink()
    result = store.write(batch)  # what the collector's writer does: the same batch again
    assert (result.accepted, result.duplicates, result.rejected) == (800, 0, 0)
    span = (T0 - 3600, T0 + 401 * 60)
    minutes = store.read("meter:import_kwh", *span, Resolution.MIN1)
    # exactly the increase from 1000 to 1400 kWh: nothing lost, nothing twice
    assert sum(r.value for r in minutes) == pytest.approx(400.0)
    assert sum(r.count for r in minutes) == 401
    assert sum(r.value for r in store.read("meter:import_kwh", *span, Resolution.DAY)) == pytest.approx(400.0)
    assert len(store.read("meter:import_kwh", *span, Resolution.RAW)) == 401
    assert sum(r.count for r in store.read("meter:import_w", *span, Resolution.HOUR)) == 400
    assert store.latest(["meter:import_kwh"])["meter:import_kwh"].value == 1400.0
    store.close()


def test_read_only_disk_at_start_is_a_clear_error(small_disk: Path) -> None:
    SqliteStore(small_disk / "store.sqlite", site="t").close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreNotWritable) as caught:
        SqliteStore(small_disk / "store.sqlite", site="t")
    message = str(caught.value)
    assert str(small_disk / "store.sqlite") in message and "writable" in message
    with pytest.raises(StoreNotWritable):  # a new file in a read-only folder too
        SqliteStore(small_disk / "other.sqlite", site="t")
    # the collector says so and exits 2, without a traceback
    config = small_disk.parent / "site.toml"
    config.write_text(
        f'[site]\nname = "T"\nid = "t"\n\n[store]\ntype = "sqlite"\npath = "{small_disk}/store.sqlite"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", "collect", "--config", str(config), "--seconds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "cannot write the store" in done.stderr and "Traceback" not in done.stderr


def test_a_reader_holding_a_transaction_is_reported_and_the_wal_shrinks_after(tmp_path: Path) -> None:
    store = SqliteStore(
        tmp_path / "store.sqlite",
        site="t",
        maintenance_s=0.0,  # upkeep after every write
        reader_warn_s=0.3,
        wal_truncate_bytes=64 * 1024,
    )
    reader = sqlite3.connect(tmp_path / "store.sqlite", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM roll_1m").fetchone()  # holds its snapshot from here on
    step = iter(range(10**6))

    def write_some() -> None:
        i = next(step)
        store.write([Reading(f"plug{k}", "power_w", T0 + i, float(i % 7)) for k in range(50)])

    def problem_shown() -> bool:
        write_some()
        return bool(store.status()["problems"])

    wait_until(problem_shown, timeout=30, what="the blocked WAL to show in status()")
    status = store.status()
    assert status["wal_blocked_s"] >= 0.3
    held = status["wal_bytes"]
    assert held > 64 * 1024
    reader.execute("COMMIT")
    reader.close()

    def shrunk() -> bool:
        write_some()
        s = store.status()
        return not s["problems"] and s["wal_bytes"] < held

    wait_until(shrunk, timeout=30, what="the WAL to shrink once the reader let go")
    store.close()


def test_one_minute_rollups_are_pruned_after_their_retention(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite", site="t", minute_retention_days=400)
    old = T0 - 500 * 86400
    store.write([Reading("plug", "power_w", old + i * 60, 10.0) for i in range(30)])
    store.write([Reading("plug", "power_w", T0 + i * 60, 20.0) for i in range(30)])
    assert len(store.read("plug:power_w", old, old + 3600, Resolution.MIN1)) == 30
    assert store.prune_minutes(now=T0 + 3600) == 30
    assert store.read("plug:power_w", old, old + 3600, Resolution.MIN1) == []
    # the coarser levels of that day stay
    assert [r.count for r in store.read("plug:power_w", old, old + 3600, Resolution.MIN15)] == [15, 15]
    assert [r.count for r in store.read("plug:power_w", old, old + 3600, Resolution.HOUR)] == [30]
    assert store.read("plug:power_w", old - 86400, old + 86400, Resolution.DAY)[0].count == 30
    assert len(store.read("plug:power_w", T0, T0 + 3600, Resolution.MIN1)) == 30
    store.close()


def test_retention_runs_on_the_upkeep_schedule(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite", site="t", minute_retention_days=1, maintenance_s=0.0)
    now = time.time()
    store.write([Reading("plug", "power_w", now - 3 * 86400 + i * 60, 1.0) for i in range(5)])
    store.write([Reading("plug", "power_w", now - 60, 1.0)])  # the first upkeep only checkpoints
    store.write([Reading("plug", "power_w", now, 1.0)])
    minutes = store.read("plug:power_w", now - 4 * 86400, now + 60, Resolution.MIN1)
    assert [r.count for r in minutes] == [1, 1]
    store.close()
