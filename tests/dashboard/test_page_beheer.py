"""``/beheer``: the admin page refuses a wrong password and keeps participants private."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from tests.dashboard.conftest import ARTIFACTS, OTHER_NAME, PASSWORD, Site, Tab, show_everywhere

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_login_page_is_screenshotted(site: Site, tabs: dict[str, Tab]) -> None:
    show_everywhere(
        site, tabs, "beheer", "/beheer", {"nl": re.compile("Wachtwoord"), "en": re.compile("Password")}
    )


def test_admin_refuses_wrong_password_and_hides_participants(site: Site, tabs: dict[str, Tab]) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(site.url + "/beheer/download/participants.csv")
    assert refused.value.code == 403
    tab = tabs["wide"]
    page = tab.visit(site.url + "/beheer")
    page.fill("#password", "fout")
    page.click("#login-btn")
    page.wait_for_selector("#login-error")
    assert OTHER_NAME not in page.content()
    for public in ("/", "/scherm?panel=roof", "/stad", "/co2"):
        # wait until the live values arrived: a name would come with them
        tab.visit(site.url + public, re.compile(r"\d"))
        page.wait_for_function("() => !document.body.innerText.includes('…')", timeout=8000)
        assert OTHER_NAME not in page.content()
    page.goto(site.url + "/beheer")
    page.fill("#password", PASSWORD)
    page.click("#login-btn")
    page.wait_for_selector("#register-table")
    assert OTHER_NAME in page.inner_text("#register-table")
    assert "Verdeling van de opbrengst" in page.inner_text("body")
    # the dashboard's own alert check noticed that no collector answers
    assert "de collector draait niet" in page.inner_text("#alerts-table")
    assert "nog niet opgelost" in page.inner_text("#alerts-table")
    # the energy-tax figures per year with their sources; 2026 is still unverified (issue 16)
    figures = page.inner_text("#pcr-moerwijk-dak")
    assert "2024: € 0,10880 per kWh zonder btw, btw 21 %" in figures
    assert "2026: € 0,09160" in figures and "NOG NIET GECONTROLEERD" in figures
    page.screenshot(path=str(ARTIFACTS / "beheer-admin-1920x1080.png"), full_page=True)
    page.context.clear_cookies()


def test_admin_shows_device_health_and_storage_in_words(site: Site, tabs: dict[str, Tab]) -> None:
    """The collector's /health sends a list of devices; the page shows each one in words, and the
    store's facts with labels (no "size_bytes: 62377984, ok: True")."""
    tab = tabs["wide"]
    page = tab.visit(site.url + "/beheer")
    page.fill("#password", PASSWORD)
    page.click("#login-btn")
    page.wait_for_selector("#health-table tbody tr")
    health = page.inner_text("#health-table")
    assert "Meter" in health and "werkt" in health and "441.654" in health, health
    assert "Omvormer" in health and "niet bereikbaar" in health, health
    # the collector's English message waits behind a fold labelled as technical detail
    assert "Kijk of het apparaat aan staat" in health and "connection refused" not in health, health
    page.click("#health-table tbody tr:nth-child(2) summary")
    detail = page.inner_text("#health-table tbody tr:nth-child(2) details")
    assert "Technische details" in detail and "connection refused" in detail, detail
    assert "Naam in de instellingen: omvormer" in detail, detail
    store = page.inner_text("#store-status")
    assert "De opslag werkt." in store and "MB" in store, store
    assert not re.search(r"size_bytes|\bTrue\b|\bok\b|raw_replaced", store), store
    page.goto(site.url + "/beheer?lang=en")
    page.wait_for_selector("#health-table tbody tr")
    assert "not reachable" in page.inner_text("#health-table")
    assert "Technical details" in page.inner_text("#health-table")
    assert "Storage is working." in page.inner_text("#store-status")
    page.context.clear_cookies()


def test_readme_says_how_to_log_in_to_admin() -> None:
    from pathlib import Path

    from sim.demo.run import DEMO_ADMIN_PASSWORD

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Admin") :]
    assert "/beheer" in section and f"`{DEMO_ADMIN_PASSWORD}`" in section
    assert "generate_password_hash" in section and "BUURTWATT_ADMIN_HASH" in section
