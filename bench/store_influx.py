"""Benchmark of the InfluxDB store against the local InfluxDB (Debian's influxd 1.6.7).

1. Views (issue 2, smaller data set than bench/store.py): one year of 5 series at 5-minute
   cadence, written through InfluxStore (outbox, then sent). Year view (365 daily values of 5
   series), month view (hourly values of 5 series), day view (1-minute values of 5 series),
   latest values of 30 series; median and p95 over repeated reads through InfluxQL.
2. Outbox drain (issue 6): InfluxDB is down while the collector's nominal load is written
   (1 P1 telegram/s with 20 series, 2 inverters every 5 s, 20 MQTT sensors every 10 s) for
   --outage-hours; then InfluxDB starts and the time until the outbox is empty is measured.

Run: .venv/bin/python bench/store_influx.py [--days 365] [--outage-hours 6]
Results go to the "## store_influx" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results import timed, write_section  # noqa: E402
from buurtwatt.config import InfluxStoreConfig  # noqa: E402
from buurtwatt.readings import Reading  # noqa: E402
from buurtwatt.store import influx_http, outbox  # noqa: E402
from buurtwatt.store.base import Resolution  # noqa: E402
from buurtwatt.store.influx import InfluxStore  # noqa: E402
from buurtwatt.timeutil import local_midnight  # noqa: E402

TZ = "Europe/Amsterdam"
FIVE = ["meter:import_kwh", "meter:export_kwh", "meter:import_w", "meter:voltage_l1_v", "gas:gas_m3"]
P1 = [
    "import_kwh",
    "export_kwh",
    "import_t1_kwh",
    "import_t2_kwh",
    "export_t1_kwh",
    "export_t2_kwh",
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
    "export_l1_w",
    "export_l2_w",
    "export_l3_w",
]
RAW = influx_http.RAW_MEASUREMENT
LIVE_NAMES = {"p1": "one P1 meter (20 series)", "building": "the building of docs/scaling.md (32 readings/s)"}
# measured with this script on commit cf5c22d, when every commit resent every touched bucket
LIVE_BEFORE = {
    "p1": "fewer than before: 5.00 lines/s, 502.4 values/s, 11.76 kB/s",
    "building": "fewer than before: 17.00 lines/s, 829.2 values/s, 19.05 kB/s",
}
EXTRA = [f"meter:{q}" for q in P1 if f"meter:{q}" not in FIVE][:15] + [f"plug{n}:power_w" for n in range(10)]


def start_server():  # noqa: ANN201 - a tests.services.ServiceProcess
    from tests.services import start_influxdb

    try:
        return start_influxdb()
    except BaseException as exc:  # require_program skips through pytest when influxd is missing
        sys.exit(f"cannot start influxd: {exc}")


def store_for(port: int, folder: Path, database: str) -> InfluxStore:
    config = InfluxStoreConfig(
        type="influxdb",
        url=f"http://127.0.0.1:{port}",
        api="v1",
        database=database,
        outbox=folder / f"{database}.sqlite",
    )
    return InfluxStore(config, site="bench", tz=TZ, retry_max_s=1.0)


def view_data(store: InfluxStore, first: date, days: int) -> tuple[int, float, float]:
    """One year of 5 series at 5 minutes; 25 more series on the last day (for the latest-values read)."""
    t0 = local_midnight(first, TZ)
    imp = exp = gas = 0.0
    readings = 0
    started = time.perf_counter()
    for d in range(days):
        batch = []
        for i in range(288):
            ts = t0 + d * 86400 + i * 300
            hour = (i // 12) % 24
            watts = 300 + 200 * math.sin(i / 20) + (1500 if 17 <= hour < 20 else 0)
            sun = max(0.0, 2500 * math.sin(math.pi * (hour - 6) / 14)) if 6 <= hour < 20 else 0.0
            imp += watts / 12000
            exp += sun / 12000
            gas += 0.02 if hour < 9 else 0.005
            batch += [
                Reading("meter", "import_kwh", ts, round(imp, 3)),
                Reading("meter", "export_kwh", ts, round(exp, 3)),
                Reading("meter", "import_w", ts, round(watts)),
                Reading("meter", "voltage_l1_v", ts, 230 + (i % 7) / 2),
                Reading("gas", "gas_m3", ts, round(gas, 3)),
            ]
            if d == days - 1 and i >= 280:
                batch += [Reading(*s.split(":"), ts, float(i)) for s in EXTRA]
        store.write(batch)
        readings += len(batch)
    written = time.perf_counter() - started
    assert store.flush(timeout=900), "the outbox did not drain"
    return readings, written, time.perf_counter() - started - written


def views(store: InfluxStore, first: date, days: int) -> dict[str, tuple[float, float]]:
    end_day = first + timedelta(days)
    year = (local_midnight(end_day - timedelta(365), TZ), local_midnight(end_day, TZ))
    month = (local_midnight(end_day - timedelta(30), TZ), local_midnight(end_day, TZ))
    day = (local_midnight(end_day - timedelta(1), TZ), local_midnight(end_day, TZ))
    assert len(store.read(FIVE[0], *year, Resolution.DAY)) == min(days, 365)
    thirty = FIVE + EXTRA
    assert len(store.latest(thirty)) == 30

    def view(span: tuple[float, float], res: Resolution):  # noqa: ANN202
        return lambda: [store.read(s, *span, res) for s in FIVE]

    return {
        "year view (365 daily values x 5 series)": timed(view(year, Resolution.DAY)),
        "month view (hourly values x 5 series)": timed(view(month, Resolution.HOUR)),
        "day view (1-minute values x 5 series)": timed(view(day, Resolution.MIN1)),
        "latest values of 30 series": timed(lambda: store.latest(thirty), repeat=50),
    }


def outage_load(store: InfluxStore, hours: float, t0: float) -> int:
    """The nominal collector load of issue 6, committed every second as the collector does."""
    readings = 0
    imp, inv_e = 1000.0, [500.0, 800.0]
    batch: list[Reading] = []
    for s in range(int(hours * 3600)):
        ts = t0 + s
        watts = 400 + 300 * math.sin(s / 50) + (s * 7919) % 37
        imp += watts / 3_600_000
        batch += [Reading("meter", q, ts, _p1_value(q, watts, imp, s)) for q in P1]
        batch += _building_extra(s, ts, inv_e)
        if s % 10 == 9:  # the outbox ends the same as with the collector's 0.5 s commits, only sooner
            store.write(batch)
            readings += len(batch)
            batch = []
    store.write(batch)
    return readings + len(batch)


def _p1_value(q: str, watts: float, imp: float, s: int) -> float:
    if q.endswith("_kwh"):
        if not q.startswith("import"):
            return 500.0
        return round(imp * (0.4 if "t1" in q else 0.6 if "t2" in q else 1.0), 3)
    if q.startswith("voltage"):
        return 229 + (s * 13 % 20) / 10
    if q.startswith("current"):
        return round(watts / 690, 2)
    if q.startswith("import"):
        return round(watts / (3 if "_l" in q else 1))
    return 0.0


class SentCounter:
    """Counts what the store hands to InfluxDB, at the HTTP write: requests, lines, field values, bytes."""

    def __init__(self, store: InfluxStore) -> None:
        self.requests = 0
        self.lines: Counter[str] = Counter()  # per measurement
        self.values: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self._write = store.http.write
        store.http.write = self.write  # type: ignore[method-assign]

    def write(self, body: bytes) -> None:
        self._write(body)  # only what the server accepted counts
        self.requests += 1
        for line in body.decode().splitlines():
            # bench names need no escaping: "measurement,tags fields time"
            measurement, fields = line.split(",", 1)[0], line.split(" ")[1]
            self.lines[measurement] += 1
            self.values[measurement] += fields.count(",") + 1
            self.bytes[measurement] += len(line) + 1

    def snapshot(self) -> dict[str, Counter[str]]:
        return {"lines": self.lines.copy(), "values": self.values.copy(), "bytes": self.bytes.copy()}


def live(server, folder: Path, seconds: float) -> dict[str, dict[str, float]]:  # noqa: ANN001
    """Live operation in real time: one P1 meter alone, and the nominal building of docs/scaling.md,
    each committing once a second. Rates over the window; ``steady_values`` adds the rollup levels
    held longer than the window (their lines as the final flush sent them, once per hold time)."""
    stores = {
        "p1": store_for(server.port, folder, "live_p1"),
        "building": store_for(server.port, folder, "live_building"),
    }
    counters = {name: SentCounter(store) for name, store in stores.items()}
    imp = 1000.0
    start = time.time()
    try:
        for s in range(int(seconds)):
            time.sleep(max(0.0, start + s - time.time()))
            ts = time.time()
            watts = 400 + 300 * math.sin(s / 50) + (s * 7919) % 37
            imp += watts / 3_600_000
            meter = [Reading("meter", q, ts, _p1_value(q, watts, imp, s)) for q in P1]
            stores["p1"].write(meter)
            stores["building"].write(meter + _scaling_building(s, ts))
        time.sleep(max(0.0, start + seconds - time.time()))
        elapsed = time.time() - start
        window = {name: c.snapshot() for name, c in counters.items()}
        for store in stores.values():
            assert store.flush(timeout=60), "the outbox did not drain"
    finally:
        for store in stores.values():
            store.close()
    out: dict[str, dict[str, float]] = {}
    for name, counter in counters.items():
        w = window[name]
        rollup = [m for m in w["lines"] if m != RAW]
        steady = {"values": w["values"].total() / elapsed, "bytes": w["bytes"].total() / elapsed}
        for level, width in (("15m", 900), ("1h", 3600), ("1d", 86400)):
            hold = getattr(outbox, "HOLD_S", {}).get(f"roll_{level}")  # none before rollups were held
            m = f"buurtwatt_{level}"
            if hold is None or counter.lines[m] == w["lines"][m]:
                continue
            for what in steady:  # the final flush's lines, once per hold time and once at close
                held = getattr(counter, what)[m] - w[what][m]
                steady[what] += held * (1 / (hold + 1) + 1 / width) - w[what][m] / elapsed
        out[name] = {
            "requests": counter.requests / elapsed,  # the flush's requests too: an upper bound
            "lines": w["lines"].total() / elapsed,
            "values": w["values"].total() / elapsed,
            "bytes": w["bytes"].total() / elapsed,
            "raw_bytes": w["bytes"][RAW] / elapsed,
            "rollup_lines": sum(w["lines"][m] for m in rollup) / elapsed,
            "rollup_values": sum(w["values"][m] for m in rollup) / elapsed,
            "steady_values": steady["values"],
            "steady_bytes": steady["bytes"],
        }
    return out


def _scaling_building(s: int, ts: float) -> list[Reading]:
    """The building of docs/scaling.md besides its P1 meter: gas every 5 min, 2 inverters x 8
    quantities every 5 s, 15 plugs x 4 and 5 climate sensors x 3 every 10 s."""
    batch = [Reading("meter", "tariff", ts, 1.0 + (s // 600) % 2)]
    if s % 300 == 0:
        batch.append(Reading("meter", "gas_m3", ts, 900.0 + s / 10000))
    if s % 5 == 0:
        for n in range(2):
            watts = 1000.0 + s % 300 + n
            batch += [
                Reading(f"inverter{n}", "power_w", ts, watts),
                Reading(f"inverter{n}", "energy_kwh", ts, 500.0 + n + s / 1800),
                Reading(f"inverter{n}", "dc_power_w", ts, watts + 50),
                Reading(f"inverter{n}", "frequency_hz", ts, 50 + (s % 11) / 100),
                Reading(f"inverter{n}", "temperature_c", ts, 40 + (s % 13) / 10),
                Reading(f"inverter{n}", "voltage_v", ts, 230 + (s % 7) / 2),
                Reading(f"inverter{n}", "current_a", ts, round(watts / 230, 2)),
                Reading(f"inverter{n}", "status", ts, 4.0),
            ]
    if s % 10 == 0:
        for n in range(15):
            watts = 20.0 + (s // 10 + n) % 40
            batch += [
                Reading(f"plug{n}", "power_w", ts, watts),
                Reading(f"plug{n}", "energy_kwh", ts, 10.0 + n + s * watts / 3_600_000),
                Reading(f"plug{n}", "voltage_v", ts, 229 + (s // 10 + n) % 4),
                Reading(f"plug{n}", "current_a", ts, round(watts / 230, 3)),
            ]
        for n in range(5):
            batch += [
                Reading(f"climate{n}", "temperature_c", ts, 20 + ((s // 10 + n) % 9) / 10),
                Reading(f"climate{n}", "humidity_pct", ts, 50 + ((s // 10 + n) % 5)),
                Reading(f"climate{n}", "co2_ppm", ts, 600 + (s // 10 * 7 + n) % 50),
            ]
    return batch


def _building_extra(s: int, ts: float, inv_e: list[float]) -> list[Reading]:
    batch: list[Reading] = []
    if s % 5 == 0:
        for n in range(2):
            inv_e[n] += 0.002
            batch += [
                Reading(f"inverter{n}", "power_w", ts, 1000.0 + s % 300 + n),
                Reading(f"inverter{n}", "energy_kwh", ts, round(inv_e[n], 3)),
                Reading(f"inverter{n}", "dc_power_w", ts, 1050.0 + s % 300),
                Reading(f"inverter{n}", "frequency_hz", ts, 50 + (s % 11) / 100),
                Reading(f"inverter{n}", "temperature_c", ts, 40 + (s % 13) / 10),
            ]
    if s % 10 == 0:
        for n in range(20):
            batch += [
                Reading(f"sensor{n}", "temperature_c", ts, 20 + ((s // 10 + n) % 9) / 10),
                Reading(f"sensor{n}", "humidity_pct", ts, 50 + ((s // 10 + n) % 5)),
            ]
    return batch


def drain(server, folder: Path, hours: float) -> dict[str, float]:  # noqa: ANN001
    server.stop()
    store = store_for(server.port, folder, "drain")
    try:
        t0 = local_midnight(date(2025, 6, 2), TZ)
        started = time.perf_counter()
        readings = outage_load(store, hours, t0)
        queued_s = time.perf_counter() - started
        if hasattr(store.outbox, "materialise"):  # count the open rollup buckets' lines too
            store.outbox.materialise(everything=True)
        with sqlite3.connect(folder / "drain.sqlite") as con:
            lines, values = con.execute("SELECT count(*), sum(points) FROM outbox_records").fetchone()
        size = store.status()["outbox"]["used_bytes"]
        server.start()
        started = time.perf_counter()
        assert store.flush(timeout=900), "the outbox did not drain"
        spent = time.perf_counter() - started
        assert store.status()["outbox"]["depth"] == 0
    finally:
        store.close()
    return {
        "readings": readings,
        "lines": lines,
        "values": values,
        "seconds": spent,
        "queued_s": queued_s,
        "outbox_mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--outage-hours", type=float, default=6.0)
    parser.add_argument("--live-seconds", type=float, default=60.0)
    parser.add_argument(
        "--only-live", action="store_true", help="measure live sending only; print, do not write RESULTS.md"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    server = start_server()
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-influx-"))
    try:
        print(f"live sending for {args.live_seconds:g} s (real time, one commit a second) ...", flush=True)
        rates = live(server, folder, args.live_seconds)
        for name, r in rates.items():
            print(
                f"  {name}: {r['lines']:.2f} lines/s, {r['values']:.1f} values/s, "
                f"{r['bytes'] / 1000:.2f} kB/s (raw {r['raw_bytes'] / 1000:.2f} kB/s); "
                f"rollups {r['rollup_lines']:.2f} lines/s, "
                f"{r['rollup_values']:.1f} values/s; steady state with the held levels "
                f"{r['steady_values']:.1f} values/s, {r['steady_bytes'] / 1000:.2f} kB/s"
            )
        if args.only_live:
            return
        first = date.today() - timedelta(args.days - 1)  # up to today, as the dashboard sees live data
        store = store_for(server.port, folder, "views")
        print(f"writing {args.days} days of 5 series at 5 min through the outbox ...", flush=True)
        readings, written, sent = view_data(store, first, args.days)
        print(f"  {readings:,} readings: outbox {readings / written:,.0f}/s, then sent in {sent:.1f} s")
        result = views(store, first, args.days)
        store.close()
        for name, (median, p95) in result.items():
            print(f"  {name}: median {median:.1f} ms, p95 {p95:.1f} ms")
        print(f"outage of {args.outage_hours:g} h at nominal load, then drain ...", flush=True)
        d = drain(server, folder, args.outage_hours)
        rate = d["readings"] / d["seconds"]
        print(
            f"  {d['readings']:,} readings in {d['lines']:,} lines ({d['outbox_mb']:.1f} MB outbox) "
            f"drained in {d['seconds']:.2f} s: {rate:,.0f} readings/s, "
            f"{d['lines'] / d['seconds']:,.0f} lines/s"
        )
    finally:
        server.stop()
    targets = {
        "year view (365 daily values x 5 series)": "p95 <= 20 ms (SQLite target)",
        "month view (hourly values x 5 series)": "p95 <= 30 ms (SQLite target)",
        "day view (1-minute values x 5 series)": "p95 <= 50 ms (SQLite target)",
        "latest values of 30 series": "p95 <= 5 ms (SQLite target)",
    }
    lines = [
        f"InfluxDB 1.6.7 (Debian influxd) on loopback, api v1, InfluxQL reads; the store writes through its "
        f"local SQLite outbox. Data for the views: {args.days} days x 5 series at 5 min "
        f"({readings:,} readings) plus 25 series on the last day; written into the outbox at "
        f"{readings / written:,.0f} readings/s and sent in {sent:.1f} s.",
        "",
        "| figure | result | target |",
        "|---|---|---|",
        *(
            f"| {name} | median {m:.1f} ms, p95 {p:.1f} ms | {targets[name]} |"
            for name, (m, p) in result.items()
        ),
        f"| outbox drain after a {args.outage_hours:g} h outage at nominal load "
        f"({d['readings']:,} readings, {d['lines']:,} lines, {d['outbox_mb']:.1f} MB) | "
        f"{rate:,.0f} readings/s ({d['values'] / d['seconds']:,.0f} field values/s, "
        f"{d['lines'] / d['seconds']:,.0f} InfluxDB points/s); {d['seconds']:.1f} s | >= 20,000 points/s |",
        *(
            f"| live sending, {LIVE_NAMES[name]}, one commit/s for {args.live_seconds:g} s | "
            f"{r['lines']:.2f} lines/s, {r['values']:.1f} field values/s, {r['bytes'] / 1000:.2f} kB/s; "
            f"steady state with the held 15 min/1 h/1 d buckets {r['steady_values']:.1f} values/s, "
            f"{r['steady_bytes'] * 86400 / 1e6:.0f} MB/day | {LIVE_BEFORE[name]} |"
            for name, r in rates.items()
        ),
        "",
        "Nominal load (issue 6): 1 P1 telegram/s of 20 series, 2 inverters x 5 series every 5 s, 20 sensors "
        "x 2 series every 10 s, committed in 10-second batches. One line holds all raw values of one device "
        "at one time, so an InfluxDB point carries several readings; rollup lines hold one bucket per device "
        "and level. InfluxQL reads are one HTTP request per series, which is most of the view latency. "
        "Live sending runs in real time: a rollup bucket goes out when a newer one of its series starts or "
        "after its level's hold time (1 min 5 s, 15 min 60 s, 1 h 15 s, 1 d 300 s), so the longer levels "
        "fall outside the window; their steady share is computed from the lines the final flush sent. "
        f"Load average (1 min) before/after the run: {load_before:.1f}/{os.getloadavg()[0]:.1f} "
        "(other work on the machine slows every figure).",
    ]
    write_section("store_influx", lines)


if __name__ == "__main__":
    main()
