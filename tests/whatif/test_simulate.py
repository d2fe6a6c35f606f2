"""The physical what-if, with hand-computed hours."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from buurtwatt.tariffs.config import TariffsConfig
from buurtwatt.tariffs.costs import whole_days
from buurtwatt.tariffs.tax import parse_tax_table
from buurtwatt.whatif.config import WhatifConfig
from buurtwatt.whatif.costs import costs_under
from buurtwatt.whatif.simulate import Choices, Hours, simulate

TZ = ZoneInfo("Europe/Amsterdam")
CFG = WhatifConfig(own_kwp=3.0)
NIGHT = [h for h in range(24) if h < 7 or h >= 20]  # 11 night hours


def two_sunny_days() -> Hours:
    """Use 1 kWh every hour; own panels give 3 kWh in hours 10-13, so 2 kWh/h go to the grid."""
    start, hours = whole_days(date(2026, 6, 15), date(2026, 6, 17), TZ)
    prod = np.array([3.0 if h % 24 in (10, 11, 12, 13) else 0.0 for h in range(hours)])
    use = np.ones(hours)
    return Hours(start, np.maximum(use - prod, 0), np.maximum(prod - use, 0), prod)


@pytest.mark.parametrize("capacity", [5.0, 40.0])
def test_a_battery_can_never_bring_night_import_to_zero(capacity):
    hours = two_sunny_days()
    out = simulate(hours, Choices(battery_kwh=capacity, battery_kw=5.0), CFG, TZ, 9.77)
    night = [d * 24 + h for d in range(2) for h in NIGHT]
    # a day has 8 kWh surplus x 0.9 = 7.2 kWh stored, but needs 20 kWh outside the sunny hours
    assert out.import_kwh[night].sum() > 0
    assert out.import_kwh.sum() == pytest.approx(
        {5.0: 30.0, 40.0: 2 * (20 - 7.2)}[capacity]
    )  # 5 kWh: 5 discharged per day -> (20 - 5) x 2 = 30; 40 kWh: 7.2 per day -> 25.6


def test_the_small_battery_hour_by_hour():
    out = simulate(two_sunny_days(), Choices(battery_kwh=5.0, battery_kw=5.0), CFG, TZ, 9.77)
    # h10: stores 2 x 0.9 = 1.8; h11: 3.6; h12: room (5 - 3.6) / 0.9 = 1.5556 taken, 0.4444 exported;
    # h13: full, 2 exported. Hours 14-18 use the 5 kWh; 19-23 import again.
    assert out.export_kwh[10:14] == pytest.approx([0, 0, 2 - 1.4 / 0.9, 2])
    assert out.import_kwh[14:19] == pytest.approx([0] * 5)
    assert out.import_kwh[19:24] == pytest.approx([1] * 5)
    assert out.import_kwh[:7].sum() == pytest.approx(7)  # the first night: battery still empty


def test_extra_panels_scale_the_own_profile():
    hours = two_sunny_days()
    out = simulate(hours, Choices(extra_kwp=3.0), CFG, TZ, 9.77)
    # own yield: 2 days x 4 h x 3 kWh = 24 kWh on 3 kWp = 8 kWh per kWp (over these hours)
    assert out.kwh_per_kwp == pytest.approx(8.0)
    # twice the panels: 6 kWh in hours 10-13, still nothing at night
    assert out.production_kwh[10] == pytest.approx(6.0)
    assert out.import_kwh[NIGHT].sum() == pytest.approx(11)


def test_led_lowers_the_lighting_share():
    out = simulate(two_sunny_days(), Choices(led_fraction=1.0), CFG, TZ, 9.77)
    # use 1 kWh x (1 - 0.15 x 0.6) = 0.91 kWh at night
    assert out.import_kwh[0] == pytest.approx(0.91)


def test_the_heat_pump_moves_winter_gas_to_winter_electricity():
    table = parse_tax_table(
        """
[[btw]]
from = "2023-01-01"
pct = 21
source = "test"
[year.2027]
electricity = { value = 0.0916, source = "test figure", verified = false, note = "test only" }
gas = { value = 0.60, source = "test figure", verified = false, note = "test only" }
heffingskorting = { value = 0, source = "test figure", verified = false, note = "test only" }
"""
    )
    tariffs = TariffsConfig.model_validate(
        {"periods": [{"from": "2027-01-01", "import_eur_per_kwh": 0.25, "export_eur_per_kwh": 0.07}]}
    )
    jan, jan_hours = whole_days(date(2027, 1, 15), date(2027, 1, 16), TZ)
    jun, jun_hours = whole_days(date(2027, 6, 15), date(2027, 6, 16), TZ)
    # one array over both days, with the hours in between missing (NaN)
    span = int((jun - jan) // 3600) + jun_hours
    imp, exp, gas = np.full(span, np.nan), np.full(span, np.nan), np.full(span, np.nan)
    first_june = int((jun - jan) // 3600)
    imp[:24], exp[:24], gas[:24] = 0.0, 0.0, 10 / 24  # January: 10 m3 of gas, no electricity
    imp[first_june:], exp[first_june:], gas[first_june:] = 0.0, 0.5, 0.0  # June: 12 kWh exported
    hours = Hours(jan, imp, exp, np.zeros(span), gas)
    out = simulate(hours, Choices(heat_pump=True), CFG, TZ, 9.77)
    # heat 10 x 9.77 x 0.9 = 87.93 kWh; COP at De Bilt January 3.6 C: 3.5 + 0.08 x (3.6 - 7) = 3.228
    assert np.nansum(out.import_kwh[:24]) == pytest.approx(87.93 / 3.228)  # 27.2398 kWh in January
    assert np.nansum(out.export_kwh[first_june:]) == pytest.approx(12.0)  # June sun unchanged
    assert np.nansum(out.gas_m3) == 0
    separate = costs_under(jan, out.import_kwh, out.export_kwh, out.gas_m3, tariffs, table, TZ, 2027)
    netted = costs_under(jan, out.import_kwh, out.export_kwh, out.gas_m3, tariffs, table, TZ, 2026)
    # 2027 rules: the 12 June kWh earn 0.07 each instead of wiping out 12 January kWh at
    # (0.25 + 0.0916) x 1.21 each: 12 x 0.413336 - 12 x 0.07 = 4.960032 - 0.84 = 4.120032 more
    assert separate.total.total_eur - netted.total.total_eur == pytest.approx(4.120032)
    assert separate.days[date(2027, 1, 15)].supply_eur == pytest.approx(87.93 / 3.228 * 0.25)
