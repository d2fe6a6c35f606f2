"""``/co2``: the balance since the start, the last 12 months, the boundary and the factors."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest

from buurtwatt.balance import balance_for
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_date
from dashboard import fmt
from tests.dashboard.conftest import TZ, Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_co2_shows_real_numbers_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    show_everywhere(site, tabs, "co2", "/co2", {"nl": re.compile(r"\d+\s?kg"), "en": re.compile(r"\d+\s?kg")})


def test_co2_page_shows_the_balance(site: Site, tabs: dict[str, Tab]) -> None:
    config = site.config
    store = SqliteStore(config.store.path, site="test", tz=TZ)
    try:
        today = local_date(time.time(), TZ)
        total = balance_for(store, config, site.started, today + timedelta(days=1), "total").total
    finally:
        store.close()
    page = tabs["wide"].visit(site.url + "/co2", re.compile(r"Sinds de start"))
    assert fmt.kg(total.co2.net_kg, "nl") in page.inner_text("#co2-total")
    net = total.co2.net_kg
    status = page.inner_text("#co2-status")
    assert ("CO₂-positief sinds" in status) if net >= 0 else (f"Nog {fmt.kg(-net, 'nl')} CO₂" in status)
    assert fmt.percent(total.energy.self_sufficiency, "nl") in page.inner_text("#co2-energy")
    assert "Stroom van het net" in page.inner_text("#co2-factors")
    assert "nog niet gecontroleerd" in page.inner_text("#co2-factors")  # the factors file marks them
    assert "telt mee" in page.inner_text("#co2-boundary")
    # a year of bars is checked by the demo test; here one month with data, drawn as a bar
    bars = page.evaluate("() => document.querySelector('#co2-months .js-plotly-plot').data[0].y")
    assert bars and all(v is not None for v in bars)
