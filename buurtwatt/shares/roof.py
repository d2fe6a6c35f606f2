"""The collective roof as a whole: its yield today and this year, and how many shares are held.

The one place that works out "the roof today": the participant page, the display screen and the
public pages all ask here. Totals only, never per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.register import Register
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_midnight

KWH = Decimal("0.001")


@dataclass(frozen=True)
class RoofTotals:
    today_kwh: Decimal | None  # None: no reading today yet (never shown as 0)
    year_kwh: Decimal | None
    shares_issued: int
    shares_held: int
    participants: int


def _sum(
    store: Store, series: Iterable[str], start: float, end: float, resolution: Resolution
) -> Decimal | None:
    values = [
        row.value
        for name in series
        for row in store.read(name, start, end, resolution)
        if row.count and row.value is not None
    ]
    return Decimal(repr(float(sum(values)))).quantize(KWH, ROUND_HALF_UP) if values else None


def roof_yield(
    store: Store, series: Sequence[str], today: date, tz: str
) -> tuple[Decimal | None, Decimal | None]:
    """kWh today and this year (local calendar) of the roof's production counters."""
    day_start = local_midnight(today, tz)
    day_end = local_midnight(today + timedelta(days=1), tz)
    year_start = local_midnight(today.replace(month=1, day=1), tz)
    # months up to this one, then today's day bucket: the coarsest rollups that answer
    return (
        _sum(store, series, day_start, day_end, Resolution.DAY),
        _sum(store, series, year_start, day_end, Resolution.MONTH),
    )


def roof_totals(
    store: Store,
    series: Sequence[str],
    installations: Sequence[InstallationConfig],
    register: Register | None,
    today: date,
    tz: str,
) -> RoofTotals:
    """The whole roof (all installations together) today."""
    today_kwh, year_kwh = roof_yield(store, series, today, tz)
    held = participants = 0
    for inst in installations:
        if register is not None:
            on = register.shares_on(inst.name, today)
            held += sum(on.values())
            participants += len(on)
    issued = sum(inst.shares_issued for inst in installations)
    return RoofTotals(today_kwh, year_kwh, issued, held, participants)
