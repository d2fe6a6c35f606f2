"""Split an installation's measured yield over its share holders, exactly. Pure: no I/O.

For participant p: ``kWh_p = sum over days d of production_d * shares_p(d) / denominator(d)``,
with denominator = shares issued (``count_unsold``: the unsold part stays with the cooperative)
or shares held that day. Days with no holder leave their kWh unallocated.

Between two changes of the register (a join, exit, transfer or a bucket boundary) every
holder's fraction is constant, so the sum runs over those segments, not over days: one prefix
sum of "kWh per share" and one difference per holding. Everything is a Fraction until rounding.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from buurtwatt.shares.production import DailyProduction
from buurtwatt.shares.register import Holding

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Allocation:
    """Exact kWh per participant per bucket (buckets: e.g. calendar years or months)."""

    start: date
    end: date
    buckets: tuple[date, ...]  # first day of each bucket; bucket i runs to buckets[i+1] - 1 or end
    total: tuple[Fraction, ...]  # production per bucket
    kwh: dict[str, tuple[Fraction, ...]]  # participant -> kWh per bucket
    share_days: dict[str, int]
    estimated_days: int
    bucket_share_days: dict[str, tuple[int, ...]]

    @property
    def total_kwh(self) -> Fraction:
        return sum(self.total, Fraction(0))

    def participant_kwh(self, participant_id: str) -> Fraction:
        return sum(self.kwh.get(participant_id, ()), Fraction(0))

    @property
    def unallocated_kwh(self) -> Fraction:
        return self.total_kwh - sum((sum(v, Fraction(0)) for v in self.kwh.values()), Fraction(0))


def year_starts(start: date, end: date) -> list[date]:
    return [start] + [date(y, 1, 1) for y in range(start.year + 1, end.year + 1)]


def month_starts(start: date, end: date) -> list[date]:
    out = [start]
    y, m = start.year, start.month
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        first = date(y, m, 1)
        if first > end:
            return out
        out.append(first)


Piece = tuple[str, int, date, date]  # participant, shares, first day, day after the last


def _pieces(holdings: Iterable[Holding], start: date, stop: date) -> tuple[list[Piece], dict[date, int]]:
    """The holdings clipped to [start, stop), and how the held shares change at each day."""
    delta: dict[date, int] = defaultdict(int)
    pieces: list[Piece] = []
    for h in holdings:
        a = max(h.start, start)
        # clip before adding a day: an end of 9999-12-31 has no day after it
        b = stop if h.end is None else min(h.end, stop - ONE_DAY) + ONE_DAY
        if a >= b:
            continue
        pieces.append((h.participant_id, h.shares, a, b))
        delta[a] += h.shares
        delta[b] -= h.shares
    return pieces, delta


class _Produced:
    """Production of any [a, b) from one prefix sum over the days."""

    def __init__(self, production: DailyProduction) -> None:
        days = list(production.kwh.items())
        self.index = {d: i for i, (d, _v) in enumerate(days)}
        self.running = [Fraction(0)]
        for _day, value in days:
            self.running.append(self.running[-1] + value)

    def __call__(self, a: date, b: date) -> Fraction:
        return self.running[self.index[b - ONE_DAY] + 1] - self.running[self.index[a]]


def _per_share(
    produced: _Produced, cuts: list[date], delta: dict[date, int], shares_issued: int, count_unsold: bool
) -> tuple[int, list[int]]:
    """kWh per share summed from the period start to each cut, as integers over one common
    denominator (Fraction sums of many different denominators spend their time in gcd)."""
    steps: list[Fraction] = []
    held = 0
    for a, b in zip(cuts, cuts[1:], strict=False):
        held += delta.get(a, 0)
        denominator = max(shares_issued, held) if count_unsold else held
        steps.append(produced(a, b) / denominator if denominator else Fraction(0))
    common = 1
    for step in steps:
        common = math.lcm(common, step.denominator)
    per_share = [0]
    for step in steps:
        per_share.append(per_share[-1] + step.numerator * (common // step.denominator))
    return common, per_share


def _per_bucket(
    pieces: list[Piece], bucket_starts: list[date], bucket_ends: list[date], at_cut: Callable[[date], int]
) -> tuple[dict[str, list[int]], dict[str, int], dict[str, list[int]]]:
    """Per participant: the per-share sums (numerators) and share-days in each bucket, and all
    share-days."""
    sums: dict[str, list[int]] = {}
    share_days: dict[str, int] = defaultdict(int)
    bucket_days: dict[str, list[int]] = {}
    for pid, shares, a, b in pieces:
        row = sums.setdefault(pid, [0] * len(bucket_starts))
        days_row = bucket_days.setdefault(pid, [0] * len(bucket_starts))
        share_days[pid] += shares * (b - a).days
        i = bisect_right(bucket_starts, a) - 1
        while i < len(bucket_starts) and bucket_starts[i] < b:
            lo, hi = max(a, bucket_starts[i]), min(b, bucket_ends[i])
            row[i] += shares * (at_cut(hi) - at_cut(lo))
            days_row[i] += shares * (hi - lo).days
            i += 1
    return sums, share_days, bucket_days


def allocate_shares(
    production: DailyProduction,
    holdings: Iterable[Holding],
    shares_issued: int,
    start: date,
    end: date,
    count_unsold: bool = True,
    buckets: Sequence[date] | None = None,
) -> Allocation:
    """Allocate the production of [start, end] (local dates, inclusive) to the holdings.

    ``holdings`` are those of one installation. ``buckets`` are the first days of reporting
    sub-periods (default: one bucket, the whole period); ``start`` is always one.
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    missing = [d for d in (start, end) if d not in production.kwh]
    if missing:
        raise ValueError(
            f"no production figures for {missing[0]}; the production covers "
            f"{production.first} to {production.last}"
        )
    bucket_starts = sorted({start, *(b for b in (buckets or ()) if start < b <= end)})
    stop = end + ONE_DAY
    bucket_ends = [*bucket_starts[1:], stop]
    pieces, delta = _pieces(holdings, start, stop)
    cuts = [c for c in sorted({*bucket_starts, stop, *delta}) if start <= c <= stop]
    index_of = {c: i for i, c in enumerate(cuts)}
    produced = _Produced(production)
    common, per_share = _per_share(produced, cuts, delta, shares_issued, count_unsold)
    sums, share_days, bucket_days = _per_bucket(
        pieces, bucket_starts, bucket_ends, lambda cut: per_share[index_of[cut]]
    )
    kwh = {pid: tuple(Fraction(n, common) for n in row) for pid, row in sums.items()}
    total = tuple(produced(a, b) for a, b in zip(bucket_starts, bucket_ends, strict=True))
    return Allocation(
        start,
        end,
        tuple(bucket_starts),
        total,
        dict(sorted(kwh.items())),
        dict(share_days),
        sum(1 for d in production.estimated if start <= d <= end),
        {pid: tuple(v) for pid, v in sorted(bucket_days.items())},
    )
