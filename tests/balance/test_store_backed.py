"""The balance read from a real SQLite store: gaps, meter replacement, fast and exact paths, CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from buurtwatt.balance.api import balance_for, projection
from buurtwatt.config import parse_config
from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt_app import main
from tests.balance.conftest import FAR_FUTURE, midnight

QUARTER = 900


def site(tmp_path: Path, extra: str = "") -> tuple:
    text = f"""
[site]
name = "Werkplaats"
id = "werkplaats"
started = "2025-01-01"
[store]
type = "sqlite"
path = "{tmp_path / "bw.sqlite"}"
[balance]
grid_meter = "meter"
gas_meter = "meter"
{extra}
"""
    (tmp_path / "site.toml").write_text(text)
    config = parse_config(text, tmp_path / "site.toml", tmp_path)
    return config, SqliteStore(tmp_path / "bw.sqlite", site="werkplaats")


def quarter_readings(
    first: float, last: float, *, skip: tuple[float, float] | None = None, kwh_per_hour: float = 1.0
) -> list[Reading]:
    """P1 readings every 15 minutes: import rises 1 kWh/h, export 0, gas 0.1 m3/h."""
    out = []
    ts = first
    while ts <= last:
        if not (skip and skip[0] <= ts < skip[1]):
            k = (ts - first) / 3600
            out += [
                Reading("meter", "import_kwh", ts, 1000 + kwh_per_hour * k),
                Reading("meter", "export_kwh", ts, 50.0),
                Reading("meter", "gas_m3", ts, 300 + 0.1 * k),
            ]
        ts += QUARTER
    return out


def test_gap_in_p1_is_flagged_on_both_read_paths(tmp_path):
    config, store = site(tmp_path)
    # 1-10 Jan 2025, starting 15 minutes before the range so the first hour has its increase.
    # On 5 Jan nothing arrives from 03:00 to 06:00 local: hours 03, 04 and 05 have no samples.
    t0 = midnight(date(2025, 1, 1)) - QUARTER
    gap = (midnight(date(2025, 1, 5)) + 3 * 3600, midnight(date(2025, 1, 5)) + 6 * 3600)
    store.write(quarter_readings(t0, midnight(date(2025, 1, 11)) - QUARTER, skip=gap))
    for exact in (False, True):
        report = balance_for(
            store, config, date(2025, 1, 1), date(2025, 1, 11), "day", now=FAR_FUTURE, exact=exact
        )
        days = {p.period.label: p for p in report.periods}
        # 10 days x 24 h x 1 kWh = 240 kWh; the gap's 3 kWh arrive with the 06:00 sample, nothing is lost
        assert report.total.energy.import_kwh == pytest.approx(240.0)
        assert days["2025-01-05"].coverage.partial
        assert days["2025-01-05"].energy.import_kwh == pytest.approx(24.0)
        assert "meter:import_kwh: no data in 3 of 24 hours" in days["2025-01-05"].coverage.problems()
        assert not days["2025-01-04"].coverage.partial and not days["2025-01-06"].coverage.partial
        assert report.total.coverage.partial
    store.close()


def test_meter_replacement_inside_the_period(tmp_path):
    config, store = site(tmp_path)
    # 15 Jan 2025. The old meter (serial A) reads 9999.75 at 23:45 the day before and rises 0.25 kWh
    # every quarter; at 12:00 a new meter (serial B) starts at 0.00 and rises the same way.
    day = midnight(date(2025, 1, 15))
    readings = [
        Reading("meter", "import_kwh", day - QUARTER + i * QUARTER, 9999.75 + 0.25 * i, meter="A")
        for i in range(49)
    ]  # 23:45 .. 11:45
    readings += [
        Reading("meter", "import_kwh", day + 12 * 3600 + i * QUARTER, 0.25 * i, meter="B") for i in range(48)
    ]  # 12:00 .. 23:45
    readings += [Reading("meter", "export_kwh", day - QUARTER + i * QUARTER, 0.0) for i in range(97)]
    store.write(readings)
    report = balance_for(store, config, date(2025, 1, 15), date(2025, 1, 16), now=FAR_FUTURE)
    # old meter 00:00..11:45: 48 steps x 0.25 = 12.00; the quarter 11:45-12:00 falls between the meters
    # and is lost (0); new meter 12:15..23:45: 47 steps x 0.25 = 11.75. Total 23.75, never -10 000.
    assert report.total.energy.import_kwh == pytest.approx(12.0 + 11.75)
    assert report.total.co2.emitted_electricity_kg == pytest.approx(23.75 * 0.268)  # nl.toml 2025
    store.close()


def test_fast_path_matches_the_exact_path_over_a_month_by_day(tmp_path):
    config, store = site(tmp_path)
    t0 = midnight(date(2025, 3, 1)) - QUARTER  # March has the 23-hour day
    store.write(
        quarter_readings(
            t0,
            midnight(date(2025, 4, 1)) - QUARTER,
            skip=(midnight(date(2025, 3, 20)), midnight(date(2025, 3, 20)) + 7200),
        )
    )
    fast = balance_for(store, config, date(2025, 3, 1), date(2025, 4, 1), "day", now=FAR_FUTURE)
    exact = balance_for(store, config, date(2025, 3, 1), date(2025, 4, 1), "day", now=FAR_FUTURE, exact=True)
    assert fast.total.energy.import_kwh == pytest.approx(31 * 24 - 1)  # 743 hours in March 2025
    for f, e in zip(fast.periods, exact.periods, strict=True):
        assert f.energy == e.energy
        assert f.co2.net_kg == pytest.approx(e.co2.net_kg)
        assert f.coverage.partial == e.coverage.partial, f.period.label
    assert [p.period.label for p in fast.periods if p.coverage.partial] == ["2025-03-20"]
    store.close()


def test_projection_from_the_store(tmp_path):
    config, store = site(tmp_path)
    # Since 1 Jan 2025: import 1 kWh/h, gas 0.1 m3/h, nothing avoided: net goes down every day.
    store.write(quarter_readings(midnight(date(2025, 1, 1)) - QUARTER, midnight(date(2025, 2, 1))))
    proj = projection(store, config, today=date(2025, 1, 31), now=midnight(date(2025, 2, 1)))
    assert proj.status == "not_at_this_rate" and proj.cumulative_net_kg < 0
    assert proj.window_days == pytest.approx(31) and not proj.full_year
    store.close()


def test_cli_balance_json_and_table(tmp_path, capsys):
    config, store = site(tmp_path)
    store.write(quarter_readings(midnight(date(2025, 1, 1)) - QUARTER, midnight(date(2025, 1, 3)) - QUARTER))
    store.close()
    cfg = str(tmp_path / "site.toml")
    code = main(
        ["balance", "--config", cfg, "--from", "2025-01-01", "--to", "2025-01-02", "--by", "day", "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [p["period"] for p in out["periods"]] == ["2025-01-01", "2025-01-02"]
    assert out["total"]["energy"]["import_kwh"] == pytest.approx(48.0)
    assert out["total"]["co2"]["co2_positive"] is False
    assert out["total"]["co2"]["factors"][0]["source"]
    assert out["boundary"]["collective_share"] is False
    code = main(["balance", "--config", cfg, "--from", "2025-01-01", "--to", "2025-01-02"])
    text = capsys.readouterr().out
    assert "energiepositief" in text and "CO2-positief" in text and "Wat we meetellen" in text
    assert "stroom_onbekend 2025" in text


def test_cli_import_intensity(tmp_path, capsys):
    config, store = site(tmp_path, 'grid_intensity = "hourly"')
    store.close()
    csv_file = tmp_path / "em.csv"
    csv_file.write_text(
        "Datetime (UTC),Zone id,Carbon intensity gCO₂eq/kWh (direct),"
        "Carbon intensity gCO₂eq/kWh (Life cycle)\n"
        "2025-01-01 00:00:00,NL,300,400\n2025-01-01 01:00:00,NL,250,350\n"
    )
    assert main(["import-intensity", str(csv_file), "--config", str(tmp_path / "site.toml")]) == 0
    assert "2 waarden" in capsys.readouterr().out
    reopened = SqliteStore(tmp_path / "bw.sqlite", site="werkplaats")
    rows = reopened.read(
        "grid:co2_g_per_kwh", midnight(date(2025, 1, 1)), midnight(date(2025, 1, 2)), Resolution.HOUR
    )
    assert [r.value for r in rows] == [400.0, 350.0]
    reopened.close()
