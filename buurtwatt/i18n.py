"""The translation catalogue of the core and the command line: Dutch (default) and English.

Catalogues are flat JSON files (``buurtwatt/locales/<lang>.json``) with dotted keys. They hold
the labels of the series vocabulary (``q.<quantity>``) and what the commands say to people.
Outer layers keep their own catalogues (the pages fall back to this one; the demo has its own).
Dutch is written at level B1: short sentences, common words.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def _catalogue(folder: Path, lang: str) -> dict[str, str]:
    with open(folder / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def catalogue(lang: str, folder: Path = LOCALES) -> dict[str, str]:
    return _catalogue(folder, lang)


def lookup(key: str, lang: str, folder: Path = LOCALES) -> str | None:
    """The text in ``lang``, else in Dutch, else None."""
    text = catalogue(lang, folder).get(key)
    return text if text is not None else catalogue(DEFAULT_LANGUAGE, folder).get(key)


def t(key: str, lang: str, **values: object) -> str:
    text = lookup(key, lang)
    if text is None:
        raise KeyError(f"no text for {key!r} in buurtwatt/locales")
    return text.format(**values) if values else text


def label(quantity: str, lang: str) -> str:
    """What a quantity is called, e.g. ``import_kwh`` -> "Stroom van het net"."""
    return t(f"q.{quantity}", lang)


def cli_language(configured: str | None = None) -> str:
    """BUURTWATT_LANG, else the config's language, else Dutch."""
    for candidate in (os.environ.get("BUURTWATT_LANG"), configured):
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT_LANGUAGE
