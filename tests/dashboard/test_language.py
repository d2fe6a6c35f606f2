"""The page's language reaches what the browser draws itself: ``<html lang>``, the numbers on
Plotly's axes (decimal comma, thousands dot), and the date picker's months and days."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import PASSWORD, Site, Tab, with_lang

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

DIGIT = re.compile(r"\d")


@pytest.mark.parametrize(("lang", "separators"), [("nl", ",."), ("en", ".,")])
def test_charts_and_html_follow_the_language(
    site: Site, tabs: dict[str, Tab], lang: str, separators: str
) -> None:
    tab = tabs["wide"]
    for path in ("/historie", "/co2", "/coach"):
        page = tab.visit(site.url + with_lang(path, lang), DIGIT)
        assert page.evaluate("document.documentElement.lang") == lang, path
        used = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')].map(g => g._fullLayout.separators)"
        )
        assert used and set(used) == {separators}, (path, used)
    tab.context.clear_cookies()


def test_in_app_navigation_keeps_html_lang(site: Site, tabs: dict[str, Tab]) -> None:
    tab = tabs["wide"]
    page = tab.visit(site.url + "/?lang=en", DIGIT)
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click(".bw-nav a[href='/historie']")
    page.wait_for_selector("#hist-view")
    assert page.evaluate("document.documentElement.lang") == "en"
    page = tab.visit(site.url + "/?lang=nl", DIGIT)
    assert page.evaluate("document.documentElement.lang") == "nl"
    tab.context.clear_cookies()


@pytest.mark.parametrize(
    ("lang", "month", "weekday"),
    [("nl", r"november|december|oktober", "ma"), ("en", r"November|December|October", "Mo")],
)
def test_date_picker_speaks_the_language(
    site: Site, tabs: dict[str, Tab], lang: str, month: str, weekday: str
) -> None:
    tab = tabs["wide"]
    page = tab.visit(site.url + with_lang("/historie", lang), DIGIT)
    page.click("#hist-date")
    page.wait_for_function("re => new RegExp(re).test(document.body.innerText)", arg=month, timeout=5000)
    calendar = page.inner_text("body")
    assert "Select Date" not in page.content()
    assert re.search(rf"\b{weekday}\b", calendar), calendar[-600:]
    if lang == "nl":
        assert not re.search(r"January|February|November|December|\bMo\b", calendar)
    page.keyboard.press("Escape")
    tab.context.clear_cookies()


# ids from the config and the factors file, and English notes, that must not reach a Dutch page
NOT_FOR_PEOPLE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b|as cited|calorific|moerwijk-dak|\d+/\d+\)")

# a device id as the config spells it, and the collector's English state messages
RAW_DEVICE = re.compile(r"\bplug-[a-z]+\b")
ENGLISH = re.compile(r"connection refused|not reachable|\bretrying\b|\boffline\b")


def test_no_internal_ids_or_english_notes_on_dutch_pages(site: Site, tabs: dict[str, Tab]) -> None:
    tab = tabs["wide"]
    found = {}
    for path in ("/", "/historie", "/co2", "/coach", "/stad", "/mijn/" + site.token):
        page = tab.visit(site.url + with_lang(path, "nl"), DIGIT)
        hits = sorted(set(NOT_FOR_PEOPLE.findall(page.inner_text("body"))))
        if hits:
            found[path.split("/mijn/")[0] or "/mijn"] = hits
    # a plug chosen on /historie, the coach's plug list, the other site's card and /beheer (logged in)
    page = tab.visit(site.url + "/historie?lang=nl", DIGIT)
    page.click("#hist-what")
    page.get_by_text("Apparaat: Tv", exact=True).click()
    page.wait_for_selector("#hist-plug .main-svg")
    shown = {"/historie (tv)": page.inner_text("body")}
    page = tab.visit(site.url + "/coach?lang=nl", DIGIT)
    page.click("#plug-pick")
    page.wait_for_selector(".dash-dropdown-option")
    options = "\n".join(page.locator(".dash-dropdown-option").all_inner_texts())
    assert "Koelkast" in options and "Tv" in options, options
    shown["/coach (apparaten)"] = options
    page.keyboard.press("Escape")
    stad = tab.visit(site.url + "/stad?lang=nl", DIGIT).inner_text("#city-noord h2")
    assert stad == "Noord", stad  # no site_names in the test config: the id as a word
    page = tab.visit(site.url + "/beheer?lang=nl")
    page.fill("#password", PASSWORD)
    page.click("#login-btn")
    page.wait_for_selector("#health-table tbody tr")
    shown["/beheer"] = page.inner_text("body")
    for where, text in shown.items():
        hits = sorted({*NOT_FOR_PEOPLE.findall(text), *RAW_DEVICE.findall(text), *ENGLISH.findall(text)})
        if hits:
            found[where] = hits
    assert not found, found
    co2 = tab.visit(site.url + "/co2?lang=nl", DIGIT).inner_text("#co2-factors")
    assert "overgenomen uit" in co2 and "Stroom van onbekende herkomst" in co2, co2
    assert "Gronings aardgas" in tab.page.inner_text("body")
    co2_en = tab.visit(site.url + "/co2?lang=en", DIGIT).inner_text("#co2-factors")
    assert "as cited by" in co2_en and "Electricity of unknown origin" in co2_en, co2_en
    tab.context.clear_cookies()


def test_plural_forms() -> None:
    from dashboard.i18n import tn

    assert tn("city.explain", 1, "nl").startswith("1 gebouw,")
    assert tn("city.explain", 3, "nl").startswith("3 gebouwen")
    assert tn("city.explain", 1, "en").startswith("1 building,")
    assert "1 fout." in tn("admin.register_refused", 1, "nl")


def test_history_download_offers_dutch_excel_and_plain_csv(site: Site, tabs: dict[str, Tab]) -> None:
    from pathlib import Path

    page = tabs["wide"].visit(site.url + "/historie?lang=nl", DIGIT)
    with page.expect_download() as excel:
        page.click("#hist-excel-btn")
    text = Path(excel.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeffstart_local;") and excel.value.suggested_filename.endswith("-excel.csv")
    first = text.splitlines()[1].split(";")
    assert all(re.fullmatch(r"-?\d+,\d{3}", v) for v in first[1:]), first
    with page.expect_download() as plain:
        page.click("#hist-csv-btn")
    first = Path(plain.value.path()).read_text(encoding="utf-8").splitlines()[1].split(",")
    assert all(re.fullmatch(r"-?\d+\.\d{3}", v) for v in first[1:]), first


def test_one_energy_unit_per_row() -> None:
    from dashboard import fmt

    unit = fmt.energy_unit([850.0, 12_345.0, None])
    assert unit == "MWh"
    assert [fmt.energy_in(v, unit, "nl") for v in (850.0, 12_345.0)] == ["0,85\u00a0MWh", "12,3\u00a0MWh"]
    assert fmt.energy_in(850.0, fmt.energy_unit([850.0, 3.2]), "nl") == "850\u00a0kWh"


def test_sites_by_name() -> None:
    from dashboard import fmt

    assert fmt.site_label("noord", {}) == "Noord"
    assert fmt.site_label("buurthuis-noord", {}) == "Buurthuis noord"
    assert fmt.site_label("noord", {"noord": "Buurthuis Noord"}) == "Buurthuis Noord"


def test_a_name_for_a_site_that_is_not_shown_is_refused() -> None:
    from pydantic import ValidationError

    from buurtwatt.config import DashboardConfig

    assert DashboardConfig(sites=["noord"], site_names={"noord": "Buurthuis Noord"}).site_names
    with pytest.raises(ValidationError, match="zuid"):
        DashboardConfig(sites=["noord"], site_names={"zuid": "Buurthuis Zuid"})
