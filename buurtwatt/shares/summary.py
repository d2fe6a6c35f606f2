"""What the participant page shows: one participant's own figures.

The roof as a whole (for public pages too) is :mod:`buurtwatt.shares.roof`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from buurtwatt.config import SiteConfig
from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.endview import EndOfProject, end_of_project, expected_yield
from buurtwatt.shares.ledger import ProductionSource, open_register, settle_period, tariffs_for
from buurtwatt.shares.register import Holding, Payment, Register
from buurtwatt.shares.rounding import largest_remainder
from buurtwatt.shares.settle import Settlement
from buurtwatt.shares.tariffs import scheme_end
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
    repaid_eur: Decimal  # = sum of from_yield + paid_eur as shown, up to the stake
    left_eur: Decimal
    eur_last_12_months: Decimal
    payoff_date: date | None  # expected at the rolling 12-month rate; None when nothing comes in
    done: bool
    from_yield: tuple[tuple[int, Decimal], ...] = ()  # per year, in cents that add up
    paid_eur: Decimal = Decimal("0.00")  # paid towards the stake out of pocket (payments.csv)
    scheme_end: date | None = None
    end: EndOfProject | None = None

    @property
    def fraction_repaid(self) -> float:
        return float(self.repaid_eur / self.stake_eur) if self.stake_eur else 1.0

    @property
    def beyond_end(self) -> bool:
        """At this pace the stake is not repaid before the scheme (and its yield) ends."""
        if self.done or self.scheme_end is None:
            return False
        return self.payoff_date is None or self.payoff_date > self.scheme_end


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
    at_most: bool = False  # postcoderoos without the member's own use: the discount is "at most" this
    unpriced_years: tuple[int, ...] = ()  # years whose euros are not known yet (no published figures)


@dataclass(frozen=True)
class ParticipantSummary:
    participant_id: str
    name: str
    today: date
    installations: tuple[InstallationShare, ...]
    repayment: Repayment | None
    estimated_days: int
    payments: tuple[Payment, ...] = ()
    notes: tuple[str, ...] = ()

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


def year_euros(settlements: list[Settlement], participant_id: str) -> dict[tuple[str, int], Decimal]:
    """The participant's euros per installation and year, rounded once together (largest
    remainder), so every sum of them shown equals the rounded whole."""
    exact: dict[tuple[str, int], Fraction] = {}
    for s in settlements:
        for month, value in s.eur.get(participant_id, {}).items():
            key = (s.installation.name, month.year)
            exact[key] = exact.get(key, Fraction(0)) + value
    return largest_remainder(exact, 2) if exact else {}


def repayment_status(
    stake: Decimal,
    settlements: list[Settlement],
    participant_id: str,
    today: date,
    payments: Sequence[Payment] = (),
    scheme_end: date | None = None,
) -> Repayment:
    """Yield value (and what the participant paid in) pays the stake first. Payoff date at the
    rate of the last 12 months."""
    per_year: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for (_inst, year), value in year_euros(settlements, participant_id).items():
        per_year[year] += value
    paid = sum((p.amount_eur for p in payments if p.towards_stake and p.day <= today), Decimal("0.00"))
    # this month and the 11 before it
    months_back = today.year * 12 + today.month - 1 - 11
    window_start = date(months_back // 12, months_back % 12 + 1, 1)
    recent = sum((_sum(s.eur.get(participant_id, {}), window_start, today) for s in settlements), Fraction(0))
    earned = sum(per_year.values(), Decimal("0.00"))
    repaid = min(stake, max(earned + paid, Decimal(0)))
    left = stake - repaid
    days = (today - window_start).days + 1
    payoff: date | None = None
    if left == 0:
        payoff = today
    elif recent > 0:
        payoff = today + timedelta(days=int(-(-Fraction(left) * days // recent)))
    end = None
    if scheme_end is not None:
        total = expected_yield(earned, _dec(recent, CENT), today, scheme_end)
        end = end_of_project(stake, total, paid, scheme_end)
    return Repayment(
        stake,
        repaid.quantize(CENT),
        left.quantize(CENT),
        _dec(recent, CENT),
        payoff,
        left == 0,
        tuple((y, v) for y, v in sorted(per_year.items()) if v),  # years with nothing add nothing
        paid,
        scheme_end,
        end,
    )


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
    settlement: Settlement,
    participant_id: str,
    holdings: list[Holding],
    today: date,
    euros: dict[tuple[str, int], Decimal],
    has_consumption: bool,
) -> InstallationShare:
    """One installation's part of the participant's summary (``euros``: see :func:`year_euros`)."""
    inst = settlement.installation
    year_start, last_start = date(today.year, 1, 1), date(today.year - 1, 1, 1)
    last_end = year_start - timedelta(1)
    kwh = settlement.kwh.get(participant_id, {})
    this_kwh = _dec(_sum(kwh, year_start, today), KWH)
    months = {m: v for m, v in kwh.items() if m >= year_start}
    rounded = largest_remainder(months, 3, this_kwh) if months else {}
    return InstallationShare(
        inst.name,
        inst.title,
        inst.scheme,
        sum(h.shares for h in holdings if h.active_on(today)),
        this_kwh,
        euros.get((inst.name, today.year), Decimal("0.00")),
        _dec(_sum(kwh, last_start, last_end), KWH),
        euros.get((inst.name, today.year - 1), Decimal("0.00")),
        tuple(MonthKwh(m, rounded[m]) for m in sorted(rounded)),
        inst.scheme == "postcoderoos" and not has_consumption,
        tuple(y for y in settlement.unpriced_years if y >= today.year - 1),
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
    settlements: list[tuple[Settlement, list[Holding]]] = []
    for inst in config.installations:
        holdings = register.holdings_of(inst.name, participant_id)
        if holdings and inst.delivery_start <= today:
            settlements.append((_settled(config, register, inst, source, today, settlements_cache), holdings))
    euros = year_euros([s for s, _ in settlements], participant_id)
    used = person.consumption_kwh is not None
    shares = tuple(_share(s, participant_id, h, today, euros, used) for s, h in settlements)
    payments = tuple(register.payments_of(participant_id))
    repayment = None
    if person.repay_from_yield:
        tariffs = tariffs_for(config)
        end = max((scheme_end(s.installation, tariffs) for s, _ in settlements), default=None)
        only = [s for s, _ in settlements]
        repayment = repayment_status(person.stake_eur, only, participant_id, today, payments, end)
    estimated = sum(s.estimated_days for s, _ in settlements)
    notes = tuple(sorted({n for s, _ in settlements for n in s.notes}))
    return ParticipantSummary(
        participant_id, person.name, today, shares, repayment, estimated, payments, notes
    )
