"""The share register as the rest of the code sees it: participants, and who held how many
shares of which installation from when to when."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from buurtwatt.shares.register.problems import RegisterProblem


@dataclass(frozen=True, slots=True)
class Participant:
    participant_id: str
    name: str
    email: str
    postcode: str
    house_number: str
    ean: str
    repay_from_yield: bool
    stake_eur: Decimal
    street: str = ""
    city: str = ""
    supplier: str = ""
    supplier_customer_number: str = ""
    line: int = 0
    consumption_kwh: Decimal | None = None  # own yearly use; None: not in the register
    organisation: bool = False  # the building's own organisation (its shares are the building's)

    @property
    def pc4(self) -> str:
        return self.postcode[:4]

    @property
    def address(self) -> str:
        first = f"{self.street} {self.house_number}".strip()
        second = f"{self.postcode} {self.city}".strip()
        return ", ".join(part for part in (first, second) if part)


@dataclass(frozen=True, slots=True)
class Holding:
    """``shares`` held from ``start`` through ``end`` (local dates, both inclusive; None = still held)."""

    participant_id: str
    installation: str
    shares: int
    start: date
    end: date | None = None
    line: int = 0

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


PAYMENT_KINDS = ("stake", "instalment", "payout")


@dataclass(frozen=True, slots=True)
class Payment:
    """Money that changed hands. ``stake`` and ``instalment``: the participant paid the
    cooperative (all at once, or in parts); ``payout``: the cooperative paid the participant."""

    day: date
    participant_id: str
    amount_eur: Decimal
    kind: str
    line: int = 0

    @property
    def towards_stake(self) -> bool:
        return self.kind in ("stake", "instalment")


@dataclass(frozen=True)
class Register:
    participants: dict[str, Participant]
    holdings: tuple[Holding, ...]
    warnings: tuple[RegisterProblem, ...] = field(default=())
    payments: tuple[Payment, ...] = field(default=())

    def payments_of(self, participant_id: str) -> list[Payment]:
        return [p for p in self.payments if p.participant_id == participant_id]

    @property
    def organisation(self) -> str | None:
        """The participant id of the building's own organisation, if the register has one."""
        return next((p.participant_id for p in self.participants.values() if p.organisation), None)

    def consumption(self) -> dict[str, Decimal]:
        """Yearly use per participant, for those the register gives it."""
        return {
            pid: p.consumption_kwh for pid, p in self.participants.items() if p.consumption_kwh is not None
        }

    def holdings_of(self, installation: str, participant_id: str | None = None) -> list[Holding]:
        """The rows of one installation (of one participant, when given)."""
        return [
            h
            for h in self.holdings
            if h.installation == installation and participant_id in (None, h.participant_id)
        ]

    def shares_on(self, installation: str, day: date) -> dict[str, int]:
        held: dict[str, int] = defaultdict(int)
        for h in self.holdings:
            if h.installation == installation and h.active_on(day):
                held[h.participant_id] += h.shares
        return dict(held)
