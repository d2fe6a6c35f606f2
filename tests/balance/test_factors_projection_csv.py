"""The factors file, the projection and the intensity CSV reader."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from buurtwatt.balance.factors import (
    DEFAULT_FACTORS_FILE,
    FactorError,
    equivalents,
    load_factors,
    parse_factors,
)
from buurtwatt.balance.intensity import parse_intensity_csv
from buurtwatt.balance.projection import project
from tests.balance.conftest import TZ


def test_every_factor_in_nl_toml_has_a_source():
    raw = tomllib.loads(DEFAULT_FACTORS_FILE.read_text(encoding="utf-8"))
    factors = load_factors()
    for kind in ("electricity", "gas"):
        for category, table in raw[kind].items():
            years = [k for k in table if k.isdigit()]
            assert years, category
            for year in years:
                entry = table[year]
                assert entry["source"] and "verified" in entry, (kind, category, year)
                if not entry["verified"]:
                    assert entry.get("note"), f"{kind}.{category}.{year} is unverified but has no note"
                assert factors.factor(kind, category, int(year)).value == entry["value"]
    for key, comparison in raw["comparisons"].items():
        assert comparison["source"] and comparison["value"] > 0, key
    assert "owned by the shares code" in DEFAULT_FACTORS_FILE.read_text(encoding="utf-8")


def test_no_number_without_a_source():
    with pytest.raises(FactorError, match="source"):
        parse_factors("[electricity.x.2025]\nvalue = 0.3\n")


def test_equivalents(factors):
    # 10 kg CO2 at 0.2 kg/km = 50 km by car
    [car] = equivalents(-10.0, factors)
    assert car.comparison.key == "car_km" and car.amount == pytest.approx(50.0)


def test_projection_reaches():
    # 100 kg behind; the last 365.25 days gained 50 kg: 100 / (50 / 365.25) = 730.5 days -> 731 days on
    p = project(-100.0, 50.0, 365.25, date(2025, 1, 1))
    assert p.status == "reaches" and p.rate_kg_per_year == pytest.approx(50.0)
    assert p.days == pytest.approx(730.5) and p.date == date(2027, 1, 2) and p.full_year


def test_projection_ahead_and_falling_behind():
    # 30 kg ahead, gaining 365.25 kg a year = 1 kg a day: 30 days of lead
    ahead = project(30.0, 365.25, 365.25, date(2025, 1, 1))
    assert ahead.status == "positive" and ahead.days == pytest.approx(30.0)
    # 30 kg ahead but losing 1 kg a day: the lead is gone after 30 days
    losing = project(30.0, -365.25, 365.25, date(2025, 1, 1))
    assert losing.status == "positive_until" and losing.date == date(2025, 1, 31)
    # behind and losing: never at this rate; a short window is flagged as not a full year
    never = project(-30.0, -10.0, 90, date(2025, 1, 1))
    assert never.status == "not_at_this_rate" and never.date is None and not never.full_year


def test_csv_electricity_maps_prefers_life_cycle():
    text = (
        "Datetime (UTC),Country,Zone id,Carbon intensity gCO₂eq/kWh (direct),"
        "Carbon intensity gCO₂eq/kWh (Life cycle)\n2025-01-01 00:00:00,NL,NL,300,400\n"
    )
    parsed = parse_intensity_csv(text, tz=TZ)
    [r] = parsed.readings
    assert (str(r.series), r.value, r.ts) == ("grid:co2_g_per_kwh", 400.0, 1735689600.0)


def test_csv_ned_kg_per_kwh_semicolon_decimal_comma_local_time():
    # NED-style: kg/kWh with decimal commas and local times; 0,35 kg/kWh = 350 g/kWh
    text = "validfrom;emissionfactor\n2025-01-01T01:00:00;0,35\n2025-01-01T02:00:00;\nbad;0,3\n"
    parsed = parse_intensity_csv(text, tz=TZ)
    assert parsed.unit == "kg/kWh"
    assert [(r.ts, r.value) for r in parsed.readings] == [(1735689600.0, pytest.approx(350.0))]
    assert parsed.skipped_count == 2
