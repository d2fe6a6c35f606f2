"""The one place the dashboard asks the share register (buurtwatt/shares, issue 9).

Public pages only ever get totals for the whole roof. Participant data goes out only
for a verified token (/mijn) or to a logged-in admin (/beheer). Until the shares
module's functions are wired here, a participant link finds nobody (the 404 page).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from datetime import date

from buurtwatt.store.base import Resolution
from buurtwatt.timeutil import local_date, local_midnight
from dashboard.context import DashContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoofTotals:
    today_kwh: float
    year_kwh: float
    series: tuple[str, ...]


@dataclass(frozen=True)
class Repayment:
    stake_eur: float
    repaid_eur: float
    payoff: date | None

    @property
    def left_eur(self) -> float:
        return max(0.0, self.stake_eur - self.repaid_eur)


@dataclass(frozen=True)
class ParticipantView:
    participant_id: str
    name: str
    shares: float
    installations: tuple[str, ...]
    year_kwh: float
    year_eur: float
    last_year_kwh: float
    last_year_eur: float
    months: list[tuple[float, float]] = field(default_factory=list)  # month start, kWh
    repayment: Repayment | None = None
    statement_url: str | None = None


def roof_series(ctx: DashContext) -> tuple[str, ...]:
    """Production counters of the collective roof (all participants together)."""
    collective = ctx.config.balance.collective
    if collective and collective.production:
        return tuple(collective.production)
    found: list[str] = []
    for inst in ctx.config.installations:
        prod = getattr(inst, "production", None) or getattr(inst, "production_series", None)
        if isinstance(prod, str):
            found.append(prod)
        elif prod:
            found += list(prod)
    return tuple(found)


def roof_totals(ctx: DashContext, now: float) -> RoofTotals | None:
    series = roof_series(ctx)
    if not series:
        return None
    tz = ctx.tz
    today = local_date(now, tz)
    year_start = local_midnight(today.replace(month=1, day=1), tz)
    day_start = local_midnight(today, tz)
    year = today_kwh = 0.0
    for s in series:
        for row in ctx.store.read(s, year_start, now + 1, Resolution.DAY):
            year += row.value or 0.0
            if row.ts >= day_start:
                today_kwh += row.value or 0.0
    return RoofTotals(today_kwh, year, series)


def participant_view(ctx: DashContext, token: str, now: float) -> ParticipantView | None:
    """The participant a token belongs to, or None (unknown, expired or not wired yet)."""
    try:
        from buurtwatt import shares
    except ImportError:
        return None
    verify = getattr(shares, "verify_token", None)
    summary = getattr(shares, "participant_summary", None)
    if verify is None or summary is None:
        return None
    return None  # wiring point: map shares.participant_summary(...) into ParticipantView


def register_rows(ctx: DashContext) -> list[dict[str, str]]:
    """The participant register for the admin page (names and shares, no tokens)."""
    path = ctx.config.shares.participants
    if not path:
        return []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        log.warning("cannot read the participant register %s: %s", path, exc.strerror)
        return []
    keep = ("participant_id", "name", "postcode", "repay_from_yield", "stake_eur")
    return [{k: r.get(k, "") for k in keep} for r in rows]


def holdings_rows(ctx: DashContext) -> list[dict[str, str]]:
    path = ctx.config.shares.holdings
    if not path:
        return []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []
