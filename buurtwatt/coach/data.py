"""The coach's data files (config/coach/*.toml): averages, measures and degree-day normals.

No number without a source: a figure without ``source`` and ``year`` is refused when read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "config" / "coach"


class CoachDataError(ValueError):
    """A data file is missing, malformed or has a figure without its source."""


@dataclass(frozen=True)
class Cited:
    """A figure with where it comes from."""

    value: float
    source: str
    year: int
    verified: bool
    note: str = ""

    def describe(self) -> str:
        text = f"{self.source} ({self.year})"
        return text if self.verified else text + " [unverified]"


def read_toml(name: str, folder: Path = DATA_DIR) -> dict[str, Any]:
    file = folder / name
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CoachDataError(f"cannot read {file}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CoachDataError(f"{file}: not valid TOML: {exc}") from None


def cited(table: Any, key: str, where: str) -> Cited:
    if not isinstance(table, dict) or key not in table:
        raise CoachDataError(f"{where} needs {key}")
    if not table.get("source") or not table.get("year"):
        raise CoachDataError(f"{where} needs a source and a year (no number without a source)")
    try:
        value = float(table[key])
    except (TypeError, ValueError):
        raise CoachDataError(f"{where}.{key} must be a number") from None
    return Cited(
        value,
        str(table["source"]),
        int(table["year"]),
        bool(table.get("verified", False)),
        str(table.get("note", "")),
    )


@dataclass(frozen=True)
class Averages:
    kwh_by_persons: dict[int, Cited]
    m3_by_dwelling: dict[str, Cited]
    national: dict[int, tuple[Cited, Cited]]
    hot_water_m3_per_person: Cited

    def kwh(self, persons: int) -> tuple[int, Cited]:
        """(the size compared with, its average): 5 stands for 5 or more."""
        size = min(persons, max(self.kwh_by_persons))
        return size, self.kwh_by_persons[size]

    def m3(self, dwelling: str) -> Cited:
        return self.m3_by_dwelling[dwelling]

    def dwelling_factor(self, dwelling: str) -> float:
        """How much more a dwelling type loses to outer walls than a terraced house: the ratio
        of their average gas use (documented in config/coach/measures.toml)."""
        return self.m3_by_dwelling[dwelling].value / self.m3_by_dwelling["terraced"].value


def parse_averages(raw: dict[str, Any]) -> Averages:
    kwh = {
        int(k): cited(v, "kwh", f"averages electricity.{k}")
        for k, v in (raw.get("electricity") or {}).items()
    }
    m3 = {k: cited(v, "m3", f"averages gas.{k}") for k, v in (raw.get("gas") or {}).items()}
    national = {
        int(k): (cited(v, "kwh", f"averages national.{k}"), cited(v, "m3", f"averages national.{k}"))
        for k, v in (raw.get("national") or {}).items()
    }
    if not kwh or "terraced" not in m3:
        raise CoachDataError("averages need electricity by household size and gas for a terraced house")
    return Averages(kwh, m3, national, cited(raw.get("hot_water"), "m3_per_person", "averages hot_water"))


@cache
def load_averages(folder: Path = DATA_DIR) -> Averages:
    return parse_averages(read_toml("averages.toml", folder))
