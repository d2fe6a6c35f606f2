"""The gate end to end: readings through the pipeline into a real SQLite store, counted per device."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings

from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution
from buurtwatt.store.sqlite import SqliteStore
from collector.health import DeviceHealth
from collector.pipeline import DEGRADED_AFTER, Pipeline
from tests.core.test_plausibility import STEP_S, faulty_sequences
from tests.services import wait_until

T0 = 1_780_000_000.0


@contextmanager
def gate(path: Path, device: str = "meter", **kwargs) -> Iterator[tuple[Pipeline, DeviceHealth, SqliteStore]]:
    store = SqliteStore(path, site="test")
    pipeline = Pipeline(store, commit_interval=0.05, **kwargs)
    pipeline.start()
    health = DeviceHealth(name=device, type="test")
    try:
        yield pipeline, health, store
    finally:
        assert pipeline.stop(5)
        store.close()


def send(pipeline: Pipeline, health: DeviceHealth, readings: Sequence[Reading], config=None) -> None:
    emit = pipeline.emitter(health, config)
    before = pipeline.committed
    passed = 0
    for r in readings:  # one reading per emit, as a telegram or a message would come
        n = health.readings + sum(c.readings for c in health.children.values())
        emit([r])
        passed += health.readings + sum(c.readings for c in health.children.values()) - n
    wait_until(lambda: pipeline.committed >= before + passed, 10, "the writer to commit")


def increase(store: SqliteStore, series: str) -> float:
    return sum(row.value or 0.0 for row in store.read(series, 0, 4e9, Resolution.HOUR))


def counter(
    device: str, quantity: str, values: Sequence[float], start: float = T0, **kwargs
) -> list[Reading]:
    return [Reading(device, quantity, start + 60 * i, v, **kwargs) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("values", "expected", "reason"),
    [
        ([100, 100.5, -5, 101, 101.5], 1.5, "out_of_range"),  # Tasmota Total
        ([500, 500.2, 0, 500.4, 500.6], 0.6, "counter_glitch"),  # one transient 0
        ([100, 1e12, 100.1], 0.1, "counter_spike"),  # one value of 1e12
    ],
)
def test_issue_table(tmp_path: Path, values: list[float], expected: float, reason: str) -> None:
    with gate(tmp_path / "s.sqlite", "plug") as (pipeline, health, store):
        send(pipeline, health, counter("plug", "energy_kwh", values, unit="kWh"))
        assert increase(store, "plug:energy_kwh") == pytest.approx(expected)
        assert health.drops == {reason: 1}
        assert health.readings == len(values) - 1 == pipeline.committed


def test_acc32_wrap_from_sunspec(tmp_path: Path) -> None:
    wh = [2**32 - 200, 2**32 - 100, 50, 150]  # a 32-bit Wh accumulator rolls over
    with gate(tmp_path / "s.sqlite", "roof") as (pipeline, health, store):
        send(pipeline, health, counter("roof", "energy_kwh", wh, unit="Wh", wrap=2**32))
        assert increase(store, "roof:energy_kwh") == pytest.approx(0.35)
        assert not health.drops


def test_reset_restarts_without_a_step_and_is_reported(tmp_path: Path) -> None:
    with gate(tmp_path / "s.sqlite") as (pipeline, health, store):
        send(pipeline, health, counter("meter", "import_kwh", [1000, 1001, 5, 6, 7]))
        assert increase(store, "meter:import_kwh") == pytest.approx(1 + 2)
        assert health.events == {"counter_reset": 1}
        assert health.readings == 5 and not health.drops


def test_units_are_converted_once(tmp_path: Path) -> None:
    """A Sagemcom T210-D-r says Wh and W; an EasyMeter says kW: all end up in the vocabulary's units."""
    with gate(tmp_path / "s.sqlite") as (pipeline, health, store):
        send(
            pipeline,
            health,
            [
                Reading("meter", "import_kwh", T0, 12_345_678.0, unit="Wh"),
                Reading("meter", "import_w", T0, 286.0, unit="W"),
                Reading("meter", "export_w", T0, 0.286, unit="kW"),
                Reading("meter", "import_l1_w", T0, 1.0, unit="kWh"),  # cannot be right
            ],
        )
        latest = store.latest(["meter:import_kwh", "meter:import_w", "meter:export_w"])
        assert latest["meter:import_kwh"].value == pytest.approx(12_345.678)
        assert latest["meter:import_w"].value == pytest.approx(286.0)
        assert latest["meter:export_w"].value == pytest.approx(286.0)
        assert health.drops == {"bad_unit": 1}


def test_impossible_gauges_are_refused_and_the_device_is_degraded(tmp_path: Path) -> None:
    with gate(tmp_path / "s.sqlite") as (pipeline, health, store):
        bad = [
            Reading("meter", "import_w", T0 + i, v) for i, v in enumerate([1e29, -5000.0] * DEGRADED_AFTER)
        ]
        bad.append(Reading("meter", "quantity_nobody_knows", T0, 1.0))
        bad.append(Reading("meter", "voltage_l1_v", T0, float("nan")))
        send(pipeline, health, bad)
        assert store.latest(["meter:import_w"]) == {}
        assert health.drops == {"out_of_range": 2 * DEGRADED_AFTER, "unknown_quantity": 1, "not_a_number": 1}
        snap = health.snapshot()
        assert snap["state"] == "degraded"
        assert "meter:import_w: out_of_range" in snap["message"]
        send(pipeline, health, [Reading("meter", "import_w", T0 + 100, 300.0)])
        assert health.snapshot()["state"] != "degraded"


def test_a_backwards_counter_degrades_until_the_reset_rule_takes_it(tmp_path: Path) -> None:
    with gate(tmp_path / "s.sqlite", counter_reset_after=20) as (pipeline, health, store):
        values = [1000.0] + [5.0 + i * 0.01 for i in range(DEGRADED_AFTER)]
        send(pipeline, health, counter("meter", "import_kwh", values))
        assert health.snapshot()["state"] == "degraded"
        # it was a glitch after all
        send(pipeline, health, counter("meter", "import_kwh", [1000.1], start=T0 + 3600))
        assert health.snapshot()["state"] != "degraded"
        assert health.drops == {"counter_glitch": DEGRADED_AFTER}
        assert increase(store, "meter:import_kwh") == pytest.approx(0.1)


def test_a_meter_clock_ahead_never_blocks_later_telegrams(tmp_path: Path) -> None:
    """One telegram stamped 2 h ahead, then 60 good ones: all 61 are stored."""
    with gate(tmp_path / "s.sqlite") as (pipeline, health, store):
        now = T0
        telegrams = [Reading("meter", "import_w", now + 7200, 500.0, received=now)]
        telegrams += [
            Reading("meter", "import_w", now + i, 500.0 + i, received=now + i + 0.3) for i in range(1, 61)
        ]
        send(pipeline, health, telegrams)
        rows = store.read("meter:import_w", 0, 4e9, Resolution.MIN1)
        assert sum(r.count for r in rows) == 61
        assert store.latest(["meter:import_w"])["meter:import_w"].ts == now + 60
        assert health.events == {"clock_off": 1}
        assert not health.drops


def test_a_collector_restart_makes_no_step(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with gate(path) as (pipeline, health, store):
        send(pipeline, health, counter("meter", "import_kwh", [1000.0, 1000.2]))
    # a new collector (new gate, empty memory) on the same store
    with gate(path) as (pipeline, health, store):
        send(pipeline, health, [Reading("meter", "import_kwh", T0 + 3600, 3.0)])  # a glitch right away
        send(pipeline, health, [Reading("meter", "import_kwh", T0 + 3660, 1000.5)])
        assert increase(store, "meter:import_kwh") == pytest.approx(0.5)
        assert health.drops == {"counter_glitch": 1}


def test_a_device_maximum_from_the_config(tmp_path: Path) -> None:
    from buurtwatt.config_base import DeviceConfig

    big = DeviceConfig(type="p1", name="meter", max_power_w=150_000)
    with gate(tmp_path / "s.sqlite") as (pipeline, health, store):
        send(pipeline, health, [Reading("meter", "import_w", T0, 108_000.0)], big)
        assert store.latest(["meter:import_w"])["meter:import_w"].value == 108_000.0


def test_readings_of_a_device_behind_the_source_count_in_its_child(tmp_path: Path) -> None:
    """P1's gas meter (and an MQTT plug) is counted in the child named after the reading's device."""
    with gate(tmp_path / "s.sqlite") as (pipeline, health, store):
        send(
            pipeline,
            health,
            [
                Reading("meter", "import_w", T0, 300.0),
                Reading("gas", "gas_m3", T0, 4321.0, unit="m3"),
                Reading("gas", "gas_m3", T0 + 300, 4321.1, unit="m³"),
                Reading("gas", "gas_m3", T0 + 600, 1e9),
            ],
        )
        gas = health.children["gas"]
        assert (health.readings, gas.readings) == (1, 2)
        assert gas.drops == {} and gas.snapshot()["state"] == "starting"
        assert increase(store, "gas:gas_m3") == pytest.approx(0.1)


@settings(max_examples=15, deadline=None)
@given(faulty_sequences())
def test_stored_increase_equals_the_true_one_in_a_real_store(case) -> None:
    said, truth, wrap = case
    with tempfile.TemporaryDirectory() as tmp, gate(Path(tmp) / "s.sqlite") as (pipeline, health, store):
        readings = [Reading("meter", "import_kwh", T0 + i * STEP_S, v, wrap=wrap) for i, v in enumerate(said)]
        pipeline.emitter(health)(readings)
        wait_until(lambda: pipeline.committed >= health.readings, 10, "the writer to commit")
        assert increase(store, "meter:import_kwh") == pytest.approx(truth, abs=1e-6, rel=1e-9)


def test_a_new_meter_serial_restarts_at_once(tmp_path: Path) -> None:
    with gate(tmp_path / "s.sqlite") as (pipeline, health, store):
        old = counter("meter", "import_kwh", [20_000.0, 20_000.5], meter="A")
        new = counter("meter", "import_kwh", [3.0, 3.25], start=T0 + 120, meter="B")
        send(pipeline, health, old + new)
        assert increase(store, "meter:import_kwh") == pytest.approx(0.5 + 0.25)
        assert health.events == {"meter_swap": 1} and not health.drops
