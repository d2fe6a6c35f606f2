"""The InfluxDB store's outbox on its own: what it queues, how it coalesces, its size cap.

The store points at a loopback port where nothing listens (a real refused connection), so
everything stays queued and can be inspected in the SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtwatt.config import InfluxStoreConfig
from buurtwatt.readings import Reading
from buurtwatt.store.influx import InfluxStore
from buurtwatt.store.influx_http import lp_key, lp_measurement, ql_ident, ql_string, record_line
from buurtwatt.store.outbox import Outbox, Record
from tests.services import free_port

T0 = 1_735_686_000  # 2025-01-01 00:00 Europe/Amsterdam


def offline_store(tmp_path: Path, site: str = "test", max_mb: float = 1024) -> InfluxStore:
    config = InfluxStoreConfig(
        type="influxdb",
        url=f"http://127.0.0.1:{free_port()}",
        api="v1",
        database="nowhere",
        outbox=tmp_path / "outbox.sqlite",
        outbox_max_mb=max_mb,
    )
    return InfluxStore(config, site=site, tz="Europe/Amsterdam", retry_max_s=1.0)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[InfluxStore]:
    s = offline_store(tmp_path)
    yield s
    s.close(timeout=0.5)


def outbox_rows(path: Path, site: str = "test") -> list[tuple[str, str | None, int, str]]:
    """The queued records, each with the line the sender would make of it."""
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT kind, level, key, device, ts, points, body FROM outbox_records ORDER BY seq"
        ).fetchall()
    return [
        (kind, key, points, record_line(Record(kind, level, device, ts, json.loads(body)), lp_key(site)))
        for kind, level, key, device, ts, points, body in rows
    ]


def test_escaping_for_line_protocol_and_influxql() -> None:
    assert lp_key("a b,c=d\\x") == "a\\ b\\,c\\=d\\x"
    assert lp_measurement("m 1,x=y") == "m\\ 1\\,x=y"
    assert ql_ident('we"ird\\') == '"we\\"ird\\\\"'
    assert ql_string("it's \\ok") == "'it\\'s \\\\ok'"


def test_raw_points_of_one_telegram_become_one_line(store: InfluxStore, tmp_path: Path) -> None:
    store.write(
        [
            Reading("meter", "import_kwh", T0, 1000.5, meter="E1"),
            Reading("meter", "import_w", T0, 350.0),
            Reading("plug", "power_w", T0 + 0.25, 12.0),
        ]
    )
    assert store.outbox is not None
    # the write queues raw lines and marks the rollup buckets; flush (here by hand) makes their lines
    assert all(r[0] == "raw" for r in outbox_rows(tmp_path / "outbox.sqlite"))
    assert store.outbox.dirty() == 3 * 4  # 3 series x 4 levels
    store.outbox.materialise(everything=True)
    assert store.outbox.dirty() == 0
    rows = outbox_rows(tmp_path / "outbox.sqlite")
    raw = [r for r in rows if r[0] == "raw"]
    assert [r[3] for r in raw] == [
        f"buurtwatt,site=test,device=meter import_kwh=1000.5,import_w=350.0 {T0 * 1000}",
        f"buurtwatt,site=test,device=plug power_w=12.0 {T0 * 1000 + 250}",
    ]
    assert [r[2] for r in raw] == [2, 1]
    rollups = {r[1]: r[3] for r in rows if r[0] == "rollup"}
    assert set(rollups) == {
        f"{level}/{device}/{T0}" for level in ("1m", "15m", "1h", "1d") for device in ("meter", "plug")
    }
    minute = rollups[f"1m/meter/{T0}"]
    assert minute == (
        f"buurtwatt_1m,site=test,device=meter "
        "import_kwh_n=1i,import_kwh_min=1000.5,import_kwh_max=1000.5,import_kwh_first=1000.5,"
        f"import_kwh_last=1000.5,import_kwh_inc=0.0,import_kwh_last_ts={T0 * 1000}i,"
        "import_w_n=1i,import_w_sum=350.0,import_w_min=350.0,import_w_max=350.0,"
        f"import_w_first=350.0,import_w_last=350.0,import_w_last_ts={T0 * 1000}i {T0 * 1000}"
    )
    assert "_last_ts" not in rollups[f"1h/meter/{T0}"]


def test_a_newer_rollup_line_replaces_the_unsent_one(store: InfluxStore, tmp_path: Path) -> None:
    assert store.outbox is not None
    for i in range(10):  # ten writes into the same buckets, their lines made twice
        store.write([Reading("plug", "power_w", T0 + i, float(i))])
        if i in (4, 9):
            store.outbox.materialise(everything=True)
    rows = outbox_rows(tmp_path / "outbox.sqlite")
    assert sum(1 for r in rows if r[0] == "raw") == 10
    rollups = [r for r in rows if r[0] == "rollup"]
    assert len(rollups) == 4  # one per level, holding the aggregate of all ten samples
    assert all("power_w_n=10i" in r[3] and "power_w_sum=45.0" in r[3] for r in rollups)
    assert rollups[-1][3].startswith("buurtwatt_1d")  # the newest versions sit at the end
    assert store.status()["outbox"]["depth"] == len(rows) == 14


def test_site_and_device_names_are_escaped(tmp_path: Path) -> None:
    s = offline_store(tmp_path, site="wijk oost,2=b")
    try:
        s.write([Reading("hal 1", "power_w", T0, 1.0)])
    finally:
        s.close(timeout=0.5)
    line = outbox_rows(tmp_path / "outbox.sqlite", site="wijk oost,2=b")[0][3]
    assert line == f"buurtwatt,site=wijk\\ oost\\,2\\=b,device=hal\\ 1 power_w=1.0 {T0 * 1000}"


def test_outbox_survives_a_restart(tmp_path: Path) -> None:
    s = offline_store(tmp_path)
    s.write([Reading("plug", "power_w", T0 + i, float(i)) for i in range(100)])
    assert s.outbox is not None
    s.outbox.materialise(everything=True)
    depth = s.status()["outbox"]["depth"]
    s.close(timeout=0.5)
    again = offline_store(tmp_path)
    try:
        status = again.status()
        assert status["outbox"]["depth"] == depth == 105  # 100 raw, 2 minutes, 15m, 1h, 1d
        assert status["state"] in ("starting", "unreachable")
        # the working store remembers the series: a resend of old points queues nothing new
        again.write([Reading("plug", "power_w", T0 + 50, 50.0)])
        assert again.status()["outbox"]["depth"] == depth and again.status()["outbox"]["dirty"] == 0
    finally:
        again.close(timeout=0.5)


def test_cap_drops_oldest_raw_keeps_rollups_and_counts(tmp_path: Path) -> None:
    s = offline_store(tmp_path, max_mb=0.25)
    n = 12_000
    try:
        for start in range(0, n, 1000):
            s.write([Reading("plug", "power_w", T0 + i, float(i % 977)) for i in range(start, start + 1000)])
        deadline = time.monotonic() + 10
        # the sender checks the cap once a second: wait until a check came after the last write
        while time.monotonic() < deadline:
            status = s.status()["outbox"]
            if status["dropped_raw"] and status["used_bytes"] <= 0.25 * 1024 * 1024:
                break
            time.sleep(0.2)
        assert s.outbox is not None
        s.outbox.materialise(everything=True)  # what flush does first: the open buckets' lines too
    finally:
        s.close(timeout=0.5)
    assert status["dropped_raw"] > 0
    assert status["used_bytes"] <= 0.25 * 1024 * 1024
    rows = outbox_rows(tmp_path / "outbox.sqlite")
    raw = [r for r in rows if r[0] == "raw"]
    assert len(raw) + status["dropped_raw"] == n
    # the newest raw points are the ones kept
    stamps = [int(r[3].rsplit(" ", 1)[1]) for r in raw]
    assert stamps == [(T0 + i) * 1000 for i in range(n - len(raw), n)]
    # every rollup bucket is still queued, with all samples counted
    minutes = [r for r in rows if r[0] == "rollup" and r[1].startswith("1m/")]
    assert len(minutes) == n // 60
    day = next(r for r in rows if r[1] == f"1d/plug/{T0}")
    assert f"power_w_n={n}i" in day[3]
    # the loss is remembered across restarts
    again = offline_store(tmp_path, max_mb=0.25)
    try:
        assert again.status()["outbox"]["dropped_raw"] == status["dropped_raw"]
    finally:
        again.close(timeout=0.5)


def test_readonly_store_cannot_write(tmp_path: Path) -> None:
    config = InfluxStoreConfig(
        type="influxdb", url=f"http://127.0.0.1:{free_port()}", api="v1", outbox=tmp_path / "outbox.sqlite"
    )
    s = InfluxStore(config, site="test", readonly=True)
    with pytest.raises(PermissionError):
        s.write([Reading("plug", "power_w", T0, 1.0)])
    status = s.status()
    assert status["reachable"] is False and status["ok"] is False
    assert not (tmp_path / "outbox.sqlite").exists()
    s.close()


def test_local_rollups_are_pruned_but_late_buckets_still_complete(store: InfluxStore, tmp_path: Path) -> None:
    assert store.outbox is not None
    # three days of one reading a minute, then prune: only the last two days stay locally
    for day in range(3):
        store.write([Reading("plug", "power_w", T0 + day * 86400 + i * 60, 1.0) for i in range(1440)])
    store.outbox.materialise(everything=True)  # the sender prunes only once it caught up
    deleted = store.outbox.prune_local_rollups()
    assert deleted > 0
    with sqlite3.connect(tmp_path / "outbox.sqlite") as con:
        oldest = con.execute("SELECT min(ts) FROM roll_1m").fetchone()[0]
    last = T0 + 2 * 86400 + 1439 * 60
    assert oldest >= last - 2 * 86400
    # the newest bucket is still whole locally, so its next line counts every sample
    store.write([Reading("plug", "power_w", last + 30, 3.0)])
    store.outbox.materialise(everything=True)
    line = outbox_rows(tmp_path / "outbox.sqlite")[-1][3]
    assert line.startswith("buurtwatt_1d") and "power_w_n=1441i" in line


class SteppedClock:
    """Wall-clock time the test moves by hand, so hold times need no real waiting."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


def hand_driven(store: InfluxStore) -> tuple[Outbox, SteppedClock]:
    """Stop the sender (it could not reach anything anyway): the test materialises and drains itself."""
    assert store.outbox is not None and store.sender is not None
    store.sender.stop(timeout=2.0)
    clock = SteppedClock()
    store.outbox.clock = clock
    return store.outbox, clock


def send_all(outbox: Outbox) -> list[str]:
    """What a sender that always succeeds would deliver now."""
    sent: list[str] = []
    while (batch := outbox.oldest(1000)) is not None:
        outbox.confirm(batch)
        sent += [record_line(r, lp_key(outbox.site)) for r in batch.records]
    return sent


def test_a_bucket_written_every_second_is_sent_a_few_times_not_every_second(store: InfluxStore) -> None:
    outbox, clock = hand_driven(store)
    sent: list[str] = []
    for i in range(20):  # 20 s of one reading a second, all in one bucket of every level
        store.write([Reading("plug", "power_w", T0 + i, float(i))])
        clock.now += 1
        outbox.materialise()
        sent += send_all(outbox)
    per_level = {
        level: sum(line.startswith(f"buurtwatt_{level},") for line in sent)
        for level in ("1m", "15m", "1h", "1d")
    }
    assert sum(line.startswith("buurtwatt,") for line in sent) == 20  # raw points go out as written
    assert per_level["1m"] == 4  # held 5 s: after seconds 5, 10, 15 and 20 (the last one whole)
    assert "power_w_n=20i" in [line for line in sent if line.startswith("buurtwatt_1m,")][-1]
    assert per_level["1h"] == 1  # held 15 s: once, after second 15
    assert per_level["15m"] + per_level["1d"] == 0  # held 60 s and longer
    assert store.status()["outbox"]["dirty"] == 3
    # flush sends every held bucket, whole
    outbox.materialise(everything=True)
    final = send_all(outbox)
    assert len(final) == 3 and all("power_w_n=20i" in line for line in final)
    # once its hold time passed, a bucket goes out without a flush
    store.write([Reading("plug", "power_w", T0 + 20, 20.0)])
    clock.now += 61
    outbox.materialise()
    assert sorted(line.split(",")[0] for line in send_all(outbox)) == [
        "buurtwatt",
        "buurtwatt_15m",
        "buurtwatt_1h",
        "buurtwatt_1m",
    ]


def test_a_closed_bucket_goes_out_without_waiting(store: InfluxStore) -> None:
    outbox, _ = hand_driven(store)  # the clock stands still: no hold time ever passes
    store.write([Reading("plug", "power_w", T0 + i, 1.0) for i in range(30)])
    outbox.materialise()
    assert [line.split(",")[0] for line in send_all(outbox)] == ["buurtwatt"]
    store.write([Reading("plug", "power_w", T0 + 60, 2.0)])  # the next minute closes the first
    outbox.materialise()
    sent = send_all(outbox)
    assert len(sent) == 2 and sent[0].startswith("buurtwatt,")
    assert sent[1].startswith("buurtwatt_1m,") and sent[1].endswith(f" {T0}000")
    assert "power_w_n=30i" in sent[1]
    store.write([Reading("plug", "power_w", T0 + 900, 3.0)])  # the next quarter: minute 1 and quarter 0 close
    outbox.materialise()
    closed = sorted((line.split(",")[0], line.rsplit(" ", 1)[1]) for line in send_all(outbox)[1:])
    assert closed == [("buurtwatt_15m", f"{T0}000"), ("buurtwatt_1m", f"{T0 + 60}000")]
    assert outbox.dirty() == 4  # the newest minute, quarter, hour and day wait


def test_dirty_buckets_are_kept_under_the_cap_and_from_pruning(store: InfluxStore) -> None:
    outbox, _ = hand_driven(store)
    store.write([Reading("plug", "power_w", T0 + day * 86400, 1.0) for day in range(4)])
    assert outbox.dirty() == 16
    assert outbox.prune_local_rollups() == 0  # four days apart, but none of them is in InfluxDB yet
    outbox.max_bytes = 1  # a full disk drops raw lines only
    outbox.enforce_cap()
    assert outbox.dirty() == 16
    assert outbox.materialise() == 12  # each older bucket is closed by the newer day
    assert outbox.prune_local_rollups() == 4  # day 0 at every level: sent, and over two days old


def test_a_clock_set_back_does_not_hold_buckets_for_hours(store: InfluxStore) -> None:
    outbox, clock = hand_driven(store)
    store.write([Reading("plug", "power_w", T0, 1.0)])
    clock.now -= 3600  # NTP corrected a clock that ran an hour ahead
    assert outbox.materialise() == 4
