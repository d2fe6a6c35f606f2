"""Shared pieces for the balance tests: fixed test factors, so the hand sums stay readable
and do not change when config/factors/nl.toml is updated."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from buurtwatt.balance.factors import Factors, parse_factors
from buurtwatt.timeutil import local_midnight

TZ = ZoneInfo("Europe/Amsterdam")
FAR_FUTURE = 4_000_000_000.0  # "now" after every test period: all hours are expected

TEST_FACTORS = """
[electricity.mix]
label = "test mix"
unit = "kg CO2-eq/kWh"
scope = "WTW"
[electricity.mix.2024]
value = 0.300
source = "test"
[electricity.mix.2025]
value = 0.200
source = "test"

[electricity.grey]
unit = "kg CO2-eq/kWh"
scope = "WTW"
[electricity.grey.2025]
value = 0.500
source = "test"

[gas.gas]
unit = "kg CO2-eq/m3"
scope = "WTW"
[gas.gas.2024]
value = 2.0
source = "test"
[gas.gas.2025]
value = 2.1
source = "test"

[comparisons.car_km]
label = "km by car"
unit = "kg CO2-eq/km"
value = 0.2
source = "test"
"""


@pytest.fixture()
def factors() -> Factors:
    return parse_factors(TEST_FACTORS, "test-factors")


def midnight(day: date) -> float:
    return local_midnight(day, TZ)
