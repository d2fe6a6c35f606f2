"""Properties of the allocation (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from buurtwatt.shares.allocate import allocate_shares
from buurtwatt.shares.production import fill_days
from buurtwatt.shares.register import Holding
from buurtwatt.shares.rounding import largest_remainder, round_total
from buurtwatt.shares.settle import UNALLOCATED

START = date(2024, 2, 20)
DAYS = 20
END = START + timedelta(DAYS - 1)

holding = st.tuples(st.integers(0, 5), st.integers(1, 4), st.integers(0, DAYS - 1), st.integers(0, DAYS))
production_values = st.lists(st.decimals(0, 500, places=3, allow_nan=False), min_size=DAYS, max_size=DAYS)


def build(raw, values):
    holdings = [
        Holding(f"P{p}", "dak", n, START + timedelta(a), START + timedelta(min(a + length, DAYS - 1)))
        for p, n, a, length in raw
    ]
    production = fill_days({START + timedelta(i): Decimal(v) for i, v in enumerate(values)}, START, END)
    return holdings, production


def rounded(alloc, precision):
    parts = {p: alloc.participant_kwh(p) for p in alloc.kwh} | {UNALLOCATED: alloc.unallocated_kwh}
    return largest_remainder(parts, precision)


@settings(max_examples=150, deadline=None)
@given(st.lists(holding, min_size=0, max_size=12), production_values, st.booleans(), st.integers(0, 4))
def test_sum_is_always_exact(raw, values, count_unsold, precision):
    holdings, production = build(raw, values)
    issued = max(1, sum(n for _p, n, _a, _l in raw))
    alloc = allocate_shares(production, holdings, issued, START, END, count_unsold)
    assert (
        alloc.participant_kwh("P0")
        + sum((alloc.participant_kwh(p) for p in alloc.kwh if p != "P0"), Fraction(0))
        + alloc.unallocated_kwh
        == production.total()
    )
    result = rounded(alloc, precision)
    total = sum(Fraction(v) for v in values)

    assert sum(result.values()) == round_total(total, precision)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(holding, min_size=1, max_size=10),
    production_values,
    st.booleans(),
    st.integers(0, DAYS - 1),
    st.integers(0, DAYS),
    st.integers(1, 3),
    st.integers(0, 3),
)
def test_more_shares_never_less_kwh(raw, values, count_unsold, a, length, extra, precision):
    holdings, production = build(raw, values)
    issued = sum(n for _p, n, _a, _l in raw) + extra
    target = holdings[0].participant_id
    more = [
        *holdings,
        Holding(target, "dak", extra, START + timedelta(a), START + timedelta(min(a + length, DAYS - 1))),
    ]
    before = allocate_shares(production, holdings, issued, START, END, count_unsold)
    after = allocate_shares(production, more, issued, START, END, count_unsold)
    assert after.participant_kwh(target) >= before.participant_kwh(target)
    assert rounded(after, precision)[target] >= rounded(before, precision)[target]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(holding, min_size=1, max_size=10), production_values, st.booleans(), st.permutations(range(6))
)
def test_swapping_ids_changes_only_the_labels(raw, values, count_unsold, perm):
    holdings, production = build(raw, values)
    issued = max(1, sum(n for _p, n, _a, _l in raw))
    relabel = {f"P{i}": f"P{perm[i]}" for i in range(6)}
    swapped = [Holding(relabel[h.participant_id], h.installation, h.shares, h.start, h.end) for h in holdings]
    a = allocate_shares(production, holdings, issued, START, END, count_unsold)
    b = allocate_shares(production, swapped, issued, START, END, count_unsold)
    assert {relabel[p]: v for p, v in a.kwh.items()} == b.kwh
    assert {relabel[p]: v for p, v in a.share_days.items()} == b.share_days
    assert a.unallocated_kwh == b.unallocated_kwh
    # rounded: the same multiset of values (ties between equal exact values may swap a unit)
    assert sorted(rounded(a, 3).values()) == sorted(rounded(b, 3).values())
