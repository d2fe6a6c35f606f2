"""`buurtwatt export`: counters as increases, gauges as the chosen statistic, times in UTC."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from buurtwatt.readings import Reading
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_midnight

TZ = "Europe/Amsterdam"


def setup(tmp_path: Path) -> Path:
    config = tmp_path / "site.toml"
    config.write_text('[site]\nname = "Export"\nid = "exp"\n[store]\ntype = "sqlite"\npath = "s.sqlite"\n')
    store = SqliteStore(tmp_path / "s.sqlite", site="exp", tz=TZ)
    t0 = local_midnight(date(2025, 1, 1), TZ)  # 2024-12-31T23:00Z
    readings = []
    for i in range(0, 2 * 96 + 1):  # two days of 15-minute samples and one more
        ts = t0 + i * 900
        readings.append(Reading("meter", "import_kwh", ts, 100 + i * 0.25, meter="E1"))
        readings.append(Reading("meter", "import_w", ts, 1000.0 + (i % 4) * 100))
    store.write(readings)
    store.close()
    return config


def export(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", "export", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_daily_csv(tmp_path: Path) -> None:
    config = setup(tmp_path)
    res = export(
        config,
        "--series",
        "meter:import_kwh",
        "--series",
        "meter:import_w",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-03",
        "--resolution",
        "1d",
        "--stat",
        "max",
    )
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ["time", "series", "value"]
    assert rows[1:] == [
        # the first sample opens the counter; each day then counts 96 steps of 0.25 kWh, minus the first
        ["2024-12-31T23:00:00Z", "meter:import_kwh", "23.75"],
        ["2025-01-01T23:00:00Z", "meter:import_kwh", "24.0"],
        ["2024-12-31T23:00:00Z", "meter:import_w", "1300.0"],
        ["2025-01-01T23:00:00Z", "meter:import_w", "1300.0"],
    ]


def test_json_hourly_mean_and_bad_input(tmp_path: Path) -> None:
    config = setup(tmp_path)
    res = export(
        config,
        "--series",
        "meter:import_w",
        "--from",
        "2025-01-01T00:00",
        "--to",
        "2025-01-01T02:00",
        "--resolution",
        "1h",
        "--format",
        "json",
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [
        {"time": "2024-12-31T23:00:00Z", "series": "meter:import_w", "value": 1150.0},
        {"time": "2025-01-01T00:00:00Z", "series": "meter:import_w", "value": 1150.0},
    ]
    bad = export(config, "--series", "meter:import_kw", "--from", "2025-01-01", "--to", "2025-01-02")
    assert bad.returncode == 2 and "known quantities" in bad.stderr


def test_excel_nl_csv(tmp_path: Path) -> None:
    """Dutch Excel splits on ";" and reads "," as the decimal sign (262.649 would become 262 649)."""
    config = setup(tmp_path)
    args = ["--series", "meter:import_kwh", "--from", "2025-01-01", "--to", "2025-01-03"]
    args += ["--resolution", "1d"]
    res = export(config, *args, "--excel-nl")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("\ufeff")  # so Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(res.stdout.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["time", "series", "value"],
        ["2024-12-31T23:00:00Z", "meter:import_kwh", "23,75"],
        ["2025-01-01T23:00:00Z", "meter:import_kwh", "24,0"],
    ]
