"""One consultation: the household's year, its comparison and the measures, with their words.

The texts come from the coach's own catalogue (buurtwatt/coach/locales: nl, en, tr): the sheet
is printed in Turkish too, which the rest of the program does not speak.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buurtwatt.balance.factors import Factors, load_factors
from buurtwatt.coach.compare import Against, Comparison, compare
from buurtwatt.coach.data import Averages, load_averages
from buurtwatt.coach.household import Household, Prices, YearUse
from buurtwatt.coach.measures import Advice, advise_all
from buurtwatt.i18n import lookup

LOCALES = Path(__file__).resolve().parent / "locales"
SHEET_LANGUAGES = ("nl", "en", "tr")


def t(key: str, lang: str, **values: object) -> str:
    text = lookup(key, lang if lang in SHEET_LANGUAGES else "nl", LOCALES)
    if text is None:
        raise KeyError(f"no text for {key!r} in buurtwatt/coach/locales")
    return text.format(**values) if values else text


def number(value: float, lang: str, digits: int = 0) -> str:
    """1234.5 -> "1.234,5" in Dutch and Turkish, "1,234.5" in English."""
    text = f"{value:,.{digits}f}"
    return text if lang == "en" else text.replace(",", "_").replace(".", ",").replace("_", ".")


@dataclass(frozen=True)
class Consultation:
    household: Household
    prices: Prices
    use: YearUse
    comparison: Comparison
    advice: list[Advice]
    advance_eur_per_month: float | None = None

    @property
    def cost_eur(self) -> float:
        return self.use.cost_eur(self.prices)

    def by_key(self) -> dict[str, Advice]:
        return {a.key: a for a in self.advice}

    def totals(self, chosen: dict[str, str]) -> dict[str, float]:
        """Savings of the ticked measures, per status: ``done_eur``, ``planned_kg_co2``..."""
        out: dict[str, float] = {}
        found = self.by_key()
        for status in ("done", "planned"):
            picked = [found[k] for k, s in chosen.items() if s == status and k in found]
            out[f"{status}_eur"] = round(sum(a.eur for a in picked), 2)
            out[f"{status}_kg_co2"] = round(sum(a.kg_co2 for a in picked), 1)
            out[f"{status}_m3"] = round(sum(a.m3 for a in picked), 1)
            out[f"{status}_kwh"] = round(sum(a.kwh for a in picked), 1)
        return out

    def to_dict(self) -> dict[str, Any]:
        def against(a: Against | None) -> dict[str, Any] | None:
            if a is None:
                return None
            return {
                "own": round(a.own, 1),
                "average": a.average.value,
                "compared_with": a.group,
                "verdict": a.verdict,
                "percent": a.percent,
                "source": a.average.describe(),
            }

        return {
            "household": self.household.__dict__,
            "year": {k: round(v, 1) for k, v in self.use.to_dict().items()},
            "energy_cost_eur": round(self.cost_eur, 2),
            "advance_eur_per_year": None
            if self.advance_eur_per_month is None
            else round(12 * self.advance_eur_per_month, 2),
            "comparison": {
                "electricity": against(self.comparison.electricity),
                "gas": against(self.comparison.gas),
            },
            "measures": [a.to_dict() for a in self.advice],
        }


def consult(
    household: Household,
    prices: Prices,
    use: YearUse,
    year: int,
    advance_eur_per_month: float | None = None,
    averages: Averages | None = None,
    factors: Factors | None = None,
) -> Consultation:
    averages = averages or load_averages()
    factors = factors or load_factors()
    return Consultation(
        household,
        prices,
        use,
        compare(use, household, averages),
        advise_all(household, use, prices, averages, factors, year),
        advance_eur_per_month,
    )


def sentence(against: Against, lang: str) -> str:
    """The B1 sentence, e.g. "U gebruikt ongeveer evenveel stroom als een gemiddeld huishouden
    van 2 personen."
    """
    if against.carrier == "electricity":
        group = t(
            "coach.group_persons_1" if against.group == "1" else "coach.group_persons", lang, n=against.group
        )
        if against.group == "5":
            group = t("coach.group_persons_5", lang)
    else:
        group = t(f"coach.dwelling_group.{against.group}", lang)
    text = t(f"coach.say.{against.carrier}.{against.verdict}", lang, group=group, percent=against.percent)
    return text[:1].upper() + text[1:]  # a sentence may start with the group (Turkish)


def advance_sentence(consultation: Consultation, lang: str) -> str | None:
    """Whether the monthly advance roughly covers the energy part of the bill."""
    if consultation.advance_eur_per_month is None:
        return None
    year = 12 * consultation.advance_eur_per_month
    diff = year - consultation.cost_eur
    key = "same" if abs(diff) <= 0.1 * max(consultation.cost_eur, 1) else ("high" if diff > 0 else "low")
    return t(f"coach.advance.{key}", lang, eur=number(abs(diff), lang))


def payback_text(advice: Advice, lang: str) -> str:
    years = advice.payback_years
    if years is None:
        return t("coach.payback_never", lang)
    if years == 0:
        return t("coach.payback_free", lang)
    if years < 1:
        months = max(1, round(years * 12))
        return t("coach.payback_month_1", lang) if months == 1 else t("coach.payback_months", lang, n=months)
    return t("coach.payback_years", lang, n=number(years, lang, 1))


def saving_text(advice: Advice, lang: str) -> str:
    parts = []
    if round(advice.m3):
        parts.append(f"{number(advice.m3, lang)} m³ {t('coach.gas', lang)}")
    if round(advice.kwh):
        parts.append(f"{number(advice.kwh, lang)} kWh")
    return ", ".join(parts) or "-"
