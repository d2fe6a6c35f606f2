"""``/``: power now and energy today, in Dutch and English."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_now_shows_real_numbers_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    kwh = {"nl": re.compile(r"\d+,\d+\s?kWh"), "en": re.compile(r"\d+\.\d+\s?kWh")}
    show_everywhere(site, tabs, "now", "/", kwh)


def test_nav_follows_the_page_registry(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/?lang=nl", re.compile("Zon gemaakt"))
    labels = page.eval_on_selector_all(".bw-nav .nav-link", "els => els.map(e => e.innerText.trim())")
    # the config shows a second site, so Stad is listed; /mijn and the 404 never are
    assert labels == ["Nu", "Historie", "CO₂", "Uitleg", "Stad", "Scherm", "Beheer"]


def test_language_switch_is_remembered(site: Site, tabs: dict[str, Tab]) -> None:
    tab = tabs["wide"]
    page = tab.visit(site.url + "/", re.compile("Zon gemaakt"))
    page.click("#lang-en")
    page.wait_for_selector("text=Made by the sun")
    page.goto(site.url + "/historie")  # no ?lang: the cookie remembers English
    page.wait_for_selector("text=Compare with the period before")
    page.goto(site.url + "/mijn/" + site.token)
    page.wait_for_selector("text=Your electricity per month")
    page.goto(site.url + "/nergens")
    page.wait_for_selector("text=This page does not exist")
    assert not tab.errors
    page.goto(site.url + "/?lang=nl")
    page.wait_for_selector("text=Zon gemaakt")


def test_home_shows_costs_today_this_month_and_this_year(site: Site, tabs: dict[str, Tab]) -> None:
    """Costs from [tariffs] and the tax table (buurtwatt/tariffs), with what they contain."""
    money = re.compile(r"€\s?-?\d+(\.\d{3})*,\d{2}")
    page = tabs["wide"].visit(site.url + "/", re.compile(r"Kosten dit jaar"))
    for block in ("#cost-today", "#cost-month", "#cost-year"):
        text = page.inner_text(block)
        assert money.search(text), text
        assert "energiebelasting, btw, vaste kosten en heffingskorting" in text
        assert "niet nagekeken bij de Belastingdienst" in text  # the 2026 rates are unverified
    assert not tabs["wide"].errors, tabs["wide"].errors
