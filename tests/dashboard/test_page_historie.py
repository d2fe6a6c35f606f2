"""``/historie``: periods from rollups, compared with the period before."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_history_shows_real_numbers_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    kwh = {"nl": re.compile(r"\d+,\d+\s?kWh"), "en": re.compile(r"\d+\.\d+\s?kWh")}
    show_everywhere(site, tabs, "historie", "/historie", kwh)


def test_history_shows_the_cost_of_the_period(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/historie", re.compile(r"Kosten in deze periode"))
    assert re.search(r"€\s?-?\d+(\.\d{3})*,\d{2}", page.inner_text("#hist-cost"))
    assert not tabs["wide"].errors, tabs["wide"].errors
