"""SunSpec discovery and decoding against real pymodbus servers on loopback."""

from __future__ import annotations

import time

import pytest
from pymodbus import FramerType
from pymodbus.client import ModbusTcpClient

from collector.modbus.config import SunSpecConfig
from collector.modbus.registers import decode, encode, is_not_implemented
from collector.modbus.sunspec import SunSpecSource


def source_for(sim, **kwargs) -> SunSpecSource:
    config = SunSpecConfig(
        type="sunspec", name="roof", host="127.0.0.1", port=sim.port, unit=sim.unit, timeout_s=1, **kwargs
    )
    return SunSpecSource(config)


def poll_values(source: SunSpecSource) -> dict[str, float]:
    try:
        return {r.quantity: r.value for r in source.poll(time.time()).readings}
    finally:
        source.close()


@pytest.mark.parametrize(
    ("layout", "base", "expected"),
    [
        ("int", 40000, [(1, 40002, 66), (103, 40070, 50), (160, 40122, 48)]),
        (
            "solaredge",
            40000,
            [(1, 40002, 65), (103, 40069, 50), (160, 40121, 48), (1, 40171, 65), (203, 40238, 105)],
        ),
        ("der", 50000, [(1, 50002, 66), (701, 50070, 153), (160, 50225, 48)]),
        ("float", 0, [(1, 2, 66), (113, 70, 60), (160, 132, 48)]),
    ],
)
def test_discovery_on_different_layouts(sunspec_sim, layout, base, expected) -> None:
    sim = sunspec_sim(layout, base=base, profile=lambda ts: 3000.0, serial="SN-42")
    source = source_for(sim)
    values = poll_values(source)
    assert [(m.id, m.address, m.length) for m in source.layout.models] == expected
    assert source.layout.base == base
    assert source.layout.serial == "SN-42"
    assert values["power_w"] == 3000.0
    assert values["energy_kwh"] == pytest.approx(12_345_678, abs=10)  # Wh, as SunSpec counts
    assert values["status"] == 4
    assert set(values) == {
        "power_w",
        "energy_kwh",
        "frequency_hz",
        "device_temperature_c",
        "status",
        "dc_power_w",
    }


def test_readings_carry_the_inverters_units_and_the_counter_wrap(sunspec_sim) -> None:
    sim = sunspec_sim("int", profile=lambda ts: 3000.0, wh_sf=1)
    source = source_for(sim)
    try:
        readings = {r.quantity: r for r in source.poll(time.time()).readings}
    finally:
        source.close()
    units = {q: r.unit for q, r in readings.items()}
    assert units == {
        "power_w": "W",
        "energy_kwh": "Wh",
        "frequency_hz": "Hz",
        "device_temperature_c": "°C",
        "status": "",
        "dc_power_w": "W",
    }
    assert readings["energy_kwh"].wrap == 2**32 * 10  # acc32 in tens of Wh rolls over here
    assert readings["energy_kwh"].meter == "SIM-0001"
    assert all(r.wrap is None for q, r in readings.items() if q != "energy_kwh")


def test_der_and_float_counters_have_no_wrap(sunspec_sim) -> None:
    for layout in ("der", "float"):  # uint64 never rolls over in a lifetime; a float does not wrap
        source = source_for(sunspec_sim(layout))
        try:
            readings = {r.quantity: r for r in source.poll(time.time()).readings}
        finally:
            source.close()
        assert readings["energy_kwh"].unit == "Wh" and readings["energy_kwh"].wrap is None


def test_inverter_model_preference(sunspec_sim) -> None:
    sim = sunspec_sim("int", inverter_models=(103, 113, 701), profile=lambda ts: 1500.0)
    source = source_for(sim)
    assert poll_values(source)["power_w"] == 1500.0
    assert source.layout.inverter.id == 701
    sim2 = sunspec_sim("int", inverter_models=(101, 112), profile=lambda ts: 1500.0)
    source2 = source_for(sim2)
    poll_values(source2)
    assert source2.layout.inverter.id == 112


def test_scale_factors_from_the_same_read(sunspec_sim) -> None:
    sim = sunspec_sim(
        "int", profile=lambda ts: 2345.6, w_sf=-1, wh_sf=1, hz_sf=-2, tmp_sf=-1, energy_wh=987_650.0
    )
    raw = ModbusTcpClient("127.0.0.1", port=sim.port)
    assert raw.connect()
    block = raw.read_holding_registers(40070, count=39, device_id=1).registers
    raw.close()
    assert decode(block[14:15], "int16") == 23456 and decode(block[15:16], "int16") == -1  # W, W_SF
    assert decode(block[26:27], "int16") == 1  # WH_SF: tens of Wh
    source = source_for(sim)
    values = poll_values(source)
    assert values["power_w"] == pytest.approx(2345.6)
    assert values["energy_kwh"] == pytest.approx(987_650, abs=20)  # Wh
    assert values["frequency_hz"] == pytest.approx(50.01)


def test_float_model_113(sunspec_sim) -> None:
    sim = sunspec_sim("float", profile=lambda ts: 4321.5, energy_wh=5_000_000.0)
    raw = ModbusTcpClient("127.0.0.1", port=sim.port)
    assert raw.connect()
    block = raw.read_holding_registers(40070, count=50, device_id=1).registers
    raw.close()
    assert block[0] == 113 and decode(block[22:24], "float32") == pytest.approx(4321.5)
    values = poll_values(source_for(sim))
    assert values["power_w"] == pytest.approx(4321.5)
    assert values["energy_kwh"] == pytest.approx(5_000_000, abs=500)
    assert values["frequency_hz"] == pytest.approx(50.01, abs=1e-4)


@pytest.mark.parametrize(
    ("layout", "point", "missing"),
    [
        ("int", "W", "power_w"),  # int16 0x8000
        ("int", "W_SF", "power_w"),  # sunssf 0x8000: the value cannot be scaled
        ("int", "Hz", "frequency_hz"),  # uint16 0xFFFF
        ("int", "St", "status"),  # enum16 0xFFFF
        ("int", "WH", "energy_kwh"),  # acc32 0: an accumulator of 0 is missing
        ("float", "W", "power_w"),  # float32 NaN
        ("der", "Hz", "frequency_hz"),  # uint32 0xFFFFFFFF
        ("der", "WH", "energy_kwh"),  # uint64 0xFFFFFFFFFFFFFFFF
    ],
)
def test_each_sentinel_is_missing_not_zero(sunspec_sim, layout, point, missing) -> None:
    sim = sunspec_sim(layout, profile=lambda ts: 1000.0)
    sim.sentinels = {point}
    values = poll_values(source_for(sim))
    assert missing not in values
    assert "power_w" in values or missing == "power_w"


def test_sentinel_table() -> None:
    assert is_not_implemented([0x8000], "int16") and is_not_implemented([0x8000], "sunssf")
    assert is_not_implemented([0xFFFF], "uint16") and is_not_implemented([0xFFFF], "enum16")
    assert is_not_implemented([0x8000, 0], "int32")
    assert is_not_implemented([0xFFFF, 0xFFFF], "uint32")
    assert is_not_implemented([0, 0], "acc32") and not is_not_implemented([0, 1], "acc32")
    assert is_not_implemented(encode(float("nan"), "float32"), "float32")
    assert not is_not_implemented([0], "int16")


def test_long_models_are_chunked(sunspec_sim) -> None:
    # 8 MPPT modules: model 160 is 170 registers with its header, more than one read may hold
    sim = sunspec_sim("der", mppt_modules=8, profile=lambda ts: 2400.0)
    full = poll_values(source_for(sim))
    small = source_for(sim, max_registers_per_read=40)
    before = sim.requests
    chunked = poll_values(small)
    assert chunked["dc_power_w"] == full["dc_power_w"] == pytest.approx(2472.0, abs=8)
    assert chunked["power_w"] == full["power_w"] == 2400.0
    assert sim.requests - before > 8


def test_layout_is_cached_and_found_again_after_a_change(sunspec_sim) -> None:
    sim = sunspec_sim("int", profile=lambda ts: 1000.0)
    source = source_for(sim)
    source.poll(time.time())
    source.poll(time.time())
    assert source.discoveries == 1
    port = sim.port
    sim.stop()
    sunspec_sim("solaredge", port=port, profile=lambda ts: 2000.0)  # firmware update: models moved
    values = {r.quantity: r.value for r in source.poll(time.time()).readings}
    source.close()
    assert values["power_w"] == 2000.0
    assert source.discoveries == 2
    assert source.layout.inverter.address == 40069


def test_rtu_framing_over_a_socket(sunspec_sim) -> None:
    sim = sunspec_sim("int", framer=FramerType.RTU, unit=3, profile=lambda ts: 777.0)
    config = SunSpecConfig(
        type="sunspec",
        name="rtu",
        serial_port=f"socket://127.0.0.1:{sim.port}",
        baud=9600,
        unit=3,
        timeout_s=1,
    )
    values = poll_values(SunSpecSource(config))
    assert values["power_w"] == 777.0
    assert values["status"] == 4


def test_energy_follows_power(sunspec_sim) -> None:
    sim = sunspec_sim("int", profile=lambda ts: 3600.0, energy_wh=1_000_000.0)
    source = source_for(sim)
    first = {r.quantity: r.value for r in source.poll(time.time()).readings}["energy_kwh"]
    time.sleep(1.0)
    second = {r.quantity: r.value for r in source.poll(time.time()).readings}["energy_kwh"]
    source.close()
    assert 0.9 <= second - first <= 1.5  # 3600 W for ~1 s = 1 Wh


def test_config_needs_exactly_one_transport() -> None:
    with pytest.raises(ValueError, match="either host"):
        SunSpecConfig(type="sunspec", name="x", host="1.2.3.4", serial_port="/dev/ttyUSB0")
    with pytest.raises(ValueError, match="either host"):
        SunSpecConfig(type="sunspec", name="x")
