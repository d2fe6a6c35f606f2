"""The demo's catalogue: both languages complete, and every key the demo uses is there."""

from __future__ import annotations

import re
from pathlib import Path

from buurtwatt.i18n import catalogue
from sim.demo.texts import LOCALES

DEMO = Path(__file__).resolve().parents[2] / "sim" / "demo"


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    nl, en = catalogue("nl", LOCALES), catalogue("en", LOCALES)
    assert set(nl) == set(en)
    for key in nl:
        assert set(re.findall(r"{(\w+)}", nl[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_the_catalogue_holds_exactly_the_keys_the_demo_uses() -> None:
    key = re.compile(r"""["'](demo\.[a-z0-9_.]+)["']""")
    used = {k for path in DEMO.glob("*.py") for k in key.findall(path.read_text(encoding="utf-8"))}
    assert used == set(catalogue("nl", LOCALES))
