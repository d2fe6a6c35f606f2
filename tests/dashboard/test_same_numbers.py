"""One case where own production is below export: every page and the CLI say the same.

The export counter here also counts something that is not the building's own panels
(e.g. a battery or a roof behind the same meter), so production (0.1 kWh an hour) is
below export (0.3 kWh an hour). Consumption is then import + max(production - export, 0)
= import, and self-sufficiency 0 %. The old dashboard arithmetic (production + import -
export) showed less use than ``buurtwatt balance``; now `/`, `/scherm`, `/co2` and the CLI
must agree, read from the screen in a real Chromium.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtwatt.config import load_config
from buurtwatt.readings import Reading
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import day_start, local_date
from dashboard import fmt
from tests.dashboard.conftest import ROOT, TZ, Tab, serve
from tests.dashboard.fill import write_config

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
SITE = "same"
STEP = 60.0
IMPORT_KWH_H, EXPORT_KWH_H, PRODUCTION_KWH_H = 0.5, 0.3, 0.1


def below_export(start: float, end: float) -> list[Reading]:
    out: list[Reading] = []
    ts = start
    while ts < end:
        hours = (ts - start) / 3600
        out += [
            Reading("meter", "import_kwh", ts, round(1000 + IMPORT_KWH_H * hours, 4)),
            Reading("meter", "export_kwh", ts, round(500 + EXPORT_KWH_H * hours, 4)),
            Reading("meter", "gas_m3", ts, round(100 + 0.1 * hours, 4)),
            Reading("pv", "energy_kwh", ts, round(20 + PRODUCTION_KWH_H * hours, 4)),
            Reading("meter", "import_w", ts, 500.0),
            Reading("meter", "export_w", ts, 300.0),
            Reading("pv", "power_w", ts, 100.0),
        ]
        ts += STEP
    return out


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("same")
    now = time.time()
    today = local_date(now, TZ)
    config_path = write_config(folder, site=SITE, started=today.isoformat())
    store = SqliteStore(folder / "store.sqlite", site=SITE, tz=TZ)
    store.write(below_export(day_start(now, TZ), now - 1))
    store.close()
    with serve(config_path, folder) as url:
        yield {"url": url, "config_path": config_path, "config": load_config(config_path)}


def cli_today(config_path: Path) -> dict:
    """``buurtwatt balance`` for today, as a user would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", "balance", "--config", str(config_path)]
        + ["--from", "today", "--to", "today", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: today is still partial
    return json.loads(done.stdout)["total"]["energy"]


def live_text(tab: Tab, key: str) -> str:
    return tab.page.evaluate(
        "k => document.getElementById(JSON.stringify({key: k, type: 'live'})).innerText", key
    )


def wait_live(tab: Tab, key: str, text: str) -> None:
    tab.page.wait_for_function(
        "([k, t]) => (document.getElementById(JSON.stringify({key: k, type: 'live'})) || {}).innerText"
        "?.includes(t)",
        arg=[key, text],
        timeout=10000,
    )


def test_pages_and_cli_agree_when_production_is_below_export(case: dict, tabs: dict[str, Tab]) -> None:
    energy = cli_today(case["config_path"])
    assert energy["production_kwh"] < energy["export_kwh"]  # the case this test is about
    assert energy["consumption_kwh"] == pytest.approx(energy["import_kwh"])
    # the numbers as the pages format them in Dutch
    used = fmt.energy(energy["consumption_kwh"], "nl")
    percent = fmt.percent(energy["self_sufficiency"], "nl")
    old_use = fmt.energy(
        energy["production_kwh"] + energy["import_kwh"] - energy["export_kwh"], "nl"
    )  # what the old arithmetic showed
    assert used != old_use
    tab = tabs["wide"]

    tab.visit(case["url"] + "/?lang=nl")
    wait_live(tab, "today_use", used)
    wait_live(tab, "today_selfsuff", percent)

    tab.visit(case["url"] + "/scherm?panel=today&lang=nl")
    wait_live(tab, "today_use", used)
    wait_live(tab, "today_selfsuff_sentence", percent)

    page = tab.visit(case["url"] + "/co2?lang=nl", re.compile("Sinds de start"))
    shown = page.inner_text("#co2-energy")
    assert used in shown and percent in shown, shown
    assert not tab.errors, tab.errors


def test_power_now_uses_the_same_definition(case: dict, tabs: dict[str, Tab]) -> None:
    """Live: 500 W import, 300 W export, 100 W sun: the building uses 500 W (not 300 W)."""
    store = SqliteStore(case["config"].store.path, site=SITE, tz=TZ)
    stop = threading.Event()

    def keep_fresh() -> None:  # the page calls values older than stale_after_s = 5 stale
        while not stop.is_set():
            now = time.time()
            store.write(
                [
                    Reading("meter", "import_w", now, 500.0),
                    Reading("meter", "export_w", now, 300.0),
                    Reading("pv", "power_w", now, 100.0),
                ]
            )
            stop.wait(0.5)

    writer = threading.Thread(target=keep_fresh, daemon=True)
    writer.start()
    try:
        tab = tabs["wide"]
        tab.visit(case["url"] + "/?lang=nl")
        wait_live(tab, "use_w", fmt.power(500.0, "nl"))
        wait_live(tab, "solar_w", fmt.power(100.0, "nl"))
    finally:
        stop.set()
        writer.join(5)
        store.close()
