"""Confirmed years are frozen; later changes are posted into the next open year."""

from __future__ import annotations

from datetime import date
from fractions import Fraction as F

import pytest

from buurtwatt.shares.locked import LockedYear, read_locked, write_locked
from buurtwatt.shares.settle import SettlementError, settle
from buurtwatt.shares.tariffs import load_tariffs
from tests.shares.helpers import flat, hold, roof

TARIFFS = load_tariffs()
INST = roof(issued=2, count_unsold=True)
PROD = flat(date(2024, 1, 1), date(2025, 12, 31), 10)


def lock(holdings, tmp_path, year=2024):
    s = settle(INST, holdings, PROD, TARIFFS, date(year, 1, 1), date(year, 12, 31))
    locked = LockedYear(
        "dak",
        year,
        date(year + 1, 1, 5),
        3,
        s.total,
        s.kwh,
        s.eur,
        s.share_days,
        s.estimated_days,
        s.corrections,
        s.rounded(3).to_json(),
    )
    write_locked(tmp_path, locked)
    return read_locked(tmp_path, "dak")


def test_locked_year_is_not_recomputed_and_the_correction_goes_to_the_next_year(tmp_path):
    original = [hold("A", 1, "2024-01-01"), hold("B", 1, "2024-01-01")]
    locked = lock(original, tmp_path)
    assert locked[2024].year_kwh("A") == F(1830)  # 3660 / 2
    # a late change: B only joined on 1 July 2024 (A keeps 1 share; 1 of 2 issued shares unsold before)
    corrected = [hold("A", 1, "2024-01-01"), hold("B", 1, "2024-07-01")]
    y2024 = settle(INST, corrected, PROD, TARIFFS, date(2024, 1, 1), date(2024, 12, 31), locked)
    assert y2024.participant_kwh("B") == F(1830)  # frozen, not recomputed
    y2025 = settle(INST, corrected, PROD, TARIFFS, date(2025, 1, 1), date(2025, 12, 31), locked)
    # 2025 itself: 1825 each; plus B's correction for 2024: 184 days x 5 - 1830 = -910
    assert y2025.participant_kwh("B") == F(1825 - 910)
    assert y2025.participant_kwh("A") == F(1825)
    assert y2025.unallocated_kwh == F(910)  # the half-year of B's unsold share went to the cooperative
    assert 2024 in y2025.corrections and y2025.corrections[2024]["B"][0] == F(-910)
    r = y2025.rounded(3)
    assert sum(row.kwh for row in r.rows) + r.unallocated_kwh == r.total_kwh


def test_a_correction_is_posted_only_once(tmp_path):
    locked = lock([hold("A", 1, "2024-01-01"), hold("B", 1, "2024-01-01")], tmp_path)
    corrected = [hold("A", 1, "2024-01-01"), hold("B", 1, "2024-07-01")]
    y2025 = settle(INST, corrected, PROD, TARIFFS, date(2025, 1, 1), date(2025, 12, 31), locked)
    write_locked(
        tmp_path,
        LockedYear(
            "dak",
            2025,
            date(2026, 1, 5),
            3,
            y2025.total,
            y2025.kwh,
            y2025.eur,
            y2025.share_days,
            0,
            y2025.corrections,
            {},
        ),
    )
    locked = read_locked(tmp_path, "dak")
    prod = flat(date(2024, 1, 1), date(2026, 1, 31), 10)
    y2026 = settle(INST, corrected, prod, TARIFFS, date(2026, 1, 1), date(2026, 1, 31), locked)
    assert y2026.corrections == {}
    assert y2026.participant_kwh("B") == F(155)  # 31 days x 5, no second correction


def test_confirmed_year_cannot_be_written_twice_or_cut_mid_month(tmp_path):
    locked = lock([hold("A", 1, "2024-01-01")], tmp_path)
    with pytest.raises(FileExistsError):
        write_locked(tmp_path, locked[2024])
    with pytest.raises(SettlementError, match="whole months"):
        settle(INST, [], PROD, TARIFFS, date(2024, 3, 15), date(2024, 12, 31), locked)
