"""Hand-computed allocations, written out. Production is flat unless a case says otherwise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction as F

from buurtwatt.shares.allocate import allocate_shares, year_starts
from buurtwatt.shares.production import fill_days
from buurtwatt.shares.rounding import largest_remainder
from buurtwatt.shares.settle import UNALLOCATED, settle
from buurtwatt.shares.tariffs import load_tariffs
from tests.shares.helpers import flat, hold, roof

D = Decimal
TARIFFS = load_tariffs()


def run(holdings, start, end, issued, count_unsold=True, production=None, precision=3):
    production = production or flat(date(start.year, 1, 1), end)
    s = settle(roof(issued, count_unsold), holdings, production, TARIFFS, start, end)
    return s, s.rounded(precision)


def kwh_of(rounded):
    return {r.participant_id: r.kwh for r in rounded.rows}


def test_equal_shares_all_year():
    # 2 x 5 shares of 10 issued, 10 kWh a day in 2025 (365 days): 3650 / 2 each
    s, r = run(
        [hold("A", 5, "2025-01-01"), hold("B", 5, "2025-01-01")], date(2025, 1, 1), date(2025, 12, 31), 10
    )
    assert s.participant_kwh("A") == s.participant_kwh("B") == F(1825)
    assert kwh_of(r) == {"A": D("1825.000"), "B": D("1825.000")}
    assert r.total_kwh == D("3650.000") and r.unallocated_kwh == D("0.000")
    assert [row.share_days for row in r.rows] == [1825, 1825]  # 5 shares x 365 days


def test_mid_year_join():
    # A all year, B from 1 July; denominator = shares held (count_unsold off)
    # 1 Jan - 30 Jun: 181 days x 10 = 1810 all to A; 1 Jul - 31 Dec: 184 days x 10 = 1840, half each
    s, r = run(
        [hold("A", 1, "2025-01-01"), hold("B", 1, "2025-07-01")],
        date(2025, 1, 1),
        date(2025, 12, 31),
        2,
        count_unsold=False,
    )
    assert s.participant_kwh("A") == F(1810 + 920)
    assert s.participant_kwh("B") == F(920)
    assert kwh_of(r) == {"A": D("2730.000"), "B": D("920.000")}
    assert {row.participant_id: row.share_days for row in r.rows} == {"A": 365, "B": 184}


def test_exit_and_transfer_on_the_same_day():
    # 6 issued, count_unsold on: 10/6 kWh per share per day.
    # A transfers 2 shares to C on 30 June (C holds from 1 July); D exits on 30 June (shares unsold).
    holdings = [
        hold("A", 2, "2025-01-01", "2025-06-30"),
        hold("C", 2, "2025-07-01"),
        hold("B", 2, "2025-01-01"),
        hold("D", 2, "2025-01-01", "2025-06-30"),
    ]
    s, r = run(holdings, date(2025, 1, 1), date(2025, 12, 31), 6)
    assert s.participant_kwh("A") == F(181 * 2 * 10, 6)  # 603.333...
    assert s.participant_kwh("C") == F(184 * 2 * 10, 6)  # 613.333...
    assert s.participant_kwh("B") == F(365 * 2 * 10, 6)  # 1216.666...
    assert s.participant_kwh("D") == F(181 * 2 * 10, 6)
    assert s.unallocated_kwh == F(184 * 2 * 10, 6)  # D's shares after the exit
    # floors add to 3649.998: B has the largest remainder (.667), then the tie at .333 goes to the
    # larger exact value (C and unallocated, 613.333...), then to the first key (unallocated)
    assert kwh_of(r) == {"A": D("603.333"), "B": D("1216.667"), "C": D("613.333"), "D": D("603.333")}
    assert r.unallocated_kwh == D("613.334")
    assert sum(kwh_of(r).values()) + r.unallocated_kwh == r.total_kwh == D("3650.000")
    # the transfer day is counted once: A up to and including 30 June, C from 1 July
    assert {row.participant_id: row.share_days for row in r.rows}["A"] == 2 * 181


def test_leap_year():
    # 2024 has 366 days; B holds one share on 29 February only (count_unsold off, 2 issued)
    s, r = run(
        [hold("A", 1, "2024-01-01"), hold("B", 1, "2024-02-29", "2024-02-29")],
        date(2024, 1, 1),
        date(2024, 12, 31),
        2,
        count_unsold=False,
    )
    assert s.total_kwh == F(3660)
    assert s.participant_kwh("B") == F(5)
    assert s.participant_kwh("A") == F(3655)
    assert {row.participant_id: row.share_days for row in r.rows} == {"A": 366, "B": 1}


def test_across_new_year_with_a_rate_change():
    # 20 kWh a day, one participant with the only share. Cap not reached (7300 kWh in 2023).
    # December 2023 at EB 2023 (0.12599 + 21 % BTW), January 2024 at EB 2024 (0.10880 + 21 %).
    production = flat(date(2023, 1, 1), date(2024, 1, 31), 20)
    s, r = run([hold("A", 1, "2020-01-01")], date(2023, 12, 1), date(2024, 1, 31), 1, production=production)
    assert s.participant_kwh("A") == F(620 + 620)
    expected = F(620) * F("0.12599") * F("1.21") + F(620) * F("0.10880") * F("1.21")
    assert s.participant_eur("A") == expected  # 176.139458
    assert r.rows[0].eur == D("176.14")
    assert r.rows[0].kwh == D("1240.000")


def test_energy_tax_cap_of_10000_kwh():
    # 40 kWh a day in 2024 = 14,640 kWh; only 10,000 get the discount
    s, r = run(
        [hold("A", 1, "2020-01-01")],
        date(2024, 1, 1),
        date(2024, 12, 31),
        1,
        production=flat(date(2024, 1, 1), date(2024, 12, 31), 40),
    )
    assert s.participant_kwh("A") == F(14640)
    assert s.participant_eur("A") == F(10000) * F("0.10880") * F("1.21")
    assert r.rows[0].eur == D("1316.48")


def test_2022_btw_change_on_1_july():
    # 1 kWh a day: 181 days at 21 % BTW, 184 days at 9 %, EB 0.03679
    s, _r = run(
        [hold("A", 1, "2020-01-01")],
        date(2022, 1, 1),
        date(2022, 12, 31),
        1,
        production=flat(date(2022, 1, 1), date(2022, 12, 31), 1),
    )
    assert s.participant_eur("A") == F(181) * F("0.03679") * F("1.21") + F(184) * F("0.03679") * F("1.09")


def test_unsold_shares_count_unsold_on_and_off():
    holdings = [hold("A", 1, "2025-01-01"), hold("B", 1, "2025-01-01")]
    on, r_on = run(holdings, date(2025, 1, 1), date(2025, 12, 31), 4, count_unsold=True)
    assert on.participant_kwh("A") == F(3650, 4) and on.unallocated_kwh == F(1825)
    assert kwh_of(r_on) == {"A": D("912.500"), "B": D("912.500")} and r_on.unallocated_kwh == D("1825.000")
    off, r_off = run(holdings, date(2025, 1, 1), date(2025, 12, 31), 4, count_unsold=False)
    assert off.participant_kwh("A") == F(1825) and off.unallocated_kwh == 0
    assert r_off.unallocated_kwh == D("0.000")


def test_days_with_no_holder_are_unallocated():
    # A holds until 30 June; with count_unsold off the second half has no holder
    s, r = run(
        [hold("A", 1, "2025-01-01", "2025-06-30")],
        date(2025, 1, 1),
        date(2025, 12, 31),
        4,
        count_unsold=False,
    )
    assert s.participant_kwh("A") == F(1810)
    assert r.unallocated_kwh == D("1840.000")


def test_estimated_days_are_interpolated_and_counted():
    measured = {date(2025, 6, 1): D(10), date(2025, 6, 5): D(50)}
    production = fill_days(measured, date(2025, 6, 1), date(2025, 6, 5))
    assert [production.kwh[date(2025, 6, d)] for d in range(1, 6)] == [10, 20, 30, 40, 50]
    assert production.estimated == {date(2025, 6, d) for d in (2, 3, 4)}
    alloc = allocate_shares(production, [hold("A", 1, "2025-01-01")], 1, date(2025, 6, 1), date(2025, 6, 5))
    assert alloc.estimated_days == 3 and alloc.participant_kwh("A") == 150


def test_gap_follows_the_meter_when_readings_are_known():
    # the counter moved 120 kWh across the gap: spread in the 20:30:40 shape, nothing invented
    measured = {date(2025, 6, 1): D(10), date(2025, 6, 5): D(50)}
    readings = {date(2025, 6, 1): D(1000), date(2025, 6, 5): D(1170)}
    production = fill_days(measured, date(2025, 6, 1), date(2025, 6, 5), readings)
    gap = [production.kwh[date(2025, 6, d)] for d in (2, 3, 4)]
    assert gap == [F(120 * 20, 90), F(120 * 30, 90), F(120 * 40, 90)]
    assert sum(gap) == 120


def test_rounding_three_participants_ten_kwh():
    # 10.000 kWh over 3 equal holders: naive rounding gives 3 x 3.333 = 9.999
    production = fill_days({date(2025, 1, 1): D("10.000")}, date(2025, 1, 1), date(2025, 1, 1))
    alloc = allocate_shares(
        production, [hold(p, 1, "2025-01-01") for p in "ABC"], 3, date(2025, 1, 1), date(2025, 1, 1)
    )
    naive = sum(round(alloc.participant_kwh(p), 3) for p in "ABC")
    assert naive == F(9999, 1000)  # the failure the method exists for
    parts = {p: alloc.participant_kwh(p) for p in "ABC"} | {UNALLOCATED: alloc.unallocated_kwh}
    rounded = largest_remainder(parts, 3)
    assert [rounded[p] for p in "ABC"] == [D("3.334"), D("3.333"), D("3.333")]
    assert sum(rounded.values()) == D("10.000")


def test_year_buckets_split_at_new_year():
    alloc = allocate_shares(
        flat(date(2024, 12, 30), date(2025, 1, 2)),
        [hold("A", 1, "2024-01-01")],
        1,
        date(2024, 12, 30),
        date(2025, 1, 2),
        buckets=year_starts(date(2024, 12, 30), date(2025, 1, 2)),
    )
    assert alloc.buckets == (date(2024, 12, 30), date(2025, 1, 1))
    assert alloc.kwh["A"] == (F(20), F(20))
