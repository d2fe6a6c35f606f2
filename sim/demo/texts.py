"""What the demo says to people: its own catalogue (``sim/locales``), Dutch default, English."""

from __future__ import annotations

from pathlib import Path

from buurtwatt.i18n import lookup

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def t(key: str, lang: str, **values: object) -> str:
    text = lookup(key, lang, LOCALES)
    if text is None:
        raise KeyError(f"no text for {key!r} in sim/locales")
    return text.format(**values) if values else text
