"""A settlement: kWh and euros per participant per month for one installation and period.

Confirmed (locked) years are taken from their files. Open years are allocated from the daily
production and priced per :mod:`buurtwatt.shares.tariffs`; the postcoderoos cap of 10,000 kWh
counts from 1 January. Changes to a confirmed year are posted as corrections on 1 January of
the next open year. Pure: the caller supplies the production (see :func:`production_span`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from buurtwatt.shares.allocate import Allocation, allocate_shares, month_starts
from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.locked import LockedYear, Pair
from buurtwatt.shares.production import DailyProduction
from buurtwatt.shares.register import Holding
from buurtwatt.shares.rounding import exact_sum, largest_remainder, round_total
from buurtwatt.shares.tariffs import RatePeriod, Tariffs, rate_periods

UNALLOCATED = "\x00unallocated"  # rounding key; sorts before every participant id
ONE_DAY = timedelta(days=1)


class SettlementError(ValueError):
    pass


@dataclass
class _Figures:
    total: dict[date, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    kwh: dict[str, dict[date, Fraction]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Fraction))
    )
    eur: dict[str, dict[date, Fraction]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Fraction))
    )
    share_days: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    estimated_days: int = 0
    notes: set[str] = field(default_factory=set)
    unpriced: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class RoundedRow:
    participant_id: str
    share_days: int
    kwh: Decimal
    eur: Decimal


@dataclass(frozen=True)
class RoundedSettlement:
    installation: str
    start: date
    end: date
    precision: int
    total_kwh: Decimal
    unallocated_kwh: Decimal
    estimated_days: int
    rows: tuple[RoundedRow, ...]

    def to_json(self) -> dict:
        return {
            "installation": self.installation,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "total_kwh": f"{self.total_kwh:f}",
            "unallocated_kwh": f"{self.unallocated_kwh:f}",
            "estimated_days": self.estimated_days,
            "participants": [
                {
                    "participant_id": r.participant_id,
                    "share_days": r.share_days,
                    "kwh": f"{r.kwh:f}",
                    "eur": f"{r.eur:f}",
                }
                for r in self.rows
            ],
        }


@dataclass(frozen=True)
class Settlement:
    installation: InstallationConfig
    start: date
    end: date
    months: tuple[date, ...]
    total: dict[date, Fraction]
    kwh: dict[str, dict[date, Fraction]]
    eur: dict[str, dict[date, Fraction]]
    share_days: dict[str, int]
    estimated_days: int
    locked_years: tuple[int, ...] = ()
    corrections: dict[int, dict[str, Pair]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    unpriced_years: tuple[int, ...] = ()  # years without published figures: their euros are not known

    @property
    def total_kwh(self) -> Fraction:
        return exact_sum(self.total.values())

    def participant_kwh(self, participant_id: str) -> Fraction:
        return exact_sum(self.kwh.get(participant_id, {}).values())

    def participant_eur(self, participant_id: str) -> Fraction:
        return exact_sum(self.eur.get(participant_id, {}).values())

    @property
    def unallocated_kwh(self) -> Fraction:
        return self.total_kwh - exact_sum(self.participant_kwh(p) for p in self.kwh)

    def rounded(self, precision: int = 3) -> RoundedSettlement:
        """Round once for the whole period: participants + unallocated = total, exactly."""
        parts = {pid: self.participant_kwh(pid) for pid in self.kwh}
        parts[UNALLOCATED] = self.total_kwh - exact_sum(parts.values())
        kwh = largest_remainder(parts, precision)
        eur = largest_remainder({pid: self.participant_eur(pid) for pid in self.kwh}, 2)
        rows = tuple(
            RoundedRow(pid, self.share_days.get(pid, 0), kwh[pid], eur[pid]) for pid in sorted(self.kwh)
        )
        return RoundedSettlement(
            self.installation.name,
            self.start,
            self.end,
            precision,
            round_total(self.total_kwh, precision),
            kwh[UNALLOCATED],
            self.estimated_days,
            rows,
        )


def production_span(
    installation: InstallationConfig, start: date, end: date, locked: dict[int, LockedYear]
) -> tuple[date, date]:
    """The days of production a settlement of [start, end] needs (the cap counts from 1 January;
    confirmed years are recomputed to find corrections)."""
    first = date(start.year, 1, 1)
    earlier = [y for y in locked if y < start.year]
    if earlier:
        first = date(min(earlier), 1, 1)
    return max(first, installation.delivery_start), end


def _rate_at(periods: list[RatePeriod], day: date) -> RatePeriod:
    for period in periods:
        if period.first <= day <= period.last:
            return period
    raise SettlementError(f"no price for {day}")


def _sce_scale(installation: InstallationConfig, tariffs: Tariffs, produced: Fraction) -> Fraction | None:
    """The factor that brings an SCE subsidy down to the cap (kWp x full-load hours); None: under it."""
    sce = installation.sce
    if sce is None or sce.payout != "per_kwh" or sce.kwp is None:
        return None
    cap = Fraction(sce.kwp) * (sce.full_load_hours or tariffs.full_load_hours)
    return cap / produced if produced > cap else None


@dataclass(frozen=True)
class _Pricing:
    """How one open year turns a participant's kWh of one bucket into euros."""

    installation: InstallationConfig
    periods: list[RatePeriod]
    cap_kwh: Fraction
    scale: Fraction
    days_in_year: int
    consumption: Mapping[str, Fraction]  # yearly use per participant, where the register gives it

    def cap_of(self, pid: str) -> Fraction:
        """At most 10,000 kWh and at most the member's own use (the discount is on their bill)."""
        return min(self.cap_kwh, self.consumption.get(pid, self.cap_kwh))

    def euros(
        self, begin: date, value: Fraction, before: _Running, cap: Fraction, share_days: int
    ) -> Fraction:
        """``value`` kWh from ``begin``, after the kWh ``before`` since 1 January (for the cap)."""
        period = _rate_at(self.periods, begin)
        sce = self.installation.sce
        if self.installation.scheme == "postcoderoos":
            if before.approx + float(value) < before.cap_float - 1:  # far under the cap: no exact check
                return value * period.eur_per_kwh
            running = before.exact()
            eligible = min(cap, running + value) - min(cap, running)
            return eligible * period.eur_per_kwh
        if sce is not None and sce.payout == "per_share":
            assert sce.eur_per_share_year is not None
            in_window = period.note == ""
            return (
                Fraction(sce.eur_per_share_year) * share_days / self.days_in_year
                if in_window
                else Fraction(0)
            )
        return value * period.eur_per_kwh * self.scale


class _Running:
    """kWh since 1 January: a float to see quickly that the cap is far, the exact sum when near."""

    def __init__(self, cap: Fraction) -> None:
        self.values: list[Fraction] = []
        self.approx = 0.0
        self.cap_float = float(cap)

    def add(self, value: Fraction) -> None:
        self.values.append(value)
        self.approx += float(value)

    def exact(self) -> Fraction:
        return exact_sum(self.values)


def _add_year(alloc: Allocation, pricing: _Pricing, first: date, out: _Figures) -> None:
    """Add the buckets of ``alloc`` from ``first`` on to ``out``, per month."""
    for pid, values in alloc.kwh.items():
        cap = pricing.cap_of(pid)
        running = _Running(cap)
        kwh: dict[date, list[Fraction]] = defaultdict(list)
        eur: dict[date, list[Fraction]] = defaultdict(list)
        for index, value in enumerate(values):
            begin = alloc.buckets[index]
            days = alloc.bucket_share_days[pid][index]
            euros = pricing.euros(begin, value, running, cap, days)
            running.add(value)
            if begin < first:
                continue
            month = begin.replace(day=1)
            kwh[month].append(value)
            eur[month].append(euros)
            out.share_days[pid] += days
        _merge(out.kwh[pid], kwh)
        _merge(out.eur[pid], eur)
    for index, begin in enumerate(alloc.buckets):
        if begin >= first:
            out.total[begin.replace(day=1)] += alloc.total[index]


def _merge(into: dict[date, Fraction], new: dict[date, list[Fraction]]) -> None:
    for month, values in new.items():
        if month in into:
            values.append(into[month])
        into[month] = values[0] if len(values) == 1 else exact_sum(values)


def _open_year(
    installation: InstallationConfig,
    holdings: list[Holding],
    production: DailyProduction,
    tariffs: Tariffs,
    year: int,
    first: date,
    last: date,
    out: _Figures,
    consumption: Mapping[str, Fraction] | None = None,
) -> None:
    """Allocate year ``year`` from 1 January (for the cap) and add [first, last] to ``out``."""
    a = max(date(year, 1, 1), installation.delivery_start)
    z = last
    if a > z:
        return
    for day in (a, z):
        if day not in production.kwh:
            raise SettlementError(
                f"no production figures for {day} (they cover {production.first} to {production.last})"
            )
    periods = rate_periods(installation, tariffs, a, z)
    out.notes.update(p.note for p in periods if p.note and p.last >= first)
    out.unpriced.update(p.first.year for p in periods if not p.known and p.last >= first)
    buckets = sorted({*month_starts(a, z), *(p.first for p in periods), max(first, a)})
    alloc = allocate_shares(
        production, holdings, installation.shares_issued, a, z, installation.count_unsold, buckets
    )
    scale = _sce_scale(installation, tariffs, alloc.total_kwh)
    if scale is not None:
        cap = scale * alloc.total_kwh
        out.notes.add(f"{year}: production above the SCE cap of {cap} kWh; subsidy scaled down")
    days_in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    pricing = _Pricing(
        installation,
        periods,
        Fraction(tariffs.cap_kwh_per_year),
        scale or Fraction(1),
        days_in_year,
        consumption or {},
    )
    _add_year(alloc, pricing, first, out)
    out.estimated_days += sum(1 for d in production.estimated if first <= d <= z)


def _share_days(holdings: list[Holding], first: date, last: date) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for h in holdings:
        a, b = max(h.start, first), min(h.end or last, last)
        if a <= b:
            out[h.participant_id] += h.shares * ((b - a).days + 1)
    return out


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - ONE_DAY


def _from_locked(lock: LockedYear, holdings: list[Holding], first: date, last: date, out: _Figures) -> None:
    """Add [first, last] of a confirmed year to ``out`` as it was frozen."""
    year = lock.year
    if first.day != 1 or last != _month_end(last):
        raise SettlementError(
            f"{year} is confirmed and can only be reported in whole months; "
            f"choose a period from the 1st to the last day of a month"
        )
    whole = first == date(year, 1, 1) and last == date(year, 12, 31)
    for month, value in lock.total.items():
        if first <= month <= last:
            out.total[month] += value
    for pid, months in lock.kwh.items():
        for month, value in months.items():
            if first <= month <= last:
                out.kwh[pid][month] += value
                out.eur[pid][month] += lock.eur.get(pid, {}).get(month, Fraction(0))
    days = lock.share_days if whole else _share_days(holdings, first, last)
    for pid, n in days.items():
        out.share_days[pid] += n
    if whole:
        out.estimated_days += lock.estimated_days


def settle(
    installation: InstallationConfig,
    holdings: list[Holding],
    production: DailyProduction,
    tariffs: Tariffs,
    start: date,
    end: date,
    locked: dict[int, LockedYear] | None = None,
    consumption: Mapping[str, Fraction] | None = None,
) -> Settlement:
    """kWh and euros per participant per month for [start, end] (local dates, inclusive).

    ``consumption``: a participant's yearly use, which limits a postcoderoos discount."""
    if end < start:
        raise SettlementError(f"the period ends ({end}) before it starts ({start})")
    locked = locked or {}
    out = _Figures()
    corrections: dict[int, dict[str, Pair]] = {}
    used_locks: list[int] = []
    for year in range(start.year, end.year + 1):
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        if year in locked:
            _from_locked(locked[year], holdings, first, last, out)
            used_locks.append(year)
            continue
        _open_year(installation, holdings, production, tariffs, year, first, last, out, consumption)
        if first == date(year, 1, 1):
            _post_corrections(
                installation, holdings, production, tariffs, year, locked, out, corrections, consumption
            )
    months = tuple(m for m in month_starts(start, end))
    keys = tuple(m.replace(day=1) for m in months)
    return Settlement(
        installation,
        start,
        end,
        keys,
        {m: out.total.get(m, Fraction(0)) for m in keys},
        {pid: dict(sorted(v.items())) for pid, v in sorted(out.kwh.items())},
        {pid: dict(sorted(v.items())) for pid, v in sorted(out.eur.items())},
        dict(out.share_days),
        out.estimated_days,
        tuple(used_locks),
        corrections,
        tuple(sorted(out.notes)),
        tuple(sorted(out.unpriced)),
    )


def _post_corrections(
    installation: InstallationConfig,
    holdings: list[Holding],
    production: DailyProduction,
    tariffs: Tariffs,
    year: int,
    locked: dict[int, LockedYear],
    out: _Figures,
    corrections: dict[int, dict[str, Pair]],
    consumption: Mapping[str, Fraction] | None = None,
) -> None:
    """Recompute the confirmed years just before ``year`` and post what changed on 1 January."""
    earlier = year - 1
    january = date(year, 1, 1)
    while earlier in locked:
        lock = locked[earlier]
        fresh = _Figures()
        _open_year(
            installation,
            holdings,
            production,
            tariffs,
            earlier,
            date(earlier, 1, 1),
            date(earlier, 12, 31),
            fresh,
            consumption,
        )
        absorbed: dict[str, list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
        # the locked figures include corrections of even earlier years, posted into this one
        for own in lock.absorbed.values():
            for pid, (k, e) in own.items():
                absorbed[pid][0] -= k
                absorbed[pid][1] -= e
        for later in range(earlier + 1, year):
            for pid, (k, e) in locked[later].absorbed.get(earlier, {}).items():
                absorbed[pid][0] += k
                absorbed[pid][1] += e
        changes: dict[str, Pair] = {}
        for pid in sorted(set(fresh.kwh) | set(lock.kwh) | set(absorbed)):
            new_k = sum(fresh.kwh.get(pid, {}).values(), Fraction(0))
            new_e = sum(fresh.eur.get(pid, {}).values(), Fraction(0))
            d_k = new_k - lock.year_kwh(pid) - absorbed[pid][0]
            d_e = new_e - lock.year_eur(pid) - absorbed[pid][1]
            if d_k or d_e:
                changes[pid] = (d_k, d_e)
                out.kwh[pid][january] += d_k
                out.eur[pid][january] += d_e
        new_total = sum(fresh.total.values(), Fraction(0))
        d_total = new_total - lock.year_total - absorbed[UNALLOCATED][0]
        if d_total:
            changes[UNALLOCATED] = (d_total, Fraction(0))
            out.total[january] += d_total
        if changes:
            corrections[earlier] = changes
            out.notes.add(f"corrections to confirmed {earlier} posted on {january}")
        earlier -= 1
