"""Benchmark: share allocation for 1,000 participants, 3,000 holding changes, 5 years of daily production.

Targets: <= 1 s for the exact allocation plus the once-only rounding (issue 9), and <= 1 s for
what `shares allocate` does with a settlement: read the register, settle 5 years in months with
euros and the 10,000 kWh cap, round once (issue 16).
Run: .venv/bin/python bench/shares.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results import write_section  # noqa: E402
from buurtwatt.shares.allocate import allocate_shares, year_starts  # noqa: E402
from buurtwatt.shares.config import InstallationConfig  # noqa: E402
from buurtwatt.shares.production import fill_days  # noqa: E402
from buurtwatt.shares.register import Holding, parse_register  # noqa: E402
from buurtwatt.shares.rounding import largest_remainder  # noqa: E402
from buurtwatt.shares.settle import UNALLOCATED, settle  # noqa: E402
from buurtwatt.shares.tariffs import load_tariffs  # noqa: E402

START, END = date(2021, 1, 1), date(2025, 12, 31)
PARTICIPANTS = 1000
ISSUED = 12_000


def register(rng: random.Random) -> list[Holding]:
    """1,000 first purchases, 1,000 transfers (an end and a start on the same day) and
    1,000 extra purchases or partial sales: 3,000 holding rows."""
    days = (END - START).days
    open_rows: list[Holding] = []
    closed: list[Holding] = []
    for p in range(PARTICIPANTS):
        open_rows.append(
            Holding(f"P{p:04d}", "dak", rng.randint(1, 10), START + timedelta(rng.randrange(days // 2)))
        )
    transfers = 0
    while transfers < 1000:
        i = rng.randrange(len(open_rows))
        h = open_rows[i]
        end = h.start + timedelta(rng.randrange(1, max(2, (END - h.start).days)))
        if end >= END:
            continue
        transfers += 1
        closed.append(Holding(h.participant_id, "dak", h.shares, h.start, end))
        open_rows[i] = Holding(f"P{rng.randrange(PARTICIPANTS):04d}", "dak", h.shares, end + timedelta(1))
    for _ in range(1000):  # extra purchases and partial sales
        start = START + timedelta(rng.randrange(days))
        end = None if rng.random() < 0.5 else min(END, start + timedelta(rng.randrange(30, 700)))
        open_rows.append(Holding(f"P{rng.randrange(PARTICIPANTS):04d}", "dak", rng.randint(1, 3), start, end))
    return closed + open_rows


def production(rng: random.Random):
    measured = {}
    day = START
    while day <= END:
        if rng.random() > 0.01:  # about 1 % of days missing: interpolated
            measured[day] = Decimal(f"{rng.uniform(20, 400):.3f}")
        day += timedelta(1)
    return fill_days(measured, START, END)


def register_csv(holdings: list[Holding]) -> tuple[str, str]:
    """The same register as the two CSV files an administrator keeps."""
    people = "participant_id,name,email,postcode,house_number,ean,repay_from_yield,stake_eur\n" + "".join(
        f"P{p:04d},Deelnemer {p},,2532 AB,{p + 1},,false,0\n" for p in range(PARTICIPANTS)
    )
    rows = "participant_id,installation,shares,start,end\n" + "".join(
        f"{h.participant_id},dak,{h.shares},{h.start},{h.end or ''}\n" for h in holdings
    )
    return people, rows


CPU_BEST: dict[str, float] = {}  # label -> best CPU time; wall time on a shared machine waits for others


def timed(fn, repeat: int = 5, label: str = "") -> tuple[float, float, object]:
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU_BEST[label] = min(cpu)
    return min(times), statistics.median(times), result


def main() -> None:
    rng = random.Random(9)
    holdings = register(rng)
    t = time.perf_counter()
    prod = production(rng)
    fill_s = time.perf_counter() - t
    results = []
    for count_unsold in (True, False):

        def allocate(count_unsold=count_unsold):
            alloc = allocate_shares(prod, holdings, ISSUED, START, END, count_unsold, year_starts(START, END))
            parts = {p: alloc.participant_kwh(p) for p in alloc.kwh} | {UNALLOCATED: alloc.unallocated_kwh}
            return alloc, largest_remainder(parts, 3)

        label = "issued shares (count_unsold on)" if count_unsold else "held shares (count_unsold off)"
        best, median, (alloc, rounded) = timed(allocate, label=f"allocate + round, denominator = {label}")
        results.append((f"allocate + round, denominator = {label}", best, median, "<= 1 s"))
        print(
            f"allocate+round {label}: best {best:.3f} s, median {median:.3f} s, {len(alloc.kwh)} participants"
        )
    inst = InstallationConfig(
        name="dak",
        scheme="postcoderoos",
        production="dak:energy_kwh",
        shares_issued=ISSUED,
        delivery_start=date(2020, 1, 1),
        pc4="2532",
    )
    people, rows = register_csv(holdings)
    rows_label = f"read and check the register CSVs ({PARTICIPANTS:,} participants, {len(holdings):,} rows)"
    best, median, parsed = timed(lambda: parse_register(people, rows, [inst]), label=rows_label)
    results.append((rows_label, best, median, "(no target)"))
    print(f"parse register: best {best:.3f} s, median {median:.3f} s, {len(parsed.holdings)} rows")
    tariffs = load_tariffs()
    settle_label = "settlement: months, euros with the 10,000 kWh cap, rounding"
    best, median, settlement = timed(
        lambda: settle(inst, holdings, prod, tariffs, START, END).rounded(3), 5, settle_label
    )
    results.append((settle_label, best, median, "(no target)"))
    print(f"settle 5 years with monthly figures and euros: best {best:.3f} s, median {median:.3f} s")

    def allocate_command():
        parsed = parse_register(people, rows, [inst])
        return settle(inst, list(parsed.holdings), prod, tariffs, START, END).rounded(3)

    command_label = "`shares allocate` with settlement: register CSVs + settlement + rounding"
    best, median, _ = timed(allocate_command, 5, command_label)
    results.append((command_label, best, median, "<= 1 s"))
    print(f"shares allocate with settlement: best {best:.3f} s, median {median:.3f} s")
    lines = [
        f"Data: {PARTICIPANTS:,} participants, {len(holdings):,} holding rows (1,000 purchases, "
        "1,000 transfers, 1,000 extra purchases or partial sales), 5 years of daily production "
        f"({len(prod.kwh):,} days, {len(prod.estimated)} interpolated; filling took {fill_s * 1000:.0f} ms). "
        "Exact Fractions, rounded once to 0.001 kWh by largest remainder.",
        f"Load average while measuring: {os.getloadavg()[0]:.1f} on 2 cores (wall time includes waiting "
        "for other processes; the CPU column is this process's own time).",
        "The settlement sums Fractions over one common denominator and checks the 10,000 kWh cap "
        "exactly only near it (issue 16); before that it took 978 ms wall on a quiet machine.",
        "",
        "| figure | best (wall) | median (wall) | best CPU | target |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {b * 1000:.0f} ms | {m * 1000:.0f} ms | {CPU_BEST[name] * 1000:.0f} ms | {goal} |"
        for name, b, m, goal in results
    ]
    write_section("shares", lines)


if __name__ == "__main__":
    main()
