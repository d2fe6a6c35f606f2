"""The one table of Dutch energy tax, BTW and heffingskorting per year (config/factors/nl_tariffs.toml).

Every value carries its source and whether it was checked against the Belastingdienst's own
table. A year that is not in the table is missing: :meth:`TaxTable.year` raises
:class:`MissingTaxYear`, it never falls back to another year.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

DEFAULT_TAX_TABLE = Path(__file__).resolve().parent.parent.parent / "config" / "factors" / "nl_tariffs.toml"


class TaxTableError(ValueError):
    """The table file cannot be read or has a bad entry."""


class MissingTaxYear(LookupError):
    """The table has no figure for this year (nothing is reused from another year)."""

    def __init__(self, what: str, year: int) -> None:
        self.what, self.year = what, year
        super().__init__(f"no {what} for {year} in the tax table; add it to config/factors/nl_tariffs.toml")


@dataclass(frozen=True)
class Sourced:
    value: Decimal
    source: str
    verified: bool
    note: str = ""

    def describe(self) -> str:
        return self.source + ("" if self.verified else " (unverified)")


@dataclass(frozen=True)
class BtwRange:
    first: date
    last: date | None  # inclusive; None = until the law changes
    pct: Decimal
    source: str
    verified: bool

    def covers(self, day: date) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)


@dataclass(frozen=True)
class TaxYear:
    year: int
    electricity: Sourced | None  # EUR/kWh excl. BTW, first band
    gas: Sourced | None  # EUR/m3 excl. BTW, first band
    heffingskorting: Sourced | None  # EUR per connection per year excl. BTW
    pcr_reduction: Decimal | None = None  # postcoderoos reduction when not the whole rate


@dataclass(frozen=True)
class TaxTable:
    years: dict[int, TaxYear]
    btw: tuple[BtwRange, ...]
    origin: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def _entry(self, what: str, year: int) -> Sourced:
        entry = self.years.get(year)
        value = getattr(entry, what, None) if entry else None
        if value is None:
            raise MissingTaxYear(_LABELS[what], year)
        return value

    def electricity(self, year: int) -> Sourced:
        return self._entry("electricity", year)

    def gas(self, year: int) -> Sourced:
        return self._entry("gas", year)

    def heffingskorting(self, year: int) -> Sourced:
        return self._entry("heffingskorting", year)

    def btw_range(self, day: date) -> BtwRange:
        for entry in self.btw:
            if entry.covers(day):
                return entry
        raise MissingTaxYear("BTW rate", day.year)

    def btw_pct(self, day: date) -> Decimal:
        return self.btw_range(day).pct

    def pcr_years(self) -> dict[int, tuple[Decimal, tuple[tuple[date, Decimal], ...], str, bool]]:
        """Per year: (postcoderoos reduction excl. BTW, BTW changes in that year, source, verified).

        The shape buurtwatt/shares builds its own TaxYear from.
        """
        out = {}
        for year, entry in sorted(self.years.items()):
            if entry.electricity is None:
                continue
            reduction = entry.pcr_reduction if entry.pcr_reduction is not None else entry.electricity.value
            out[year] = (
                reduction,
                self.btw_changes(year),
                entry.electricity.source,
                entry.electricity.verified,
            )
        return out

    def btw_changes(self, year: int) -> tuple[tuple[date, Decimal], ...]:
        """(first day, percent) for every BTW rate that holds during the year, in order."""
        first, last = date(year, 1, 1), date(year, 12, 31)
        return tuple(
            (max(r.first, first), r.pct)
            for r in self.btw
            if r.first <= last and (r.last is None or r.last >= first)
        )


_LABELS = {
    "electricity": "energy tax on electricity",
    "gas": "energy tax on gas",
    "heffingskorting": "heffingskorting",
}


def _sourced(raw: Any, where: str, constants: dict[str, str]) -> Sourced:
    if not isinstance(raw, dict) or "value" not in raw or "source" not in raw:
        raise TaxTableError(f"{where}: needs value and source")
    verified = bool(raw.get("verified", False))
    note = str(raw.get("note", ""))
    if not verified and not note:
        raise TaxTableError(f"{where}: unverified values need a note saying why")
    source = constants.get(raw["source"], str(raw["source"]))
    return Sourced(Decimal(str(raw["value"])), source, verified, note)


def parse_tax_table(text: str, origin: str = "<table>") -> TaxTable:
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise TaxTableError(f"{origin}: not valid TOML: {exc}") from None
    constants = {k: v for k, v in raw.items() if isinstance(v, str)}
    btw = []
    for index, entry in enumerate(raw.get("btw", [])):
        where = f"{origin}: btw[{index}]"
        try:
            last = date.fromisoformat(entry["until"]) if "until" in entry else None
            btw.append(
                BtwRange(
                    date.fromisoformat(entry["from"]),
                    last,
                    Decimal(str(entry["pct"])),
                    constants.get(entry.get("source", ""), entry.get("source", "")),
                    bool(entry.get("verified", False)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TaxTableError(f"{where}: needs from (date), pct and optional until: {exc}") from None
    btw.sort(key=lambda r: r.first)
    for before, after in zip(btw, btw[1:], strict=False):
        if before.last is None or before.last >= after.first:
            raise TaxTableError(f"{origin}: BTW ranges from {before.first} and {after.first} overlap")
    years: dict[int, TaxYear] = {}
    for key, entry in raw.get("year", {}).items():
        if not key.isdigit() or not isinstance(entry, dict):
            raise TaxTableError(f"{origin}: [year.{key}] is not a year table")
        year = int(key)
        parts = {
            name: _sourced(entry[name], f"{origin}: year.{key}.{name}", constants) if name in entry else None
            for name in ("electricity", "gas", "heffingskorting")
        }
        pcr = entry.get("pcr_reduction")
        years[year] = TaxYear(year, pcr_reduction=Decimal(str(pcr)) if pcr is not None else None, **parts)
    return TaxTable(years, tuple(btw), origin)


def load_tax_table(path: Path | str | None = None) -> TaxTable:
    file = Path(path) if path else DEFAULT_TAX_TABLE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxTableError(f"{file}: cannot read the tax table: {exc.strerror}") from None
    return parse_tax_table(text, str(file))
