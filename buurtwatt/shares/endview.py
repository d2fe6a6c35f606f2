"""The end of the scheme, two participants side by side: one paid the stake at the start, the
other repays it from the yield. Both hold the same shares, so both get the same yield; the
promise ("evenveel over") is that both end with the same. Pure: plain numbers in, cents out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Side:
    paid_eur: Decimal  # paid to the cooperative out of pocket
    received_eur: Decimal  # paid out by the cooperative (or by the supplier, as a discount)
    still_owed_eur: Decimal  # stake not yet repaid when the scheme ends

    @property
    def left_over_eur(self) -> Decimal:
        """What the participation brought in the end: received - paid - still owed."""
        return self.received_eur - self.paid_eur - self.still_owed_eur


@dataclass(frozen=True)
class EndOfProject:
    scheme_end: date
    stake_eur: Decimal
    expected_yield_eur: Decimal  # so far plus the rest of the scheme at the rate of the last 12 months
    payer: Side
    repayer: Side

    @property
    def same(self) -> bool:
        return self.payer.left_over_eur == self.repayer.left_over_eur


def expected_yield(earned: Decimal, per_year: Decimal, today: date, scheme_end: date) -> Decimal:
    """Yield so far plus ``per_year`` for the days left up to the scheme's end (inclusive)."""
    days_left = max(0, (scheme_end - today).days)
    return (earned + per_year * Decimal(days_left) / Decimal(365)).quantize(CENT, ROUND_HALF_UP)


def end_of_project(
    stake: Decimal, total_yield: Decimal, paid_by_repayer: Decimal, scheme_end: date
) -> EndOfProject:
    """Both sides for a yield of ``total_yield`` over the whole scheme.

    The payer pays ``stake`` at the start and receives all the yield. The repayer pays
    ``paid_by_repayer`` out of pocket (instalments); the yield first pays off the rest of the
    stake, and what is left after that is paid out. If the yield is too small, the rest of the
    stake is still owed at the end. Either way both end with yield - stake."""
    stake, total_yield = stake.quantize(CENT), total_yield.quantize(CENT)
    paid = min(stake, paid_by_repayer.quantize(CENT))
    to_repay = stake - paid
    from_yield = min(to_repay, total_yield)
    repayer = Side(paid, total_yield - from_yield, to_repay - from_yield)
    return EndOfProject(scheme_end, stake, total_yield, Side(stake, total_yield, Decimal("0.00")), repayer)
