"""``buurtwatt modbus scan`` / ``read`` as a user runs them: a subprocess against a loopback simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from collector.modbus.config import REGISTER_MAPS
from tests.modbus.test_mapped import HUAWEI
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]


def buurtwatt(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "BUURTWATT_LANG": lang}  # the asserts read English, but one
    return subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
        env=env,
    )


def test_scan_json(sunspec_sim) -> None:
    sim = sunspec_sim("solaredge", profile=lambda ts: 1234.0, energy_wh=5_678_900.0)
    result = buurtwatt("modbus", "scan", f"127.0.0.1:{sim.port}", "--unit", "1", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["models"][0] == {"id": 1, "address": 40002, "length": 65}
    assert [m["id"] for m in out["models"]] == [1, 103, 160, 1, 203]
    [channel] = out["channels"]  # the meter after the inverter is no inverter
    assert channel["device"] == "scan" and channel["model"]["id"] == 103
    readings = channel["readings"]
    assert readings["power_w"] == {"value": 1234.0, "unit": "W", "wrap": None}
    assert abs(readings["energy_kwh"]["value"] - 5_678_900) < 10 and readings["energy_kwh"]["unit"] == "Wh"
    assert readings["energy_kwh"]["wrap"] == 2**32


def test_scan_text_leaves_missing_points_out(sunspec_sim) -> None:
    sim = sunspec_sim("int", profile=lambda ts: 500.0)
    sim.sentinels = {"Hz"}
    result = buurtwatt("modbus", "scan", f"127.0.0.1:{sim.port}")
    assert result.returncode == 0, result.stderr
    assert "model   103 at 40070" in result.stdout and "power_w" in result.stdout
    assert "frequency_hz" not in result.stdout


def test_scan_without_suns_exits_1(mapped_sim) -> None:
    sim = mapped_sim(REGISTER_MAPS / "huawei_sun2000.toml", HUAWEI)
    result = buurtwatt("modbus", "scan", f"127.0.0.1:{sim.port}")
    assert result.returncode == 1
    assert "not a SunSpec device" in result.stderr


def test_scan_unreachable_exits_2_quickly() -> None:
    started = time.monotonic()
    result = buurtwatt("modbus", "scan", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert "unreachable" in result.stderr
    assert time.monotonic() - started < 30  # no retry loop: a refused port is answered at once


def test_scan_unreachable_in_dutch() -> None:
    result = buurtwatt("modbus", "scan", f"127.0.0.1:{free_port()}", lang="nl")
    assert result.returncode == 2
    assert "is niet bereikbaar" in result.stderr


def test_scan_silent_device_gives_up_with_exit_2(sunspec_sim) -> None:
    """The scan gives up on a device that stays silent instead of waiting for it: silent for 90 s
    here, so a scan that waited would take that long (a loaded machine may add seconds, not 45)."""
    sim = sunspec_sim("int", silent_s=90.0)
    sim.sleep("silent")
    started = time.monotonic()
    result = buurtwatt("modbus", "scan", f"127.0.0.1:{sim.port}", "--json")
    assert result.returncode == 2
    assert time.monotonic() - started < 45


def test_read_mapped_device(mapped_sim) -> None:
    sim = mapped_sim(REGISTER_MAPS / "huawei_sun2000.toml", HUAWEI)
    result = buurtwatt(
        "modbus",
        "read",
        "--map",
        "config/registers/huawei_sun2000.toml",
        f"127.0.0.1:{sim.port}",
        "--unit",
        "1",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["readings"]["power_w"] == {"value": 3210.0, "unit": "W", "wrap": None}
    assert out["readings"]["energy_kwh"] == {"value": 4321.09, "unit": "kWh", "wrap": 2**32 * 0.01}
    assert out["fields"]["model"] == "SUN2000-5KTL-M1"
    text = buurtwatt("modbus", "read", "--map", "huawei_sun2000", f"127.0.0.1:{sim.port}", "--unit", "1")
    assert text.returncode == 0 and "Huawei SUN2000" in text.stdout and "active_power" in text.stdout
