"""``/coach``: a plug's power now, a day replayed, and "what if"."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_coach_shows_the_plug_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    watts = re.compile(r"85\sW")
    show_everywhere(site, tabs, "coach", "/coach", {"nl": watts, "en": watts})


def test_the_what_if_shows_costs_under_the_chosen_rules(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/coach", re.compile(r"Kosten stroom en gas"))
    row = page.inner_text("#wi-table")
    assert re.search(r"Kosten stroom en gas\s+€\s?-?[\d.]+\s+€\s?-?[\d.]+", row), row
    assert "zonder saldering" in page.inner_text("#wi-rules")
    assert not tabs["wide"].errors, tabs["wide"].errors


def test_a_standby_plug_shows_its_small_power(site: Site, tabs: dict[str, Tab]) -> None:
    """The store holds 0.4 W for the TV on standby: the page says 0,4 W, never "0 W"."""
    page = tabs["wide"].visit(site.url + "/coach?lang=nl", re.compile(r"85\sW"))
    page.click("#plug-pick")
    page.get_by_text("Tv", exact=True).click()
    page.wait_for_function(
        "() => /^0,4\\sW$/.test((document.getElementById('plug-watts') || {}).innerText || '')", timeout=8000
    )


def test_the_coach_page_links_to_the_consultation_hour(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/coach?lang=nl", re.compile(r"85\sW"))
    assert page.get_attribute("#to-spreekuur", "href") == "/coach/spreekuur?lang=nl"
