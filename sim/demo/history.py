"""A year of believable history, written through the store's normal write path.

Older data is coarser (hourly, then 15 min, then 1 min for the last day) but every
sample goes through ``store.write``, so every rollup is filled exactly as it is
for live data. Counters continue from what the store holds, so a second start
fills only the gap since the demo last ran.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from buurtwatt.readings import Reading
from buurtwatt.store.base import Store
from sim.demo.model import PLUGS, SENSORS, moment, room

log = logging.getLogger(__name__)

METER_SERIAL = "BWDEMO0000000001"
GAS_SERIAL = "BWDEMOGAS0000001"
OWN_INVERTER = "zon"
ROOF = "dak"

# Where a fresh demo's counters start (a meter that has been in use for years).
START_TOTALS: dict[str, float] = {
    "meter:import_t1_kwh": 41_230.512,
    "meter:import_t2_kwh": 52_871.204,
    "meter:export_t1_kwh": 9_402.117,
    "meter:export_t2_kwh": 17_650.933,
    "gas:gas_m3": 18_442.301,
    f"{OWN_INVERTER}:energy_kwh": 61_204.0,
    f"{ROOF}:energy_kwh": 88_310.0,
    **{f"{name}:energy_kwh": 100.0 + 37.0 * i for i, name in enumerate(PLUGS)},
}


def tariff(ts: float) -> int:
    """1 = low (nights and weekends), 2 = normal, as the simulated meter does it."""
    from sim.p1 import SimMeter

    return SimMeter().tariff(ts)


@dataclass
class Totals:
    """Counter values carried from one sample to the next."""

    values: dict[str, float] = field(default_factory=lambda: dict(START_TOTALS))

    @classmethod
    def from_store(cls, store: Store) -> tuple[Totals, float | None]:
        """Totals and time of the newest sample the store holds, or the starting totals."""
        latest = store.latest(START_TOTALS)
        if len(latest) < len(START_TOTALS):
            return cls(), None
        values = {name: row.value for name, row in latest.items() if row.value is not None}
        return cls(values), min(row.ts for row in latest.values())

    def add(self, series: str, kwh: float) -> float:
        self.values[series] += kwh
        return self.values[series]


def sample(ts: float, dt: float, totals: Totals, seed: int) -> list[Reading]:
    """The readings of every demo device at ``ts``, with counters advanced over ``dt`` seconds."""
    m = moment(ts - dt / 2, seed)  # the middle of the step stands for the step
    now = moment(ts, seed)
    hours = dt / 3600
    net_kw = m.net_grid_w / 1000
    t = tariff(ts)
    imp_t = f"meter:import_t{t}_kwh"
    exp_t = f"meter:export_t{t}_kwh"
    totals.add(imp_t, max(net_kw, 0) * hours)
    totals.add(exp_t, max(-net_kw, 0) * hours)
    v = totals.values
    imp = v["meter:import_t1_kwh"] + v["meter:import_t2_kwh"]
    exp = v["meter:export_t1_kwh"] + v["meter:export_t2_kwh"]
    out = [
        Reading("meter", "import_kwh", ts, round(imp, 3), METER_SERIAL),
        Reading("meter", "export_kwh", ts, round(exp, 3), METER_SERIAL),
        *(
            Reading("meter", q, ts, round(v[f"meter:{q}"], 3), METER_SERIAL)
            for q in ("import_t1_kwh", "import_t2_kwh", "export_t1_kwh", "export_t2_kwh")
        ),
        Reading("meter", "import_w", ts, round(max(now.net_grid_w, 0.0))),
        Reading("meter", "export_w", ts, round(max(-now.net_grid_w, 0.0))),
        Reading("meter", "tariff", ts, float(t)),
        Reading("gas", "gas_m3", ts, round(totals.add("gas:gas_m3", m.gas_m3_per_h * hours), 3), GAS_SERIAL),
        Reading(OWN_INVERTER, "power_w", ts, now.own_pv_w),
        Reading(
            OWN_INVERTER,
            "energy_kwh",
            ts,
            round(totals.add(f"{OWN_INVERTER}:energy_kwh", m.own_pv_w / 1000 * hours), 3),
        ),
        Reading(ROOF, "power_w", ts, now.roof_pv_w),
        Reading(
            ROOF, "energy_kwh", ts, round(totals.add(f"{ROOF}:energy_kwh", m.roof_pv_w / 1000 * hours), 3)
        ),
    ]
    for name in PLUGS:
        out.append(Reading(name, "power_w", ts, now.plugs[name]))
        out.append(
            Reading(
                name,
                "energy_kwh",
                ts,
                round(totals.add(f"{name}:energy_kwh", m.plugs[name] / 1000 * hours), 3),
            )
        )
    if dt < 3600:  # room climate matters for recent weeks only
        for name in SENSORS:
            out += [Reading(name, q, ts, value) for q, value in room(ts, name, seed).items()]
    return out


def steps(start: float, end: float) -> list[tuple[float, float]]:
    """(time, step) pairs: hourly older than 35 days, 15 min older than a day, then 1 min."""
    out: list[tuple[float, float]] = []
    ts = start
    while True:
        age = end - ts
        step = 3600.0 if age > 35 * 86400 else (900.0 if age > 86400 else 60.0)
        nxt = (ts // step + 1) * step
        if nxt > end:
            break
        out.append((nxt, nxt - ts))
        ts = nxt
    return out


def write_history(
    store: Store,
    end: float,
    seed: int = 42,
    since: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Fill the store from where it stops (or from ``since``, default a year ago, at most three years)
    up to ``end``; returns the number of readings written."""
    totals, newest = Totals.from_store(store)
    # an hour before the start, so the first day has a reading to count from
    first = max(since - 3600 if since is not None else end - 365 * 86400, end - 3 * 365 * 86400)
    start = max(newest or 0.0, first)
    plan = steps(start, end)
    written, batch = 0, []
    started = time.monotonic()
    for i, (ts, dt) in enumerate(plan):
        batch += sample(ts, dt, totals, seed)
        if len(batch) >= 20_000 or i == len(plan) - 1:
            store.write(batch)
            written += len(batch)
            batch = []
            if progress:
                progress((i + 1) / len(plan))
    log.info("demo history: %d readings in %.1f s", written, time.monotonic() - started)
    return written
