"""Hand-computed balance cases (the list in issue 7), each with its arithmetic written out.

Test factors (conftest.py): electricity "mix" 0.300 kg/kWh in 2024 and 0.200 in 2025,
gas 2.0 kg/m3 in 2024 and 2.1 in 2025; gas 9.77 kWh/m3.
"""

from __future__ import annotations

from datetime import date

import pytest

from buurtwatt.balance.compute import compute_balance
from buurtwatt.balance.config import BalanceConfig, Boundary, CollectiveConfig
from buurtwatt.balance.factors import parse_factors
from buurtwatt.balance.hourly import HourlyData
from buurtwatt.timeutil import split_periods
from tests.balance.conftest import FAR_FUTURE, TEST_FACTORS, TZ, midnight

CONFIG = BalanceConfig(
    grid_meter="meter", solar=["inv"], gas_meter="meter", electricity_category="mix", gas_category="gas"
)
approx = pytest.approx


def run(
    data: HourlyData,
    first: date,
    end: date,
    by: str = "total",
    config: BalanceConfig = CONFIG,
    now: float = FAR_FUTURE,
) -> list:
    return compute_balance(
        data, split_periods(first, end, by, TZ), config, parse_factors(TEST_FACTORS), TZ, now
    )


def test_sunny_summer_day_with_export():
    # 21 June 2025, 24 hours. Sun from 10:00 to 16:00 local: 2 kWh/h for 6 h = 12 kWh produced,
    # of which 1.5 kWh/h is exported: 6 x 1.5 = 9 kWh. The other 18 hours import 0.4 kWh/h = 7.2 kWh.
    imp = [0.0 if 10 <= h < 16 else 0.4 for h in range(24)]
    exp = [1.5 if 10 <= h < 16 else 0.0 for h in range(24)]
    prod = [2.0 if 10 <= h < 16 else 0.0 for h in range(24)]
    data = HourlyData.from_lists(
        midnight(date(2025, 6, 21)), import_kwh=imp, export_kwh=exp, production_kwh={"inv": prod}
    )
    [day] = run(data, date(2025, 6, 21), date(2025, 6, 22))
    e, c = day.energy, day.co2
    assert e.import_kwh == approx(7.2)
    assert e.export_kwh == approx(9.0)
    assert e.production_kwh == approx(12.0)
    assert e.consumption_kwh == approx(7.2 + 12.0 - 9.0)  # = 10.2
    assert e.self_consumed_kwh == approx(12.0 - 9.0)  # = 3
    assert e.self_sufficiency == approx(3.0 / 10.2)  # = 0.294
    assert e.self_consumption_ratio == approx(3.0 / 12.0)  # = 0.25
    assert e.generation_kwh == approx(12.0) and e.demand_kwh == approx(10.2)
    assert e.energy_positive  # 12 >= 10.2
    assert c.emitted_kg == approx(7.2 * 0.200)  # = 1.44
    assert c.avoided_kg == approx(9.0 * 0.200)  # = 1.80
    assert c.net_kg == approx(1.80 - 1.44)  # = +0.36
    assert c.co2_positive
    assert not day.coverage.partial


def test_winter_day_with_gas():
    # 15 January 2025: import 1 kWh every hour = 24 kWh; a little sun 11:00-15:00, 0.5 kWh/h = 2 kWh,
    # all used in the building (no export); gas 0.5 m3/h = 12 m3.
    data = HourlyData.from_lists(
        midnight(date(2025, 1, 15)),
        import_kwh=[1.0] * 24,
        export_kwh=[0.0] * 24,
        production_kwh={"inv": [0.5 if 11 <= h < 15 else 0.0 for h in range(24)]},
        gas_m3=[0.5] * 24,
    )
    [day] = run(data, date(2025, 1, 15), date(2025, 1, 16))
    e, c = day.energy, day.co2
    assert e.consumption_kwh == approx(24 + 2 - 0)  # = 26
    assert e.self_sufficiency == approx(2 / 26)
    assert e.self_consumption_ratio == approx(1.0)
    assert e.gas_m3 == approx(12.0)
    assert e.gas_kwh == approx(12.0 * 9.77)  # = 117.24
    assert e.demand_kwh == approx(26 + 117.24)  # = 143.24
    assert not e.energy_positive  # 2 < 143.24
    assert c.emitted_electricity_kg == approx(24 * 0.200)  # = 4.8
    assert c.emitted_gas_kg == approx(12 * 2.1)  # = 25.2
    assert c.emitted_kg == approx(30.0)
    assert c.net_kg == approx(-30.0) and not c.co2_positive
    assert [(u.role, u.factor.year, u.hours) for u in c.factors] == [("grid", 2025, 24), ("gas", 2025, 24)]


def test_period_across_new_year_changes_the_factors():
    # 31 Dec 2024 and 1 Jan 2025 (48 hours): import 1 kWh/h, gas 0.1 m3/h.
    data = HourlyData.from_lists(
        midnight(date(2024, 12, 31)), import_kwh=[1.0] * 48, export_kwh=[0.0] * 48, gas_m3=[0.1] * 48
    )
    [total] = run(data, date(2024, 12, 31), date(2025, 1, 2))
    # electricity: 24 x 0.300 + 24 x 0.200 = 7.2 + 4.8 = 12.0
    assert total.co2.emitted_electricity_kg == approx(12.0)
    # gas: 2.4 m3 x 2.0 + 2.4 m3 x 2.1 = 4.8 + 5.04 = 9.84
    assert total.co2.emitted_gas_kg == approx(9.84)
    assert [(u.role, u.factor.year, u.hours) for u in total.co2.factors] == [
        ("grid", 2024, 24),
        ("gas", 2024, 24),
        ("grid", 2025, 24),
        ("gas", 2025, 24),
    ]
    y2024, y2025 = run(data, date(2024, 12, 31), date(2025, 1, 2), by="year")
    assert (y2024.period.label, y2025.period.label) == ("2024", "2025")
    assert y2024.co2.emitted_kg == approx(7.2 + 4.8)  # = 12.0
    assert y2025.co2.emitted_kg == approx(4.8 + 5.04)  # = 9.84


def test_year_without_a_list_uses_the_newest_earlier_list(factors):
    # 2026 is not in the test list: the 2025 value applies, and the factor says so.
    f = factors.electricity("mix", 2026)
    assert (f.value, f.list_year, f.fallback) == (0.200, 2025, True)
    # before the first list the oldest list is used
    assert factors.electricity("mix", 2020).list_year == 2024


@pytest.mark.parametrize(
    ("day", "hours", "second_label"),
    [
        (date(2025, 3, 30), 23, "2025-03-30T01:00+01:00"),  # clocks go forward at 02:00: 23-hour day
        (date(2025, 10, 26), 25, "2025-10-26T01:00+02:00"),  # clocks go back at 03:00: 25-hour day
    ],
)
def test_dst_day(day, hours, second_label):
    # import 1 kWh every hour: the day's import equals its number of hours.
    data = HourlyData.from_lists(midnight(day), import_kwh=[1.0] * hours, export_kwh=[0.0] * hours)
    [whole] = run(data, day, date.fromordinal(day.toordinal() + 1), by="day")
    assert whole.period.hours == hours
    assert whole.energy.import_kwh == approx(hours)  # 23 or 25 kWh, not 24
    assert whole.coverage.expected_hours == hours and not whole.coverage.partial
    by_hour = run(data, day, date.fromordinal(day.toordinal() + 1), by="hour")
    assert len(by_hour) == hours
    assert by_hour[1].period.label == second_label
    assert sum(p.energy.import_kwh for p in by_hour) == approx(hours)


def test_day_with_a_gap_in_the_p1_data_is_flagged_not_zero():
    # 15 Jan 2025, import 1 kWh/h, but no telegrams from 03:00 to 06:00 (3 hours missing).
    # The store puts the meter's increase across the gap in the first hour after it: 06:00 shows 4 kWh.
    imp: list[float | None] = [1.0] * 24
    imp[3:6] = [None, None, None]
    imp[6] = 4.0
    exp: list[float | None] = [0.0] * 24
    exp[3:6] = [None, None, None]
    data = HourlyData.from_lists(midnight(date(2025, 1, 15)), import_kwh=imp, export_kwh=exp)
    [day] = run(data, date(2025, 1, 15), date(2025, 1, 16))
    assert day.energy.import_kwh == approx(20 * 1.0 + 4.0)  # = 24: nothing lost, nothing invented
    cov = day.coverage
    assert cov.partial
    assert cov.fraction == approx(21 / 24)
    assert "meter:import_kwh: no data in 3 of 24 hours" in cov.problems()
    # a gap at the end of the data cannot be caught up: the figure is too low, and says so
    imp2 = [1.0] * 20 + [None] * 4
    data2 = HourlyData.from_lists(midnight(date(2025, 1, 15)), import_kwh=imp2, export_kwh=[0.0] * 24)
    [day2] = run(data2, date(2025, 1, 15), date(2025, 1, 16))
    assert day2.energy.import_kwh == approx(20.0) and day2.coverage.partial


def test_hours_in_the_future_are_not_missing():
    # It is 15 Jan 2025 12:00 local: 12 hours have passed, 12 are still to come.
    now = midnight(date(2025, 1, 15)) + 12 * 3600
    data = HourlyData.from_lists(
        midnight(date(2025, 1, 15)), import_kwh=[1.0] * 12 + [None] * 12, export_kwh=[0.0] * 12 + [None] * 12
    )
    [day] = run(data, date(2025, 1, 15), date(2025, 1, 16), now=now)
    assert day.coverage.expected_hours == 12 and day.coverage.in_progress and not day.coverage.partial


def test_meter_replacement_that_shows_as_a_negative_increase_is_left_out():
    # A counter that goes back (meter swapped without a new serial in the data) would give
    # 10 000 kWh less: that hour is left out and reported, never counted as negative use.
    imp = [1.0] * 24
    imp[12] = -10_000.0
    data = HourlyData.from_lists(midnight(date(2025, 1, 15)), import_kwh=imp, export_kwh=[0.0] * 24)
    [day] = run(data, date(2025, 1, 15), date(2025, 1, 16))
    assert day.energy.import_kwh == approx(23.0)  # 23 good hours x 1 kWh
    assert day.coverage.partial
    assert any("went back in 1 hour" in p for p in day.coverage.problems())


@pytest.mark.parametrize("counted", [True, False])
def test_collective_share_boundary_on_and_off(counted):
    # 21 June 2025: the building imports 0.5 kWh/h = 12 kWh, has no panels of its own.
    # The collective roof makes 10 kWh/h for 10 hours = 100 kWh; the organisation holds 60 of 400 shares
    # = 15 %, so its share is 15 kWh.
    config = CONFIG.model_copy(
        update={
            "boundary": Boundary(collective_share=counted),
            "collective": CollectiveConfig(
                installation="dak", production=["roof:energy_kwh"], shares_held=60, shares_total=400
            ),
        }
    )
    data = HourlyData.from_lists(
        midnight(date(2025, 6, 21)),
        import_kwh=[0.5] * 24,
        export_kwh=[0.0] * 24,
        collective_kwh={"roof": [10.0 if 8 <= h < 18 else 0.0 for h in range(24)]},
    )
    [day] = run(data, date(2025, 6, 21), date(2025, 6, 22), config=config)
    e, c = day.energy, day.co2
    assert e.collective_production_kwh == approx(100.0)  # shown, but it is the participants' roof
    assert c.emitted_kg == approx(12 * 0.200)  # = 2.4
    if counted:
        assert e.collective_share_kwh == approx(100 * 60 / 400)  # = 15
        assert e.generation_kwh == approx(15.0) and e.energy_positive  # 15 >= 12
        assert c.avoided_collective_kg == approx(15 * 0.200)  # = 3.0
        assert c.net_kg == approx(3.0 - 2.4) and c.co2_positive  # = +0.6
    else:
        assert e.collective_share_kwh == 0.0
        assert e.generation_kwh == 0.0 and not e.energy_positive
        assert c.net_kg == approx(-2.4) and not c.co2_positive


def test_collective_share_defaults_to_zero_shares():
    # Counted, but the organisation holds no shares (the default): nothing is attributed.
    config = CONFIG.model_copy(
        update={
            "boundary": Boundary(collective_share=True),
            "collective": CollectiveConfig(installation="dak", production=["roof:energy_kwh"]),
        }
    )
    data = HourlyData.from_lists(
        midnight(date(2025, 6, 21)),
        import_kwh=[0.5] * 24,
        export_kwh=[0.0] * 24,
        collective_kwh={"roof": [10.0] * 24},
    )
    [day] = run(data, date(2025, 6, 21), date(2025, 6, 22), config=config)
    assert day.energy.collective_share_kwh == 0.0 and day.co2.avoided_kg == 0.0


def test_hourly_factors_against_yearly_factors():
    # 21 June 2025. Night and morning (00-12) import 1 kWh/h = 12 kWh at 400 g/kWh;
    # afternoon and evening (12-24) the panels make 1.5 kWh/h and export 1 kWh/h = 12 kWh at 100 g/kWh.
    imp = [1.0 if h < 12 else 0.0 for h in range(24)]
    exp = [0.0 if h < 12 else 1.0 for h in range(24)]
    prod = [0.0 if h < 12 else 1.5 for h in range(24)]
    grams = [400.0 if h < 12 else 100.0 for h in range(24)]
    data = HourlyData.from_lists(
        midnight(date(2025, 6, 21)),
        import_kwh=imp,
        export_kwh=exp,
        production_kwh={"inv": prod},
        intensity_g_per_kwh=grams,
    )
    first, end = date(2025, 6, 21), date(2025, 6, 22)
    [yearly] = run(data, first, end)
    # yearly factor 0.200 for every hour: emitted 12 x 0.2 = 2.4, avoided 12 x 0.2 = 2.4, net 0 -> positive
    assert yearly.co2.emitted_kg == approx(2.4) and yearly.co2.avoided_kg == approx(2.4)
    assert yearly.co2.co2_positive and yearly.co2.hourly_intensity_hours == 0
    hourly_cfg = CONFIG.model_copy(update={"grid_intensity": "hourly"})
    [hourly] = run(data, first, end, config=hourly_cfg)
    # time-matched: emitted 12 x 0.400 = 4.8, avoided 12 x 0.100 = 1.2, net -3.6 -> not positive
    assert hourly.co2.emitted_kg == approx(4.8) and hourly.co2.avoided_kg == approx(1.2)
    assert hourly.co2.net_kg == approx(-3.6) and not hourly.co2.co2_positive
    assert hourly.co2.hourly_intensity_hours == 24
    assert [u.role for u in hourly.co2.factors] == []  # no yearly factor was needed
    # intensity missing for 00-06: those hours fall back to the yearly 0.200:
    # emitted 6 x 0.200 + 6 x 0.400 = 1.2 + 2.4 = 3.6
    data2 = HourlyData.from_lists(
        midnight(date(2025, 6, 21)),
        import_kwh=imp,
        export_kwh=exp,
        production_kwh={"inv": prod},
        intensity_g_per_kwh=[None] * 6 + grams[6:],
    )
    [mixed] = run(data2, first, end, config=hourly_cfg)
    assert mixed.co2.emitted_kg == approx(3.6)
    assert mixed.co2.hourly_intensity_hours == 18
    assert [(u.role, u.hours) for u in mixed.co2.factors] == [("grid", 6)]
    assert not mixed.coverage.partial  # the intensity is optional: a fallback is not a gap


def test_avoided_factor_can_be_another_category():
    # Export valued at the grey factor 0.500 instead of the mix 0.200: 9 kWh x 0.5 = 4.5 kg.
    config = CONFIG.model_copy(update={"avoided_category": "grey"})
    data = HourlyData.from_lists(
        midnight(date(2025, 6, 21)),
        import_kwh=[0.0] * 24,
        export_kwh=[1.5 if 10 <= h < 16 else 0.0 for h in range(24)],
        production_kwh={"inv": [2.0 if 10 <= h < 16 else 0.0 for h in range(24)]},
    )
    [day] = run(data, date(2025, 6, 21), date(2025, 6, 22), config=config)
    assert day.co2.avoided_kg == approx(9 * 0.5)


def test_gas_outside_the_boundary():
    # Same winter day, gas not counted: emitted only 24 x 0.2 = 4.8, demand only the electricity.
    config = CONFIG.model_copy(update={"boundary": Boundary(gas=False)})
    data = HourlyData.from_lists(
        midnight(date(2025, 1, 15)), import_kwh=[1.0] * 24, export_kwh=[0.0] * 24, gas_m3=[0.5] * 24
    )
    [day] = run(data, date(2025, 1, 15), date(2025, 1, 16), config=config)
    assert day.co2.emitted_kg == approx(4.8) and day.energy.demand_kwh == approx(24.0)
    assert day.energy.gas_m3 == approx(12.0)  # still shown
