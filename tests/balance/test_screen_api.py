"""What the wall screen asks of the balance: power per 15 minutes, energy per plug, room climate,
and a config check that knows a P1 meter's gas channel. Real SQLite files, hand-computed values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pytest import approx

from buurtwatt.balance import plug_energy, power_history, room_climate, site_roles
from buurtwatt.balance.api import check_roles, factors_for
from buurtwatt.config import load_config
from buurtwatt.readings import Reading
from buurtwatt.roles import resolve_roles
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_midnight
from tests.balance.test_roles_live_calendar import ROOT, TZ, bare_config


def test_the_demo_gas_meter_is_the_p1_meters_gas_channel() -> None:
    """config/demo.toml: gas_meter = "gas" is the M-Bus channel of the P1 device "meter"."""
    config = load_config(ROOT / "config" / "demo.toml")
    roles = resolve_roles(config, ["meter:import_kwh", "gas:gas_m3", "zon:power_w"])
    problems = check_roles(config, roles, factors_for(config))
    assert not [p for p in problems if "no device named" in p], problems


def test_an_unknown_gas_meter_is_still_reported(tmp_path: Path) -> None:
    text = (ROOT / "config" / "demo.toml").read_text().replace('gas_meter = "gas"', 'gas_meter = "gasmeter"')
    demo = tmp_path / "demo.toml"
    demo.write_text(text.replace('"shares/', f'"{ROOT}/config/shares/'))
    config = load_config(demo)
    roles = resolve_roles(config, ["meter:import_kwh"])
    problems = check_roles(config, roles, factors_for(config))
    assert "balance.gas_meter: no device named 'gasmeter' in [[devices]]" in problems


def test_power_plugs_and_rooms_from_a_real_store(tmp_path: Path) -> None:
    config = bare_config(tmp_path)
    store = SqliteStore(tmp_path / "store.sqlite", site="bare", tz=TZ)
    start = local_midnight(date(2025, 6, 21), TZ)
    readings = []
    for minute in range(0, 120, 5):  # two hours, a reading every 5 minutes
        ts = start + 60 * minute
        readings += [
            Reading("meter", "import_kwh", ts, 10 + minute / 120),
            Reading("meter", "import_w", ts, 500.0),
            Reading("meter", "export_w", ts, 300.0),
            Reading("pv", "dc_power_w", ts, 110.0),
            Reading("pv", "power_w", ts, 100.0),
            Reading("koelkast", "power_w", ts, 80.0),
            Reading("tv", "power_w", ts, 0.4),
            Reading("zaal", "co2_ppm", ts, 900.0 + minute),
            Reading("zaal", "temperature_c", ts, 21.0),
        ]
    store.write(readings)
    try:
        roles = site_roles(config, store)
        assert roles.plugs == ("koelkast", "tv") and roles.rooms == ("zaal",)
        points = power_history(store, roles, start, start + 7200)
        assert len(points) == 8  # two hours of 15-minute means
        # use = import + max(sun - export, 0) = 500 + 0: the balance's definition
        assert {(p.import_w, p.production_w, p.consumption_w) for p in points} == {(500.0, 100.0, 500.0)}
        # 80 W for two hours = 0.16 kWh; standby 0.4 W for two hours = 0.0008 kWh; half the range: half
        assert plug_energy(store, roles, start, start + 7200) == {
            "koelkast": approx(0.16),
            "tv": approx(0.0008),
        }
        assert plug_energy(store, roles, start + 1800, start + 5400)["koelkast"] == approx(0.08)
        assert plug_energy(store, roles, start + 86400, start + 90000) == {}  # no data: no zero
        (room,) = room_climate(store, roles)
        assert (room.co2_ppm, room.temperature_c, room.humidity_pct) == (1015.0, 21.0, None)
        assert room.ts == start + 115 * 60
    finally:
        store.close()
