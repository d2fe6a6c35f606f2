"""``/mijn/<token>``: a participant sees only their own figures; a wrong link reveals nothing."""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path

import pytest

from buurtwatt.shares.summary import participant_summary
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_date
from dashboard import fmt
from tests.dashboard.conftest import ARTIFACTS, OTHER_NAME, PARTICIPANT, TZ, Site, Tab

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_participant_page_shows_own_figures_and_statement(site: Site, tabs: dict[str, Tab]) -> None:
    config = site.config
    store = SqliteStore(config.store.path, site="test", tz=TZ)
    try:
        expected = participant_summary(config, store, PARTICIPANT, local_date(time.time(), TZ))
    finally:
        store.close()
    assert expected is not None and expected.repayment is not None
    tab = tabs["phone"]
    page = tab.visit(site.url + "/mijn/" + site.token, re.compile(r"\d\s?kWh"))
    body = page.inner_text("body")
    assert "Quinten Bakker" in body and OTHER_NAME not in page.content()
    assert fmt.energy(float(expected.this_year_kwh), "nl") in page.inner_text("#mine-this-year")
    assert fmt.money(float(expected.this_year_eur), "nl") in page.inner_text("#mine-this-year")
    assert fmt.energy(float(expected.last_year_kwh), "nl") in page.inner_text("#mine-last-year")
    assert f"{expected.shares_held} zonnedelen" in page.inner_text("#mine-shares")
    r = expected.repayment
    assert fmt.money(float(r.repaid_eur), "nl") in page.inner_text("#mine-repay")
    # the year amounts shown add up to the "terugbetaald" shown (issue 16 item 4)
    parts = page.inner_text("#mine-repay-parts")
    assert all(fmt.money(float(v), "nl") in parts for _y, v in r.from_yield)
    assert sum(v for _y, v in r.from_yield) + r.paid_eur == r.repaid_eur
    assert f"Terugbetaald: {fmt.money(float(r.repaid_eur), 'nl')}" in parts
    # the end of the scheme, next to someone who paid at once: both are left with the same
    assert r.end is not None and r.end.same
    end_table = page.inner_text("#mine-end")
    assert end_table.count(fmt.money(float(r.end.payer.left_over_eur), "nl")) >= 2
    months = page.evaluate("() => JSON.parse(document.querySelector('#mine-months').dataset.values)")
    assert len(months) == len(expected.installations[0].months)
    page.screenshot(path=str(ARTIFACTS / "mijn-390x844.png"), full_page=True)
    assert not tab.errors, tab.errors
    assert page.evaluate("typeof window.Plotly") == "undefined"  # no plotting library on a phone
    year = local_date(time.time(), TZ).year
    with page.expect_download() as download:
        page.click(f"#mine-statement-{year}")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    wide = tabs["wide"].visit(site.url + "/mijn/" + site.token, re.compile(r"\d\s?kWh"))
    wide.screenshot(path=str(ARTIFACTS / "mijn-1920x1080.png"), full_page=True)


def test_wrong_token_gets_the_same_404_and_no_statement(site: Site, tabs: dict[str, Tab]) -> None:
    page = tabs["phone"].visit(site.url + "/mijn/" + "a" * 43, re.compile("Deze pagina bestaat niet"))
    assert page.title() == tabs["phone"].visit(site.url + "/nergens", re.compile("bestaat niet")).title()
    with urllib.request.urlopen(
        site.url + f"/mijn/{'b' * 43}/jaaroverzicht-{local_date(time.time(), TZ).year}.pdf"
    ) as r:
        assert r.headers["Content-Type"].startswith("text/html")  # the app's page, which shows the 404


def test_language_link_keeps_the_participant_link(site: Site, tabs: dict[str, Tab]) -> None:
    """On /mijn/<token>, "English" must lead to the same page in English, not to /mijn (a 404)."""
    tab = tabs["phone"]
    page = tab.visit(site.url + "/mijn/" + site.token, re.compile(r"\d\s?kWh"))
    page.click("#lang-en")
    page.wait_for_selector("#mine-name")
    assert page.url.startswith(site.url + "/mijn/" + site.token + "?lang=en")
    assert "does not exist" not in page.inner_text("body")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click("#lang-nl")
    page.wait_for_function("document.documentElement.lang === 'nl'")
    assert "Quinten Bakker" in page.inner_text("#mine-name")
    page.context.clear_cookies()


def test_first_visit_is_light_on_a_phone(site: Site, browser: object) -> None:
    """A first visit (empty cache) moves at most 600 kB: no plotting library on this page.
    bench/dashboard.py measures the same under Fast 4G, with the time to the first number."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    moved: list[int] = []
    cdp.on("Network.loadingFinished", lambda e: moved.append(e["encodedDataLength"]))
    page.goto(site.url + "/mijn/" + site.token)
    page.wait_for_selector("#mine-months .bar")
    page.wait_for_load_state("networkidle")
    context.close()
    assert 0 < sum(moved) <= 600_000, sum(moved)
