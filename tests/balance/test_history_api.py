"""What /historie asks of the balance per plug and per room: kWh per bucket (the counter, else
the hourly mean power) and the room climate per bucket. Real SQLite file, hand-computed values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pytest import approx

from buurtwatt.balance import plug_history, room_history, site_roles
from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_midnight
from tests.balance.test_roles_live_calendar import TZ, bare_config


def test_plug_and_room_history_from_a_real_store(tmp_path: Path) -> None:
    config = bare_config(tmp_path)
    store = SqliteStore(tmp_path / "store.sqlite", site="bare", tz=TZ)
    day1 = local_midnight(date(2025, 6, 21), TZ)
    day3 = local_midnight(date(2025, 6, 23), TZ)
    readings = [Reading("meter", "import_kwh", day1, 1.0)]
    for first in (day1, day3):  # two hours on the 21st and on the 23rd; nothing on the 22nd
        for minute in range(0, 120, 5):
            ts = first + 60 * minute
            readings += [
                Reading("wasmachine", "power_w", ts, 500.0),
                Reading("wasmachine", "energy_kwh", ts, 3.0 + (ts - day1) / 3600),  # +1 kWh an hour
                Reading("tv", "power_w", ts, 0.4),  # no counter: 0.4 W for an hour is 0.0004 kWh
                Reading("zaal", "co2_ppm", ts, 600.0 + minute),
                Reading("zaal", "temperature_c", ts, 21.0),
            ]
    store.write(readings)
    try:
        roles = site_roles(config, store)
        end = day3 + 86400
        tv = plug_history(store, roles, "tv", day1, end, Resolution.HOUR)
        assert not tv.from_counter and len(tv.kwh) == 4  # four hours with data, the rest is missing
        assert all(v == approx(0.0004) for _, v in tv.kwh)
        days = plug_history(store, roles, "tv", day1, end, Resolution.DAY)
        assert [ts for ts, _ in days.kwh] == [day1, day3]  # the 22nd is a gap, not a zero
        assert [v for _, v in days.kwh] == [approx(0.0008), approx(0.0008)]
        assert days.total_kwh == approx(0.0016)
        washer = plug_history(store, roles, "wasmachine", day1, end, Resolution.DAY)
        assert washer.from_counter and washer.kwh[0] == (day1, approx(115 / 60))
        room = room_history(store, roles, "zaal", day1, end, Resolution.DAY)
        (first, third) = room["co2_ppm"]
        assert (first.start, first.low, first.high) == (day1, 600.0, 715.0)
        assert first.mean == approx(657.5) and third.start == day3
        assert room["humidity_pct"] == [] and len(room["temperature_c"]) == 2
        assert plug_history(store, roles, "tv", day1 - 86400, day1, Resolution.DAY).total_kwh is None
        with pytest.raises(ValueError):
            plug_history(store, roles, "zaal", day1, end, Resolution.DAY)
    finally:
        store.close()
