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
