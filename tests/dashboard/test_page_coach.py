"""``/coach``: a plug's power now, a day replayed, and "what if"."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_coach_shows_the_plug_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    watts = re.compile(r"85\sW")
    show_everywhere(site, tabs, "coach", "/coach", {"nl": watts, "en": watts})
