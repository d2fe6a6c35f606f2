"""The yearly statement per participant: a one-page PDF in Dutch (fpdf2)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from fpdf import FPDF

from buurtwatt.config import SiteConfig
from buurtwatt.shares.ledger import ProductionSource
from buurtwatt.shares.register import Participant, Register
from buurtwatt.shares.rounding import largest_remainder
from buurtwatt.shares.settle import Settlement
from buurtwatt.shares.summary import Repayment
from buurtwatt.store.base import Store

MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every glyph at INFO

HOW_IT_WORKS = {
    True: (
        "De opbrengst van het dak wordt elke dag verdeeld naar het aantal delen dat u die dag had, "
        "gedeeld door alle uitgegeven delen; het deel van onverkochte delen blijft bij de coöperatie. "
        "We rekenen exact en ronden pas aan het eind één keer af, zodat alle delen samen precies de "
        "gemeten opbrengst zijn."
    ),
    False: (
        "De opbrengst van het dak wordt elke dag verdeeld naar het aantal delen dat u die dag had, "
        "gedeeld door alle delen die die dag in bezit waren. "
        "We rekenen exact en ronden pas aan het eind één keer af, zodat alle delen samen precies de "
        "gemeten opbrengst zijn."
    ),
}


@dataclass(frozen=True)
class StatementPart:
    """One installation in the statement."""

    title: str
    scheme: str
    count_unsold: bool
    shares_at_year_end: int
    kwh: Decimal  # as reported for the year (rounded once for all participants)
    eur: Decimal
    months: dict[date, Fraction]
    estimated_days: int


def nl_number(value: Decimal, decimals: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP):,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def nl_date(day: date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def part_from(
    settlement: Settlement, participant_id: str, shares_at_year_end: int, precision: int = 3
) -> StatementPart:
    rounded = settlement.rounded(precision)
    row = next((r for r in rounded.rows if r.participant_id == participant_id), None)
    inst = settlement.installation
    return StatementPart(
        inst.title,
        inst.scheme,
        inst.count_unsold,
        shares_at_year_end,
        row.kwh if row else Decimal(0),
        row.eur if row else Decimal(0),
        settlement.kwh.get(participant_id, {}),
        settlement.estimated_days,
    )


class _Pdf(FPDF):
    def setup_font(self) -> str:
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            return "DejaVu"
        return "Helvetica"


def statement_pdf(
    cooperative: str,
    participant: Participant,
    year: int,
    parts: list[StatementPart],
    repayment: Repayment | None,
    made_on: date,
) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    font = pdf.setup_font()
    euro = "€" if font == "DejaVu" else "EUR"
    pdf.add_page()
    pdf.set_font(font, "B", 16)
    pdf.cell(0, 10, f"Jaaroverzicht {year}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 11)
    pdf.cell(0, 6, cooperative, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in (participant.name, participant.address, f"Deelnemer {participant.participant_id}"):
        if line:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    for part in parts:
        pdf.ln(5)
        pdf.set_font(font, "B", 12)
        scheme = "postcoderoos" if part.scheme == "postcoderoos" else "SCE"
        pdf.cell(0, 8, f"{part.title} ({scheme})", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 10)
        pdf.cell(0, 6, f"Delen op 31 december: {part.shares_at_year_end}", new_x="LMARGIN", new_y="NEXT")
        months = {m: v for m, v in part.months.items() if m.year == year}
        rounded = largest_remainder(months, 1, part.kwh) if months else {}
        pdf.set_font(font, "B", 10)
        pdf.cell(60, 6, "Maand", border="B")
        pdf.cell(40, 6, "kWh", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 10)
        for month in sorted(rounded):
            pdf.cell(60, 6, MONTHS_NL[month.month - 1])
            pdf.cell(40, 6, nl_number(rounded[month], 1), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "B", 10)
        pdf.cell(60, 6, "Totaal", border="T")
        pdf.cell(40, 6, nl_number(part.kwh, 3), border="T", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 10)
        label = (
            "Korting op de energiebelasting (incl. btw, via uw energieleverancier)"
            if part.scheme == "postcoderoos"
            else "Uw deel van de SCE-subsidie"
        )
        pdf.cell(0, 7, f"{label}: {euro} {nl_number(part.eur, 2)}", new_x="LMARGIN", new_y="NEXT")
        if part.estimated_days:
            pdf.multi_cell(
                0,
                5,
                f"Van {part.estimated_days} dag(en) ontbrak de meting; die dagen zijn "
                "geschat uit de dagen ervoor en erna.",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.ln(2)
        pdf.set_font(font, "", 9)
        pdf.multi_cell(
            0, 5, "Zo verdelen we: " + HOW_IT_WORKS[part.count_unsold], new_x="LMARGIN", new_y="NEXT"
        )
    if repayment is not None:
        pdf.ln(4)
        pdf.set_font(font, "B", 12)
        pdf.cell(0, 8, "Terugbetalen uit de opbrengst", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 10)
        lines = [
            f"Inleg: {euro} {nl_number(repayment.stake_eur, 2)}",
            f"Terugbetaald uit de opbrengst: {euro} {nl_number(repayment.repaid_eur, 2)}",
            f"Nog te gaan: {euro} {nl_number(repayment.left_eur, 2)}",
        ]
        if repayment.done:
            lines.append("Uw inleg is helemaal terugbetaald.")
        elif repayment.payoff_date:
            lines.append(
                f"Verwacht afgelost rond {MONTHS_NL[repayment.payoff_date.month - 1]} "
                f"{repayment.payoff_date.year} (in het tempo van de laatste 12 maanden)."
            )
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(font, "", 8)
    pdf.cell(0, 5, f"Gemaakt op {nl_date(made_on)} met buurtwatt.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build_statement(
    config: SiteConfig,
    store: Store | None,
    participant_id: str,
    year: int,
    today: date,
    register: Register | None = None,
    source: ProductionSource | None = None,
    precision: int = 3,
) -> bytes | None:
    """The PDF for the participant page and ``buurtwatt shares statement`` (None: unknown id)."""
    from buurtwatt.shares.ledger import open_register, settle_period
    from buurtwatt.shares.summary import repayment_status

    register = register or open_register(config)
    person = register.participants.get(participant_id)
    if person is None:
        return None
    source = source or ProductionSource(store=store)
    last = min(date(year, 12, 31), today)
    parts: list[StatementPart] = []
    history: list[Settlement] = []
    for inst in config.installations:
        holdings = [h for h in register.holdings_of(inst.name) if h.participant_id == participant_id]
        if not holdings or last < inst.delivery_start:
            continue
        first = max(date(year, 1, 1), inst.delivery_start)
        if first <= last:
            settlement = settle_period(config, register, inst, source, first, last)
            parts.append(
                part_from(
                    settlement,
                    participant_id,
                    sum(h.shares for h in holdings if h.active_on(last)),
                    precision,
                )
            )
        if person.repay_from_yield:
            begin = max(inst.delivery_start, date(min(h.start for h in holdings).year, 1, 1))
            if begin <= last:
                history.append(settle_period(config, register, inst, source, begin, last))
    repayment = (
        repayment_status(person.stake_eur, history, participant_id, last) if person.repay_from_yield else None
    )
    return statement_pdf(config.site.name, person, year, parts, repayment, today)
