"""Night sleep, wake-up and daytime faults, with the source's real run() loop in a thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from buurtwatt.readings import Reading
from collector.health import State
from collector.modbus.config import SunSpecConfig
from collector.modbus.sunspec import SunSpecSource
from collector.source import collect_into
from tests.modbus.conftest import site_where


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def start_source(sim, site) -> tuple[SunSpecSource, list[Reading], object, threading.Thread]:
    config = SunSpecConfig(
        type="sunspec",
        name="roof",
        host="127.0.0.1",
        port=sim.port,
        timeout_s=0.5,
        interval_s=0.05,
        backoff_max_s=0.2,
    )
    source = SunSpecSource(config, site)
    readings: list[Reading] = []
    ctx = collect_into(readings)
    thread = threading.Thread(target=source.run, args=(ctx,), daemon=True)
    thread.start()
    return source, readings, ctx, thread


def stop(ctx, thread: threading.Thread) -> None:
    ctx.stopping.set()
    thread.join(5)
    assert not thread.is_alive()


def device_records(caplog, level: int) -> list[logging.LogRecord]:
    # "asyncio" records come from a simulator's event loop: a request handler a silent simulator
    # left pending in an earlier test is reported whenever the garbage collector finds it
    return [r for r in caplog.records if r.levelno >= level and r.name != "asyncio"]


def test_night_sleep_and_wake_up_without_a_log_flood(sunspec_sim, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sim = sunspec_sim("int", profile=lambda ts: 0.0, silent_s=1.0)
    source, readings, ctx, thread = start_source(sim, site_where(time.time(), night=True))
    try:
        assert wait_for(lambda: ctx.health.state is State.OK)
        for mode in ("exception", "closed", "busy", "silent"):  # Fronius-like, Huawei-like, busy, mute
            sim.sleep(mode)
            assert wait_for(lambda: ctx.health.state is State.ASLEEP), mode
            time.sleep(0.6)  # many retries
            assert ctx.health.state is State.ASLEEP
            sim.wake()
            assert wait_for(lambda: ctx.health.state is State.OK), mode
        polls_before = sim.requests
        sim.sleep("status")  # SolarEdge-like: answers, says "sleeping"
        assert wait_for(lambda: ctx.health.state is State.ASLEEP)
        assert sim.requests > polls_before
    finally:
        stop(ctx, thread)
    assert device_records(caplog, logging.WARNING) == []  # asleep at night is not a fault
    state_lines = [r for r in caplog.records if r.name.startswith("buurtwatt.device")]
    assert len(state_lines) <= 10  # one line per state change, not per poll


def test_night_zero_stores_zero_power_but_never_zero_energy(sunspec_sim) -> None:
    sim = sunspec_sim("int", profile=lambda ts: 0.0)
    sim.sleep("exception")
    _, readings, ctx, thread = start_source(sim, site_where(time.time(), night=True, night_mode="zero"))
    try:
        assert wait_for(lambda: len(readings) >= 2)
    finally:
        stop(ctx, thread)
    assert ctx.health.state is State.ASLEEP
    assert {r.quantity for r in readings} == {"power_w", "dc_power_w"}
    assert all(r.value == 0 for r in readings)


def test_night_gap_stores_nothing(sunspec_sim) -> None:
    sim = sunspec_sim("int")
    sim.sleep("closed")
    _, readings, ctx, thread = start_source(sim, site_where(time.time(), night=True, night_mode="gap"))
    try:
        assert wait_for(lambda: ctx.health.state is State.ASLEEP)
        time.sleep(0.3)
    finally:
        stop(ctx, thread)
    assert readings == []


def test_daytime_refusal_is_logged_once_per_state_change(sunspec_sim, caplog) -> None:
    caplog.set_level(logging.INFO)
    sim = sunspec_sim("int", profile=lambda ts: 2000.0)
    source, readings, ctx, thread = start_source(sim, site_where(time.time(), night=False))
    try:
        assert wait_for(lambda: ctx.health.state is State.OK)
        sim.sleep("closed")
        assert wait_for(lambda: ctx.health.state is State.OFFLINE)
        time.sleep(0.8)
        sim.wake()
        assert wait_for(lambda: ctx.health.state is State.OK)
    finally:
        stop(ctx, thread)
    warnings = device_records(caplog, logging.WARNING)
    assert len(warnings) == 1 and "offline" in warnings[0].getMessage()
    assert any(r.quantity == "power_w" and r.value == 2000.0 for r in readings)
