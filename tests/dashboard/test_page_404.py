"""The friendly 404, also for participant links that lead nowhere."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_unknown_page_is_friendly_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    texts = {"nl": re.compile("Deze pagina bestaat niet"), "en": re.compile("This page does not exist")}
    show_everywhere(site, tabs, "404", "/bestaat-niet", texts)
