"""Saving measures as data (config/coach/measures.toml), scaled to one household.

Each advice says what a measure saves per year in kWh or m3, in euro at the household's own
prices, in kg CO2 (factors from config/factors/nl.toml), what it costs and when it has paid
for itself. How a figure follows the household is the measure's ``scale``, explained in the
data file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from buurtwatt.balance.factors import Factors
from buurtwatt.coach.data import DATA_DIR, Averages, Cited, CoachDataError, read_toml
from buurtwatt.coach.household import Household, Prices, YearUse

KINDS = ("gas", "electricity", "both", "subsidy")
SCALES = ("dwelling", "persons", "heating", "none")
ELECTRICITY_CATEGORY = "stroom_onbekend"  # a household's contract is rarely known at the table
GAS_CATEGORY = "aardgas"


@dataclass(frozen=True)
class Measure:
    key: str
    kind: str
    scale: str
    m3: float  # gas saved per year at scale 1 (or per person, per terraced house)
    kwh: float  # electricity saved per year at scale 1
    fraction: float  # for scale "heating": the share of the heating gas saved
    cost: Cited  # euro; the source and year are the measure's
    heating_only: bool


@dataclass(frozen=True)
class Advice:
    key: str
    kind: str
    m3: float
    kwh: float
    eur: float
    kg_co2: float
    cost_eur: float
    source: str
    verified: bool

    @property
    def payback_years(self) -> float | None:
        """Years until the saving has paid the cost; 0 when it costs nothing, None when it saves nothing."""
        if self.cost_eur <= 0:
            return 0.0
        return self.cost_eur / self.eur if self.eur > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "m3": round(self.m3, 1),
            "kwh": round(self.kwh, 1),
            "eur": round(self.eur, 2),
            "kg_co2": round(self.kg_co2, 1),
            "cost_eur": round(self.cost_eur, 2),
            "payback_years": None if self.payback_years is None else round(self.payback_years, 1),
            "source": self.source,
            "verified": self.verified,
        }


def parse_measures(raw: dict[str, Any]) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for key, table in raw.items():
        if not isinstance(table, dict):
            continue
        where = f"measures {key}"
        kind, scale = table.get("kind"), table.get("scale", "none")
        if kind not in KINDS or scale not in SCALES:
            raise CoachDataError(f"{where}: kind must be one of {KINDS} and scale one of {SCALES}")
        if not table.get("source") or not table.get("year"):
            raise CoachDataError(f"{where} needs a source and a year (no number without a source)")
        if scale == "heating" and "fraction" not in table:
            raise CoachDataError(f"{where}: scale 'heating' needs a fraction")
        cost = Cited(
            float(table.get("cost_eur", 0)),
            str(table["source"]),
            int(table["year"]),
            bool(table.get("verified", False)),
            str(table.get("note", "")),
        )
        out[key] = Measure(
            key,
            kind,
            scale,
            float(table.get("m3", 0)),
            float(table.get("kwh", 0)),
            float(table.get("fraction", 0)),
            cost,
            bool(table.get("heating_only", False)),
        )
    return out


@cache
def load_measures(folder: Path = DATA_DIR) -> dict[str, Measure]:
    return parse_measures(read_toml("measures.toml", folder))


def heating_m3(use: YearUse, household: Household, averages: Averages) -> float:
    """The part of the gas that heats the home: the gas minus hot water and cooking (never below 0)."""
    return max(0.0, use.gas_m3 - household.persons * averages.hot_water_m3_per_person.value)


def applies(measure: Measure, household: Household) -> bool:
    if measure.heating_only and household.heating != "gas_boiler":
        return False
    # hot water from district heat or a heat pump is not gas
    return not (measure.kind == "gas" and household.heating != "gas_boiler")


def advise(
    measure: Measure,
    household: Household,
    use: YearUse,
    prices: Prices,
    averages: Averages,
    factors: Factors,
    year: int,
) -> Advice:
    """One measure for one household."""
    if measure.scale == "dwelling":
        factor = averages.dwelling_factor(household.dwelling)
        m3, kwh = measure.m3 * factor, measure.kwh * factor
    elif measure.scale == "persons":
        m3, kwh = measure.m3 * household.persons, measure.kwh * household.persons
    elif measure.scale == "heating":
        m3, kwh = measure.fraction * heating_m3(use, household, averages), 0.0
    else:
        m3, kwh = measure.m3, measure.kwh
    if household.heating != "gas_boiler":
        m3 = 0.0
    eur = m3 * prices.gas_m3 + kwh * prices.kwh_average(use)
    kg = (
        m3 * factors.gas(GAS_CATEGORY, year).value
        + kwh * factors.electricity(ELECTRICITY_CATEGORY, year).value
    )
    return Advice(
        measure.key,
        measure.kind,
        m3,
        kwh,
        eur,
        kg,
        measure.cost.value,
        measure.cost.source,
        measure.cost.verified,
    )


def advise_all(
    household: Household,
    use: YearUse,
    prices: Prices,
    averages: Averages,
    factors: Factors,
    year: int,
    catalogue: dict[str, Measure] | None = None,
) -> list[Advice]:
    """Every measure that fits the household, in the catalogue's order."""
    catalogue = catalogue if catalogue is not None else load_measures()
    return [
        advise(m, household, use, prices, averages, factors, year)
        for m in catalogue.values()
        if applies(m, household)
    ]
