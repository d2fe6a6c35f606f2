"""``/scherm``: the wall screen rotates, fits every screen, reads from across the room, never shows
frozen numbers, and its verdict agrees with ``/co2`` and ``buurtwatt balance``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date
from typing import Any

import pytest

from buurtwatt.timeutil import local_date
from dashboard import fmt
from tests.dashboard.conftest import ARTIFACTS, ROOT, SCREEN_VIEWPORTS, TZ, Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PANELS = {
    "flow": {"nl": re.compile(r"\d+,\d\s?kW"), "en": re.compile(r"\d+\.\d\s?kW")},
    "today": {"nl": re.compile(r"\d+,\d+\s?kWh"), "en": re.compile(r"\d+\.\d+\s?kWh")},
    "co2": {"nl": re.compile(r"kg CO₂"), "en": re.compile(r"kg CO₂")},
    "power": {"nl": re.compile(r"laatste 24 uur"), "en": re.compile(r"last 24 hours")},
    "plugs": {
        "nl": re.compile(r"Koelkast[\s\S]*\d,\d+\s?kWh"),
        "en": re.compile(r"Koelkast[\s\S]*\d\.\d+\s?kWh"),
    },
    "climate": {"nl": re.compile(r"950\s?ppm"), "en": re.compile(r"950\s?ppm")},
    "roof": {
        "nl": re.compile(r"Ons zonnedak[\s\S]*\d+\s?kWh"),
        "en": re.compile(r"Our solar roof[\s\S]*\d+\s?kWh"),
    },
    "clock": {"nl": re.compile(r"\d\d:\d\d"), "en": re.compile(r"\d\d:\d\d")},
}

# Every visible element of the screen: its content fits its box, it stays inside the window, and
# siblings in the normal flow never cover each other (so text never runs under the footer).
# Inline spans are measured through their block parents; the graph's SVG is plotly's own.
FIT_JS = """
() => {
  const W = window.innerWidth, H = window.innerHeight, bad = [];
  const shown = e => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
  };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.') : '');
  const cut = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const all = [...document.querySelectorAll('.kiosk, .kiosk *')]
    .filter(e => !e.closest('.dash-graph, svg, script, style') && shown(e));
  for (const e of all) {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    if (s.display !== 'inline' && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
        && e.clientWidth > 0) {
      bad.push(`${name(e)} overflows: ${e.scrollWidth}x${e.scrollHeight}` +
               ` in ${e.clientWidth}x${e.clientHeight} (${(e.innerText || '').slice(0, 40)})`);
    }
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) {
      bad.push(`${name(e)} outside the window: ${JSON.stringify(r)}`);
    }
    const kids = [...e.children]
      .filter(k => shown(k) && !['absolute', 'fixed'].includes(getComputedStyle(k).position));
    for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) {
      if (cut(kids[i].getBoundingClientRect(), kids[j].getBoundingClientRect())) {
        bad.push(`${name(kids[i])} and ${name(kids[j])} overlap`);
      }
    }
  }
  return bad;
}
"""

LOADED_JS = (
    "() => { const t = [...document.querySelectorAll('.k-panel.active, #k-verdict, .k-footer')]"
    ".map(e => e.innerText).join(' '); return !t.includes('…') && /kg[\\s\\S]*kWh/.test(t) }"
)


def settled(page: Any) -> list[str]:
    """FIT_JS once the layout has settled (the graph follows its box after the strip has
    filled in): waits up to 5 s for no problems, then returns what is still wrong."""
    try:
        page.wait_for_function(f"() => ({FIT_JS})().length === 0", timeout=5000)
    except Exception:  # playwright's TimeoutError: report what stays wrong
        return page.evaluate(FIT_JS)
    return []


def live_text(page: Any, key: str) -> str:
    return page.evaluate(
        "k => (document.getElementById(JSON.stringify({key: k, type: 'live'})) || {}).innerText || ''", key
    )


@pytest.mark.parametrize("panel", PANELS)
def test_every_panel_shows_real_numbers_and_is_screenshotted(
    site: Site, tabs: dict[str, Tab], panel: str
) -> None:
    show_everywhere(site, tabs, f"scherm-{panel}", f"/scherm?panel={panel}", PANELS[panel])


@pytest.mark.parametrize(
    "size", [*SCREEN_VIEWPORTS, (1280, 720, "en")], ids=lambda s: "x".join(str(v) for v in s)
)
def test_screen_fits_every_size(site: Site, browser: Any, size: tuple) -> None:
    """1280x720 up to 3840x2160 and portrait: nothing clipped, nothing overlapping, every panel
    (and the English texts on the smallest screen)."""
    width, height, lang = (*size, "nl")[:3]
    tab = Tab(browser, width, height)
    try:
        problems: dict[str, list[str]] = {}
        for panel, expected in PANELS.items():
            page = tab.visit(f"{site.url}/scherm?panel={panel}&lang={lang}", expected[lang], timeout=15000)
            page.wait_for_function(LOADED_JS, timeout=10000)
            page.wait_for_function(
                "() => /\\d\\d:\\d\\d/.test((document.querySelector('.k-updated') || {}).innerText || '')"
            )
            found = settled(page)
            if found:
                problems[panel] = found
            suffix = "" if lang == "nl" else f"-{lang}"
            page.screenshot(path=str(ARTIFACTS / f"scherm-fit-{panel}-{width}x{height}{suffix}.png"))
            assert not tab.errors, tab.errors
        assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)
    finally:
        tab.context.close()


@pytest.mark.parametrize("size", [(1280, 720), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_screen_fits_with_the_stale_banner(site: Site, browser: Any, size: tuple[int, int]) -> None:
    """When the collector stops, the banner takes a line: the panels still fit."""
    tab = Tab(browser, *size)
    site.writer.running.clear()
    try:
        for panel in ("today", "co2", "flow"):
            page = tab.visit(f"{site.url}/scherm?panel={panel}&lang=nl")
            page.wait_for_selector("#stale-banner:not(.hidden)", timeout=15000)
            page.wait_for_function(LOADED_JS, timeout=10000)
            page.screenshot(path=str(ARTIFACTS / f"scherm-stale-{panel}-{size[0]}x{size[1]}.png"))
            assert not settled(page), (panel, settled(page))
    finally:
        site.writer.running.set()
        tab.context.close()


def test_first_panel_has_numbers(site: Site, tabs: dict[str, Tab]) -> None:
    """A new screen opens on power now and shows its number there, never on the clock. (How fast
    the first number comes is measured in bench/dashboard.py, not timed here.)"""
    page = tabs["wide"].visit(site.url + "/scherm?lang=nl&rotate=600")
    assert "flow" in page.get_attribute(".k-panel.active", "id")
    page.wait_for_function(
        "() => /\\d+,\\d\\s?kW/.test(document.querySelector('.k-panel.active').innerText)", timeout=20000
    )
    assert "flow" in page.get_attribute(".k-panel.active", "id")


def test_display_screen_rotates_and_has_large_text(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["wide"].visit(site.url + "/scherm?rotate=2")
    page.wait_for_selector(".k-panel.active")
    first = page.get_attribute(".k-panel.active", "id")
    page.wait_for_function(f"document.querySelector('.k-panel.active').id !== {first!r}", timeout=6000)
    sizes = page.eval_on_selector_all(
        ".kiosk .k-panel.active *, .k-footer *, .k-verdict *",
        "els => els.filter(e => e.offsetParent !== null && e.innerText && e.children.length === 0)"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))",
    )
    assert sizes and min(sizes) >= 48, sizes
    scroll = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert scroll[0] <= 1080 and scroll[1] <= 1920


def test_updated_time_is_filled_in(site: Site, tabs: dict[str, Tab]) -> None:
    """The server sends "Bijgewerkt om HH:MM"; both live pages show it."""
    for path, where in (("/?lang=nl", ".updated"), ("/scherm?lang=nl", ".k-updated")):
        page = tabs["wide"].visit(site.url + path)
        page.wait_for_function(
            "sel => /Bijgewerkt om \\d\\d:\\d\\d/.test((document.querySelector(sel) || {}).innerText || '')",
            arg=where,
            timeout=6000,
        )


def cli_total(site: Site, first: date, last: date) -> dict:
    """``buurtwatt balance`` over [first, last], as a user would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", "balance", "--config", str(site.config.source_path)]
        + ["--from", first.isoformat(), "--to", last.isoformat(), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: the period is still partial
    return json.loads(done.stdout)["total"]


def expected_cells(total: dict) -> tuple[str, str]:
    kg, kwh = total["co2"]["net_kg"], total["energy"]["surplus_kwh"]
    co2 = ("✔ Ja, +" if kg >= 0.5 else "✘ Nog niet, −" if kg <= -0.5 else "≈ Bijna gelijk (") + fmt.kg(
        abs(kg), "nl"
    )
    energy = ("✔ Ja, +" if kwh >= 0.5 else "✘ Nog niet, −" if kwh <= -0.5 else "≈ Bijna gelijk (") + (
        fmt.energy(abs(kwh), "nl")
    )
    return co2, energy


def test_verdict_matches_co2_page_and_cli(site: Site, tabs: dict[str, Tab]) -> None:
    """The strip says the same as `buurtwatt balance` for this year and since the start, and the
    same kg since the start as /co2."""
    today = local_date(time.time(), TZ)
    year_first = max(date(today.year, 1, 1), site.started)
    year, since = cli_total(site, year_first, today), cli_total(site, site.started, today)
    tab = tabs["wide"]
    page = tab.visit(site.url + "/scherm?panel=clock&lang=nl")  # the strip is there on every panel
    page.wait_for_function(LOADED_JS, timeout=10000)
    for key, total in (("year", year), ("start", since)):
        co2, energy = expected_cells(total)
        assert live_text(page, f"verdict_{key}_co2").startswith(co2), (key, co2)
        assert live_text(page, f"verdict_{key}_energy").startswith(energy), (key, energy)
    assert live_text(page, "verdict_start_label") == f"Sinds {fmt.day_of(site.started, 'nl')}"
    assert str(today.year) in live_text(page, "verdict_year_label")
    # /co2's figure since the start is the strip's, to the digit as shown
    page = tab.visit(site.url + "/co2?lang=nl", re.compile("Sinds de start"))
    shown = page.inner_text("#co2-total")
    assert fmt.kg(since["co2"]["net_kg"], "nl") in shown, shown
    assert not tab.errors, tab.errors
