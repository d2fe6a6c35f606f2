"""Benchmark: the energy and CO2 balance from the SQLite store.

Builds a store with three years of 15-minute data (P1 import/export/gas, one inverter,
the collective roof), then times ``balance_for`` for one year by month and for the
3 years since the start. Target: <= 50 ms each. Writes its section in bench/RESULTS.md.
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402
from buurtwatt.balance.api import balance_for  # noqa: E402
from buurtwatt.config import parse_config  # noqa: E402
from buurtwatt.readings import Reading  # noqa: E402
from buurtwatt.store.sqlite import SqliteStore  # noqa: E402

TARGET_MS = 50.0
START, END = date(2023, 1, 1), date(2026, 1, 1)
QUARTER = 900


def build(path: Path, config) -> SqliteStore:  # noqa: ANN001
    store = SqliteStore(path, site=config.site.id, tz=config.site.timezone)
    t0 = datetime(2022, 12, 31, 23, 0).timestamp() - 3600  # a little before local New Year 2023
    t1 = datetime(2026, 1, 1, 1, 0).timestamp()
    imp = exp = pv = roof = gas = 0.0
    batch: list[Reading] = []
    ts = t0
    while ts < t1:
        hour = (ts % 86400) / 3600
        day = (ts - t0) / 86400
        season = 0.5 + 0.5 * math.cos((day - 172) / 365.25 * 2 * math.pi)  # 1 in June, 0 in December
        sun = max(0.0, math.sin((hour - 5) / 14 * math.pi)) * (0.2 + season)
        use = 0.25 + 0.15 * (7 <= hour < 22)
        pv += sun * 0.5
        roof += sun * 10
        net = use - sun * 0.5
        imp += max(net, 0)
        exp += max(-net, 0)
        gas += 0.05 * (1.2 - season)
        batch += [
            Reading("meter", "import_kwh", ts, imp),
            Reading("meter", "export_kwh", ts, exp),
            Reading("meter", "gas_m3", ts, gas),
            Reading("inv", "energy_kwh", ts, pv),
            Reading("roof", "energy_kwh", ts, roof),
        ]
        if len(batch) >= 50_000:
            store.write(batch)
            batch = []
        ts += QUARTER
    store.write(batch)
    return store


def timed(fn, runs: int = 7) -> tuple[float, float]:  # noqa: ANN001
    """(first call, median of the next runs) in ms."""
    t = time.perf_counter()
    fn()
    cold = (time.perf_counter() - t) * 1000
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return cold, statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        config = parse_config(f"""
[site]
name = "Bench"
started = "{START}"
[store]
type = "sqlite"
path = "{path}"
[balance]
grid_meter = "meter"
solar = ["inv"]
gas_meter = "meter"
[balance.boundary]
collective_share = true
[balance.collective]
installation = "dak"
production = ["roof:energy_kwh"]
shares_held = 20
shares_total = 400
""")
        t = time.perf_counter()
        store = build(path, config)
        build_s = time.perf_counter() - t
        now = datetime(2026, 1, 1, 12, 0).timestamp()
        cases = [
            (
                "one year by month (2025)",
                lambda: balance_for(store, config, date(2025, 1, 1), END, "month", now=now),
            ),
            (
                "since the start, 3 years, by month",
                lambda: balance_for(store, config, START, END, "month", now=now),
            ),
            (
                "since the start, 3 years, total",
                lambda: balance_for(store, config, START, END, "total", now=now),
            ),
            (
                "one year by month, exact hourly path (for reference)",
                lambda: balance_for(store, config, date(2025, 1, 1), END, "month", now=now, exact=True),
            ),
            ("one year by day", lambda: balance_for(store, config, date(2025, 1, 1), END, "day", now=now)),
        ]
        report = balance_for(store, config, START, END, "year", now=now)
        results = []
        for name, fn in cases:
            cold, warm = timed(fn)
            results.append((name, cold, warm))
            print(f"{name:<55} first {cold:7.1f} ms   median {warm:7.1f} ms")
        store.close()
    print(
        f"(store built in {build_s:.1f} s; partial years: "
        f"{[p.period.label for p in report.periods if p.coverage.partial]})"
    )
    lines = [
        f"Store: SQLite, 3 years of 15-minute data, 5 counter series (built in {build_s:.0f} s).",
        "",
        "| case | first call | median | target |",
        "|---|---|---|---|",
    ]
    for name, cold, warm in results:
        target = f"<= {TARGET_MS:.0f} ms" if "reference" not in name and "by day" not in name else "-"
        ok = "" if target == "-" else (" ok" if max(cold, warm) <= TARGET_MS else " MISSED")
        lines.append(f"| {name} | {cold:.1f} ms | {warm:.1f} ms | {target}{ok} |")
    write_section("balance", lines)
    return 0 if all(max(c, w) <= TARGET_MS for n, c, w in results[:3]) else 1


if __name__ == "__main__":
    sys.exit(main())
