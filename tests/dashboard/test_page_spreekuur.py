"""/coach/spreekuur in headless Chromium: a coach logs in, enters a bill, sees the comparison
and the savings, ticks measures, gets the advice sheet (a real PDF, rendered to PNG), saves
the visit, and compares a follow-up three months later with the weather taken out.

The page runs on a server of its own (same ``serve`` as the other page tests) with a coach
password in the config, so the shared site fixture stays as it is.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from buurtwatt.coach.visits import open_book
from buurtwatt.timeutil import local_date
from tests.dashboard.conftest import ARTIFACTS, TZ, Tab, serve
from tests.dashboard.fill import write_config
from tests.services import require_program

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
COACH_PASSWORD = "coach-wachtwoord"
HASH_LINE = 'admin_password_hash = { env = "BW_TEST_ADMIN_HASH" }\n'


@pytest.fixture(scope="module")
def coach_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    require_program("chromium")
    folder = tmp_path_factory.mktemp("spreekuur")
    config = write_config(folder)
    text = config.read_text()
    config.write_text(
        text.replace(HASH_LINE, HASH_LINE + 'coach_password_hash = { env = "BW_TEST_COACH_HASH" }\n')
    )
    os.environ["BW_TEST_COACH_HASH"] = generate_password_hash(COACH_PASSWORD)
    try:
        with serve(config, folder) as url:
            yield url, folder
    finally:
        os.environ.pop("BW_TEST_COACH_HASH", None)


def test_a_coach_visit_from_bill_to_follow_up(coach_site: tuple[str, Path], browser, tmp_path: Path) -> None:
    url, folder = coach_site
    tab = Tab(browser, 1280, 900)
    page = tab.page
    # without the login the page shows only the login form, and the export is refused
    page.goto(url + "/coach/spreekuur?lang=nl")
    page.wait_for_selector("#sp-login")
    assert page.request.get(url + "/coach/spreekuur/export.json").status == 403
    page.fill("#sp-password", "fout")
    page.click("#sp-login")
    page.wait_for_selector("text=Het wachtwoord klopt niet.")

    page.fill("#sp-coach", "Fatma")
    page.fill("#sp-password", COACH_PASSWORD)
    page.click("#sp-login")
    page.wait_for_selector("text=Ingelogd als coach: Fatma")
    # the coach role is not the admin role
    assert page.request.get(url + "/beheer/download/participants.csv").status == 403

    # the bill: 2 persons in a corner house, 1500 + 1200 kWh, 1400 m3 gas
    page.fill("#sp-persons", "2")
    page.check("#sp-dwelling input[value=corner]")
    page.fill("#sp-kwh-normal", "1500")
    page.fill("#sp-kwh-low", "1200")
    page.fill("#sp-gas", "1400")
    page.fill("#sp-price-kwh", "0.30")
    page.fill("#sp-price-gas", "1.40")
    page.click("#sp-calc")
    page.wait_for_selector(
        "text=U gebruikt ongeveer evenveel stroom als een gemiddeld huishouden van 2 personen."
    )
    page.wait_for_selector("text=U gebruikt ongeveer evenveel gas als een gemiddelde hoekwoning.")
    # draught strips in a corner house: 60 x 1330/1120 = 71.25 m3 -> "71 m³ gas", 71.25 x 1.40 = € 100
    row = page.locator("#sp-table tr", has_text="Tochtstrips")
    assert "71 m³ gas" in row.inner_text() and "€ 100" in row.inner_text()

    page.check("#sp-done input[value=draught_strips]")
    page.check("#sp-planned input[value=thermostat_one_degree]")
    page.wait_for_selector("#sp-total")
    assert "bespaart dit ongeveer €" in page.inner_text("#sp-total")

    # meter readings today, then save: a code comes back
    page.fill("#sp-r-normal", "10000")
    page.fill("#sp-r-low", "8000")
    page.fill("#sp-r-gas", "4000")
    page.click("#sp-save")
    page.wait_for_selector("#sp-saved-code")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", page.inner_text("#sp-saved-code")).group(0)

    # no bill: an old reading 2 months ago and today's readings give the year (scaled to 365 days)
    # the server counts days in the site's time zone
    today = local_date(time.time(), TZ)
    page.fill("#sp-e-date", (today - timedelta(days=61)).isoformat())
    page.fill("#sp-e-normal", "9800")
    page.fill("#sp-e-low", "7900")
    page.fill("#sp-e-gas", "3700")
    page.click("#sp-calc")
    # 300 kWh in 61 days -> 300 x 365/61 = 1795 kWh a year: 32 % less than 2630 for 2 persons
    page.wait_for_selector(
        "text=U gebruikt ongeveer 32% minder stroom dan een gemiddeld huishouden van 2 personen."
    )
    page.fill("#sp-e-date", "")
    page.click("#sp-calc")
    page.wait_for_selector(
        "text=U gebruikt ongeveer evenveel stroom als een gemiddeld huishouden van 2 personen."
    )

    # the sheet: a real PDF with the code on it, rendered to PNG to look at
    with page.expect_download() as download:
        page.click("#sp-sheet")
    pdf = tmp_path / "sheet.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    require_program("pdftoppm")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(ARTIFACTS / "spreekuur-sheet")], check=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert code in text and "Tochtstrips" in text and "Thermostaat 1 graad lager" in text
    page.screenshot(path=str(ARTIFACTS / "spreekuur-1280x900.png"), full_page=True)

    # the visit is in the site's own folder, with the follow-up planned three months on
    with open_book(folder / "coach.sqlite") as book:
        visit = book.get(code)
        assert visit is not None and visit.measures == {
            "draught_strips": "done",
            "thermostat_one_degree": "planned",
        }
        assert visit.followup_due == visit.day + timedelta(days=91)

    # the follow-up three months later: 91 days, new readings
    later = date.fromisoformat(visit.day.isoformat()) + timedelta(days=91)
    page.fill("#sp-fu-code", code)
    page.fill("#sp-fu-date", later.isoformat())
    page.fill("#sp-fu-normal", "10350")
    page.fill("#sp-fu-low", "8280")
    page.fill("#sp-fu-gas", "4300")
    page.click("#sp-fu-go")
    page.wait_for_selector("text=Na correctie voor het weer")
    result = page.inner_text("#sp-fu-text")
    assert "Periode: 91 dagen" in result and "graaddagen" in result
    with open_book(folder / "coach.sqlite") as book:
        assert len(book.followups(code)) == 1 and book.planned() == []

    # the coordinator's export: counts, no code, no coach name
    export = page.request.get(url + "/coach/spreekuur/export.json")
    assert export.status == 200 and code not in export.text() and "Fatma" not in export.text()
    assert export.json()["visits"] == 1

    # the household asks to be forgotten
    page.fill("#sp-fu-code", code)
    page.click("#sp-delete")
    page.wait_for_selector(f"text=Bezoek {code} is verwijderd.")
    with open_book(folder / "coach.sqlite") as book:
        assert book.get(code) is None
    assert not tab.errors, tab.errors
    tab.context.close()
