"""``/scherm``: the wall screen rotates, reads from across the room and never shows frozen numbers."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PANELS = {
    "flow": {"nl": re.compile(r"\d+,\d\s?kW"), "en": re.compile(r"\d+\.\d\s?kW")},
    "today": {"nl": re.compile(r"\d+,\d+\s?kWh"), "en": re.compile(r"\d+\.\d+\s?kWh")},
    "co2": {"nl": re.compile(r"kg CO₂"), "en": re.compile(r"kg CO₂")},
    "roof": {
        "nl": re.compile(r"Ons zonnedak[\s\S]*\d+\s?kWh"),
        "en": re.compile(r"Our solar roof[\s\S]*\d+\s?kWh"),
    },
    "clock": {"nl": re.compile(r"\d\d:\d\d"), "en": re.compile(r"\d\d:\d\d")},
}


@pytest.mark.parametrize("panel", PANELS)
def test_every_panel_shows_real_numbers_and_is_screenshotted(
    site: Site, tabs: dict[str, Tab], panel: str
) -> None:
    show_everywhere(site, tabs, f"scherm-{panel}", f"/scherm?panel={panel}", PANELS[panel])


def test_display_screen_rotates_and_has_large_text(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/scherm?rotate=2")
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


def test_today_panel_fits_the_screen(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/scherm?panel=today", PANELS["today"]["nl"])
    page.wait_for_function("document.body.innerText.includes('van onze stroom kwam van de eigen zon')")
    scroll = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert scroll[0] <= 1080 and scroll[1] <= 1920


def test_display_screen_is_live_and_shows_stale_data(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/scherm?panel=flow")
    site.writer.solar_w = 4321.0
    page.wait_for_selector("text=4,3 kW", timeout=5000)  # the new reading is on screen within 5 s
    assert "hidden" in page.get_attribute("#stale-banner", "class")
    site.writer.running.clear()  # the collector stops
    try:
        page.wait_for_selector("#stale-banner:not(.hidden)", timeout=15000)
        assert "Geen actuele gegevens sinds" in page.inner_text("#stale-banner")
        assert "4,3 kW" not in page.inner_text(".flow")  # no frozen number that looks alive
    finally:
        site.writer.running.set()
