"""Faults between the InfluxDB store and a real InfluxDB 1.6 (Debian's influxd).

- Outage: the server stops while readings keep coming; afterwards every point is there once.
- Disk full: a tiny outbox cap during an outage drops the oldest raw points, counted; rollups survive.
- Refusals that will never succeed (wrong api, wrong password): said once, shown in status(),
  retried slowly, and sending resumes once the secret is fixed.

The outage tests stop and start their own server, so they do not disturb the session one.
The 60-second outage of issue 6 runs only with BUURTWATT_SLOW=1 (it alone takes over a minute).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtwatt.config import InfluxStoreConfig
from buurtwatt.config_base import SecretRef
from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution
from buurtwatt.store.influx import InfluxStore
from buurtwatt.store.sqlite import SqliteStore
from tests.services import ServiceProcess, start_influxdb

pytestmark = pytest.mark.influx
T0 = 1_735_686_000  # 2025-01-01 00:00 Europe/Amsterdam
SENDER_LOG = "buurtwatt.store.influx_sender"


@pytest.fixture
def own_influxdb() -> Iterator[ServiceProcess]:
    service = start_influxdb()
    yield service
    service.stop()


def influxql(server: ServiceProcess, database: str, query: str, auth: tuple[str, str] | None = None) -> list:
    data = urllib.parse.urlencode({"db": database, "q": query, "epoch": "ms"}).encode()
    credentials = "?" + urllib.parse.urlencode({"u": auth[0], "p": auth[1]}) if auth else ""
    url = f"http://127.0.0.1:{server.port}/query{credentials}"
    with urllib.request.urlopen(url, data=data, timeout=10) as r:
        return json.loads(r.read())["results"][0].get("series", [])


def store_for(server: ServiceProcess, tmp_path: Path, **options: object) -> InfluxStore:
    fields = {
        "type": "influxdb",
        "url": f"http://127.0.0.1:{server.port}",
        "api": "v1",
        "database": "faults",
        "outbox": tmp_path / "outbox.sqlite",
    }
    slow_retry_s = float(options.pop("slow_retry_s", 60.0))  # type: ignore[arg-type]
    fields.update(options)
    return InfluxStore(InfluxStoreConfig(**fields), site="test", slow_retry_s=slow_retry_s, retry_max_s=1.0)


def readings(k: int) -> list[Reading]:
    """Second k of a simulated meter: every value changes, so every point is a kept raw point."""
    return [
        Reading("meter", "import_w", T0 + k, 200.0 + k % 97),
        Reading("meter", "import_kwh", T0 + k, 1000.0 + k / 1000, meter="E1"),
    ]


def assert_same_as_reference(store: InfluxStore, reference: SqliteStore, seconds: int) -> None:
    for series in ("meter:import_w", "meter:import_kwh"):
        for res in (Resolution.RAW, Resolution.MIN1, Resolution.HOUR, Resolution.DAY):
            end = T0 + seconds + 1
            assert store.read(series, T0, end, res) == reference.read(series, T0, end, res), (series, res)


def run_outage(
    server: ServiceProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture, outage_s: float
) -> None:
    caplog.set_level(logging.INFO, logger=SENDER_LOG)
    store = store_for(server, tmp_path)
    reference = SqliteStore(tmp_path / "reference.sqlite", site="test", raw_retention_days=36500)
    written = 0
    stop = threading.Event()

    def collector() -> None:  # 50 commits a second, like the collector core
        nonlocal written
        while not stop.is_set():
            batch = readings(written)
            store.write(batch)
            reference.write(batch)
            written += 1
            time.sleep(0.02)

    thread = threading.Thread(target=collector)
    thread.start()
    try:
        time.sleep(1.5)
        server.stop()
        down_at = written
        time.sleep(outage_s)
        during, at_status = store.status(), written
        server.start()
        time.sleep(1.5)
    finally:
        stop.set()
        thread.join()
    try:
        assert during["state"] == "unreachable" and during["ok"] is False
        assert during["outbox"]["depth"] >= at_status - down_at  # at least one raw line per write waits
        assert during["outbox"]["oldest_age_s"] is not None
        assert store.flush(timeout=20)
        status = store.status()
        assert status["state"] == "ok" and status["outbox"]["depth"] == 0
        # every point once: InfluxDB counts exactly what was written, raw and in the rollups
        count = influxql(server, "faults", 'SELECT count("import_w"), count("import_kwh") FROM "buurtwatt"')
        assert count[0]["values"][0][1:] == [written, written]
        day = influxql(server, "faults", 'SELECT "import_w_n" FROM "buurtwatt_1d"')
        assert day[0]["values"][0][1] == written
        assert_same_as_reference(store, reference, written)
        messages = [r.getMessage() for r in caplog.records if r.name == SENDER_LOG]
        # one line when it goes away, whether a stopping server refused the connection or still
        # answered HTTP 500 on its way down
        assert sum("readings wait in the outbox" in m for m in messages) == 1, messages
        assert sum("accepts data again" in m for m in messages) == 1, messages
    finally:
        store.close()
        reference.close()


def test_outage_every_point_arrives_once(
    own_influxdb: ServiceProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_outage(own_influxdb, tmp_path, caplog, outage_s=4.0)


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.skipif(os.environ.get("BUURTWATT_SLOW") != "1", reason="60 s outage: set BUURTWATT_SLOW=1")
def test_outage_of_a_minute(
    own_influxdb: ServiceProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_outage(own_influxdb, tmp_path, caplog, outage_s=60.0)


def test_full_outbox_drops_oldest_raw_keeps_rollups(own_influxdb: ServiceProcess, tmp_path: Path) -> None:
    n = 12_000
    own_influxdb.stop()
    store = store_for(own_influxdb, tmp_path, outbox_max_mb=0.25)
    reference = SqliteStore(tmp_path / "reference.sqlite", site="test", raw_retention_days=36500)
    try:
        for start in range(0, n, 500):
            batch = [r for k in range(start, start + 500) for r in readings(k)[:1]]
            store.write(batch)
            reference.write(batch)
        deadline = time.monotonic() + 10
        while store.status()["outbox"]["dropped_raw"] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        during = store.status()
        dropped = during["outbox"]["dropped_raw"]
        assert 0 < dropped < n
        assert during["state"] == "unreachable"
        own_influxdb.start()
        assert store.flush(timeout=20)
        raw = influxql(own_influxdb, "faults", 'SELECT "import_w" FROM "buurtwatt"')[0]["values"]
        # the newest raw points arrived, the oldest were dropped, and the numbers add up
        assert [t for t, _ in raw] == [(T0 + k) * 1000 for k in range(dropped, n)]
        # rollups are complete: every sample counted, equal to the embedded store's
        minutes = influxql(own_influxdb, "faults", 'SELECT "import_w_n" FROM "buurtwatt_1m"')[0]["values"]
        assert len(minutes) == n // 60 and all(v == 60 for _, v in minutes)
        for res in (Resolution.MIN15, Resolution.HOUR, Resolution.DAY):
            series = "meter:import_w"
            assert store.read(series, T0, T0 + n, res) == reference.read(series, T0, T0 + n, res)
        assert store.status()["outbox"]["dropped_raw"] == dropped
    finally:
        store.close()
        reference.close()


def test_wrong_api_version_is_reported_once_and_not_retried_fast(
    influxdb: ServiceProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the v2 write API does not exist on InfluxDB 1.6: 404 for every attempt
    caplog.set_level(logging.INFO, logger=SENDER_LOG)
    store = store_for(influxdb, tmp_path, api="v2", bucket="nothing")
    try:
        store.write(readings(0))
        time.sleep(2.0)
        status = store.status()
        assert status["state"] == "refused" and status["ok"] is False and status["reachable"] is True
        assert "404" in status["message"] and "api" in status["message"]
        # nothing lost: one raw line; the rollups wait as dirty buckets (2 series x 4 levels)
        assert status["outbox"]["depth"] == 1 and status["outbox"]["dirty"] == 8
        assert status["write_requests"] == 1  # no spinning
        store.write(readings(1))
        time.sleep(0.5)
        assert store.status()["write_requests"] == 1  # new readings queue; the retry waits its turn
        errors = [r for r in caplog.records if r.name == SENDER_LOG and r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "refused" in errors[0].getMessage()
    finally:
        store.close(timeout=0.2)


def test_wrong_password_then_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SENDER_LOG)
    server = start_influxdb()
    try:
        server.stop()
        conf = Path(server.argv[-1])
        conf.write_text(conf.read_text().replace("[http]\n", "[http]\n  auth-enabled = true\n"))
        server.start()
        # with no users yet, InfluxDB 1.x lets the first admin be created without credentials
        influxql(server, "", "CREATE USER admin WITH PASSWORD 'right' WITH ALL PRIVILEGES")
        monkeypatch.setenv("BW_TEST_INFLUX_PASSWORD", "wrong")
        password = SecretRef(env="BW_TEST_INFLUX_PASSWORD")
        store = store_for(server, tmp_path, username="admin", password=password)
        try:
            store.write(readings(0))
            time.sleep(1.5)
            status = store.status()
            assert status["state"] == "refused" and "401" in status["message"]
            assert "credentials" in status["message"]
            assert status["write_requests"] == 1
            monkeypatch.setenv("BW_TEST_INFLUX_PASSWORD", "right")  # the volunteer fixes the secret
            assert store.flush(timeout=10)  # flush asks for one attempt now instead of in 60 s
            assert store.status()["state"] == "ok"
            count = influxql(
                server, "faults", 'SELECT count("import_w") FROM "buurtwatt"', auth=("admin", "right")
            )
            assert count[0]["values"][0][1] == 1
        finally:
            store.close()
    finally:
        server.stop()
