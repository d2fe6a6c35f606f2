"""One dashboard server and one headless Chromium (Debian's) for every page test module.

A new page is one module in dashboard/pages/ plus one tests/dashboard/test_page_<name>.py
that calls :func:`show_everywhere` (screenshots at every viewport, no console errors) and
checks what the page says. The server, the store and the browser are started once per
session, so each page module only pays for its own visits.

Screenshots land in tests/artifacts/<page>-<width>x<height>[-en].png. By default at
1280x720, 1366x768, 1920x1080 and 390x844, in Dutch and English; BW_SCREENSHOTS=quick keeps
only 1920x1080 and 390x844 in Dutch, for a fast local run.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from buurtwatt.config import SiteConfig, load_config
from buurtwatt.readings import Reading
from buurtwatt.shares.tokens import TokenStore
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_date
from collector.health import DeviceHealth, State
from collector.health_http import HealthServer
from tests.dashboard.fill import readings, write_config
from tests.services import free_port, launch_chromium, require_program, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "juist-wachtwoord"
TZ = "Europe/Amsterdam"
PARTICIPANT = "P017"  # Quinten Bakker: repays his stake from the yield
OTHER_NAME = "Anouk de Vries"  # P001, must never show on P017's page

ALL_SHOTS = os.environ.get("BW_SCREENSHOTS", "all") != "quick"
VIEWPORTS = [(1280, 720), (1366, 768), (1920, 1080), (390, 844)] if ALL_SHOTS else [(1920, 1080), (390, 844)]
# the wall screen at every size it meets, portrait too (always, not only with BW_SCREENSHOTS=all)
SCREEN_VIEWPORTS = [(1280, 720), (1366, 768), (1920, 1080), (3840, 2160), (1080, 1920)]
SHOT_LANGUAGES = ("nl", "en") if ALL_SHOTS else ("nl",)


class Writer:
    """Plays the collector: fresh power readings every half second until paused."""

    def __init__(self, path: Path) -> None:
        self.store = SqliteStore(path, site="test", tz=TZ)
        self.solar_w = 2500.0
        self.running = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            if self.running.is_set():
                now = time.time()
                self.store.write(
                    [
                        Reading("meter", "import_w", now, 400.0),
                        Reading("meter", "export_w", now, 0.0),
                        Reading("pv", "power_w", now, self.solar_w),
                        Reading("plug-koelkast", "power_w", now, 85.0),
                        Reading("plug-tv", "power_w", now, 0.4),
                        Reading("zaal", "co2_ppm", now, 950.0),
                    ]
                )


@contextlib.contextmanager
def serve(config_path: Path, folder: Path, env_extra: dict[str, str] | None = None) -> Iterator[str]:
    """``buurtwatt dashboard`` in a subprocess (waitress, as in production); yields its URL."""
    port = free_port()
    env = {**os.environ, "BW_TEST_ADMIN_HASH": generate_password_hash(PASSWORD), **(env_extra or {})}
    with open(folder / "server.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "buurtwatt_app", "dashboard", "--config", str(config_path)]
            + ["--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_port(port, 20)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Collector:
    """Stands in for the collector process behind its real /health server (collector/health_http.py):
    two devices in real ``DeviceHealth`` objects, one working and one offline."""

    def __init__(self) -> None:
        self.meter = DeviceHealth("meter", "p1")
        self.meter.set_state(State.OK)
        self.meter.count_readings(441_654)
        self.inverter = DeviceHealth("omvormer", "modbus")
        self.inverter.set_state(State.OFFLINE, "connection refused")

    def health(self) -> dict[str, Any]:
        return {"status": "degraded", "devices": [self.meter.snapshot(), self.inverter.snapshot()]}


@dataclass
class Site:
    url: str
    writer: Writer
    config: SiteConfig
    token: str
    started: date


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Three days of a believable workshop, a second site "noord", and a live writer."""
    require_program("chromium")
    folder = tmp_path_factory.mktemp("dash")
    now = time.time()
    started = local_date(now - 2 * 86400, TZ)
    health = HealthServer(Collector(), "127.0.0.1", 0)  # type: ignore[arg-type]
    health.start()
    port = int(health.url.rsplit(":", 1)[1].split("/")[0])
    config_path = write_config(folder, started=started.isoformat(), health_port=port)
    store = SqliteStore(folder / "store.sqlite", site="test", tz=TZ)
    store.write(readings(now - 3 * 86400, now - 1, 300))
    store.close()
    other = SqliteStore(folder / "store.sqlite", site="noord", tz=TZ)
    other.write(readings(now - 86400, now - 1, 300, scale=0.5))
    other.close()
    config = load_config(config_path)
    token = TokenStore(config.shares.tokens_path).issue(PARTICIPANT)
    writer = Writer(folder / "store.sqlite")
    writer.running.set()
    writer.thread.start()
    try:
        with serve(config_path, folder) as url:
            yield Site(url, writer, config, token, started)
    finally:
        writer.stop.set()
        health.stop()
        writer.thread.join(5)
        writer.store.close()


class Tab:
    """One reused page per viewport; console errors are collected per visit."""

    def __init__(self, browser: Any, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page = self.context.new_page()
        self.size = f"{width}x{height}"
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def visit(self, url: str, text: re.Pattern[str] | None = None, timeout: int = 8000) -> Any:
        self.errors.clear()
        self.page.goto(url)
        if text is not None:
            self.page.wait_for_function(
                "re => new RegExp(re).test(document.body.innerText)", arg=text.pattern, timeout=timeout
            )
            # figures load their plotting code on demand: wait until every graph is drawn
            self.page.wait_for_function(
                "() => [...document.querySelectorAll('.dash-graph')]"
                ".every(g => g.querySelector('.main-svg'))",
                timeout=timeout,
            )
        return self.page


# package scope: the browser (and its Playwright loop) ends with tests/dashboard, so the demo's
# own Playwright in tests/demo does not run inside this one's asyncio loop
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    require_program("chromium")
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def tabs(browser: Any) -> dict[str, Tab]:
    """``wide`` (1920x1080) and ``phone`` (390x844) for checks, plus every screenshot viewport."""
    out = {f"{w}x{h}": Tab(browser, w, h) for w, h in VIEWPORTS}
    out.setdefault("1920x1080", Tab(browser, 1920, 1080))
    out.setdefault("390x844", Tab(browser, 390, 844))
    out["wide"], out["phone"] = out["1920x1080"], out["390x844"]
    return out


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def show_everywhere(
    site: Site, tabs: dict[str, Tab], name: str, path: str, expected: dict[str, re.Pattern[str]]
) -> None:
    """Visit ``path`` at every screenshot viewport and language: the expected text shows, the
    screenshot is kept, and the browser logs no error. ``expected`` maps language to a pattern."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang in SHOT_LANGUAGES:
        for w, h in VIEWPORTS:
            tab = tabs[f"{w}x{h}"]
            page = tab.visit(site.url + with_lang(path, lang), expected[lang])
            suffix = "" if lang == "nl" else f"-{lang}"
            page.screenshot(
                path=str(ARTIFACTS / f"{name}-{tab.size}{suffix}.png"), full_page="scherm" not in path
            )
            assert not tab.errors, f"console errors on {path} ({lang}) at {tab.size}: {tab.errors}"
    # back to Dutch: the language choice is remembered in a cookie per browser context
    for tab in {id(t): t for t in tabs.values()}.values():
        tab.context.clear_cookies()
