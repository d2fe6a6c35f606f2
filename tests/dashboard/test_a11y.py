"""Every page, in both languages, passes axe-core without serious or critical violations, and can
be used with the keyboard alone (Tab reaches every nav link, the language switch and the page's
own controls).

axe-core comes from npm, pinned in tests/dashboard/axe/package-lock.json; scripts/install-test-deps.sh
installs it (``npm ci``), and this module does the same when it is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.dashboard.conftest import Site, Tab, with_lang

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
DIGIT = re.compile(r"\d")
# what each page shows once it is ready (the login form and the 404 have no numbers)
READY = {"/beheer": re.compile("Wachtwoord|Password"), "/nergens": re.compile("bestaat niet|does not exist")}
PAGES = ["/", "/scherm", "/historie", "/co2", "/coach", "/stad", "/beheer", "/nergens"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is missing: apt-get install npm (axe-core comes from npm)")
        subprocess.run(
            ["npm", "ci", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
            check=True,
            timeout=300,
        )
    return AXE.read_text()


def pages(site: Site) -> list[str]:
    return [*PAGES, "/mijn/" + site.token]


def serious(page: object, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA rules; the serious and critical violations as readable lines."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # type: ignore[attr-defined]
    # not a <script> tag: the page's Content-Security-Policy rightly refuses inline scripts; an
    # indirect eval is what 'unsafe-eval' (needed by plotly) allows anyway
    page.evaluate("src => { (0, eval)(src); }", axe_source)  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        """async () => {
            const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                           'best-practice']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)
                    .map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' '))
                    .join(' | '));
        }"""
    )
    return list(result)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_serious_axe_violations(site: Site, tabs: dict[str, Tab], axe_source: str, lang: str) -> None:
    found: dict[str, list[str]] = {}
    for size in ("wide", "phone"):
        tab = tabs[size]
        for path in pages(site):
            page = tab.visit(site.url + with_lang(path, lang), READY.get(path, DIGIT))
            page.wait_for_selector("#page-root, #screen-root, .scherm", timeout=8000)
            bad = serious(page, axe_source)
            if bad:
                found[f"{path.split('/mijn/')[0] or '/mijn'} {lang} {tab.size}"] = bad
        tab.context.clear_cookies()
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


def focus_path(page: object, steps: int) -> list[str]:
    """What Tab focuses, step by step: the href or id of each element."""
    seen: list[str] = []
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")  # type: ignore[attr-defined]
    for _ in range(steps):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        seen.append(
            page.evaluate(  # type: ignore[attr-defined]
                """() => { const e = document.activeElement;
                    return e ? (e.getAttribute('href') || e.id || e.tagName) : ''; }"""
            )
        )
    return seen


def test_every_page_works_with_the_keyboard(site: Site, tabs: dict[str, Tab]) -> None:
    tab = tabs["wide"]
    missing: dict[str, list[str]] = {}
    for path in pages(site):
        if path == "/scherm":
            continue  # the wall screen has nothing to operate: it rotates by itself
        page = tab.visit(site.url + path, READY.get(path, DIGIT))
        page.wait_for_selector("#page-root")
        wanted = page.evaluate(
            """() => [...document.querySelectorAll(
                '.bw-nav a, .lang-switch a, #page-main a[href], #page-main button, #page-main input,'
                + ' #page-main select, #page-main [role=radio], #page-main [tabindex="0"]')]
                .filter(e => e.offsetParent !== null && !e.disabled && e.type !== 'hidden')
                .map(e => e.getAttribute('href') || e.id || e.tagName)"""
        )
        reached = set(focus_path(page, len(wanted) + 15))
        lost = [w for w in wanted if w not in reached]
        if lost:
            missing[path] = lost
    assert not missing, f"Tab does not reach: {missing}"
