"""``/historie``: periods from rollups, compared with the period before."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_history_shows_real_numbers_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    kwh = {"nl": re.compile(r"\d+,\d+\s?kWh"), "en": re.compile(r"\d+\.\d+\s?kWh")}
    show_everywhere(site, tabs, "historie", "/historie", kwh)
