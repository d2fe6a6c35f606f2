"""Daily production of an installation, with missing days filled in and flagged estimated.

A gap between two measured days is filled by linear interpolation between the daily values
on either side. When the meter readings on both sides are known (from the store), the gap's
kWh are the meter difference across the gap, spread in that same linear shape, so no kWh are
invented or lost. Days before the first or after the last measured day count as 0 kWh,
estimated.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from buurtwatt.shares.register import RegisterError, RegisterProblem
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_date, local_midnight


@dataclass(frozen=True)
class DailyProduction:
    """kWh per local date, every day from ``first`` to ``last`` inclusive."""

    kwh: dict[date, Fraction]
    estimated: frozenset[date]

    @property
    def first(self) -> date:
        return min(self.kwh)

    @property
    def last(self) -> date:
        return max(self.kwh)

    def total(self) -> Fraction:
        return sum(self.kwh.values(), Fraction(0))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def fill_days(
    measured: Mapping[date, Decimal | Fraction],
    first: date,
    last: date,
    readings: Mapping[date, Decimal | Fraction] | None = None,
) -> DailyProduction:
    """Every day of [first, last]: measured kWh, or estimated ones for days without data.

    ``readings`` (optional) holds the meter reading at the end of measured days.
    """
    known = {d: Fraction(v) for d, v in measured.items() if v is not None and v >= 0}
    marks = sorted(known)
    kwh: dict[date, Fraction] = {}
    estimated: set[date] = set()
    for day in _days(first, last):
        if day in known:
            kwh[day] = known[day]
    # walk every gap between consecutive measured days (and the open edges)
    bounds = (
        [d for d in marks if d < first][-1:]
        + [d for d in marks if first <= d <= last]
        + [d for d in marks if d > last][:1]
    )
    if not bounds:
        for day in _days(first, last):
            kwh[day] = Fraction(0)
            estimated.add(day)
        return DailyProduction(kwh, frozenset(estimated))
    edges = [(None, bounds[0])] + list(zip(bounds, bounds[1:], strict=False)) + [(bounds[-1], None)]
    for before, after in edges:
        start = first if before is None else before + timedelta(1)
        end = last if after is None else after - timedelta(1)
        if start > end:
            continue
        gap = _days(start, end)
        if before is None or after is None:
            values = [Fraction(0)] * len(gap)
        else:
            gap, values = _interpolate(known, before, after, readings)
        for day, value in zip(gap, values, strict=True):
            if first <= day <= last:
                kwh[day] = value
                estimated.add(day)
    return DailyProduction(dict(sorted(kwh.items())), frozenset(estimated))


def _interpolate(
    known: Mapping[date, Fraction],
    before: date,
    after: date,
    readings: Mapping[date, Decimal | Fraction] | None,
) -> tuple[list[date], list[Fraction]]:
    """Days to fill between two measured days, and their kWh."""
    gap = _days(before + timedelta(1), after - timedelta(1))
    va, vb = known[before], known[after]
    if readings and before in readings and after in readings:
        across = Fraction(readings[after]) - Fraction(
            readings[before]
        )  # end of ``before`` to end of ``after``
        if across >= 0:
            if abs(vb - across) <= Fraction(1, 10**6) * max(1, across):
                # the store counted the whole gap on the day after it: spread it over the gap and that day
                vc = known.get(after + timedelta(1), va)
                days = [*gap, after]
                return days, _spread(across, _line(va, vc, len(days)))
            return gap, _spread(across - vb, _line(va, vb, len(gap)))
    return gap, _line(va, vb, len(gap))


def _line(va: Fraction, vb: Fraction, n: int) -> list[Fraction]:
    """n values on the straight line from va to vb, both ends left out."""
    return [va + (vb - va) * Fraction(i, n + 1) for i in range(1, n + 1)]


def _spread(energy: Fraction, shape: list[Fraction]) -> list[Fraction]:
    weight = sum(shape, Fraction(0))
    if weight > 0:
        return [energy * w / weight for w in shape]
    return [energy / len(shape)] * len(shape)


def _decimal(value: float) -> Decimal:
    # repr gives the shortest text that reads back as the same float: 1.1 stays 1.1
    return Decimal(repr(float(value)))


def production_from_store(
    store: Store, series: str, first: date, last: date, tz: str = "Europe/Amsterdam", margin_days: int = 62
) -> DailyProduction:
    """Daily counter increases of ``series`` per local day, gaps filled."""
    start = local_midnight(first - timedelta(margin_days), tz)
    end = local_midnight(last + timedelta(margin_days + 1), tz)
    measured: dict[date, Decimal] = {}
    readings: dict[date, Decimal] = {}
    for row in store.read(series, start, end, Resolution.DAY):
        if row.value is None or row.count <= 0:
            continue
        day = local_date(row.ts, tz)
        measured[day] = _decimal(row.value)
        if row.last is not None:
            readings[day] = _decimal(row.last)
    return fill_days(measured, first, last, readings)


def read_production_csv(path: Path | str) -> dict[date, Decimal]:
    """A ``date,kwh`` file (header optional). Bad lines are errors with their line number."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8").lstrip("\ufeff")
    except OSError as exc:
        raise RegisterError([RegisterProblem.of(file, 0, "cannot_read", reason=exc.strerror)]) from None
    problems: list[RegisterProblem] = []
    out: dict[date, Decimal] = {}
    reader = csv.reader(io.StringIO(text))
    for values in reader:
        line = reader.line_num
        if not values or not "".join(values).strip():
            continue
        if line == 1 and values[0].strip().lower() == "date":
            continue
        if len(values) != 2:
            problems.append(RegisterProblem.of(file, line, "production_values"))
            continue
        day_text, kwh_text = values[0].strip(), values[1].strip()
        try:
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", day_text):
                raise ValueError
            day = date.fromisoformat(day_text)
        except ValueError:
            problems.append(RegisterProblem.of(file, line, "production_date", 1, "date", text=day_text))
            continue
        try:
            kwh = Decimal(kwh_text)
            if not kwh.is_finite() or kwh < 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(RegisterProblem.of(file, line, "production_kwh", 2, "kwh", text=kwh_text))
            continue
        if day in out:
            problems.append(RegisterProblem.of(file, line, "production_day_twice", 1, "date", day=day))
            continue
        out[day] = kwh
    if problems:
        raise RegisterError(problems)
    return out
