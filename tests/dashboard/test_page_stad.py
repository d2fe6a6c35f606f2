"""``/stad``: several buildings side by side and their total."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import OTHER_NAME, Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_city_shows_every_site_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    show_everywhere(
        site, tabs, "stad", "/stad", {"nl": re.compile("Stad totaal"), "en": re.compile("City total")}
    )
    assert OTHER_NAME not in tabs["wide"].page.content()
