"""What the participant page shows: one participant's own figures.

The roof as a whole (for public pages too) is :mod:`buurtwatt.shares.roof`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from buurtwatt.config import SiteConfig
from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.ledger import ProductionSource, open_register, settle_period
from buurtwatt.shares.register import Holding, Register
from buurtwatt.shares.rounding import largest_remainder
from buurtwatt.shares.settle import Settlement
from buurtwatt.store.base import Store

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


SettlementCache = dict[tuple[str, date], Settlement]


def _settled(
    config: SiteConfig,
    register: Register,
    inst: InstallationConfig,
    source: ProductionSource,
    today: date,
    cache: SettlementCache | None,
) -> Settlement:
    """The installation from its first delivery up to ``today``: the same for every participant."""
    settlement = cache.get((inst.name, today)) if cache is not None else None
    if settlement is None:
        settlement = settle_period(config, register, inst, source, inst.delivery_start, today)
        if cache is not None:
            cache[(inst.name, today)] = settlement
    return settlement


def _share(
    settlement: Settlement, participant_id: str, holdings: list[Holding], today: date
) -> InstallationShare:
    """One installation's part of the participant's summary."""
    inst = settlement.installation
    year_start, last_start = date(today.year, 1, 1), date(today.year - 1, 1, 1)
    last_end = year_start - timedelta(1)
    kwh = settlement.kwh.get(participant_id, {})
    eur = settlement.eur.get(participant_id, {})
    this_kwh = _dec(_sum(kwh, year_start, today), KWH)
    months = {m: v for m, v in kwh.items() if m >= year_start}
    rounded = largest_remainder(months, 3, this_kwh) if months else {}
    return InstallationShare(
        inst.name,
        inst.title,
        inst.scheme,
        sum(h.shares for h in holdings if h.active_on(today)),
        this_kwh,
        _dec(_sum(eur, year_start, today), CENT),
        _dec(_sum(kwh, last_start, last_end), KWH),
        _dec(_sum(eur, last_start, last_end), CENT),
        tuple(MonthKwh(m, rounded[m]) for m in sorted(rounded)),
    )


def participant_summary(
    config: SiteConfig,
    store: Store | None,
    participant_id: str,
    today: date,
    register: Register | None = None,
    source: ProductionSource | None = None,
    settlements_cache: SettlementCache | None = None,
) -> ParticipantSummary | None:
    """The participant's own figures for ``/mijn/<token>`` (None if the id is unknown).

    Each installation is settled from its first delivery up to ``today``, the same for every
    participant: pass one ``settlements_cache`` dict per day and register (the dashboard
    does) and the second participant of the day costs almost nothing.
    """
    register = register or open_register(config)
    person = register.participants.get(participant_id)
    if person is None:
        return None
    source = source or ProductionSource(store=store)
    shares: list[InstallationShare] = []
    settlements: list[Settlement] = []
    for inst in config.installations:
        holdings = register.holdings_of(inst.name, participant_id)
        if not holdings or inst.delivery_start > today:
            continue
        settlement = _settled(config, register, inst, source, today, settlements_cache)
        settlements.append(settlement)
        shares.append(_share(settlement, participant_id, holdings, today))
    repayment = None
    if person.repay_from_yield:
        repayment = repayment_status(person.stake_eur, settlements, participant_id, today)
    estimated = sum(s.estimated_days for s in settlements)
    return ParticipantSummary(participant_id, person.name, today, tuple(shares), repayment, estimated)
