"""The advice sheet: one or two A4 pages in large print (fpdf2), in Dutch, English or Turkish.

It holds the household's numbers, the comparison and the chosen measures, and the visit
code; a name or an address only when the coach types them in. DejaVu Sans (Debian's
fonts-dejavu-core) carries the euro sign and the Turkish letters; Arabic would need text
shaping, so the third language is Turkish.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from fpdf import FPDF

from buurtwatt.coach.advice import (
    Consultation,
    advance_sentence,
    number,
    payback_text,
    saving_text,
    sentence,
    t,
)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
BODY = 15  # pt: large print for readers with poor eyesight
HEADING = 20
logging.getLogger("fontTools").setLevel(logging.WARNING)


class SheetError(RuntimeError):
    """The sheet cannot be made (no font with the needed letters)."""


class _Sheet(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=16)
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if not (regular.exists() and bold.exists()):
            raise SheetError(f"the sheet needs the DejaVu fonts in {FONT_DIR} (Debian: fonts-dejavu-core)")
        self.add_font("DejaVu", "", str(regular))
        self.add_font("DejaVu", "B", str(bold))
        self.add_page()

    def heading(self, text: str, size: int = HEADING) -> None:
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(2)

    def line(self, text: str, bold: bool = False, size: int = BODY) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(1)


def advice_sheet(
    consultation: Consultation,
    chosen: dict[str, str],
    lang: str,
    day: date,
    code: str | None = None,
    name: str = "",
    address: str = "",
) -> bytes:
    """The sheet as PDF bytes. ``chosen`` maps a measure key to "done" or "planned"."""
    pdf = _Sheet()
    pdf.heading(t("coach.sheet.title", lang), 24)
    pdf.line(t("coach.sheet.date", lang, day=day.strftime("%d-%m-%Y")))
    if name.strip():
        pdf.line(t("coach.sheet.name", lang, name=name.strip()))
    if address.strip():
        pdf.line(t("coach.sheet.address", lang, address=address.strip()))
    if code:
        pdf.line(t("coach.sheet.code", lang, code=code), bold=True)
    pdf.ln(3)

    use = consultation.use
    pdf.heading(t("coach.sheet.year_heading", lang))
    pdf.line(t("coach.sheet.electricity", lang, kwh=number(use.kwh_used, lang)))
    if use.kwh_returned > 0:
        pdf.line(t("coach.sheet.returned", lang, kwh=number(use.kwh_returned, lang)))
    if consultation.household.heating == "gas_boiler" or use.gas_m3 > 0:
        pdf.line(t("coach.sheet.gas", lang, m3=number(use.gas_m3, lang)))
    pdf.line(t("coach.sheet.cost", lang, eur=number(consultation.cost_eur, lang)))
    advance = advance_sentence(consultation, lang)
    if advance:
        pdf.line(advance)
    pdf.line(t("coach.sheet.kwh_explain", lang), size=12)
    pdf.ln(3)

    pdf.heading(t("coach.sheet.compare_heading", lang))
    pdf.line(sentence(consultation.comparison.electricity, lang))
    if consultation.comparison.gas is not None:
        pdf.line(sentence(consultation.comparison.gas, lang))
    pdf.ln(3)

    pdf.heading(t("coach.sheet.measures_heading", lang))
    found = consultation.by_key()
    any_chosen = False
    for status in ("done", "planned"):
        keys = [k for k, s in chosen.items() if s == status and k in found]
        if not keys:
            continue
        any_chosen = True
        pdf.line(t(f"coach.sheet.{status}", lang), bold=True, size=17)
        for key in keys:
            advice = found[key]
            pdf.line("• " + t(f"coach.measure.{key}", lang), bold=True)
            pdf.line(t(f"coach.tip.{key}", lang))
            if advice.kind != "subsidy":
                pdf.line(
                    t(
                        "coach.sheet.saves",
                        lang,
                        what=saving_text(advice, lang),
                        eur=number(advice.eur, lang),
                        kg=number(advice.kg_co2, lang),
                    )
                )
                pdf.line(
                    t(
                        "coach.sheet.cost_line",
                        lang,
                        eur=number(advice.cost_eur, lang),
                        payback=payback_text(advice, lang),
                    )
                )
            pdf.ln(1)
    if not any_chosen:
        pdf.line(t("coach.sheet.none", lang))
    else:
        totals = consultation.totals(chosen)
        eur = totals["done_eur"] + totals["planned_eur"]
        kg = totals["done_kg_co2"] + totals["planned_kg_co2"]
        pdf.line(t("coach.sheet.total", lang, eur=number(eur, lang), kg=number(kg, lang)), bold=True)
    pdf.ln(3)
    pdf.line(t("coach.sheet.sources", lang), size=11)
    return bytes(pdf.output())
