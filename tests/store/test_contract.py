"""One contract for every store: the same points in, the same answers out.

Runs against a real SQLite file and a real InfluxDB server (Debian's influxd).
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from buurtwatt.config import STORE_TYPES
from buurtwatt.readings import Reading
from buurtwatt.store import backends
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_midnight

TZ = "Europe/Amsterdam"


def _sqlite(tmp_path, request) -> Store:
    from buurtwatt.store.sqlite import SqliteStore

    return SqliteStore(tmp_path / "store.sqlite", site="test", tz=TZ)


def _influx(tmp_path, request) -> Store:
    if importlib.util.find_spec("buurtwatt.store.influx") is None:
        pytest.fail("buurtwatt.store.influx is missing")
    from buurtwatt.config import InfluxStoreConfig
    from buurtwatt.store.influx import InfluxStore

    server = request.getfixturevalue("influxdb")
    config = InfluxStoreConfig(
        type="influxdb",
        url=f"http://127.0.0.1:{server.port}",
        api="v1",
        database=f"t{uuid.uuid4().hex[:10]}",
        outbox=tmp_path / "outbox.sqlite",
    )
    return InfluxStore(config, site="test", tz=TZ)


class Harness:
    """Writes, then makes the writes visible (a remote store sends its outbox)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def write(self, readings: list[Reading]) -> None:
        self.store.write(readings)
        flush = getattr(self.store, "flush", None)
        if flush:
            assert flush(timeout=20), "the outbox did not drain"

    def read(self, series: str, start: float, end: float, res: Resolution):
        return self.store.read(series, start, end, res)


# one maker per registered backend: a new backend adds its line here
MAKERS = {"sqlite": _sqlite, "influxdb": _influx}


def test_every_registered_backend_is_under_contract() -> None:
    assert set(MAKERS) == set(backends())
    assert set(STORE_TYPES) == set(backends())  # the config offers exactly the registered types


@pytest.fixture(params=list(backends()))
def store(request, tmp_path) -> Iterator[Harness]:
    s = MAKERS[request.param](tmp_path, request)
    yield Harness(s)
    s.close()


def hourly_counter(
    day: date, kwh_per_hour: float, meter: str = "E1", start_value: float = 1000.0, step_s: int = 300
) -> list[Reading]:
    """A counter sampled every 5 minutes over one local day, rising steadily."""
    t0, t1 = local_midnight(day, TZ), local_midnight(date.fromordinal(day.toordinal() + 1), TZ)
    out = []
    ts = t0
    while ts < t1:
        out.append(
            Reading("meter", "import_kwh", ts, start_value + (ts - t0) / 3600 * kwh_per_hour, meter=meter)
        )
        ts += step_s
    return out


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2025, 3, 30), 23), (date(2025, 10, 26), 25), (date(2025, 6, 1), 24)]
)
def test_counter_increase_on_dst_days(store: Harness, day: date, hours: int) -> None:
    # the sample 5 minutes before the day gives the first hour its starting value: an increase
    # belongs to the bucket where the later of its two samples falls
    before = Reading(
        "meter", "import_kwh", local_midnight(day, TZ) - 300, 1000.0 - 2.0 * 300 / 3600, meter="E1"
    )
    store.write([before, *hourly_counter(day, kwh_per_hour=2.0)])
    t0, t1 = local_midnight(day, TZ), local_midnight(date.fromordinal(day.toordinal() + 1), TZ)
    hourly = store.read("meter:import_kwh", t0, t1, Resolution.HOUR)
    assert len(hourly) == hours
    assert all(r.value == pytest.approx(2.0) for r in hourly)
    daily = store.read("meter:import_kwh", t0, t1, Resolution.DAY)
    assert [r.ts for r in daily] == [t0]
    assert daily[0].value == pytest.approx(2.0 * hours)
    fifteen = store.read("meter:import_kwh", t0, t1, Resolution.MIN15)
    assert len(fifteen) == hours * 4
    assert sum(r.value for r in fifteen) == pytest.approx(2.0 * hours)


def test_gauge_mean_min_max(store: Harness) -> None:
    t0 = local_midnight(date(2025, 1, 15), TZ)
    points = [Reading("plug1", "power_w", t0 + i * 60, float(i % 10) * 10) for i in range(120)]
    store.write(points)
    hours = store.read("plug1:power_w", t0, t0 + 7200, Resolution.HOUR)
    assert [r.ts for r in hours] == [t0, t0 + 3600]
    assert hours[0].value == pytest.approx(45.0)
    assert (hours[0].min, hours[0].max, hours[0].count) == (0.0, 90.0, 60)
    minutes = store.read("plug1:power_w", t0, t0 + 600, Resolution.MIN1)
    assert [r.value for r in minutes] == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]


def test_counter_reset_by_new_meter_and_by_drop(store: Harness) -> None:
    t0 = local_midnight(date(2025, 2, 3), TZ)
    readings = [Reading("meter", "import_kwh", t0 + i * 600, 5000.0 + i, meter="OLD") for i in range(6)]
    # the meter is replaced: the new one starts near zero with another serial
    readings += [Reading("meter", "import_kwh", t0 + 3600 + i * 600, 0.5 + i, meter="NEW") for i in range(6)]
    # and a counter that drops without a serial (a reset inverter)
    readings += [
        Reading("inv", "energy_kwh", t0 + i * 600, v) for i, v in enumerate([100, 101, 102, 3, 4, 5])
    ]
    store.write(readings)
    hours = store.read("meter:import_kwh", t0, t0 + 7200, Resolution.HOUR)
    assert [r.value for r in hours] == pytest.approx([5.0, 5.0])
    assert all(r.value >= 0 for r in hours)
    inv = store.read("inv:energy_kwh", t0, t0 + 3600, Resolution.HOUR)
    assert inv[0].value == pytest.approx(4.0)  # 100->101->102, restart at 3, 3->4->5


def test_empty_range_and_unknown_series(store: Harness) -> None:
    t0 = local_midnight(date(2025, 4, 1), TZ)
    store.write([Reading("plug1", "power_w", t0, 1.0)])
    assert store.read("plug1:power_w", t0 + 3600, t0 + 7200, Resolution.HOUR) == []
    assert store.read("plug1:power_w", t0 + 3600, t0 + 7200, Resolution.RAW) == []
    assert store.read("nobody:power_w", t0, t0 + 7200, Resolution.HOUR) == []


def test_month_buckets_follow_local_midnight(store: Harness) -> None:
    # one point per local day around the end of March (DST starts 30 March)
    readings = []
    for d in range(25, 36):
        day = date(2025, 3, 1).toordinal() + d - 1
        readings.append(
            Reading(
                "meter", "import_kwh", local_midnight(date.fromordinal(day), TZ) + 1800, float(d), meter="E1"
            )
        )
    store.write(readings)
    months = store.read(
        "meter:import_kwh",
        local_midnight(date(2025, 3, 1), TZ),
        local_midnight(date(2025, 5, 1), TZ),
        Resolution.MONTH,
    )
    assert [r.ts for r in months] == [
        local_midnight(date(2025, 3, 1), TZ),
        local_midnight(date(2025, 4, 1), TZ),
    ]
    assert [r.value for r in months] == pytest.approx([6.0, 4.0])  # 25->31, then 31->35


def test_raw_read_marks_gaps_and_resend_is_harmless(store: Harness) -> None:
    t0 = local_midnight(date(2025, 5, 5), TZ)
    points = [Reading("room", "temperature_c", t0 + i * 10, 20.0 + i / 10) for i in range(30)]
    later = [Reading("room", "temperature_c", t0 + 3600 + i * 10, 22.0 + i / 10) for i in range(3)]
    store.write(points + later)
    store.write(points[-5:])  # a resend after a crash: nothing changes
    rows = store.read("room:temperature_c", t0, t0 + 7200, Resolution.RAW)
    values = [r.value for r in rows]
    assert values.count(None) == 1  # the silent hour is a gap, not a steady value
    assert len([v for v in values if v is not None]) == 33
    hour = store.read("room:temperature_c", t0, t0 + 3600, Resolution.HOUR)
    assert hour[0].count == 30


def test_latest_values(store: Harness) -> None:
    t0 = local_midnight(date(2025, 7, 1), TZ)
    store.write(
        [Reading("meter", "import_w", t0 + i, 100.0 + i) for i in range(5)]
        + [Reading("meter", "export_w", t0 + 2, 0.0)]
    )
    latest = store.store.latest(["meter:import_w", "meter:export_w", "meter:voltage_l1_v"])
    assert latest["meter:import_w"].value == 104.0
    assert latest["meter:import_w"].ts == pytest.approx(t0 + 4)
    assert latest["meter:export_w"].value == 0.0
    assert "meter:voltage_l1_v" not in latest


def test_raw_points_in_the_same_millisecond_keep_the_later_one(store: Harness) -> None:
    t0 = local_midnight(date(2025, 8, 1), TZ)
    store.write([Reading("plug", "power_w", t0 + 0.0001, 5.0), Reading("plug", "power_w", t0 + 0.0004, 7.0)])
    rows = store.read("plug:power_w", t0, t0 + 60, Resolution.RAW)
    assert [(r.ts, r.value) for r in rows] == [(t0, 7.0)]
    minute = store.read("plug:power_w", t0, t0 + 60, Resolution.MIN1)
    assert minute[0].count == 2 and minute[0].value == pytest.approx(6.0)  # both samples in the rollups
