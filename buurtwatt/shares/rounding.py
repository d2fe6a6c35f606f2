"""Round exact parts once, so the rounded parts add up to the rounded total exactly.

Largest remainder (Hamilton): floor every part to the unit, then hand the units still missing
to the parts with the largest remainders. Ties go to the larger exact part, then to the first
key, so the result does not depend on input order.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    """The exact sum, over one common denominator: adding Fractions one by one spends its time
    reducing every partial sum (gcd in Python), this does one lcm and integer additions."""
    items = list(values)
    if not items:
        return Fraction(0)
    common = math.lcm(*(v.denominator for v in items))
    return Fraction(sum(v.numerator * (common // v.denominator) for v in items), common)


def round_half_up(value: Fraction, precision: int) -> int:
    """``value`` in units of 10**-precision, halves away from zero."""
    scaled = value * 10**precision
    units = math.floor(abs(scaled) + Fraction(1, 2))
    return units if scaled >= 0 else -units


def to_decimal(units: int, precision: int) -> Decimal:
    return Decimal(units).scaleb(-precision)


def round_total(value: Fraction, precision: int) -> Decimal:
    return to_decimal(round_half_up(value, precision), precision)


def largest_remainder(
    parts: Mapping[K, Fraction], precision: int, target: Decimal | None = None
) -> dict[K, Decimal]:
    """Round ``parts`` so they add up to the rounded exact sum (or to ``target``, when a
    sum was already reported, e.g. a participant's year total split into months)."""
    exact_total = sum(parts.values(), Fraction(0))
    scale = 10**precision
    floors: dict[K, int] = {}
    order: list[tuple[int, int, str, Fraction, Fraction, K]] = []
    for key, value in parts.items():
        scaled = value * scale
        floor = math.floor(scaled)
        floors[key] = floor
        remainder = scaled - floor
        # integer keys for a fast sort; exact Fractions break the (rare) ties of the keys below
        order.append(
            (
                -((remainder.numerator << 64) // remainder.denominator),
                -((value.numerator << 64) // value.denominator),
                str(key),
                remainder,
                value,
                key,
            )
        )
    goal = round_half_up(exact_total if target is None else Fraction(target), precision)
    missing = min(max(goal - sum(floors.values()), 0), len(floors))
    order.sort(key=lambda r: r[0])
    order = _exact_ties(order)
    for *_rest, key in order[:missing]:
        floors[key] += 1
    return {key: to_decimal(units, precision) for key, units in floors.items()}


def _exact_ties(order: list) -> list:
    """Sort runs whose integer remainder keys tie by the exact remainder, exact value, then label."""
    out, i = [], 0
    while i < len(order):
        j = i + 1
        while j < len(order) and order[j][0] == order[i][0]:
            j += 1
        run = order[i:j]
        if len(run) > 1:
            run.sort(key=lambda r: (-r[3], -r[4], r[2]))
        out += run
        i = j
    return out
