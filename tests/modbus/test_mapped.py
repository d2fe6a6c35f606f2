"""Register-map devices against real pymodbus servers: a Huawei-like inverter and the shipped maps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pymodbus.client import ModbusTcpClient

from collector.modbus.config import REGISTER_MAPS, ModbusMapConfig
from collector.modbus.mapped import MappedSource
from collector.modbus.registermap import MapError, load_map, plan_reads

HUAWEI = {
    "model": "SUN2000-5KTL-M1",
    "power_w": 3210.0,
    "dc_power_w": 3333.0,
    "frequency_hz": 50.02,
    "device_temperature_c": 41.3,
    "status": 4,
    "energy_kwh": 4321.09,
}


def huawei_source(sim, **kwargs) -> MappedSource:
    config = ModbusMapConfig(
        type="modbus",
        name="huawei",
        map="huawei_sun2000",
        host="127.0.0.1",
        port=sim.port,
        timeout_s=1,
        **{"connect_delay": 0.0, **kwargs},
    )
    return MappedSource(config)


def test_huawei_like_device(mapped_sim) -> None:
    sim = mapped_sim(REGISTER_MAPS / "huawei_sun2000.toml", HUAWEI, single_client=True)
    raw = ModbusTcpClient("127.0.0.1", port=sim.port)
    assert raw.connect()
    # what Huawei documents: active power INT32 W at 32080, yield UINT32 in 0.01 kWh at 32106, 0x0200 on-grid
    assert raw.read_holding_registers(32080, count=2, device_id=1).registers == [0, 3210]
    assert raw.read_holding_registers(32106, count=2, device_id=1).registers == [6, 38893]  # 432109
    assert raw.read_holding_registers(32089, count=1, device_id=1).registers == [0x0200]
    raw.close()
    source = huawei_source(sim)
    readings = source.poll(time.time()).readings
    source.close()
    assert {r.quantity: (r.value, r.unit, r.wrap) for r in readings} == {
        "power_w": (3210.0, "W", None),
        "dc_power_w": (3333.0, "W", None),
        "frequency_hz": (50.02, "Hz", None),
        "device_temperature_c": (41.3, "°C", None),
        "status": (4.0, "", None),
        # UINT32 in 0.01 kWh: rolls over at 2**32 x 0.01 kWh, which the gate unwraps
        "energy_kwh": (4321.09, "kWh", 2**32 * 0.01),
    }
    assert source.config.request_delay == 0.05  # from the map's [workarounds]
    assert source.config.connect_delay == 0.0  # the device config wins


def test_one_connection_shared_by_the_series_groups(mapped_sim) -> None:
    sim = mapped_sim(REGISTER_MAPS / "huawei_sun2000.toml", HUAWEI, single_client=True)
    source = huawei_source(sim)
    assert len(source.groups) >= 2
    for _ in range(3):
        assert len(source.poll(time.time()).readings) == 6
    source.close()
    assert sim.connections == 1
    assert sim.requests == 3 * len(source.groups)


def test_sleeping_status_and_sentinels(mapped_sim) -> None:
    sim = mapped_sim(REGISTER_MAPS / "huawei_sun2000.toml", {**HUAWEI, "status": 2, "power_w": 0})
    source = huawei_source(sim)
    poll = source.poll(time.time())
    assert poll.asleep
    sim.set(active_power=-2147483648, accumulated_energy_yield=0)  # INT32 0x80000000; a zero counter
    values = {r.quantity: r.value for r in source.poll(time.time()).readings}
    source.close()
    assert "power_w" not in values  # "not implemented" is a protocol fact: missing
    assert values["energy_kwh"] == 0.0  # whether a counter of 0 is plausible is the gate's call


def test_growatt_input_registers_and_units(mapped_sim) -> None:
    sim = mapped_sim(
        REGISTER_MAPS / "growatt_mod.toml",
        {
            "power_w": 2500.5,
            "energy_kwh": 12000.3,
            "status": 4,
            "dc_power_w": 2600.0,
            "frequency_hz": 49.98,
            "device_temperature_c": 38.2,
        },
    )
    config = ModbusMapConfig(
        type="modbus", name="growatt", map="growatt_mod", host="127.0.0.1", port=sim.port
    )
    source = MappedSource(config)
    assert [g.register for g in source.groups] == ["input"] * len(source.groups)
    readings = {r.quantity: r for r in source.poll(time.time()).readings}
    source.close()
    assert readings["power_w"].value == pytest.approx(2500.5) and readings["power_w"].wrap is None
    assert readings["energy_kwh"].value == pytest.approx(12000.3) and readings["energy_kwh"].unit == "kWh"
    assert readings["energy_kwh"].wrap == pytest.approx(2**32 * 0.1)


@pytest.mark.parametrize("path", sorted(REGISTER_MAPS.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_maps_load_and_name_their_source(path: Path) -> None:
    register_map = load_map(path)
    assert len(register_map.source) > 20
    assert plan_reads(register_map.fields)


def test_grouping_merges_consecutive_registers(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[map]\nsource = "test"\n'
        + "".join(
            f'[[fields]]\nseries = "power_w"\nregister = "{kind}"\naddress = {a}\ntype = "{t}"\n'
            for kind, a, t in [
                ("holding", 10, "INT32"),
                ("holding", 12, "UINT16"),
                ("holding", 14, "FLOAT32-IEEE"),
                ("input", 10, "INT16"),
                ("holding", 200, "UINT16"),
            ]
        )
    )
    groups = plan_reads(load_map(path).fields)
    assert [(g.register, g.address, g.count) for g in groups] == [
        ("holding", 10, 3),
        ("holding", 14, 2),
        ("holding", 200, 1),
        ("input", 10, 1),
    ]
    filled = plan_reads(load_map(path).fields, fill=1)
    assert [(g.register, g.address, g.count) for g in filled][0] == ("holding", 10, 6)


def test_bad_map_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[map]\nsource = "x"\n[[fields]]\nseries = "power_w"\naddress = 1\ntype = "INT24"\n')
    with pytest.raises(MapError, match="INT16, UINT16"):
        load_map(path)
    path.write_text('[[fields]]\nseries = "power_w"\naddress = 1\ntype = "INT16"\n')
    with pytest.raises(MapError, match="source"):
        load_map(path)
