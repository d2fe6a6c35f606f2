"""Heating degree days per month and the weather-corrected follow-up.

A month without a measured value (imported from CSV, see :func:`parse_csv`) uses its climate
normal from config/coach/degree_days.toml, and the result says so. A day gets 1/(days in its
month) of its month's degree days: good enough between two visits, and exact for whole months.

The follow-up: the baseline year (from the bill) is split into gas for hot water and cooking
(the same every day) and gas for heating (following the degree days). What the household would
have used in the follow-up period, had nothing changed, is the daily base times the days plus
the heating gas times the period's share of the baseline year's degree days. The change is the
measured use against that expectation.
"""

from __future__ import annotations

import calendar
import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from buurtwatt.coach.data import DATA_DIR, Cited, CoachDataError, read_toml
from buurtwatt.coach.household import DAYS_PER_YEAR, MeterReading, between


@dataclass(frozen=True)
class DegreeDays:
    normal: dict[int, float]  # calendar month (1-12) -> degree days in a normal year
    measured: dict[str, float]  # "YYYY-MM" -> degree days measured that month
    source: Cited  # of the normals

    @property
    def normal_year(self) -> float:
        return sum(self.normal.values())

    def month(self, year: int, month: int) -> tuple[float, bool]:
        """(degree days, measured?) of one month."""
        key = f"{year:04d}-{month:02d}"
        if key in self.measured:
            return self.measured[key], True
        return self.normal[month], False

    def between(self, first: date, second: date) -> tuple[float, bool]:
        """(degree days from ``first`` up to, not including, ``second``; every month measured?)."""
        total, all_measured = 0.0, True
        day = first
        while day < second:
            value, measured = self.month(day.year, day.month)
            total += value / calendar.monthrange(day.year, day.month)[1]
            all_measured = all_measured and measured
            day += timedelta(days=1)
        return total, all_measured

    def with_measured(self, months: dict[str, float]) -> DegreeDays:
        return DegreeDays(self.normal, {**self.measured, **months}, self.source)


def parse_normals(raw: dict[str, Any]) -> DegreeDays:
    table = raw.get("normal")
    if not isinstance(table, dict) or not table.get("source") or not table.get("year"):
        raise CoachDataError("degree_days.toml needs a [normal] table with a source and a year")
    normal = {int(k): float(v) for k, v in table.items() if k.isdigit()}
    if sorted(normal) != list(range(1, 13)):
        raise CoachDataError("degree_days.toml [normal] needs all twelve months 01..12")
    source = Cited(
        sum(normal.values()), str(table["source"]), int(table["year"]), bool(table.get("verified", False))
    )
    return DegreeDays(normal, {}, source)


@cache
def load_normals(folder: Path = DATA_DIR) -> DegreeDays:
    return parse_normals(read_toml("degree_days.toml", folder))


def parse_csv(text: str) -> list[tuple[str, float, str]]:
    """Rows of ``month,degree_days[,source]`` (a header line is allowed); month is YYYY-MM."""
    rows: list[tuple[str, float, str]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() == "month":
            continue
        try:
            month = row[0].strip()
            year, mon = (int(p) for p in month.split("-"))
            if not 1 <= mon <= 12 or len(month) != 7:
                raise ValueError
            value = float(row[1].strip().replace(",", "."))
            if value < 0:
                raise ValueError
        except (ValueError, IndexError):
            raise CoachDataError(
                f"line {number}: expected YYYY-MM,degree days (e.g. 2026-01,412.3)"
            ) from None
        rows.append((f"{year:04d}-{mon:02d}", value, row[2].strip() if len(row) > 2 else ""))
    if not rows:
        raise CoachDataError("the file holds no months")
    return rows


@dataclass(frozen=True)
class FollowUp:
    days: int
    degree_days: float
    measured_weather: bool  # every month of the period had a measured value
    gas_expected: float
    gas_actual: float
    kwh_expected: float
    kwh_actual: float

    @property
    def gas_change(self) -> float | None:
        """Fraction more (+) or less (-) gas than expected for this weather; None without gas."""
        return self.gas_actual / self.gas_expected - 1 if self.gas_expected > 0 else None

    @property
    def kwh_change(self) -> float | None:
        return self.kwh_actual / self.kwh_expected - 1 if self.kwh_expected > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "degree_days": round(self.degree_days, 1),
            "measured_weather": self.measured_weather,
            "gas_expected_m3": round(self.gas_expected, 1),
            "gas_actual_m3": round(self.gas_actual, 1),
            "gas_change": None if self.gas_change is None else round(self.gas_change, 4),
            "kwh_expected": round(self.kwh_expected, 1),
            "kwh_actual": round(self.kwh_actual, 1),
            "kwh_change": None if self.kwh_change is None else round(self.kwh_change, 4),
        }


def follow_up(
    baseline_gas_m3: float,
    baseline_kwh: float,
    hot_water_m3: float,
    first: MeterReading,
    second: MeterReading,
    degree_days: DegreeDays,
    baseline_degree_days: float | None = None,
) -> FollowUp:
    """The follow-up period against the baseline year, corrected for the weather.

    ``hot_water_m3`` is the household's yearly gas for hot water and cooking;
    ``baseline_degree_days`` the degree days of the bill's year when known, else a normal year.
    """
    period = between(first, second)
    dd, measured = degree_days.between(first.day, second.day)
    year_dd = baseline_degree_days or degree_days.normal_year
    base = min(hot_water_m3, baseline_gas_m3)
    heating = baseline_gas_m3 - base
    gas_expected = base * period.days / DAYS_PER_YEAR + heating * dd / year_dd
    kwh_expected = baseline_kwh * period.days / DAYS_PER_YEAR
    return FollowUp(period.days, dd, measured, gas_expected, period.gas_m3, kwh_expected, period.kwh_used)
