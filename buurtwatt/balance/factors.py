"""CO2 factors and comparison factors from the factors file (config/factors/nl.toml).

Factors are data with a source, never constants in code. For a year that the list
does not hold, the newest earlier list is used (the official list applies from its
year on), else the oldest later one; the :class:`Factor` says which list year it is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_FACTORS_FILE = Path(__file__).resolve().parents[2] / "config" / "factors" / "nl.toml"


class FactorError(ValueError):
    """The factors file is missing a category or a value, or is malformed."""


@dataclass(frozen=True, slots=True)
class Factor:
    kind: str  # "electricity" | "gas"
    category: str
    year: int  # the year it is used for
    list_year: int  # the year of the list the value comes from
    value: float  # kg CO2-eq per unit
    unit: str
    scope: str
    source: str
    verified: bool
    note: str = ""
    # the category's label and the source in words per language, for pages:
    # (("label", "nl", "..."), ("source", "en", "...")); ``source`` above stays the citation
    texts: tuple[tuple[str, str, str], ...] = ()

    def text(self, what: str, lang: str) -> str:
        """``label`` or ``source`` in ``lang``; the category id or the citation when there is none."""
        for field, text_lang, text in self.texts:
            if field == what and text_lang == lang:
                return text
        return self.category if what == "label" else self.source

    @property
    def fallback(self) -> bool:
        return self.year != self.list_year

    def describe(self) -> str:
        text = f"{self.kind} {self.category} {self.year}: {self.value:g} {self.unit} ({self.scope})"
        if self.fallback:
            text += f" [list {self.list_year}; no list for {self.year}]"
        text += f"; source: {self.source}"
        if not self.verified:
            text += " (unverified)"
        return text


@dataclass(frozen=True, slots=True)
class Comparison:
    key: str
    label: str
    unit: str
    value: float  # kg CO2-eq per one of the thing
    source: str
    verified: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Equivalent:
    """``amount`` of a comparison equals a CO2 figure, e.g. 120 km by car."""

    comparison: Comparison
    amount: float


@dataclass(frozen=True, slots=True)
class _Category:
    label: str
    unit: str
    scope: str
    years: dict[int, dict[str, Any]]
    labels: tuple[tuple[str, str, str], ...] = ()  # ("label", lang, text) from label_nl, label_en


LANGS = ("nl", "en")


def _texts(table: dict[str, Any], field: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (field, lang, str(table[f"{field}_{lang}"])) for lang in LANGS if table.get(f"{field}_{lang}")
    )


class Factors:
    """The parsed factors file."""

    def __init__(self, raw: dict[str, Any], origin: str = "<factors>") -> None:
        self.origin = origin
        self._kinds: dict[str, dict[str, _Category]] = {}
        for kind in ("electricity", "gas"):
            self._kinds[kind] = {
                name: _parse_category(kind, name, table, origin)
                for name, table in (raw.get(kind) or {}).items()
            }
        self.comparisons: dict[str, Comparison] = {}
        for key, table in (raw.get("comparisons") or {}).items():
            try:
                self.comparisons[key] = Comparison(
                    key,
                    str(table["label"]),
                    str(table["unit"]),
                    float(table["value"]),
                    str(table["source"]),
                    bool(table.get("verified", False)),
                    str(table.get("note", "")),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise FactorError(
                    f"{origin}: comparisons.{key} needs label, unit, value and source ({exc})"
                ) from None
        self._cache: dict[tuple[str, str, int], Factor] = {}

    def categories(self, kind: str) -> list[str]:
        return sorted(self._kinds.get(kind, {}))

    def factor(self, kind: str, category: str, year: int) -> Factor:
        key = (kind, category, year)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        cat = self._kinds.get(kind, {}).get(category)
        if cat is None:
            raise FactorError(
                f"{self.origin}: no {kind} category {category!r}; known: "
                f"{', '.join(self.categories(kind)) or 'none'}"
            )
        earlier = [y for y in cat.years if y <= year]
        list_year = max(earlier) if earlier else min(cat.years)
        entry = cat.years[list_year]
        found = Factor(
            kind,
            category,
            year,
            list_year,
            float(entry["value"]),
            cat.unit,
            cat.scope,
            str(entry["source"]),
            bool(entry.get("verified", False)),
            str(entry.get("note", "")),
            cat.labels + _texts(entry, "source"),
        )
        self._cache[key] = found
        return found

    def electricity(self, category: str, year: int) -> Factor:
        return self.factor("electricity", category, year)

    def gas(self, category: str, year: int) -> Factor:
        return self.factor("gas", category, year)


def _parse_category(kind: str, name: str, table: Any, origin: str) -> _Category:
    where = f"{origin}: {kind}.{name}"
    if not isinstance(table, dict):
        raise FactorError(f"{where} must be a table")
    years: dict[int, dict[str, Any]] = {}
    for key, entry in table.items():
        if not key.isdigit():
            continue
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
            raise FactorError(f"{where}.{key} needs a value and a source (no number without a source)")
        try:
            float(entry["value"])
        except (TypeError, ValueError):
            raise FactorError(f"{where}.{key}.value must be a number") from None
        years[int(key)] = entry
    if not years:
        raise FactorError(f"{where} has no yearly values")
    return _Category(
        str(table.get("label", name)),
        str(table.get("unit", "")),
        str(table.get("scope", "")),
        years,
        _texts(table, "label"),
    )


def parse_factors(text: str, origin: str = "<factors>") -> Factors:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FactorError(f"{origin}: not valid TOML: {exc}") from None
    return Factors(raw, origin)


def load_factors(path: Path | str | None = None) -> Factors:
    """Read a factors file (default config/factors/nl.toml)."""
    file = Path(path) if path else DEFAULT_FACTORS_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise FactorError(f"cannot read the factors file {file}: {exc.strerror}") from None
    return parse_factors(text, str(file))


def equivalents(kg_co2: float, factors: Factors) -> list[Equivalent]:
    """What a CO2 amount equals in every comparison of the file (absolute amounts)."""
    return [Equivalent(c, abs(kg_co2) / c.value) for c in factors.comparisons.values() if c.value > 0]
