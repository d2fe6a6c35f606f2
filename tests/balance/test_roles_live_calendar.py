"""Roles from the config or the stored quantities; live power and chart buckets with the balance's
definitions, against a real SQLite file; the one calendar and UTC formatter."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytest import approx

from buurtwatt.balance import energy_buckets, live_now, site_roles, today_so_far
from buurtwatt.config import SiteConfig, load_config
from buurtwatt.readings import Reading
from buurtwatt.roles import resolve_roles
from buurtwatt.series import Series
from buurtwatt.store.base import Resolution
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import day_start, iso_utc, local_midnight, split_periods

ROOT = Path(__file__).resolve().parents[2]
TZ = "Europe/Amsterdam"
BARE = """
[site]
name = "Bare"
id = "bare"
timezone = "Europe/Amsterdam"

[store]
type = "sqlite"
path = "{path}"
"""
STORED = [
    "meter:import_kwh",
    "meter:export_kwh",
    "meter:import_w",
    "meter:gas_m3",
    "omvormer:power_w",
    "omvormer:energy_kwh",
    "omvormer:dc_power_w",
    "koelkast:power_w",
    "koelkast:energy_kwh",
    "zaal:temperature_c",
]


def bare_config(tmp_path: Path) -> SiteConfig:
    path = tmp_path / "site.toml"
    path.write_text(BARE.format(path=tmp_path / "store.sqlite"))
    return load_config(path)


def test_demo_config_declares_the_roles() -> None:
    config = load_config(ROOT / "config" / "demo.toml")
    roles = resolve_roles(config, ["meter:import_kwh", "zon:power_w", "dak:power_w", "koffie:power_w"])
    assert (roles.grid, roles.solar, roles.gas, roles.declared) == ("meter", ("zon",), "gas", True)
    assert roles.collective == (Series("dak", "energy_kwh"),)
    assert roles.plugs == ("koffie",)  # the roofs and the inverter are no plugs
    assert roles.import_kwh == Series("meter", "import_kwh")
    assert roles.live_series() == [
        Series("meter", "import_w"),
        Series("meter", "export_w"),
        Series("zon", "power_w"),
    ]


def test_roles_follow_the_quantities_when_the_config_is_silent(tmp_path: Path) -> None:
    roles = resolve_roles(bare_config(tmp_path), STORED)
    assert not roles.declared
    assert roles.grid == "meter"  # it stores import_kwh
    assert roles.gas == "meter"  # it stores gas_m3
    assert roles.solar == ("omvormer",)  # it reports a DC side: only an inverter does
    assert roles.plugs == ("koelkast",)  # power and energy, but no DC side
    assert roles.rooms == ("zaal",)
    assert any("inferred" in note for note in roles.notes)


def test_two_grid_meters_are_named_in_a_note(tmp_path: Path) -> None:
    roles = resolve_roles(bare_config(tmp_path), [*STORED, "meter2:import_kwh"])
    assert roles.grid == "meter"
    assert any("meter, meter2" in note and "grid_meter" in note for note in roles.notes)


def test_nothing_stored_means_no_roles(tmp_path: Path) -> None:
    roles = resolve_roles(bare_config(tmp_path), [])
    assert (roles.grid, roles.solar, roles.gas, roles.import_kwh, roles.live_series()) == (
        None,
        (),
        None,
        None,
        [],
    )


def test_live_buckets_and_today_use_one_definition_when_production_is_below_export(tmp_path: Path) -> None:
    """Export 0.3 kWh/h counts more than the panels' 0.1 kWh/h: consumption is the import."""
    config = bare_config(tmp_path)
    store = SqliteStore(tmp_path / "store.sqlite", site="bare", tz=TZ)
    start = local_midnight(date(2025, 6, 21), TZ)
    readings = []
    for minute in range(0, 121, 5):  # two hours, a reading every 5 minutes
        ts, h = start + 60 * minute, minute / 60
        readings += [
            Reading("meter", "import_kwh", ts, 10 + 0.5 * h),
            Reading("meter", "export_kwh", ts, 5 + 0.3 * h),
            Reading("pv", "energy_kwh", ts, 2 + 0.1 * h),
            Reading("pv", "dc_power_w", ts, 110.0),
            Reading("pv", "power_w", ts, 100.0),
            Reading("meter", "import_w", ts, 500.0),
            Reading("meter", "export_w", ts, 300.0),
        ]
    store.write(readings)
    try:
        roles = site_roles(config, store)
        assert (roles.grid, roles.solar) == ("meter", ("pv",))
        live = live_now(store, roles)
        assert (live.consumption_w, live.production_w, live.net_grid_w) == (500.0, 100.0, 200.0)
        hours = energy_buckets(store, roles, start, start + 7200, Resolution.HOUR)
        # the store books each 5-minute increase at the reading that ends it: 11 in the first hour
        assert [b.import_kwh for b in hours] == [approx(0.5 * 11 / 12), approx(0.5)]
        assert all(b.production_kwh < b.export_kwh for b in hours)
        # production - export would be negative: consumption is the import, never less
        assert [b.consumption_kwh for b in hours] == [approx(b.import_kwh) for b in hours]
        today = today_so_far(store, config, now=start + 7200, roles=roles)
        day = energy_buckets(store, roles, start, start + 86400, Resolution.HOUR)
        assert today.energy.consumption_kwh == approx(sum(b.import_kwh for b in day)) == approx(1.0)
        assert today.energy.self_sufficiency == approx(0.0)
    finally:
        store.close()


@pytest.mark.parametrize("tz", [TZ, ZoneInfo(TZ)])
def test_one_calendar_takes_a_name_or_a_zone(tz: str | ZoneInfo) -> None:
    # 26 October 2025: clocks go back, a 25-hour day; any moment in it starts at its local midnight
    [day] = split_periods(date(2025, 10, 26), date(2025, 10, 27), "day", tz)
    assert day.hours == 25
    assert day_start(day.start + 24.5 * 3600, tz) == day.start


def test_one_utc_formatter() -> None:
    ts = 1738324800.5
    assert iso_utc(ts) == "2025-01-31T12:00:00.500000Z"
    assert iso_utc(ts, "seconds") == "2025-01-31T12:00:00Z"
    assert iso_utc(ts, "milliseconds") == "2025-01-31T12:00:00.500Z"
