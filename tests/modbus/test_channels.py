"""Several inverters under one SunSpec device, and reads that stay consistent when they are slow.

Every case runs against a real pymodbus server serving a hand-built register image
(tests/modbus/sunspec_image.py).
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from buurtwatt.readings import Reading
from collector.health import State
from collector.modbus import sunspec_models as sm
from collector.modbus.config import SunSpecConfig
from collector.modbus.sunspec import SunSpecSource, plan_requests
from collector.source import collect_into
from tests.modbus.conftest import site_where
from tests.modbus.sunspec_image import common, image, inverter, mppt, serve_images  # noqa: F401

DUAL = image(
    (1, common("DUAL-1")),
    (103, inverter(103, W=2100, W_SF=0, WH=1_000_000, WH_SF=0, St=4)),
    (160, mppt([1100, 1050])),
    (103, inverter(103, W=1800, W_SF=0, WH=2_000_000, WH_SF=0, St=4)),
    (160, mppt([950, 900])),
)

CHAIN = image(
    (1, common("SN-A")),
    (103, inverter(103, W=3000, W_SF=0, WH=5_000_000, WH_SF=0, St=4)),
    (1, common("SN-B")),
    (101, inverter(101, W=400, W_SF=0, WH=700_000, WH_SF=0, St=4)),
    (1, common("SN-METER")),
    (203, [0x8000] * 105),  # a meter: no inverter, no channel
)


def source_for(server, **kwargs) -> SunSpecSource:
    config = SunSpecConfig(
        type="sunspec", name="roof", host="127.0.0.1", port=server.port, timeout_s=1, **kwargs
    )
    return SunSpecSource(config)


def poll_once(source: SunSpecSource) -> list[Reading]:
    try:
        return source.poll(time.time()).readings
    finally:
        source.close()


def by_series(readings: list[Reading]) -> dict[str, Reading]:
    return {str(r.series): r for r in readings}


def test_two_inverter_models_under_one_device_are_two_devices(image_server, caplog) -> None:
    caplog.set_level(logging.INFO, logger="collector.modbus.sunspec")
    words, addresses = DUAL
    source = source_for(image_server(words))
    readings = by_series(poll_once(source))
    assert readings["roof:power_w"].value == 2100.0
    assert readings["roof-2:power_w"].value == 1800.0
    assert readings["roof:energy_kwh"].value == 1_000_000.0
    assert readings["roof-2:energy_kwh"].value == 2_000_000.0
    assert readings["roof:dc_power_w"].value == 2150.0  # each inverter's own model 160
    assert readings["roof-2:dc_power_w"].value == 1850.0
    assert [c.inverter.address for c in source.layout.channels] == [addresses[1], addresses[3]]
    assert source.channel_names == ["roof", "roof-2"]
    found = [r.getMessage() for r in caplog.records if "SunSpec at 40000" in r.getMessage()]
    assert len(found) == 1
    assert "models 1, 103, 160, 103, 160" in found[0]
    assert f"roof = model 103 at {addresses[1]}" in found[0]
    assert f"roof-2 = model 103 at {addresses[3]}" in found[0]


def test_two_inverters_in_one_chain_with_configured_names(image_server) -> None:
    words, _ = CHAIN
    source = source_for(image_server(words), channels=["east", "west"])
    readings = by_series(poll_once(source))
    assert {s.split(":")[0] for s in readings} == {"east", "west"}
    assert readings["east:power_w"].value == 3000.0
    assert readings["west:power_w"].value == 400.0
    # each inverter's counter is tagged with its own serial, so a swap of one does not touch the other
    assert readings["east:energy_kwh"].meter == "SN-A"
    assert readings["west:energy_kwh"].meter == "SN-B"
    assert [c.inverter.id for c in source.layout.channels] == [103, 101]


def test_device_index_reads_one_inverter_under_the_device_name(image_server) -> None:
    words, _ = CHAIN
    source = source_for(image_server(words), device_index=1)
    readings = by_series(poll_once(source))
    assert set(readings) == {"roof:power_w", "roof:energy_kwh", "roof:status"}
    assert readings["roof:power_w"].value == 400.0


def dual(first_state: int, second_state: int) -> list[int]:
    words, _ = image(
        (1, common("DUAL-1")),
        (103, inverter(103, W=0, W_SF=0, WH=1_000_000, WH_SF=0, St=first_state)),
        (103, inverter(103, W=900, W_SF=0, WH=2_000_000, WH_SF=0, St=second_state)),
    )
    return words


@pytest.mark.parametrize(("states", "asleep"), [((4, 4), False), ((2, 4), False), ((2, 1), True)])
def test_asleep_only_when_every_inverter_sleeps(image_server, states, asleep) -> None:
    source = source_for(image_server(dual(*states)))
    try:
        assert source.poll(time.time()).asleep is asleep
    finally:
        source.close()


def test_night_zero_covers_every_inverter(image_server) -> None:
    words, addresses = DUAL
    st, w = sm.INT_INVERTER[-1].offset, sm.INT_INVERTER[0].offset
    for at in (addresses[1], addresses[3]):
        words[at - 40000 + st] = 2  # sleeping
        words[at - 40000 + w] = 0x8000  # no power value at night
    server = image_server(words)
    config = SunSpecConfig(
        type="sunspec", name="roof", host="127.0.0.1", port=server.port, timeout_s=0.5, interval_s=0.05
    )
    source = SunSpecSource(config, site_where(time.time(), night=True, night_mode="zero"))
    readings: list[Reading] = []
    ctx = collect_into(readings)
    thread = threading.Thread(target=source.run, args=(ctx,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not {"roof:power_w", "roof-2:power_w"} <= set(
            by_series(readings)
        ):
            time.sleep(0.02)
    finally:
        ctx.stopping.set()
        thread.join(5)
    got = by_series(readings)
    assert got["roof:power_w"].value == 0.0 and got["roof-2:power_w"].value == 0.0
    assert ctx.health.state is State.ASLEEP
    assert ctx.health.readings == 0  # the gate counts, not the source


@pytest.mark.parametrize("max_count", [4, 5, 10, 40, 125])
def test_requests_never_split_a_point(max_count: int) -> None:
    for points in (sm.INT_INVERTER, sm.DER_AC, sm.FLOAT_INVERTER, sm.mppt_points(8 + 20 * 8)):
        requests = plan_requests(points, max_count)
        assert requests[0][0] == 0  # the header is checked on every poll
        assert all(count <= max_count for _, count in requests)
        for p in points:
            assert any(a <= p.offset and p.offset + p.size <= a + n for a, n in requests), (p, requests)


def test_an_accumulator_is_never_split_across_requests(image_server) -> None:
    """The counter's low word rolls over during a poll read in pieces: the value stays whole."""
    words, addresses = image(
        (1, common("SN-1")), (103, inverter(103, W=500, W_SF=0, WH=0x1FFFF, WH_SF=0, St=4))
    )
    wh_at = addresses[1] + 24
    armed = threading.Event()
    touched: list[int] = []

    def roll(n: int, address: int, count: int, regs: list[int], start: int) -> None:
        # 0x1FFFF -> 0x20000 right after the first request that touched the counter: a read that
        # took one word before and the other after would see 0x10000 or 0x2FFFF
        if not armed.is_set():
            return
        if touched:
            regs[wh_at - start : wh_at - start + 2] = [0x0002, 0x0000]
            armed.clear()
        elif address <= wh_at + 1 and address + count > wh_at:
            touched.append(n)

    server = image_server(words, on_request=roll)
    source = source_for(server, max_registers_per_read=5)
    try:
        source.poll(time.time())  # discovery reads past the counter too: arm after it
        armed.set()
        before = server.requests
        energy = by_series(source.poll(time.time()).readings)["roof:energy_kwh"]
    finally:
        source.close()
    assert server.requests - before > 5  # really read in pieces
    assert energy.value in (0x1FFFF, 0x20000)  # never 0x10000 (65,535 Wh back) or 0x2FFFF
    assert energy.wrap == 2**32


def test_a_scale_factor_that_changes_during_a_slow_read_is_not_used(image_server) -> None:
    """701 keeps W at offset 10 and W_SF at 116: with short reads they come from different answers."""
    words, addresses = image(
        (1, common("SN-1")),
        (
            701,
            inverter(
                701, InvSt=3, W=3000, W_SF=0, Hz=5001, Hz_SF=-2, WH=123_456, TotWh_SF=0, TmpCab=40, Tmp_SF=0
            ),
        ),
    )
    w_at, sf_at = addresses[1] + 10, addresses[1] + 116
    changed = threading.Event()

    def rescale(n: int, address: int, count: int, regs: list[int], start: int) -> None:
        # once, while the values are read: the device moves to W_SF = -1 (same power, ten times the raw)
        if address == addresses[1] and count > 2 and not changed.is_set():
            regs[w_at - start] = 30000
            regs[sf_at - start] = encode_sf(-1)
            changed.set()

    server = image_server(words, on_request=rescale)
    source = source_for(server, max_registers_per_read=40)
    first = by_series(source.poll(time.time()).readings)
    assert changed.is_set()
    assert "roof:power_w" not in first  # 30000 x 10**0 would be 30 kW: left out instead
    assert first["roof:frequency_hz"].value == 50.01  # its scale factor did not change
    second = by_series(poll_once(source))
    assert second["roof:power_w"].value == 3000.0


def encode_sf(sf: int) -> int:
    return sf & 0xFFFF
