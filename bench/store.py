"""Benchmark of the embedded SQLite store (issue 2).

1. Ingest: one year of P1-like data, 20 series at 30 s cadence (about 21 million points),
   written through the normal write path with rollup maintenance.
2. Views: a year (365 daily values of 5 series), a month (hourly values of 5 series) and a
   day (1-minute values of 5 series), median and p95 over repeated reads.
3. Latest values of 30 series.
4. Storage of one day of 1-second DSMR 5 three-phase telegrams with default settings.

Run: .venv/bin/python bench/store.py [--days N]   (default 365; fewer for a quick look)
Results go to the "## store" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results import timed, write_section  # noqa: E402
from buurtwatt.readings import Reading  # noqa: E402
from buurtwatt.store.base import Resolution  # noqa: E402
from buurtwatt.store.sqlite import SqliteStore  # noqa: E402
from buurtwatt.timeutil import local_midnight  # noqa: E402

TZ = "Europe/Amsterdam"
COUNTERS = [
    "import_t1_kwh",
    "import_t2_kwh",
    "export_t1_kwh",
    "export_t2_kwh",
    "import_kwh",
    "export_kwh",
    "power_failures",
]
GAUGES = [
    "import_w",
    "export_w",
    "voltage_l1_v",
    "voltage_l2_v",
    "voltage_l3_v",
    "current_l1_a",
    "current_l2_a",
    "current_l3_a",
    "import_l1_w",
    "import_l2_w",
    "import_l3_w",
    "tariff",
]
SERIES = [("meter", q) for q in COUNTERS + GAUGES] + [("gas", "gas_m3")]  # 20 series


def day_of_points(
    day_index: int, t0: float, rng: np.random.Generator, totals: np.ndarray, step: int = 30
) -> list[Reading]:
    """One day of P1-like samples for the 20 series, in time order."""
    ts = t0 + day_index * 86400 + np.arange(0, 86400, step, dtype=np.float64)
    n = len(ts)
    hour = (ts % 86400) / 3600
    power = 300 + 900 * np.clip(np.sin((hour - 6) / 14 * np.pi), 0, None) + rng.normal(0, 60, n)
    power = np.clip(power, 0, None)
    kwh = np.cumsum(power * step / 3_600_000)
    columns: list[np.ndarray] = []
    for i, q in enumerate(COUNTERS):
        share = {
            "import_t1_kwh": 0.4,
            "import_t2_kwh": 0.6,
            "export_t1_kwh": 0.1,
            "export_t2_kwh": 0.2,
            "import_kwh": 1.0,
            "export_kwh": 0.3,
            "power_failures": 0.0,
        }[q]
        col = np.round(totals[i] + kwh * share, 3)
        totals[i] = col[-1]
        columns.append(col)
    noise = rng.normal(0, 1, (len(GAUGES), n))
    for j, q in enumerate(GAUGES):
        if q.startswith("voltage"):
            columns.append(np.round(230 + noise[j], 1))
        elif q.startswith("current"):
            columns.append(np.round(power / 3 / 230 + abs(noise[j]) * 0.1, 2))
        elif q == "tariff":
            columns.append(np.where((hour >= 7) & (hour < 23), 2.0, 1.0))
        else:
            columns.append(np.round(power / (3 if "_l" in q else 1) + noise[j], 0))
    gas_i = len(COUNTERS)
    gas = np.round(totals[gas_i] + np.cumsum(np.where(hour < 8, 0.004, 0.001)), 3)
    totals[gas_i] = gas[-1]
    columns.append(gas)
    out: list[Reading] = []
    tsl = ts.tolist()
    cols = [c.tolist() for c in columns]
    for k, (device, quantity) in enumerate(SERIES):
        meter = "E0043" if device == "meter" else "G0042"
        vals = cols[k]
        out.extend(Reading(device, quantity, t, v, meter) for t, v in zip(tsl, vals, strict=True))
    return out


def ingest(store: SqliteStore, days: int, t0: float) -> tuple[int, float]:
    rng = np.random.default_rng(7)
    totals = np.array([1000.0] * (len(COUNTERS) + 1))
    points, spent = 0, 0.0
    for d in range(days):
        batch = day_of_points(d, t0, rng, totals)
        # the collector commits small batches; a day is cut into 1-hour batches here
        per_hour = len(batch) // 24 or 1
        by_time = sorted(batch, key=lambda r: r.ts)
        start = time.perf_counter()
        for i in range(0, len(by_time), per_hour):
            store.write(by_time[i : i + per_hour])
        spent += time.perf_counter() - start
        points += len(batch)
        if d % 30 == 0:
            print(f"  day {d:>3}: {points:>11,} points, {points / spent:,.0f} points/s", flush=True)
    return points, spent


def views(path: Path, first: date, days: int) -> dict[str, tuple[float, float]]:
    reader = SqliteStore(path, site="bench", tz=TZ, readonly=True)
    five = ["meter:import_kwh", "meter:export_kwh", "meter:import_w", "meter:voltage_l1_v", "gas:gas_m3"]
    end_day = first + timedelta(days)
    year = (local_midnight(end_day - timedelta(365), TZ), local_midnight(end_day, TZ))
    month = (local_midnight(end_day - timedelta(30), TZ), local_midnight(end_day, TZ))
    day = (local_midnight(end_day - timedelta(1), TZ), local_midnight(end_day, TZ))
    thirty = [f"{d}:{q}" for d, q in SERIES] + [
        "meter:export_l1_w",
        "meter:export_l2_w",
        "meter:export_l3_w",
        "meter:voltage_sags",
        "meter:voltage_swells",
        "meter:current_l1_a",
        "meter:import_l1_w",
        "meter:import_l2_w",
        "meter:import_l3_w",
        "gas:gas_m3",
    ]
    result = {
        "year view (365 daily values x 5 series)": timed(
            lambda: [reader.read(s, *year, Resolution.DAY) for s in five], repeat=40
        ),
        "month view (hourly values x 5 series)": timed(
            lambda: [reader.read(s, *month, Resolution.HOUR) for s in five], repeat=40
        ),
        "day view (1-minute values x 5 series)": timed(
            lambda: [reader.read(s, *day, Resolution.MIN1) for s in five], repeat=40
        ),
        "latest values of 30 series": timed(lambda: reader.latest(thirty), repeat=200),
    }
    reader.close()
    return result


def dsmr_day_storage(folder: Path) -> dict[str, float]:
    """One day of 1-second DSMR 5 three-phase telegrams, all series, default settings."""
    store = SqliteStore(folder / "dsmr_day.sqlite", site="bench", tz=TZ)
    rng = np.random.default_rng(11)
    t0 = local_midnight(date(2025, 6, 2), TZ)
    total_import, total_export = 1000.0, 500.0
    sent = 0
    start = time.perf_counter()
    for hour in range(24):
        batch: list[Reading] = []
        base = 400 + 2500 * max(0.0, np.sin((hour - 6) / 14 * np.pi))
        power = np.clip(base + rng.normal(0, 150, 3600), 0, None)
        volts = np.round(230 + rng.normal(0, 1.2, (3, 3600)), 1)
        for s in range(3600):
            ts = t0 + hour * 3600 + s
            p = float(round(power[s]))
            imp = p if hour < 9 or hour > 17 else 0.0
            exp = 0.0 if imp else p / 2
            total_import += imp / 3_600_000
            total_export += exp / 3_600_000
            rows = [
                ("import_kwh", round(total_import, 3)),
                ("export_kwh", round(total_export, 3)),
                ("import_t1_kwh", round(total_import * 0.4, 3)),
                ("import_t2_kwh", round(total_import * 0.6, 3)),
                ("export_t1_kwh", round(total_export * 0.4, 3)),
                ("export_t2_kwh", round(total_export * 0.6, 3)),
                ("import_w", imp),
                ("export_w", exp),
                ("tariff", 2.0),
                ("power_failures", 3.0),
                ("voltage_sags", 1.0),
                ("voltage_swells", 0.0),
            ]
            for ph in range(3):
                rows += [
                    (f"voltage_l{ph + 1}_v", float(volts[ph][s])),
                    (f"current_l{ph + 1}_a", round(p / 3 / 230, 0)),
                    (f"import_l{ph + 1}_w", round(imp / 3)),
                    (f"export_l{ph + 1}_w", round(exp / 3)),
                ]
            batch += [Reading("meter", q, ts, v, "E0043") for q, v in rows]
            sent += 1
        store.write(batch)
    spent = time.perf_counter() - start
    store.checkpoint()
    con = store._con()
    sizes = dict(con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
    store.close()
    raw = sizes.get("raw", 0)
    rollups = sum(v for k, v in sizes.items() if k.startswith("roll_"))
    return {
        "telegrams": sent,
        "raw_mb": raw / 1e6,
        "rollup_mb": rollups / 1e6,
        "telegrams_per_s": sent / spent,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    first = date(2025, 1, 1)
    t0 = local_midnight(first, TZ)
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "year.sqlite"
        store = SqliteStore(path, site="bench", tz=TZ)
        print(f"ingesting {args.days} days of 20 series at 30 s ...", flush=True)
        points, spent = ingest(store, args.days, t0)
        store.checkpoint()
        store.close()
        size = path.stat().st_size
        rate = points / spent
        print(f"ingest: {points:,} points in {spent:.1f} s = {rate:,.0f} points/s; file {size / 1e6:.0f} MB")
        v = views(path, first, args.days)
        for name, (med, p95) in v.items():
            print(f"{name}: median {med:.2f} ms, p95 {p95:.2f} ms")
        dsmr = dsmr_day_storage(folder)
        print(
            f"DSMR day: raw {dsmr['raw_mb']:.1f} MB, rollups {dsmr['rollup_mb']:.1f} MB, "
            f"{dsmr['telegrams_per_s']:.0f} telegrams/s"
        )

    targets = {
        "year view (365 daily values x 5 series)": 20,
        "month view (hourly values x 5 series)": 30,
        "day view (1-minute values x 5 series)": 50,
        "latest values of 30 series": 5,
    }
    lines = [
        f"Data: {args.days} days x 20 P1-like series at 30 s = {points:,} points, written in 1-hour batches "
        "through `SqliteStore.write` (rollups maintained on write).",
        "",
        "| figure | result | target | DSMR-reader (same machine) |",
        "|---|---|---|---|",
        f"| ingest with rollups | {rate:,.0f} points/s | >= 100,000 points/s | 38 telegrams/s end to end |",
        f"| database size ({args.days} days) | {size / 1e6:,.0f} MB | | |",
    ]
    for name, (med, p95) in v.items():
        lines.append(f"| {name} | median {med:.2f} ms, p95 {p95:.2f} ms | p95 <= {targets[name]} ms | |")
    lines += [
        f"| 1 day of 1-s DSMR 5 3-phase telegrams, raw data | {dsmr['raw_mb']:.1f} MB "
        f"(+ {dsmr['rollup_mb']:.1f} MB rollups) | <= 10 MB raw | 20.6 MB per day |",
        f"| same day, store ingest | {dsmr['telegrams_per_s']:,.0f} telegrams/s | | 38 telegrams/s |",
        "",
        "Default raw settings: a point is kept when its value changed or 60 s passed; per-phase voltage, "
        "current and power are kept at most every 10 s (rollups still see every sample).",
    ]
    write_section("store", lines)


if __name__ == "__main__":
    main()
