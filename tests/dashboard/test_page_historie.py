"""``/historie``: periods from rollups, compared with the period before, honest about missing data."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_date, local_midnight
from tests.dashboard.conftest import ARTIFACTS, TZ, Site, Tab, serve, show_everywhere
from tests.dashboard.fill import readings, write_config
from tests.dashboard.test_a11y import AXE, serious

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
SITE = "jaar"
FIRST = date(2025, 11, 1)  # as the demo: the history starts on 1 November of last year


def test_history_shows_real_numbers_and_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    kwh = {"nl": re.compile(r"\d+,\d+\s?kWh"), "en": re.compile(r"\d+\.\d+\s?kWh")}
    show_everywhere(site, tabs, "historie", "/historie", kwh)


def test_history_shows_the_cost_of_the_period(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/historie", re.compile(r"Kosten in deze periode"))
    assert re.search(r"€\s?-?\d+(\.\d{3})*,\d{2}", page.inner_text("#hist-cost"))
    assert not tabs["wide"].errors, tabs["wide"].errors


@pytest.fixture(scope="module")
def year_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A building measured every two hours since 1 November 2025."""
    folder = tmp_path_factory.mktemp("jaar")
    config_path = write_config(folder, site=SITE, started=FIRST.isoformat())
    store = SqliteStore(folder / "store.sqlite", site=SITE, tz=TZ)
    store.write(readings(local_midnight(FIRST, TZ), time.time() - 1, 7200))
    store.close()
    with serve(config_path, folder) as url:
        yield url


GRAPHS_JS = """
() => ['hist-energy', 'hist-grid', 'hist-gas'].map(id => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const r = gd.getBoundingClientRect();
  const prev = (gd.data || []).find(d => d.meta === 'previous');
  return {id, top: r.top, bottom: r.bottom, height: r.height,
          ticks: gd.layout.xaxis.ticktext, tickvals: gd.layout.xaxis.tickvals,
          prev: prev ? prev.x : null,
          prevPx: prev ? prev.x.map(v => gd._fullLayout.xaxis.l2p(v)) : null,
          barPx: gd.data[0].x.map(v => gd._fullLayout.xaxis.l2p(v)),
          bars: gd.data[0].y};
})
"""


def graphs(page: Any, view: str) -> list[dict]:
    page.click(f"#hist-view input[value={view}]")
    page.wait_for_function(
        "v => { const gd = document.querySelector('#hist-energy .js-plotly-plot');"
        " if (!gd || !gd.data || !gd.data.some(d => d.meta === 'previous')) return false;"
        " const t = gd.layout.xaxis.ticktext;"
        " return {day: t[0].includes(':'), week: t.length === 7,"
        "         month: t[0] === '1', year: t[0] === 'jan'}[v]; }",
        arg=view,
        timeout=10000,
    )
    return page.evaluate(GRAPHS_JS)


def test_compare_keeps_charts_apart_and_months_in_place(year_site: str, tabs: dict[str, Tab]) -> None:
    """With "Vergelijk met de periode ervoor" on, every chart keeps its height in every view and
    no chart covers another; in the year view last year's November is drawn at November."""
    tab = tabs["wide"]
    page = tab.visit(year_site + "/historie?lang=nl", re.compile(r"\d+,\d+\s?kWh"), timeout=15000)
    page.click("#hist-compare input")
    units: dict[str, str] = {}
    for view in ("day", "week", "month", "year"):
        shown = graphs(page, view)
        for g in shown:
            assert g["height"] >= 300, (view, g["id"], g["height"])
        for above, below in zip(shown, shown[1:], strict=False):
            assert above["bottom"] <= below["top"] + 1, (view, above["id"], below["id"])
        page.screenshot(path=str(ARTIFACTS / f"historie-compare-{view}-1920x1080.png"), full_page=True)
        # the four cards and their "period before" lines share one unit (never kWh beside MWh)
        cards = page.inner_text("#hist-cards")
        assert len(set(re.findall(r"\b[kMG]Wh\b", cards))) == 1, (view, cards)
        units[view] = cards
    # this year or the one before passes 10 MWh (since late 2026), the other may not: both in MWh
    assert "MWh" in units["year"] and "kWh" not in units["year"], units["year"]
    # the year view of this year: last year has only November and December
    year = {g["id"]: g for g in shown}["hist-energy"]
    assert year["prev"] == [10, 11], year["prev"]
    assert year["ticks"][10] == "nov" and year["ticks"][0] == "jan"
    assert year["prevPx"] == [year["barPx"][10], year["barPx"][11]]
    this_month = local_date(time.time(), TZ).month
    assert year["bars"][this_month:] == [None] * (12 - this_month)  # months to come: no bars
    assert not tab.errors, tab.errors


def test_a_day_without_data_says_so(year_site: str, tabs: dict[str, Tab]) -> None:
    """Before the first reading there is nothing: "geen gegevens", no 0,00 kWh and no zero bars."""
    tab = tabs["wide"]
    page = tab.visit(
        year_site + "/historie?lang=nl&day=2025-10-15", re.compile("geen gegevens"), timeout=15000
    )
    cards = page.inner_text("#hist-cards")
    assert "0,00" not in cards and cards.count("geen gegevens") == 4, cards
    assert "Voor deze periode zijn er geen gegevens." in page.inner_text("#hist-energy")
    bars = page.evaluate("() => document.querySelector('#hist-energy .js-plotly-plot').data[0].y")
    assert all(v is None for v in bars), bars
    assert not tab.errors, tab.errors


ITEM_JS = """
ids => ids.map(id => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const main = gd.data.find(d => d.meta === 'mean') || gd.data[0];
  const prev = gd.data.find(d => d.meta === 'previous');
  return {id, unit: gd.layout.yaxis.title.text, y: main.y, prev: prev ? prev.y : null,
          height: gd.getBoundingClientRect().height,
          lines: (gd.layout.shapes || []).map(s => s.y0)};
})
"""
TICKS = "{day: t[0].includes(':'), week: t.length === 7, month: t[0] === '1', year: t[0] === 'jan'}[view]"


def item_graphs(page: Any, view: str, ids: list[str]) -> list[dict]:
    """Switch to ``view`` and wait until every chart of the chosen plug or room shows it, with
    the period before drawn beside it."""
    page.click(f"#hist-view input[value={view}]")
    page.wait_for_function(
        "([ids, view]) => ids.every(id => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');"
        " if (!gd || !gd.data || !gd.data.some(d => d.meta === 'previous')) return false;"
        f" const t = gd.layout.xaxis.ticktext; return {TICKS}; }})",
        arg=[ids, view],
        timeout=10000,
    )
    return page.evaluate(ITEM_JS, ids)


def choose(page: Any, label: str) -> None:
    page.click("#hist-what")
    page.get_by_text(label, exact=True).click()


def test_a_plug_and_a_room_in_every_view_with_the_period_before(site: Site, tabs: dict[str, Tab]) -> None:
    """One plug (the TV on 0,4 W standby, no kWh counter) and the room sensor, in the day, week,
    month and year view with the comparison on: the charts have data, in kWh, ppm, °C and %, and
    the CO2 chart has the 800 and 1200 ppm lines. Names are words, never device ids."""
    tab = tabs["wide"]
    page = tab.visit(site.url + "/historie?lang=nl", re.compile(r"\d+,\d+\s?kWh"), timeout=15000)
    page.click("#hist-compare input")
    choose(page, "Apparaat: Tv")
    for view in ("day", "week", "month", "year"):
        (plug,) = item_graphs(page, view, ["hist-plug"])
        assert plug["unit"] == "kWh" and plug["height"] >= 300, (view, plug)
        values = [v for v in plug["y"] if v is not None]
        assert values and all(v > 0 for v in values), (view, plug["y"])
        if view == "day":  # 0,4 W for an hour
            assert all(abs(v - 0.0004) < 1e-6 for v in values[:-1]), values
            assert any(v is not None for v in plug["prev"]), "yesterday has data"
        text = page.inner_text("#page-root")
        assert "telt zelf geen kWh" in page.inner_text("#hist-source")
        assert re.search(r"Tv in deze periode\s+\d+,\d+\s?kWh", text), text
        assert "plug-" not in text
    page.screenshot(path=str(ARTIFACTS / "historie-plug-year-1920x1080.png"), full_page=True)

    choose(page, "Ruimte: Zaal")
    ids = ["hist-co2", "hist-temp", "hist-humidity"]
    for view in ("day", "week", "month", "year"):
        shown = {g["id"]: g for g in item_graphs(page, view, ids)}
        assert [shown[i]["unit"] for i in ids] == ["ppm", "°C", "%"], view
        assert shown["hist-co2"]["lines"] == [800, 1200], shown["hist-co2"]["lines"]
        for g in shown.values():
            assert g["height"] >= 300 and any(v is not None for v in g["y"]), (view, g)
        co2 = [v for v in shown["hist-co2"]["y"] if v is not None]
        assert all(500 <= v <= 960 for v in co2), co2
        if view == "day":
            assert shown["hist-co2"]["prev"], "yesterday's air is drawn beside today's"
        assert "Zaal" in page.inner_text("#hist-co2")
        cards = page.inner_text("#hist-cards")
        assert re.search(r"\d+,\d\s?°C", cards) and "ervoor" in cards, cards
        page.screenshot(path=str(ARTIFACTS / f"historie-room-{view}-1920x1080.png"), full_page=True)
    if AXE.exists():  # test_a11y.py checks the page as it opens; this is the room view with compare on
        # after clicks too: Dash re-renders its RadioItems/Checklist labels with role="option"
        # and aria-selected, which assets/30-a11y.js repairs again each time
        found = serious(page, AXE.read_text())
        assert not found, found
    assert not tab.errors, tab.errors
