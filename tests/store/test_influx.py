"""The InfluxDB store against a real InfluxDB 1.6 (Debian's influxd): what the contract suite
does not cover. Names that need escaping, a read-only reader, steady values, status, when
rollup buckets are sent, and a killed writer."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtwatt.config import InfluxStoreConfig
from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution
from buurtwatt.store.influx import InfluxStore
from tests.services import ServiceProcess, free_port

pytestmark = pytest.mark.influx
T0 = 1_735_686_000  # 2025-01-01 00:00 Europe/Amsterdam


def config_for(server: ServiceProcess, tmp_path: Path, database: str) -> InfluxStoreConfig:
    return InfluxStoreConfig(
        type="influxdb",
        url=f"http://127.0.0.1:{server.port}",
        api="v1",
        database=database,
        outbox=tmp_path / "outbox.sqlite",
    )


def influxql(server: ServiceProcess, database: str, query: str) -> list[dict]:
    params = urllib.parse.urlencode({"db": database, "q": query, "epoch": "ms"})
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/query?{params}", timeout=10) as r:
        return json.loads(r.read())["results"][0].get("series", [])


@pytest.fixture
def database() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def store(influxdb: ServiceProcess, tmp_path: Path, database: str) -> Iterator[InfluxStore]:
    s = InfluxStore(config_for(influxdb, tmp_path, database), site="test", tz="Europe/Amsterdam")
    yield s
    s.close()


def test_names_that_need_escaping_round_trip(influxdb: ServiceProcess, tmp_path: Path, database: str) -> None:
    site = "wijk 'oost', \"2\" b=c"
    s = InfluxStore(config_for(influxdb, tmp_path, database), site=site)
    try:
        s.write([Reading("hal 1,a=b", "power_w", T0 + i, float(i)) for i in range(3)])
        assert s.flush(timeout=10)
        rows = s.read("hal 1,a=b:power_w", T0, T0 + 60, Resolution.RAW)
        assert [r.value for r in rows] == [0.0, 1.0, 2.0]
        assert s.series_names() == ["hal 1,a=b:power_w"]
        assert site in s.sites()
        assert s.latest(["hal 1,a=b:power_w"])["hal 1,a=b:power_w"].value == 2.0
    finally:
        s.close()


def test_sites_do_not_mix(influxdb: ServiceProcess, tmp_path: Path, database: str) -> None:
    a = InfluxStore(config_for(influxdb, tmp_path / "a", database), site="a")
    b = InfluxStore(config_for(influxdb, tmp_path / "b", database), site="b")
    try:
        a.write([Reading("meter", "import_w", T0, 100.0)])
        b.write([Reading("meter", "import_w", T0, 200.0), Reading("meter", "export_w", T0, 5.0)])
        assert a.flush(10) and b.flush(10)
        assert a.read("meter:import_w", T0, T0 + 60)[0].value == 100.0
        assert b.read("meter:import_w", T0, T0 + 60)[0].value == 200.0
        assert a.series_names() == ["meter:import_w"]
        assert b.series_names() == ["meter:export_w", "meter:import_w"]
        assert a.sites() == ["a", "b"]
    finally:
        a.close()
        b.close()


def test_readonly_reader_sees_what_the_writer_sent(
    store: InfluxStore, influxdb: ServiceProcess, tmp_path: Path, database: str
) -> None:
    store.write([Reading("plug", "power_w", T0 + i * 60, 10.0 * i) for i in range(60)])
    assert store.flush(timeout=10)
    reader = InfluxStore(config_for(influxdb, tmp_path / "reader", database), site="test", readonly=True)
    try:
        hour = reader.read("plug:power_w", T0, T0 + 3600, Resolution.HOUR)
        assert hour[0].value == pytest.approx(295.0) and hour[0].count == 60
        assert reader.status()["ok"] is True
        assert not (tmp_path / "reader").exists()  # a reader keeps no outbox
    finally:
        reader.close()


def test_steady_value_is_latest_although_raw_skipped_it(
    store: InfluxStore, influxdb: ServiceProcess, database: str
) -> None:
    # a steady 0 W at night: raw keeps one point per heartbeat, latest() still sees the newest sample
    store.write([Reading("meter", "export_w", T0 + i, 0.0) for i in range(30)])
    assert store.flush(timeout=10)
    raw = influxql(influxdb, database, 'SELECT "export_w" FROM "buurtwatt"')
    assert len(raw[0]["values"]) == 1
    latest = store.latest(["meter:export_w"])["meter:export_w"]
    assert (latest.ts, latest.value) == (T0 + 29, 0.0)


def test_status_after_sending(store: InfluxStore) -> None:
    store.write([Reading("plug", "power_w", T0 + i, float(i)) for i in range(10)])
    assert store.flush(timeout=10)
    status = store.status()
    assert status["ok"] is True and status["state"] == "ok" and status["reachable"] is True
    assert status["outbox"]["depth"] == 0 and status["outbox"]["oldest_age_s"] is None
    assert status["outbox"]["sent_lines"] == 14  # 10 raw, 1m, 15m, 1h, 1d
    assert status["newest"] == T0 + 9


def test_schema_in_influxdb(store: InfluxStore, influxdb: ServiceProcess, database: str) -> None:
    store.write([Reading("meter", "import_kwh", T0 + i * 30, 100.0 + i, meter="E1") for i in range(4)])
    assert store.flush(timeout=10)
    measurements = influxql(influxdb, database, "SHOW MEASUREMENTS")[0]["values"]
    assert sorted(m[0] for m in measurements) == [
        "buurtwatt",
        "buurtwatt_15m",
        "buurtwatt_1d",
        "buurtwatt_1h",
        "buurtwatt_1m",
    ]
    tags = influxql(influxdb, database, 'SHOW TAG KEYS FROM "buurtwatt_1h"')[0]["values"]
    assert sorted(t[0] for t in tags) == ["device", "site"]
    hour = influxql(influxdb, database, 'SELECT * FROM "buurtwatt_1h"')[0]
    row = dict(zip(hour["columns"], hour["values"][0], strict=True))
    assert row["import_kwh_inc"] == 3.0 and row["import_kwh_n"] == 4
    assert row["import_kwh_first"] == 100.0 and row["import_kwh_last"] == 103.0
    assert row["time"] == T0 * 1000 and row["site"] == "test" and row["device"] == "meter"


def test_a_closed_minute_goes_out_without_flush_and_the_day_is_held(
    store: InfluxStore, influxdb: ServiceProcess, database: str
) -> None:
    store.write([Reading("plug", "power_w", T0 + i, 5.0) for i in range(60)])
    store.write([Reading("plug", "power_w", T0 + 60, 6.0)])  # a newer minute closes the first
    deadline = time.monotonic() + 5
    while not (minute := influxql(influxdb, database, 'SELECT "power_w_n" FROM "buurtwatt_1m"')):
        assert time.monotonic() < deadline, "the closed minute was not sent"
        time.sleep(0.1)
    assert minute[0]["values"] == [[T0 * 1000, 60]]
    # the open day bucket waits for its hold time (or a flush) instead of going out after every write
    assert influxql(influxdb, database, 'SELECT "power_w_n" FROM "buurtwatt_1d"') == []
    assert store.status()["outbox"]["dirty"] == 4  # the newest minute, quarter, hour and day


KILLED_WRITER = """
import sys, time
from pathlib import Path
from buurtwatt.config import InfluxStoreConfig
from buurtwatt.readings import Reading
from buurtwatt.store.influx import InfluxStore

outbox, port, t0 = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
config = InfluxStoreConfig(type="influxdb", url=f"http://127.0.0.1:{port}", api="v1", database="nowhere",
                           outbox=outbox)
store = InfluxStore(config, site="test")
for i in range(30):
    store.write([Reading("meter", "import_w", t0 + i, 100.0 + i),
                 Reading("meter", "import_kwh", t0 + i, 1000 + i / 100, meter="E1")])
status = store.status()["outbox"]
print(status["depth"], status["dirty"], flush=True)
time.sleep(60)
"""


def test_rollups_of_a_killed_collector_arrive_after_restart(
    influxdb: ServiceProcess, tmp_path: Path, database: str
) -> None:
    # a real crash: the writer process gets SIGKILL with its rollup buckets still only marked dirty
    outbox = tmp_path / "outbox.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(outbox), str(free_port()), str(T0)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        depth, dirty = map(int, child.stdout.readline().split())  # type: ignore[union-attr]
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()  # type: ignore[union-attr]
    assert depth == 30 and dirty == 8  # 30 raw lines; 2 series x 4 levels not sent as lines yet
    again = InfluxStore(config_for(influxdb, tmp_path, database), site="test", tz="Europe/Amsterdam")
    try:
        assert again.status()["outbox"]["dirty"] == 8
        assert again.flush(timeout=10)
        assert again.status()["outbox"]["dirty"] == 0
    finally:
        again.close()
    raw = influxql(influxdb, database, 'SELECT count("import_w") FROM "buurtwatt"')
    assert raw[0]["values"][0][1] == 30
    for level in ("1m", "15m", "1h", "1d"):
        row = influxql(influxdb, database, f'SELECT "import_w_n", "import_kwh_inc" FROM "buurtwatt_{level}"')
        assert row[0]["values"][0][1] == 30 and row[0]["values"][0][2] == pytest.approx(0.29), level
