"""Make ``store-v1.sqlite`` and ``store-v1.expected.json``: a store written by this release, kept so
later releases are tested against it (tests/store/test_upgrade.py).

A small, realistic site: a P1 meter (two counters and a gauge), a solar inverter (a counter and
a gauge) and a room sensor (a gauge), one reading every two minutes from Saturday 24 October 2026 20:00
to Sunday 10:00 in Amsterdam, a night with the switch back from summer time, so every rollup
level (1 min, 15 min, 1 hour, day, month) has buckets. The readings are computed, not random,
so the test can compute them again.

The expected file holds what this release read back at every resolution; the raw points are
the readings themselves. Do not run this again for an existing version: the point of the file
is that it was written by this release's code. For a new schema version, make ``store-v2.*`` beside it.

    PYTHONPATH=. python tests/store/data/make_store.py
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import sys
from pathlib import Path

from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution, Row
from buurtwatt.store.sqlite import SqliteStore

HERE = Path(__file__).resolve().parent
STORE = HERE / "store-v1.sqlite"
EXPECTED = HERE / "store-v1.expected.json"
SITE = "werkplaats"
START = 1_792_864_800  # 2026-10-24 20:00 Europe/Amsterdam (CEST)
END = 1_792_918_800  # 2026-10-25 10:00 Europe/Amsterdam (CET): 15 hours later
STEP = 120
# The store's reading settings the file was written with; the test opens it with the same.
HEARTBEAT_S = 150.0
RESOLUTIONS = (Resolution.MIN1, Resolution.MIN15, Resolution.HOUR, Resolution.DAY, Resolution.MONTH)


def readings() -> list[Reading]:
    """Every reading the store was given, in time order; each value differs from the one before."""
    out: list[Reading] = []
    import_kwh, export_kwh, solar_kwh = 12_345.678, 2_345.5, 8_765.4
    for i, ts in enumerate(range(START, END, STEP)):
        hour = ((ts - START) / 3600 + 20) % 24
        sun = max(0.0, math.sin((hour - 7.0) / 12.0 * math.pi))  # rises after 7:00
        solar_w = round(2_400 * sun + (i % 7), 1)
        use_w = round(450 + 300 * math.sin(i / 37) ** 2 + (i % 5) * 3, 1)
        grid_w = use_w - solar_w
        import_kwh = round(import_kwh + max(grid_w, 0) / 30_000 + 0.000001, 6)
        export_kwh = round(export_kwh + max(-grid_w, 0) / 30_000 + 0.000001, 6)
        solar_kwh = round(solar_kwh + solar_w / 30_000 + 0.000001, 6)
        half = 0.5 * (i % 2)  # whole numbers, then halves: no value equals the one before
        co2 = 420 + 300 * math.exp(-(((hour - 22) % 24) / 3)) + (i % 11)
        out += [
            Reading("meter", "import_kwh", ts, import_kwh),
            Reading("meter", "export_kwh", ts, export_kwh),
            Reading("meter", "power_w", ts, round(grid_w) + half),
            Reading("omvormer", "energy_kwh", ts, solar_kwh),
            Reading("omvormer", "power_w", ts, round(solar_w) + half),
            Reading("zaal", "co2_ppm", ts, round(co2) + half),
        ]
    return out


def open_store(path: Path, readonly: bool = False) -> SqliteStore:
    return SqliteStore(path, site=SITE, heartbeat_s=HEARTBEAT_S, readonly=readonly)


def row_list(row: Row) -> list[object]:
    return [row.ts, row.value, row.min, row.max, row.count, row.last]


def read_all(store: SqliteStore) -> dict[str, dict[str, object]]:
    """Every series at every rollup resolution, as plain lists; the many 1-minute rows as a digest."""
    found: dict[str, dict[str, object]] = {}
    for name in store.series_names():
        found[name] = {}
        for res in RESOLUTIONS:
            rows = [row_list(r) for r in store.read(name, START - 86400 * 40, END + 86400 * 40, res)]
            found[name][res.value] = digest(rows) if res is Resolution.MIN1 else rows
    return found


def digest(rows: list[list[object]]) -> dict[str, object]:
    text = json.dumps(rows, separators=(",", ":"))
    return {"rows": len(rows), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def main() -> int:
    if STORE.exists():
        print(f"{STORE} exists; it must stay as the release wrote it", file=sys.stderr)
        return 1
    store = open_store(STORE)
    data = readings()
    for i in range(0, len(data), 600):  # batches, as the collector writes them
        store.write(data[i : i + 600])
    expected = {"latest": {k: row_list(v) for k, v in store.latest(store.series_names()).items()}}
    expected["series"] = read_all(store)
    store.checkpoint()
    store.close()
    with_vacuum = sqlite3.connect(STORE)
    with_vacuum.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
    with_vacuum.execute("VACUUM")
    with_vacuum.close()
    EXPECTED.write_text(json.dumps(expected, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{STORE}: {STORE.stat().st_size} bytes; {EXPECTED}: {EXPECTED.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
