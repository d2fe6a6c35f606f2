"""The gate's physics, pure: counters, ranges, meter clocks and units (hand-made and hypothesis cases)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtwatt.plausibility import (
    ACCEPT,
    GLITCH,
    HOLD,
    RESET,
    SPIKE,
    CounterTrack,
    MeterClock,
    limits_for,
    out_of_range,
)
from buurtwatt.units import UnitError, conversion, convert
from buurtwatt.vocabulary import GRID_MAX_W, QUANTITIES

KWH = limits_for(QUANTITIES["energy_kwh"])
GRID = limits_for(QUANTITIES["import_kwh"])


def stored(track: CounterTrack, values: list[float], start: float = 1_000.0, step: float = 60.0):
    """(value, restart) of what the gate passes on, as the store would get it."""
    out: list[tuple[float, bool]] = []
    for i, raw in enumerate(values):
        verdict = track.feed(start + i * step, raw)
        if verdict == ACCEPT:
            out.append((track.value, False))
        elif verdict == RESET:
            out += [(v, n == 0) for n, (_, v) in enumerate(track.released)]
    return out


def increase(points: list[tuple[float, bool]]) -> float:
    """The store's rule: a restart or a drop takes no step."""
    total, last = 0.0, None
    for value, restart in points:
        if last is not None and not restart and value >= last:
            total += value - last
        last = value
    return total


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([100, 100.5, 0.001, 101, 101.5], 1.5),  # Tasmota's -5 is out of range before this
        ([500, 500.2, 0, 500.4, 500.6], 0.6),  # one transient 0
        ([100, 1e12, 100.1], 0.1),  # one value of 1e12
        ([100, 100.1, 1e12, 1e12, 100.2], 0.2),  # a spike that repeats once is still a spike
    ],
)
def test_issue_table_counters(values: list[float], expected: float) -> None:
    track = CounterTrack(KWH.max_per_s)
    assert increase(stored(track, values)) == pytest.approx(expected)


def test_a_drop_that_stays_is_a_reset_and_releases_what_was_held() -> None:
    track = CounterTrack(GRID.max_per_s, reset_after=3)
    points = stored(track, [1000, 1001, 5, 6, 7, 8])
    assert points == [(1000, False), (1001, False), (5, True), (6, False), (7, False), (8, False)]
    assert increase(points) == pytest.approx(1 + 3)


def test_glitches_are_counted_with_their_reason_when_decided() -> None:
    track = CounterTrack(GRID.max_per_s)
    assert track.feed(0, 100.0) == ACCEPT
    assert track.feed(60, 3.0) == HOLD
    assert track.feed(120, 1e9) == HOLD  # does not continue the held 3.0: that one is discarded
    assert track.discarded == [GLITCH]
    track.discarded.clear()
    assert track.feed(180, 100.5) == ACCEPT
    assert track.discarded == [SPIKE]


def test_a_spike_that_stays_is_a_new_level_not_a_frozen_series() -> None:
    track = CounterTrack(GRID.max_per_s, reset_after=3)
    points = stored(track, [10, 10.1, 900_000, 900_000.1, 900_000.2, 900_000.3])
    assert points[2] == (900_000, True)
    assert increase(points) == pytest.approx(0.1 + 0.3)


def test_acc32_wrap_is_unwrapped() -> None:
    wrap = 2**32 / 1000  # a 32-bit Wh accumulator, in kWh
    track = CounterTrack(KWH.max_per_s, wrap=wrap)
    points = stored(track, [wrap - 0.2, wrap - 0.1, 0.05, 0.15])
    assert increase(points) == pytest.approx(0.35)


def test_a_16_bit_register_wraps_many_times() -> None:
    track = CounterTrack(None, wrap=65536)
    raw = [(i * 10_000) % 65536 for i in range(50)]
    assert increase(stored(track, raw)) == pytest.approx(49 * 10_000)


def test_seed_from_the_store_makes_no_step_and_recovers_the_wraps() -> None:
    wrap = 65536.0
    track = CounterTrack(None, wrap=wrap)
    track.seed(0, 3 * wrap + 100)  # the store's last value after three wraps
    assert track.feed(60, 150) == ACCEPT
    assert track.value == 3 * wrap + 150


def test_not_newer_readings_leave_the_track_alone() -> None:
    track = CounterTrack(GRID.max_per_s)
    track.feed(100, 10.0)
    assert track.feed(100, 2.0) == ACCEPT  # the store ignores it as a duplicate
    assert track.level == 10.0


def test_coarse_counters_are_no_spikes() -> None:
    """A counter in whole kWh steps once an hour at 1 kW: each step is within the grace."""
    track = CounterTrack(GRID.max_per_s)
    values = [100.0 + i // 60 for i in range(600)]
    assert increase(stored(track, values, step=60)) == pytest.approx(9)


def test_gauge_ranges() -> None:
    grid = limits_for(QUANTITIES["import_w"])
    assert not out_of_range(286.0, grid)
    assert not out_of_range(GRID_MAX_W, grid)
    assert out_of_range(1e29, grid)
    assert out_of_range(-5000.0, grid)
    assert out_of_range(math.nan, grid)
    assert out_of_range(44.0, limits_for(QUANTITIES["frequency_hz"]))
    assert out_of_range(101.0, limits_for(QUANTITIES["humidity_pct"]))
    assert out_of_range(100.0, limits_for(QUANTITIES["co2_ppm"]))
    assert not out_of_range(420.0, limits_for(QUANTITIES["co2_ppm"]))


def test_a_device_maximum_replaces_the_default() -> None:
    big = limits_for(QUANTITIES["import_w"], max_power_w=150_000)
    assert not out_of_range(108_000.0, big)
    assert limits_for(QUANTITIES["import_kwh"], max_power_w=3600).max_per_s == pytest.approx(0.001)
    assert limits_for(QUANTITIES["gas_m3"], max_flow_m3_h=6).max_per_s == pytest.approx(6 / 3600)
    assert limits_for(QUANTITIES["power_w"], max_power_w=5000).low == -5000


def test_meter_clock() -> None:
    clock = MeterClock(30)
    assert clock.time(1000.0, 1001.0) is None
    assert clock.time(1000.0 + 7200, 1002.0) == pytest.approx(1002.0)  # two hours ahead
    # a burst keeps its spacing while the offset holds
    assert clock.time(1001.0 + 7200, 1002.5) == pytest.approx(1003.0)
    assert clock.time(1004.0, 1004.2) is None  # back in step
    assert clock.offset is None


def test_a_meter_clock_coming_back_within_the_skew_never_goes_back_in_time() -> None:
    """31 s behind, then 29 s behind: the second keeps the offset, or the store would ignore it."""
    clock = MeterClock(30)
    first = clock.time(1000.0, 1031.0)
    assert first == pytest.approx(1031.0)
    times = [clock.time(1000.0 + i, 1029.0 + i) for i in range(1, 100)]
    given = [t if t is not None else 1000.0 + i for i, t in enumerate(times, start=1)]
    assert all(b > a for a, b in zip([first, *given], given, strict=False))
    assert times[-1] is None and clock.offset is None  # caught up: the meter's own time again


@pytest.mark.parametrize(
    ("value", "unit", "target", "expected"),
    [
        (286_000.0, "mW", "W", 286.0),
        (1.5, "kW", "W", 1500.0),
        (12_345_678.0, "Wh", "kWh", 12_345.678),
        (2.0, "MWh", "kWh", 2000.0),
        (1500.0, "dm3", "m3", 1.5),
        (250.0, "l", "m3", 0.25),
        (1.0, "m³", "m3", 1.0),
        (0.23, "kV", "V", 230.0),
        (500.0, "mA", "A", 0.5),
        (293.15, "K", "°C", 20.0),
        (68.0, "°F", "°C", 20.0),
        (0.4, "kg/kWh", "g/kWh", 400.0),
    ],
)
def test_units(value: float, unit: str, target: str, expected: float) -> None:
    assert convert(value, unit, target) == pytest.approx(expected)


def test_units_that_do_not_convert() -> None:
    with pytest.raises(UnitError):
        conversion("kWh", "W")
    assert conversion(None, "W") == (1.0, 0.0)


# --- properties -------------------------------------------------------------------------------

STEP_S = 10.0


@st.composite
def faulty_sequences(draw: st.DrawFn) -> tuple[list[float], float, float | None]:
    """(what the device says, the true increase, wrap) with glitches, spikes, resets and wraps."""
    n = draw(st.integers(20, 120))
    # true steps up to 40 kW x 10 s; many zero (the meter at rest)
    steps = draw(st.lists(st.sampled_from([0.0, 0.001, 0.01, 0.05, 0.1]), min_size=n, max_size=n))
    wrap = draw(st.sampled_from([None, None, 2**32 / 1000, 65.536]))
    # with a register that rolls over, start just below the top so it does
    start = wrap - draw(st.floats(0, 1)) if wrap else draw(st.floats(0, 1e6))
    true = [start]
    for s in steps[1:]:
        true.append(true[-1] + s)
    said = list(true)
    truth = true[-1] - true[0]
    # faults at positions at least 5 apart, never within 4 of the end, so each one is decided
    position = 4
    while True:
        position += draw(st.integers(5, 25))
        if position >= n - 4:
            break
        # In a register that rolls over, a drop of more than half of it reads as a roll-over, and
        # a spike or a swap modulo the register is just another value: only glitches there.
        fault = draw(st.sampled_from(["glitch", "spike", "reset"] if not wrap else ["glitch"]))
        if fault == "glitch":
            below = said[position - 1] - (wrap / 2 if wrap else said[position - 1])
            said[position] = draw(st.floats(max(0.0, below), said[position - 1])) - 1e-3
        elif fault == "spike":
            said[position] = said[position - 1] + draw(st.floats(1e4, 1e12))
        else:  # a meter swap: from here on the counter continues from a new, clearly other level
            level = said[position - 1]
            down = level >= 10 and draw(st.booleans())
            base = draw(st.floats(0, level - 10)) if down else level + draw(st.floats(1e4, 1e6))
            truth -= true[position] - true[position - 1]  # the step across the swap is unknowable
            for i in range(position, n):
                said[i] = true[i] - true[position] + base
    if wrap:
        said = [v % wrap if v >= 0 else v for v in said]
    return said, truth, wrap


@settings(max_examples=300, deadline=None)
@given(faulty_sequences())
def test_stored_increase_equals_the_true_one(case: tuple[list[float], float, float | None]) -> None:
    said, truth, wrap = case
    track = CounterTrack(GRID.max_per_s, reset_after=3, wrap=wrap)
    # the gate refuses negative counters as out of range before the track sees them
    points = []
    for i, raw in enumerate(said):
        if raw < 0:
            continue
        verdict = track.feed(1000.0 + i * STEP_S, raw)
        if verdict == ACCEPT:
            points.append((track.value, False))
        elif verdict == RESET:
            points += [(v, k == 0) for k, (_, v) in enumerate(track.released)]
    assert increase(points) == pytest.approx(truth, abs=1e-6, rel=1e-9)
