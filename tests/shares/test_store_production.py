"""Daily production read from a real SQLite store: local days, DST, gaps."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction as F
from zoneinfo import ZoneInfo

import pytest

from buurtwatt.readings import Reading
from buurtwatt.shares.allocate import allocate_shares
from buurtwatt.shares.production import production_from_store
from buurtwatt.store.sqlite import SqliteStore
from tests.shares.helpers import hold

TZ = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "s.sqlite", site="t", tz="Europe/Amsterdam")
    yield s
    s.close()


def hourly(store, first: datetime, last: datetime, start_value: float = 1000.0, skip=()) -> None:
    """A counter that rises 1 kWh per real hour, with readings every hour except on ``skip`` dates."""
    readings, t, value = [], first.timestamp(), start_value
    while t <= last.timestamp():
        if datetime.fromtimestamp(t, TZ).date() not in skip:
            readings.append(Reading("dak", "energy_kwh", t, value))
        t += 3600
        value += 1
    store.write(readings)


def test_dst_day_counts_by_local_date(store):
    # 30 March 2025 has 23 hours in Amsterdam: 23 kWh that day, 24 on normal days
    hourly(store, datetime(2025, 3, 27, 23, tzinfo=TZ), datetime(2025, 4, 1, 0, tzinfo=TZ))
    p = production_from_store(store, "dak:energy_kwh", date(2025, 3, 28), date(2025, 3, 31))
    assert [p.kwh[date(2025, 3, d)] for d in (28, 29, 30, 31)] == [24, 24, 23, 24]
    assert not p.estimated
    # A transfers to B on the DST day: A keeps 28-29 March, B has 30-31 March
    alloc = allocate_shares(
        p,
        [hold("A", 1, "2025-01-01", "2025-03-29"), hold("B", 1, "2025-03-30")],
        1,
        date(2025, 3, 28),
        date(2025, 3, 31),
    )
    assert alloc.participant_kwh("A") == 48 and alloc.participant_kwh("B") == 47
    assert alloc.share_days == {"A": 2, "B": 2}


def test_autumn_dst_day_has_25_hours(store):
    hourly(store, datetime(2025, 10, 24, 23, tzinfo=TZ), datetime(2025, 10, 28, 0, tzinfo=TZ))
    p = production_from_store(store, "dak:energy_kwh", date(2025, 10, 25), date(2025, 10, 27))
    assert [p.kwh[date(2025, 10, d)] for d in (25, 26, 27)] == [24, 25, 24]


def test_gap_in_the_store_is_estimated_without_losing_kwh(store):
    # no readings on 10 and 11 June: the meter still moved 24 kWh a day
    hourly(
        store,
        datetime(2025, 6, 7, 23, tzinfo=TZ),
        datetime(2025, 6, 14, 0, tzinfo=TZ),
        skip={date(2025, 6, 10), date(2025, 6, 11)},
    )
    p = production_from_store(store, "dak:energy_kwh", date(2025, 6, 8), date(2025, 6, 13))
    assert p.estimated >= {date(2025, 6, 10), date(2025, 6, 11)}
    assert sum(p.kwh.values()) == F(6 * 24)  # the meter difference over the six days
    assert p.kwh[date(2025, 6, 10)] == p.kwh[date(2025, 6, 11)] == 24
