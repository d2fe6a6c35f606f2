"""The dashboard in a real headless Chromium (Debian's), served by waitress in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from buurtwatt.readings import Reading
from buurtwatt.store.sqlite import SqliteStore
from tests.dashboard.fill import readings, write_config
from tests.services import free_port, require_program, wait_for_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "juist-wachtwoord"
VIEWPORTS = ((1920, 1080), (390, 844))


class Writer:
    """Plays the collector: fresh power readings every half second until paused."""

    def __init__(self, path: Path) -> None:
        self.store = SqliteStore(path, site="test", tz="Europe/Amsterdam")
        self.solar_w = 2500.0
        self.running = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            if self.running.is_set():
                now = time.time()
                self.store.write([Reading("meter", "import_w", now, 400.0),
                                  Reading("meter", "export_w", now, 0.0),
                                  Reading("pv", "power_w", now, self.solar_w),
                                  Reading("plug-koelkast", "power_w", now, 85.0)])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    require_program("chromium")
    folder = tmp_path_factory.mktemp("dash")
    config = write_config(folder)
    now = time.time()
    store = SqliteStore(folder / "store.sqlite", site="test", tz="Europe/Amsterdam")
    store.write(readings(now - 3 * 86400, now - 1, 300))
    store.close()
    other = SqliteStore(folder / "store.sqlite", site="noord", tz="Europe/Amsterdam")
    other.write(readings(now - 86400, now - 1, 300, scale=0.5))
    other.close()
    writer = Writer(folder / "store.sqlite")
    writer.running.set()
    writer.thread.start()
    port = free_port()
    env = {**os.environ, "BW_TEST_ADMIN_HASH": generate_password_hash(PASSWORD)}
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - open for the whole module
    proc = subprocess.Popen([sys.executable, "-m", "buurtwatt.cli", "dashboard", "--config", str(config),
                             "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_for_port(port, 20)
        yield {"url": f"http://127.0.0.1:{port}", "writer": writer, "log": folder / "server.log"}
    finally:
        writer.stop.set()
        writer.thread.join(5)
        writer.store.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(site: dict):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def _page(browser, width: int = 1920, height: int = 1080):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


PAGES = {
    "now": ("/", re.compile(r"\d+,\d+\s?kWh")),
    "scherm-flow": ("/scherm?panel=flow", re.compile(r"\d+,\d\s?kW")),
    "scherm-today": ("/scherm?panel=today", re.compile(r"\d+,\d+\s?kWh")),
    "scherm-co2": ("/scherm?panel=co2", re.compile(r"kg CO₂")),
    "scherm-roof": ("/scherm?panel=roof", re.compile(r"Ons zonnedak")),
    "scherm-clock": ("/scherm?panel=clock", re.compile(r"\d\d:\d\d")),
    "historie": ("/historie", re.compile(r"\d+,\d+\s?kWh")),
    "co2": ("/co2", re.compile(r"\d+\s?kg")),
    "coach": ("/coach", re.compile(r"85\sW")),
    "stad": ("/stad", re.compile(r"Stad totaal")),
    "beheer": ("/beheer", re.compile(r"Wachtwoord")),
    "404": ("/bestaat-niet", re.compile(r"Deze pagina bestaat niet")),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_with_real_numbers_and_screenshots(site: dict, browser, name: str) -> None:
    path, expected = PAGES[name]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in VIEWPORTS:
        context, page, errors = _page(browser, width, height)
        page.goto(site["url"] + path)
        page.wait_for_function("re => new RegExp(re).test(document.body.innerText)", arg=expected.pattern,
                               timeout=8000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"), full_page="scherm" not in path)
        assert not errors, f"console errors on {path}: {errors}"
        context.close()


def test_language_switch_is_remembered(site: dict, browser) -> None:
    context, page, errors = _page(browser)
    page.goto(site["url"] + "/")
    page.wait_for_selector("text=Zon gemaakt")
    page.click("#lang-en")
    page.wait_for_selector("text=Made by the sun")
    page.goto(site["url"] + "/historie")  # no ?lang: the cookie remembers English
    page.wait_for_selector("text=Compare with the period before")
    page.goto(site["url"] + "/nergens")
    page.wait_for_selector("text=This page does not exist")
    assert not errors
    context.close()


def test_display_screen_rotates_and_has_large_text(site: dict, browser) -> None:
    context, page, _ = _page(browser)
    page.goto(site["url"] + "/scherm?rotate=2")
    page.wait_for_selector(".k-panel.active")
    first = page.get_attribute(".k-panel.active", "id")
    page.wait_for_function(f"document.querySelector('.k-panel.active').id !== {first!r}", timeout=6000)
    sizes = page.eval_on_selector_all(
        ".kiosk .k-panel.active *, .k-footer *",
        "els => els.filter(e => e.offsetParent !== null && e.innerText && e.children.length === 0)"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 48, sizes
    scroll = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert scroll[0] <= 1080 and scroll[1] <= 1920
    context.close()


def test_display_screen_is_live_and_shows_stale_data(site: dict, browser) -> None:
    context, page, _ = _page(browser)
    page.goto(site["url"] + "/scherm?panel=flow")
    site["writer"].solar_w = 4321.0
    page.wait_for_selector("text=4,3 kW", timeout=5000)  # the new reading is on screen within 5 s
    assert "hidden" in page.get_attribute("#stale-banner", "class")
    site["writer"].running.clear()  # the collector stops
    try:
        page.wait_for_selector("#stale-banner:not(.hidden)", timeout=15000)
        assert "Geen actuele gegevens sinds" in page.inner_text("#stale-banner")
        assert "4,3 kW" not in page.inner_text(".flow")  # no frozen number that looks alive
    finally:
        site["writer"].running.set()
    context.close()


def test_admin_refuses_wrong_password_and_hides_participants(site: dict, browser) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(site["url"] + "/beheer/download/participants.csv")
    assert refused.value.code == 403
    context, page, _ = _page(browser)
    page.goto(site["url"] + "/beheer")
    page.fill("#password", "fout")
    page.click("#login-btn")
    page.wait_for_selector("#login-error")
    assert "Geheimnaam" not in page.content()
    for public in ("/", "/scherm?panel=roof", "/stad", "/co2"):
        page.goto(site["url"] + public)
        page.wait_for_timeout(800)
        assert "Geheimnaam" not in page.content()
    page.goto(site["url"] + "/beheer")
    page.fill("#password", PASSWORD)
    page.click("#login-btn")
    page.wait_for_selector("#register-table")
    assert "Fatima Geheimnaam" in page.inner_text("#register-table")
    context.close()


def test_unknown_participant_token_gets_the_404(site: dict, browser) -> None:
    context, page, _ = _page(browser, 390, 844)
    page.goto(site["url"] + "/mijn/" + "a" * 32)
    page.wait_for_selector("#not-found")
    context.close()
