"""What the dashboard shows: one participant's own figures, and roof totals for public pages.

The participant page calls :func:`verify_token` and then :func:`participant_summary`; public
pages call :func:`roof_totals` only (no names, no per-person figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from buurtwatt.config import SiteConfig
from buurtwatt.shares.ledger import ProductionSource, find_installation, settle_period
from buurtwatt.shares.register import Register
from buurtwatt.shares.rounding import largest_remainder
from buurtwatt.shares.settle import Settlement
from buurtwatt.shares.tokens import TokenStore
from buurtwatt.store.base import Resolution, Store
from buurtwatt.timeutil import local_midnight

KWH = Decimal("0.001")
CENT = Decimal("0.01")


def _dec(value: Fraction, quantum: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum, ROUND_HALF_UP)


@dataclass(frozen=True)
class MonthKwh:
    month: date  # first day of the month
    kwh: Decimal


@dataclass(frozen=True)
class Repayment:
    stake_eur: Decimal
    repaid_eur: Decimal
    left_eur: Decimal
    eur_last_12_months: Decimal
    payoff_date: date | None  # expected at the rolling 12-month rate; None when nothing comes in
    done: bool

    @property
    def fraction_repaid(self) -> float:
        return float(self.repaid_eur / self.stake_eur) if self.stake_eur else 1.0


@dataclass(frozen=True)
class InstallationShare:
    installation: str
    title: str
    scheme: str  # postcoderoos | sce
    shares_held: int
    this_year_kwh: Decimal
    this_year_eur: Decimal
    last_year_kwh: Decimal
    last_year_eur: Decimal
    months: tuple[MonthKwh, ...]  # this year, January to this month
    roof_today_kwh: Decimal | None  # the whole roof, today so far


@dataclass(frozen=True)
class ParticipantSummary:
    participant_id: str
    name: str
    today: date
    installations: tuple[InstallationShare, ...]
    repayment: Repayment | None
    estimated_days: int

    @property
    def shares_held(self) -> int:
        return sum(i.shares_held for i in self.installations)

    @property
    def this_year_kwh(self) -> Decimal:
        return sum((i.this_year_kwh for i in self.installations), Decimal("0.000"))

    @property
    def this_year_eur(self) -> Decimal:
        return sum((i.this_year_eur for i in self.installations), Decimal("0.00"))

    @property
    def last_year_kwh(self) -> Decimal:
        return sum((i.last_year_kwh for i in self.installations), Decimal("0.000"))

    @property
    def last_year_eur(self) -> Decimal:
        return sum((i.last_year_eur for i in self.installations), Decimal("0.00"))


def verify_token(config: SiteConfig, token: str) -> str | None:
    """The participant id behind a personal link, or None (same answer for every failure)."""
    path = config.shares.tokens_path
    if path is None:
        return None
    try:
        return TokenStore(path).verify_token(token)
    except (OSError, ValueError):
        return None


def roof_today_kwh(store: Store | None, series: str, today: date, tz: str) -> Decimal | None:
    if store is None:
        return None
    rows = store.read(
        series, local_midnight(today, tz), local_midnight(today + timedelta(1), tz), Resolution.DAY
    )
    values = [r.value for r in rows if r.value is not None and r.count > 0]
    return Decimal(repr(float(sum(values)))).quantize(KWH, ROUND_HALF_UP) if values else None


def _sum(values: dict[date, Fraction], first: date, last: date) -> Fraction:
    return sum((v for m, v in values.items() if first <= m <= last), Fraction(0))


def repayment_status(
    stake: Decimal, settlements: list[Settlement], participant_id: str, today: date
) -> Repayment:
    """Yield value pays the stake first. Payoff date at the rate of the last 12 months."""
    earned = sum((s.participant_eur(participant_id) for s in settlements), Fraction(0))
    window_start = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    recent = sum((_sum(s.eur.get(participant_id, {}), window_start, today) for s in settlements), Fraction(0))
    stake_f = Fraction(stake)
    repaid = min(stake_f, max(earned, Fraction(0)))
    left = stake_f - repaid
    days = (today - window_start).days + 1
    payoff: date | None = None
    if left == 0:
        payoff = today
    elif recent > 0:
        payoff = today + timedelta(days=int(-(-left * days // recent)))
    return Repayment(stake, _dec(repaid, CENT), _dec(left, CENT), _dec(recent, CENT), payoff, left == 0)


def participant_summary(
    config: SiteConfig,
    store: Store | None,
    participant_id: str,
    today: date,
    register: Register | None = None,
    source: ProductionSource | None = None,
    settlements_cache: dict[tuple[str, date], Settlement] | None = None,
) -> ParticipantSummary | None:
    """The participant's own figures for ``/mijn/<token>`` (None if the id is unknown).

    Each installation is settled from its first delivery up to ``today``, the same for every
    participant: pass one ``settlements_cache`` dict per day and register (the dashboard
    does) and the second participant of the day costs almost nothing.
    """
    from buurtwatt.shares.ledger import open_register

    register = register or open_register(config)
    person = register.participants.get(participant_id)
    if person is None:
        return None
    source = source or ProductionSource(store=store)
    shares: list[InstallationShare] = []
    settlements: list[Settlement] = []
    estimated = 0
    for inst_config in config.installations:
        holdings = [h for h in register.holdings_of(inst_config.name) if h.participant_id == participant_id]
        if not holdings:
            continue
        inst = find_installation(config, inst_config.name)
        if inst.delivery_start > today:
            continue
        settlement = settlements_cache.get((inst.name, today)) if settlements_cache is not None else None
        if settlement is None:
            settlement = settle_period(config, register, inst, source, inst.delivery_start, today)
            if settlements_cache is not None:
                settlements_cache[(inst.name, today)] = settlement
        settlements.append(settlement)
        estimated += settlement.estimated_days
        year_start, last_start = date(today.year, 1, 1), date(today.year - 1, 1, 1)
        kwh = settlement.kwh.get(participant_id, {})
        eur = settlement.eur.get(participant_id, {})
        this_kwh = _dec(_sum(kwh, year_start, today), KWH)
        months = {m: v for m, v in kwh.items() if m >= year_start}
        rounded = largest_remainder(months, 3, this_kwh) if months else {}
        shares.append(
            InstallationShare(
                inst.name,
                inst.title,
                inst.scheme,
                sum(h.shares for h in holdings if h.active_on(today)),
                this_kwh,
                _dec(_sum(eur, year_start, today), CENT),
                _dec(_sum(kwh, last_start, year_start - timedelta(1)), KWH),
                _dec(_sum(eur, last_start, year_start - timedelta(1)), CENT),
                tuple(MonthKwh(m, rounded[m]) for m in sorted(rounded)),
                roof_today_kwh(store, inst.production, today, config.site.timezone),
            )
        )
    repayment = None
    if person.repay_from_yield:
        repayment = repayment_status(person.stake_eur, settlements, participant_id, today)
    return ParticipantSummary(participant_id, person.name, today, tuple(shares), repayment, estimated)


@dataclass(frozen=True)
class RoofTotals:
    installation: str
    title: str
    shares_issued: int
    shares_held: int
    participants: int
    today_kwh: Decimal | None


def roof_totals(
    config: SiteConfig, store: Store | None, today: date, register: Register | None = None
) -> list[RoofTotals]:
    """Totals only, for the display screen and public pages."""
    from buurtwatt.shares.ledger import open_register

    register = register or open_register(config)
    out = []
    for inst in config.installations:
        held = register.shares_on(inst.name, today)
        out.append(
            RoofTotals(
                inst.name,
                inst.title,
                inst.shares_issued,
                sum(held.values()),
                len(held),
                roof_today_kwh(store, inst.production, today, config.site.timezone),
            )
        )
    return out
