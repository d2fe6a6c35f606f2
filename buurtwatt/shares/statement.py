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


class NoStatement(LookupError):
    """There is nothing to state for that year: no shares held, or no production yet."""


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
    at_most: bool = False  # postcoderoos and the member's own use unknown: the discount is at most this
    unpriced: bool = False  # no published figures for the year: the euros are not known yet


def nl_number(value: Decimal, decimals: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP):,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def nl_date(day: date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def part_from(
    settlement: Settlement,
    participant_id: str,
    shares_at_year_end: int,
    precision: int = 3,
    own_use_known: bool = True,
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
        inst.scheme == "postcoderoos" and not own_use_known,
        bool(settlement.unpriced_years),
    )


class _Pdf(FPDF):
    """An A4 page with DejaVu when the system has it (for the euro sign), else Helvetica."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(True, margin=15)
        self.body_font = self._setup_font()
        self.euro_sign = "€" if self.body_font == "DejaVu" else "EUR"
        self.add_page()

    def _setup_font(self) -> str:
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            return "DejaVu"
        return "Helvetica"

    def use_font(self, size: int, bold: bool = False) -> None:
        self.set_font(self.body_font, "B" if bold else "", size)

    def text_line(self, height: float, text: str, **cell: object) -> None:
        """One full-width line of text."""
        self.cell(0, height, text, new_x="LMARGIN", new_y="NEXT", **cell)

    def paragraph(self, height: float, text: str) -> None:
        self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def statement_heading(year: int, as_of: date) -> tuple[str, str]:
    """The title, and for a year still running the word "voorlopig" and a line saying so."""
    if as_of >= date(year, 12, 31):
        return f"Jaaroverzicht {year}", ""
    return (
        f"Jaaroverzicht {year} (voorlopig)",
        f"Dit jaar is nog niet voorbij. Dit overzicht gaat tot en met {nl_date(as_of)}; "
        "de cijfers kunnen nog veranderen.",
    )


def shares_line(as_of: date, shares: int) -> str:
    """Shares held on the last day the statement covers (31 December only once it has passed)."""
    return f"Delen op {nl_date(as_of)}: {shares}"


def _header(pdf: _Pdf, cooperative: str, participant: Participant, year: int, as_of: date) -> None:
    title, provisional = statement_heading(year, as_of)
    pdf.use_font(16, bold=True)
    pdf.text_line(10, title)
    pdf.use_font(11)
    if provisional:
        pdf.paragraph(6, provisional)
    pdf.text_line(6, cooperative)
    pdf.ln(4)
    for text in (participant.name, participant.address, f"Deelnemer {participant.participant_id}"):
        if text:
            pdf.text_line(6, text)


def _month_table(pdf: _Pdf, part: StatementPart, year: int) -> None:
    months = {m: v for m, v in part.months.items() if m.year == year}
    rounded = largest_remainder(months, 1, part.kwh) if months else {}
    pdf.use_font(10, bold=True)
    pdf.cell(60, 6, "Maand", border="B")
    pdf.cell(40, 6, "kWh", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.use_font(10)
    for month in sorted(rounded):
        pdf.cell(60, 6, MONTHS_NL[month.month - 1])
        pdf.cell(40, 6, nl_number(rounded[month], 1), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.use_font(10, bold=True)
    pdf.cell(60, 6, "Totaal", border="T")
    pdf.cell(40, 6, nl_number(part.kwh, 3), border="T", align="R", new_x="LMARGIN", new_y="NEXT")


def money_line(part: StatementPart, euro: str) -> str:
    """The euros of one installation: "maximaal" without the member's own use, and "not known
    yet" for a year without published figures (never a made-up amount)."""
    if part.scheme == "postcoderoos":
        label = "Korting op de energiebelasting (incl. btw, via uw energieleverancier)"
        if part.at_most:
            label = "Maximale korting op de energiebelasting (incl. btw, via uw energieleverancier)"
    else:
        label = "Uw deel van de SCE-subsidie"
    if part.unpriced:
        return f"{label}: nog niet bekend (de cijfers van de overheid voor dit jaar zijn er nog niet)"
    return f"{label}: {euro} {nl_number(part.eur, 2)}"


def _part(pdf: _Pdf, part: StatementPart, year: int, as_of: date) -> None:
    pdf.ln(5)
    pdf.use_font(12, bold=True)
    pdf.text_line(8, f"{part.title} ({'postcoderoos' if part.scheme == 'postcoderoos' else 'SCE'})")
    pdf.use_font(10)
    pdf.text_line(6, shares_line(as_of, part.shares_at_year_end))
    _month_table(pdf, part, year)
    pdf.use_font(10)
    pdf.text_line(7, money_line(part, pdf.euro_sign))
    if part.estimated_days:
        pdf.paragraph(
            5,
            f"Van {part.estimated_days} dag(en) ontbrak de meting; die dagen zijn "
            "geschat uit de dagen ervoor en erna.",
        )
    pdf.ln(2)
    pdf.use_font(9)
    pdf.paragraph(5, "Zo verdelen we: " + HOW_IT_WORKS[part.count_unsold])


def _repayment(pdf: _Pdf, repayment: Repayment) -> None:
    pdf.ln(4)
    pdf.use_font(12, bold=True)
    pdf.text_line(8, "Terugbetalen uit de opbrengst")
    pdf.use_font(10)
    euro = pdf.euro_sign
    lines = [f"Inleg: {euro} {nl_number(repayment.stake_eur, 2)}"]
    lines += [f"Uit de opbrengst van {y}: {euro} {nl_number(v, 2)}" for y, v in repayment.from_yield]
    if repayment.paid_eur:
        lines.append(f"Zelf betaald: {euro} {nl_number(repayment.paid_eur, 2)}")
    lines += [
        f"Terugbetaald: {euro} {nl_number(repayment.repaid_eur, 2)}",
        f"Nog te gaan: {euro} {nl_number(repayment.left_eur, 2)}",
    ]
    if repayment.done:
        lines.append("Uw inleg is helemaal terugbetaald.")
    elif repayment.payoff_date:
        lines.append(
            f"Verwacht afgelost rond {MONTHS_NL[repayment.payoff_date.month - 1]} "
            f"{repayment.payoff_date.year} (in het tempo van de laatste 12 maanden)."
        )
    if repayment.beyond_end and repayment.scheme_end:
        lines.append(f"Let op: de regeling stopt op {nl_date(repayment.scheme_end)}. Daarna is er geen")
        lines.append(
            "opbrengst meer. Wat dan nog open staat, betaalt u zelf. Praat erover met de coöperatie."
        )
    for text in lines:
        pdf.text_line(6, text)


def statement_pdf(
    cooperative: str,
    participant: Participant,
    year: int,
    parts: list[StatementPart],
    repayment: Repayment | None,
    made_on: date,
) -> bytes:
    """The one-page statement of ``year``; marked provisional while the year runs."""
    pdf = _Pdf()
    as_of = min(date(year, 12, 31), made_on)
    _header(pdf, cooperative, participant, year, as_of)
    for part in parts:
        _part(pdf, part, year, as_of)
    if repayment is not None:
        _repayment(pdf, repayment)
    pdf.ln(6)
    pdf.use_font(8)
    pdf.text_line(5, f"Gemaakt op {nl_date(made_on)} met buurtwatt.")
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
    """The PDF for the participant page and ``buurtwatt shares statement`` (None: unknown id).
    Raises :class:`NoStatement` for a year without shares or without production."""
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
        holdings = register.holdings_of(inst.name, participant_id)
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
                    person.consumption_kwh is not None,
                )
            )
        if person.repay_from_yield:
            begin = max(inst.delivery_start, date(min(h.start for h in holdings).year, 1, 1))
            if begin <= last:
                history.append(settle_period(config, register, inst, source, begin, last))
    if not any(part.kwh > 0 for part in parts):
        raise NoStatement(f"{participant_id} had no shares in {year}, or the roof produced nothing yet")
    payments = register.payments_of(participant_id)
    repayment = (
        repayment_status(person.stake_eur, history, participant_id, last, payments)
        if person.repay_from_yield
        else None
    )
    return statement_pdf(config.site.name, person, year, parts, repayment, today)
