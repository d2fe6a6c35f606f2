"""The dashboard in a real headless Chromium (Debian's), served by waitress in a subprocess.

One server, one browser and one page per viewport serve every check, so the file runs in
well under a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from buurtwatt.balance import balance_for
from buurtwatt.config import load_config
from buurtwatt.readings import Reading
from buurtwatt.shares.summary import participant_summary
from buurtwatt.shares.tokens import TokenStore
from buurtwatt.store.sqlite import SqliteStore
from dashboard import fmt
from tests.dashboard.fill import readings, write_config
from tests.services import free_port, launch_chromium, require_program, wait_for_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "juist-wachtwoord"
TZ = "Europe/Amsterdam"
PARTICIPANT = "P017"  # Quinten Bakker: repays his stake from the yield
OTHER_NAME = "Anouk de Vries"  # P001, must never show on P017's page


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
                    ]
                )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    require_program("chromium")
    folder = tmp_path_factory.mktemp("dash")
    now = time.time()
    started = date.fromtimestamp(now - 2 * 86400)
    config_path = write_config(folder, started=started.isoformat())
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
    port = free_port()
    env = {**os.environ, "BW_TEST_ADMIN_HASH": generate_password_hash(PASSWORD)}
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - open for the whole module
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "buurtwatt.cli",
            "dashboard",
            "--config",
            str(config_path),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, 20)
        yield {
            "url": f"http://127.0.0.1:{port}",
            "writer": writer,
            "log": folder / "server.log",
            "config": config,
            "token": token,
            "started": started,
        }
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


class Tab:
    """One reused page per viewport; console errors are collected per visit."""

    def __init__(self, browser, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page = self.context.new_page()
        self.size = f"{width}x{height}"
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def visit(self, url: str, text: re.Pattern[str] | None = None, timeout: int = 8000):
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


@pytest.fixture(scope="module")
def tabs(site: dict) -> Iterator[dict[str, Tab]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield {"wide": Tab(browser, 1920, 1080), "phone": Tab(browser, 390, 844)}
        browser.close()


PAGES = {
    "now": ("/", re.compile(r"\d+,\d+\s?kWh")),
    "scherm-flow": ("/scherm?panel=flow", re.compile(r"\d+,\d\s?kW")),
    "scherm-today": ("/scherm?panel=today", re.compile(r"\d+,\d+\s?kWh")),
    "scherm-co2": ("/scherm?panel=co2", re.compile(r"kg CO₂")),
    "scherm-roof": ("/scherm?panel=roof", re.compile(r"Ons zonnedak[\s\S]*\d+\s?kWh")),
    "scherm-clock": ("/scherm?panel=clock", re.compile(r"\d\d:\d\d")),
    "historie": ("/historie", re.compile(r"\d+,\d+\s?kWh")),
    "co2": ("/co2", re.compile(r"\d+\s?kg")),
    "coach": ("/coach", re.compile(r"85\sW")),
    "stad": ("/stad", re.compile(r"Stad totaal")),
    "beheer": ("/beheer", re.compile(r"Wachtwoord")),
    "404": ("/bestaat-niet", re.compile(r"Deze pagina bestaat niet")),
}


def test_every_page_shows_real_numbers_without_errors_and_is_screenshotted(site: dict, tabs: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, (path, expected) in PAGES.items():
        for tab in tabs.values():
            page = tab.visit(site["url"] + path, expected)
            page.wait_for_timeout(150)  # let the figures draw
            page.screenshot(path=str(ARTIFACTS / f"{name}-{tab.size}.png"), full_page="scherm" not in path)
            assert not tab.errors, f"console errors on {path} at {tab.size}: {tab.errors}"


def test_co2_page_shows_the_balance(site: dict, tabs: dict) -> None:
    config = site["config"]
    store = SqliteStore(config.store.path, site="test", tz=TZ)
    try:
        today = date.today()
        total = balance_for(store, config, site["started"], today + timedelta(days=1), "total").total
    finally:
        store.close()
    page = tabs["wide"].visit(site["url"] + "/co2", re.compile(r"Sinds de start"))
    assert fmt.kg(total.co2.net_kg, "nl") in page.inner_text("#co2-total")
    net = total.co2.net_kg
    status = page.inner_text("#co2-status")
    assert ("CO₂-positief sinds" in status) if net >= 0 else (f"Nog {fmt.kg(-net, 'nl')} CO₂" in status)
    assert "Stroom van het net" in page.inner_text("#co2-factors")
    assert "nog niet gecontroleerd" in page.inner_text("#co2-factors")  # the factors file marks them
    assert "telt mee" in page.inner_text("#co2-boundary")
    # a year of bars is checked by the demo test; here one month with data, drawn as a bar
    bars = page.evaluate("() => document.querySelector('#co2-months .js-plotly-plot').data[0].y")
    assert bars and all(v is not None for v in bars)


def test_participant_page_shows_own_figures_and_statement(site: dict, tabs: dict) -> None:
    config = site["config"]
    store = SqliteStore(config.store.path, site="test", tz=TZ)
    try:
        expected = participant_summary(config, store, PARTICIPANT, date.today())
    finally:
        store.close()
    assert expected is not None and expected.repayment is not None
    tab = tabs["phone"]
    page = tab.visit(site["url"] + "/mijn/" + site["token"], re.compile(r"\d\s?kWh"))
    body = page.inner_text("body")
    assert "Quinten Bakker" in body and OTHER_NAME not in page.content()
    assert fmt.energy(float(expected.this_year_kwh), "nl") in page.inner_text("#mine-this-year")
    assert fmt.money(float(expected.this_year_eur), "nl") in page.inner_text("#mine-this-year")
    assert fmt.energy(float(expected.last_year_kwh), "nl") in page.inner_text("#mine-last-year")
    assert f"{expected.shares_held} zonnedelen" in page.inner_text("#mine-shares")
    assert fmt.money(float(expected.repayment.repaid_eur), "nl") in page.inner_text("#mine-repay")
    months = page.evaluate("() => document.querySelector('#mine-months .js-plotly-plot').data[0].y")
    assert len(months) == len(expected.installations[0].months)
    page.screenshot(path=str(ARTIFACTS / "mijn-390x844.png"), full_page=True)
    assert not tab.errors, tab.errors
    year = date.today().year
    with page.expect_download() as download:
        page.click(f"#mine-statement-{year}")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    wide = tabs["wide"].visit(site["url"] + "/mijn/" + site["token"], re.compile(r"\d\s?kWh"))
    wide.screenshot(path=str(ARTIFACTS / "mijn-1920x1080.png"), full_page=True)


def test_wrong_token_gets_the_same_404_and_no_statement(site: dict, tabs: dict) -> None:
    page = tabs["phone"].visit(site["url"] + "/mijn/" + "a" * 43, re.compile("Deze pagina bestaat niet"))
    assert page.title() == tabs["phone"].visit(site["url"] + "/nergens", re.compile("bestaat niet")).title()
    with urllib.request.urlopen(site["url"] + f"/mijn/{'b' * 43}/jaaroverzicht-{date.today().year}.pdf") as r:
        assert r.headers["Content-Type"].startswith("text/html")  # the app's page, which shows the 404


def test_language_switch_is_remembered(site: dict, tabs: dict) -> None:
    tab = tabs["wide"]
    page = tab.visit(site["url"] + "/", re.compile("Zon gemaakt"))
    page.click("#lang-en")
    page.wait_for_selector("text=Made by the sun")
    page.goto(site["url"] + "/historie")  # no ?lang: the cookie remembers English
    page.wait_for_selector("text=Compare with the period before")
    page.goto(site["url"] + "/mijn/" + site["token"])
    page.wait_for_selector("text=Your electricity per month")
    page.goto(site["url"] + "/nergens")
    page.wait_for_selector("text=This page does not exist")
    assert not tab.errors
    page.goto(site["url"] + "/?lang=nl")
    page.wait_for_selector("text=Zon gemaakt")


def test_display_screen_rotates_and_has_large_text(site: dict, tabs: dict) -> None:
    page = tabs["wide"].visit(site["url"] + "/scherm?rotate=2")
    page.wait_for_selector(".k-panel.active")
    first = page.get_attribute(".k-panel.active", "id")
    page.wait_for_function(f"document.querySelector('.k-panel.active').id !== {first!r}", timeout=6000)
    sizes = page.eval_on_selector_all(
        ".kiosk .k-panel.active *, .k-footer *",
        "els => els.filter(e => e.offsetParent !== null && e.innerText && e.children.length === 0)"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))",
    )
    assert sizes and min(sizes) >= 48, sizes
    scroll = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert scroll[0] <= 1080 and scroll[1] <= 1920


def test_display_screen_is_live_and_shows_stale_data(site: dict, tabs: dict) -> None:
    page = tabs["wide"].visit(site["url"] + "/scherm?panel=flow")
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


def test_admin_refuses_wrong_password_and_hides_participants(site: dict, tabs: dict) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(site["url"] + "/beheer/download/participants.csv")
    assert refused.value.code == 403
    tab = tabs["wide"]
    page = tab.visit(site["url"] + "/beheer")
    page.fill("#password", "fout")
    page.click("#login-btn")
    page.wait_for_selector("#login-error")
    assert OTHER_NAME not in page.content()
    for public in ("/", "/scherm?panel=roof", "/stad", "/co2"):
        tab.visit(site["url"] + public, re.compile(r"\d"))
        page.wait_for_timeout(300)
        assert OTHER_NAME not in page.content()
    page.goto(site["url"] + "/beheer")
    page.fill("#password", PASSWORD)
    page.click("#login-btn")
    page.wait_for_selector("#register-table")
    assert OTHER_NAME in page.inner_text("#register-table")
    assert "Verdeling van de opbrengst" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "beheer-admin-1920x1080.png"), full_page=True)
    page.context.clear_cookies()


def test_costs_show_on_home_history_and_coach(site: dict, tabs: dict) -> None:
    """A cost figure per day, month and year on /, per period on /historie, in the coach's what-if."""
    money = re.compile(r"€\s?-?\d+(\.\d{3})*,\d{2}")
    page = tabs["wide"].visit(site["url"] + "/", re.compile(r"Kosten dit jaar"))
    for block in ("#cost-today", "#cost-month", "#cost-year"):
        text = page.inner_text(block)
        assert money.search(text), text
        assert "energiebelasting, btw, vaste kosten en heffingskorting" in text
        assert "niet nagekeken bij de Belastingdienst" in text  # the 2026 rates are unverified
    page = tabs["wide"].visit(site["url"] + "/historie", re.compile(r"Kosten in deze periode"))
    assert money.search(page.inner_text("#hist-cost"))
    page = tabs["wide"].visit(site["url"] + "/coach", re.compile(r"Kosten stroom en gas"))
    row = page.inner_text("#wi-table")
    assert re.search(r"Kosten stroom en gas\s+€\s?-?[\d.]+\s+€\s?-?[\d.]+", row), row
    assert not tabs["wide"].errors, tabs["wide"].errors
