"""Hand-computed cases for the coach's maths: the year, the comparison, measures, degree days.

Every expected number is worked out in the test itself. The CO2 factors are a small factors
file written here (0.3 kg/kWh, 2.0 kg/m3), so the arithmetic stays readable.
"""

from __future__ import annotations

from datetime import date

import pytest

from buurtwatt.balance.factors import parse_factors
from buurtwatt.coach.advice import sentence
from buurtwatt.coach.compare import compare
from buurtwatt.coach.data import load_averages
from buurtwatt.coach.degreedays import DegreeDays, follow_up, load_normals, parse_csv
from buurtwatt.coach.household import (
    Household,
    HouseholdError,
    MeterReading,
    Prices,
    YearUse,
    from_bill,
    from_readings,
)
from buurtwatt.coach.measures import advise, advise_all, load_measures

FACTORS = parse_factors(
    """
[electricity.stroom_onbekend]
unit = "kg CO2-eq/kWh"
[electricity.stroom_onbekend.2026]
value = 0.3
source = "test"
[gas.aardgas]
unit = "kg CO2-eq/m3"
[gas.aardgas.2026]
value = 2.0
source = "test"
"""
)
AVERAGES = load_averages()


def test_readings_over_a_leap_day_scale_to_365_days() -> None:
    # 1 Jan 2024 to 1 Mar 2024 = 31 (Jan) + 29 (Feb, leap year) = 60 days
    first = MeterReading(date(2024, 1, 1), 1000, 500, 0, 0, 300)
    second = MeterReading(date(2024, 3, 1), 1300, 700, 0, 0, 700)
    year = from_readings(first, second)
    assert year.days == 60
    assert year.kwh_normal == pytest.approx(300 * 365 / 60)  # 1825.0
    assert year.kwh_low == pytest.approx(200 * 365 / 60)  # 1216.67
    assert year.gas_m3 == pytest.approx(400 * 365 / 60)  # 2433.33


def test_readings_across_a_year_end() -> None:
    # 1 Dec 2025 to 31 Jan 2026 = 31 (Dec) + 30 (1..30 Jan, the 31st is the second reading) = 61 days
    first = MeterReading(date(2025, 12, 1), 5000, 4000, 100, 50, 2000)
    second = MeterReading(date(2026, 1, 31), 5244, 4122, 110, 50, 2305)
    year = from_readings(first, second)
    assert year.days == 61
    assert year.kwh_used == pytest.approx((244 + 122) * 365 / 61)  # 366 x 5.9836 = 2190.0
    assert year.kwh_returned == pytest.approx(10 * 365 / 61)  # 59.84
    assert year.gas_m3 == pytest.approx(305 * 365 / 61)  # 1825.0


def test_a_bill_for_part_of_a_year_is_scaled_and_costed() -> None:
    # a bill over 300 days: 2000 kWh normal, 1000 low, 300 returned, 900 m3
    year = from_bill(2000, 1000, 300, 900, days=300)
    assert year.kwh_normal == pytest.approx(2000 * 365 / 300)  # 2433.33
    # cost at 0.30 normal, 0.25 low, 0.10 return, 1.40 gas, on the unscaled 365-day bill:
    # 2000*0.30 + 1000*0.25 - 300*0.10 + 900*1.40 = 600 + 250 - 30 + 1260 = 2080
    bill = from_bill(2000, 1000, 300, 900)
    assert bill.cost_eur(Prices(0.30, 0.25, 0.10, 1.40)) == pytest.approx(2080)


def test_a_meter_going_backwards_is_refused() -> None:
    with pytest.raises(HouseholdError):
        from_readings(MeterReading(date(2026, 1, 1), 100), MeterReading(date(2026, 2, 1), 90))


def test_comparison_and_the_b1_sentence() -> None:
    # 2 persons: average 2630 kWh (averages.toml). 1500 + 1200 = 2700 kWh: 2700/2630 = 1.027, within 15 %
    use = from_bill(1500, 1200, 0, 1400)
    result = compare(use, Household(2, "corner"), AVERAGES)
    assert result.electricity.verdict == "same"
    assert (
        sentence(result.electricity, "nl")
        == "U gebruikt ongeveer evenveel stroom als een gemiddeld huishouden van 2 personen."
    )
    assert (
        sentence(result.electricity, "en")
        == "You use about as much electricity as an average household of 2 people."
    )
    # gas: corner house average 1330 m3; 1400/1330 = 1.053 -> about the same
    assert result.gas is not None and result.gas.verdict == "same"
    # 4 persons: average 3610; 2700/3610 = 0.748 -> 25 % less
    four = compare(use, Household(4, "apartment"), AVERAGES)
    assert four.electricity.verdict == "less" and four.electricity.percent == 25
    assert sentence(four.electricity, "nl") == (
        "U gebruikt ongeveer 25% minder stroom dan een gemiddeld huishouden van 4 personen."
    )
    # apartment average 800 m3: 1400/800 = 1.75 -> 75 % more
    assert four.gas is not None and (four.gas.verdict, four.gas.percent) == ("more", 75)
    # 7 persons are compared with "5 or more"
    assert compare(use, Household(7), AVERAGES).electricity.group == "5"
    # no gas comparison with district heating
    assert compare(use, Household(2, heating="district_heat"), AVERAGES).gas is None


@pytest.fixture
def corner3() -> tuple[Household, YearUse, Prices]:
    # 3 persons in a corner house, 1500 m3 gas, 3000 kWh, 0.30 per kWh, 1.40 per m3
    return Household(3, "corner"), from_bill(3000, 0, 0, 1500), Prices(0.30, None, None, 1.40)


def _advice(key: str, case: tuple[Household, YearUse, Prices]):
    household, use, prices = case
    return advise(load_measures()[key], household, use, prices, AVERAGES, FACTORS, 2026)


def test_draught_strips_scale_with_the_dwelling(corner3) -> None:
    # 60 m3 for a terraced house x (corner 1330 / terraced 1120 = 1.1875) = 71.25 m3
    a = _advice("draught_strips", corner3)
    assert a.m3 == pytest.approx(71.25)
    assert a.eur == pytest.approx(71.25 * 1.40)  # 99.75
    assert a.kg_co2 == pytest.approx(71.25 * 2.0)  # 142.5
    assert a.payback_years == pytest.approx(30 / 99.75)  # 0.30 year


def test_shower_head_scales_with_persons(corner3) -> None:
    # 38 m3 per person x 3 = 114 m3; 114 x 1.40 = 159.60 euro; 114 x 2.0 = 228 kg
    a = _advice("shower_head", corner3)
    assert (a.m3, a.eur, a.kg_co2) == pytest.approx((114, 159.6, 228))
    assert a.payback_years == pytest.approx(25 / 159.6)


def test_thermostat_saves_a_share_of_the_heating_gas(corner3) -> None:
    # heating gas = 1500 - 3 persons x 110 m3 hot water = 1170; 7 % of it = 81.9 m3
    a = _advice("thermostat_one_degree", corner3)
    assert a.m3 == pytest.approx(81.9)
    assert a.eur == pytest.approx(81.9 * 1.40)  # 114.66
    assert a.kg_co2 == pytest.approx(163.8)
    assert a.payback_years == 0  # costs nothing


def test_led_and_fridge_save_electricity(corner3) -> None:
    # LED: 197 kWh x 0.30 = 59.10 euro, x 0.3 kg = 59.1 kg; payback 24 / 59.10 = 0.41 year
    led = _advice("led", corner3)
    assert (led.kwh, led.eur, led.kg_co2) == pytest.approx((197, 59.1, 59.1))
    assert led.payback_years == pytest.approx(24 / 59.1)
    # fridge: 250 kWh x 0.30 = 75 euro; 500 / 75 = 6.67 years
    fridge = _advice("fridge_replaced", corner3)
    assert fridge.eur == pytest.approx(75) and fridge.payback_years == pytest.approx(500 / 75)


def test_radiator_fans_save_gas_but_use_some_electricity(corner3) -> None:
    # m3 = 30 x 1.1875 = 35.625; kWh = -15 x 1.1875 = -17.8125
    # euro = 35.625 x 1.40 - 17.8125 x 0.30 = 49.875 - 5.34375 = 44.53125
    # kg = 35.625 x 2.0 - 17.8125 x 0.3 = 71.25 - 5.34375 = 65.90625
    a = _advice("radiator_fans", corner3)
    assert (a.m3, a.kwh) == pytest.approx((35.625, -17.8125))
    assert (a.eur, a.kg_co2) == pytest.approx((44.53125, 65.90625))


def test_an_apartment_saves_less_with_draught_strips_than_a_corner_house() -> None:
    use, prices = from_bill(2000, 0, 0, 900), Prices()
    flat = advise(
        load_measures()["draught_strips"], Household(2, "apartment"), use, prices, AVERAGES, FACTORS, 2026
    )
    # 60 x 800 / 1120 = 42.86 m3
    assert flat.m3 == pytest.approx(60 * 800 / 1120)


def test_no_gas_measures_without_a_gas_boiler() -> None:
    keys = {
        a.key
        for a in advise_all(
            Household(2, heating="heat_pump"), from_bill(4000, 0, 0, 0), Prices(), AVERAGES, FACTORS, 2026
        )
    }
    assert "draught_strips" not in keys and "shower_head" not in keys and "led" in keys


def test_every_figure_in_the_data_files_names_its_source() -> None:
    for m in load_measures().values():
        assert m.cost.source and m.cost.year
    for cited in [*AVERAGES.kwh_by_persons.values(), *AVERAGES.m3_by_dwelling.values()]:
        assert cited.source and cited.year
    assert load_normals().source.source


def test_follow_up_corrected_for_degree_days() -> None:
    # measured degree days for the follow-up months (imported from CSV)
    rows = parse_csv("month,degree_days,source\n2026-01,450,test\n2026-02,400,test\n2026-03,300,test\n")
    dd = load_normals().with_measured({m: v for m, v, _ in rows})
    # visit on 1 Jan 2026, follow-up on 1 Apr 2026: 90 days, all of Jan, Feb and Mar = 1150 degree days
    first = MeterReading(date(2026, 1, 1), 10000, 0, 0, 0, 5000)
    second = MeterReading(date(2026, 4, 1), 10650, 0, 0, 0, 5420)
    # baseline: 1200 m3 a year, of which 2 persons x 110 = 220 hot water, 980 heating, in a
    # normal year of 2780 degree days (degree_days.toml); 2700 kWh a year
    result = follow_up(1200, 2700, 220, first, second, dd)
    assert result.days == 90 and result.degree_days == pytest.approx(1150) and result.measured_weather
    # expected gas = 220 x 90/365 + 980 x 1150/2780 = 54.247 + 405.396 = 459.643 m3; actual 420
    assert result.gas_expected == pytest.approx(220 * 90 / 365 + 980 * 1150 / 2780)
    assert result.gas_change == pytest.approx(420 / 459.643 - 1, abs=1e-5)  # -8.6 %
    # electricity: 2700 x 90/365 = 665.75 expected, 650 used: -2.4 %
    assert result.kwh_change == pytest.approx(650 / (2700 * 90 / 365) - 1)


def test_a_part_month_gets_its_share_of_the_degree_days() -> None:
    dd = DegreeDays({m: 310.0 if m == 1 else 0.0 for m in range(1, 13)}, {}, load_normals().source)
    # 10 to 20 January: 10 days x 310 / 31 = 100, from the normals
    assert dd.between(date(2026, 1, 10), date(2026, 1, 20)) == (pytest.approx(100), False)
