"""The core catalogue: both languages complete, every quantity labelled."""

import re

from buurtwatt.i18n import LANGUAGES, catalogue, cli_language, label
from buurtwatt.vocabulary import QUANTITIES


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    nl, en = catalogue("nl"), catalogue("en")
    assert set(nl) == set(en)
    for key in nl:
        assert set(re.findall(r"{(\w+)}", nl[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_quantity_has_a_label() -> None:
    for lang in LANGUAGES:
        for name in QUANTITIES:
            assert label(name, lang)
    assert label("import_kwh", "nl") == "Stroom van het net (totaal)"


def test_cli_language(monkeypatch) -> None:
    monkeypatch.delenv("BUURTWATT_LANG", raising=False)
    assert cli_language(None) == "nl"
    assert cli_language("en") == "en"
    monkeypatch.setenv("BUURTWATT_LANG", "en_GB.UTF-8")
    assert cli_language("nl") == "en"
