"""Costs of hand-computed days: net metering in 2026, separate settlement in 2027."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from buurtwatt.tariffs.config import TariffsConfig
from buurtwatt.tariffs.costs import HourlyEnergy, compute_costs, whole_days
from buurtwatt.tariffs.tax import load_tax_table, parse_tax_table

TZ = ZoneInfo("Europe/Amsterdam")
TABLE = load_tax_table()

# Test-only figures for 2027: the shipped table has no 2027 yet (it must say so, see below).
TABLE_2027 = parse_tax_table(
    """
[[btw]]
from = "2023-01-01"
pct = 21
source = "test"
[year.2027]
electricity = { value = 0.0916, source = "test figure", verified = false, note = "test only" }
heffingskorting = { value = 519.80, source = "test figure", verified = false, note = "test only" }
"""
)

TARIFFS = TariffsConfig.model_validate(
    {
        "periods": [
            {
                "from": "2026-01-01",
                "import_eur_per_kwh": 0.25,
                "export_eur_per_kwh": 0.07,
                "feed_in_cost_eur_per_kwh": 0.02,
                "standing": [
                    {"name": "vastrecht", "eur": 6.00, "per": "month"},
                    {"name": "netbeheer", "eur": 365.0, "per": "year"},
                ],
            }
        ]
    }
)


def june_day(year: int, night_kwh: float = 1.0, sun_kwh: float = 2.0) -> HourlyEnergy:
    """Import `night_kwh` in local hours 0-7 and 18-23 (14 hours), export `sun_kwh` in 10-15 (6 hours)."""
    start, hours = whole_days(date(year, 6, 15), date(year, 6, 16), TZ)
    assert hours == 24
    imp = [night_kwh if h < 8 or h >= 18 else 0.0 for h in range(24)]
    exp = [sun_kwh if 10 <= h < 16 else 0.0 for h in range(24)]
    return HourlyEnergy(start, imp, exp)


def test_a_day_in_2026_is_net_metered():
    report = compute_costs(june_day(2026), TARIFFS, TABLE, TZ)
    day = report.days[date(2026, 6, 15)]
    # import 14 kWh, export 12 kWh, same year: all export netted, billed 14 - 12 = 2 kWh
    assert day.net_metering
    assert day.supply_eur == pytest.approx(2 * 0.25)  # 0.50
    assert day.energy_tax_eur == pytest.approx(2 * 0.0916)  # 0.1832 (EB 2026 first band)
    assert day.export_credit_eur == 0
    assert day.feed_in_cost_eur == pytest.approx(12 * 0.02)  # 0.24
    # vastrecht 6.00 / 30 June days = 0.20; netbeheer 365 / 365 days = 1.00
    assert day.standing_eur == pytest.approx(1.20)
    assert day.heffingskorting_eur == pytest.approx(519.80 / 365)  # 1.424109589
    # BTW 21 % on 0.50 + 0.1832 + 0.24 + 1.20 - 1.424109589 = 0.699090411 -> 0.146808986
    assert day.btw_eur == pytest.approx(0.21 * 0.699090411)
    assert day.total_eur == pytest.approx(0.699090411 * 1.21)  # 0.845899397
    assert report.years[2026].total_eur == pytest.approx(day.total_eur)
    assert report.months[(2026, 6)].total_eur == pytest.approx(day.total_eur)
    assert any("electricity 2026" in u for u in report.unverified)


def test_a_day_in_2027_is_settled_separately():
    report = compute_costs(june_day(2027), TARIFFS, TABLE_2027, TZ)
    day = report.days[date(2027, 6, 15)]
    assert not day.net_metering
    assert day.supply_eur == pytest.approx(14 * 0.25)  # 3.50: every imported kWh pays
    assert day.energy_tax_eur == pytest.approx(14 * 0.0916)  # 1.2824
    assert day.export_credit_eur == pytest.approx(12 * 0.07)  # 0.84: export earns its compensation
    assert day.feed_in_cost_eur == pytest.approx(0.24)
    # taxed base 3.50 + 1.2824 + 0.24 + 1.20 - 1.424109589 = 4.798290411
    assert day.btw_eur == pytest.approx(0.21 * 4.798290411)
    assert day.total_eur == pytest.approx(4.798290411 * 1.21 - 0.84)  # 4.965931397
    # the same day costs more without net metering: 4.97 against 0.85
    assert day.total_eur > compute_costs(june_day(2026), TARIFFS, TABLE, TZ).total.total_eur


def test_a_surplus_year_earns_the_feed_in_compensation_for_the_surplus_only():
    # import 0.25 * 14 = 3.5 kWh, export 12 kWh: f = (12 - 3.5) / 12 of each exported kWh is not netted
    report = compute_costs(june_day(2026, night_kwh=0.25), TARIFFS, TABLE, TZ)
    day = report.days[date(2026, 6, 15)]
    assert day.supply_eur == pytest.approx(0.0)  # 3.5 - 12 * 3.5/12 = 0 kWh billed
    assert day.energy_tax_eur == pytest.approx(0.0)  # energy tax of a year is never negative
    assert day.export_credit_eur == pytest.approx(8.5 * 0.07)  # 0.595


def test_a_year_missing_from_the_tax_table_says_so():
    report = compute_costs(june_day(2027), TARIFFS, TABLE, TZ)
    assert any("energy tax on electricity for 2027" in note for note in report.notes)
    assert any("heffingskorting for 2027" in note for note in report.notes)
    assert report.days[date(2027, 6, 15)].energy_tax_eur == 0  # left out, not another year's rate


def test_a_missing_hour_is_counted_not_priced_as_zero():
    energy = june_day(2026)
    imp = list(energy.import_kwh)
    imp[0] = None
    report = compute_costs(HourlyEnergy(energy.start, imp, energy.export_kwh), TARIFFS, TABLE, TZ)
    day = report.days[date(2026, 6, 15)]
    assert day.missing_hours == 1
    assert day.supply_eur == pytest.approx((13 - 12) * 0.25)


def test_hourly_prices_and_btw_of_the_day():
    tariffs = TariffsConfig.model_validate(
        {"periods": [{"from": "2022-01-01", "hourly": True, "import_markup_eur_per_kwh": 0.01}]}
    )
    start, hours = whole_days(date(2022, 6, 30), date(2022, 7, 2), TZ)
    imp = [1.0 if h in (0, 24) else 0.0 for h in range(hours)]  # 1 kWh at midnight of each day
    prices = {int(start): 0.20, int(start) + 24 * 3600: 0.30}
    prices |= {int(start) + h * 3600: 0.0 for h in range(hours) if h not in (0, 24)}
    report = compute_costs(HourlyEnergy(start, imp, [0.0] * hours), tariffs, TABLE, TZ, prices)
    june, july = report.days[date(2022, 6, 30)], report.days[date(2022, 7, 1)]
    # 30 June: (0.20 + 0.01 + EB 0.03679) at 21 %; 1 July: (0.30 + 0.01 + 0.03679) at 9 % (and korting)
    korting = 681.63 / 365
    assert june.btw_eur == pytest.approx(0.21 * (0.21 + 0.03679 - korting))
    assert july.btw_eur == pytest.approx(0.09 * (0.31 + 0.03679 - korting))
