"""Translations: every text the dashboard shows comes from a catalogue (nl default, en).

Catalogues are flat JSON files in ``dashboard/locales``; keys are dotted ids.
Dutch is written at level B1: short sentences, common words.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from buurtwatt.i18n import lookup as core_lookup

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
_DIR = Path(__file__).resolve().parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(_DIR / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def pick_language(*candidates: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The first supported language among the candidates (query, cookie, config)."""
    for lang in candidates:
        if lang and lang[:2].lower() in LANGUAGES:
            return lang[:2].lower()
    return default


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang``; Dutch when the other language lacks it.

    Keys the dashboard does not have (the series labels ``q.<quantity>``) come from the core
    catalogue in buurtwatt/locales.
    """
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        text = core_lookup(key, lang)
    if text is None:
        raise KeyError(f"no text for {key!r} in the dashboard catalogue")
    return text.format(**values) if values else text


def tn(key: str, count: int, lang: str, **values: object) -> str:
    """A text that depends on a count: ``<key>.one`` for exactly 1, ``<key>.other`` otherwise
    ("1 gebouw", "3 gebouwen"). Dutch and English both have just these two forms. ``{n}`` in
    the text is the count, unless the caller passes a formatted ``n``."""
    return t(f"{key}.{'one' if count == 1 else 'other'}", lang, **{"n": count, **values})


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE])
