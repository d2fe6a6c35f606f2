"""The backend-independent counter and rollup rules (buurtwatt/store/rollup.py), without a database."""

from __future__ import annotations

import itertools

import pytest

from buurtwatt.readings import Reading
from buurtwatt.store.rollup import Batch, Rollups

T0 = 1_735_686_000  # 2025-01-01 00:00 Europe/Amsterdam


def run(rollups: Rollups, readings: list[Reading]) -> Batch:
    keys = itertools.count(1)
    batch = rollups.run(readings, lambda series: next(keys))
    rollups.commit(batch)
    return batch


def increase(batch: Batch) -> float:
    return sum(b[6] for b in batch.buckets["1m"].values())


def test_restart_from_the_gate_and_a_new_meter_give_no_step() -> None:
    r = Rollups()
    readings = [
        Reading("m", "import_kwh", T0, 100.0, meter="A"),
        Reading("m", "import_kwh", T0 + 60, 101.0, meter="A"),
        Reading("m", "import_kwh", T0 + 120, 500.0, meter="A", restart=True),  # the gate saw a reset
        Reading("m", "import_kwh", T0 + 180, 502.0, meter="A"),
        Reading("m", "import_kwh", T0 + 240, 3.0, meter="B"),  # a new meter
        Reading("m", "import_kwh", T0 + 300, 4.0),  # no serial: still meter B
    ]
    batch = run(r, readings)
    assert increase(batch) == pytest.approx(1.0 + 2.0 + 1.0)
    assert batch.backwards == 0
    assert len(batch.raw) == 6


def test_a_step_back_without_restart_is_no_step_and_counted() -> None:
    r = Rollups()
    batch = run(r, [Reading("m", "import_kwh", T0 + i * 60, v) for i, v in enumerate([10.0, 11.0, 9.0, 9.5])])
    assert increase(batch) == pytest.approx(1.5)  # 10->11, (back to 9: nothing), 9->9.5
    assert batch.backwards == 1


def test_state_moves_only_on_commit_so_a_failed_batch_counts_once() -> None:
    r = Rollups()
    run(r, [Reading("m", "import_kwh", T0, 100.0)])
    batch = [Reading("m", "import_kwh", T0 + 60 * i, 100.0 + i) for i in range(1, 5)]
    r.run(batch, lambda s: 99)  # stored nowhere (the write failed), not committed
    again = run(r, batch)
    assert (again.accepted, again.duplicates) == (4, 0)
    assert increase(again) == pytest.approx(4.0)
    assert run(r, batch).duplicates == 4  # once committed, the same batch is a resend


def test_same_millisecond_keeps_the_later_point_and_counts_the_other() -> None:
    r = Rollups(heartbeat_s=60)
    batch = run(r, [Reading("p", "power_w", T0 + 0.0001, 5.0), Reading("p", "power_w", T0 + 0.0004, 7.0)])
    assert [(ts, v) for _, ts, v in batch.raw] == [(T0 * 1000, 7.0)]
    assert batch.raw_replaced == 1 and batch.accepted == 2
    (minute,) = batch.buckets["1m"].values()
    assert minute[0] == 2  # both samples count in the rollups
    # across batches the same: a later point of the stored millisecond replaces it
    later = run(r, [Reading("p", "power_w", T0 + 0.00045, 9.0)])
    assert [(ts, v) for _, ts, v in later.raw] == [(T0 * 1000, 9.0)] and later.raw_replaced == 1


def test_levels_merge_into_local_days() -> None:
    r = Rollups(tz="Europe/Amsterdam")
    batch = run(r, [Reading("p", "power_w", T0 + i * 600, float(i)) for i in range(144)])  # one day
    assert len(batch.buckets["1m"]) == 144 and len(batch.buckets["15m"]) == 96
    assert len(batch.buckets["1h"]) == 24
    (((_, day_ts), day),) = batch.buckets["1d"].items()
    assert day_ts == T0 and day[0] == 144 and day[1] == pytest.approx(sum(range(144)))


def test_unknown_quantity_and_non_finite_values_are_rejected() -> None:
    r = Rollups()
    batch = run(r, [Reading("p", "no_such_thing", T0, 1.0), Reading("p", "power_w", T0, float("nan"))])
    assert (batch.rejected, batch.accepted) == (2, 0)
