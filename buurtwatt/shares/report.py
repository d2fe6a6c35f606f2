"""The supplier report: per energy supplier, the rows a ledenverklaring needs (postcoderoos)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from buurtwatt import csvsafe
from buurtwatt.shares.register import Register
from buurtwatt.shares.settle import RoundedSettlement

COLUMNS = (
    "naam",
    "straat_huisnummer",
    "postcode",
    "plaats",
    "ean",
    "leverancier",
    "klantnummer",
    "deelnemer",
    "aantal_delen",
    "begindatum",
    "einddatum",
    "kwh",
    "project",
    "productie_ean",
    "totale_productie_kwh",
    "opmerking",
)
UNKNOWN = "onbekend"


@dataclass(frozen=True)
class SupplierReport:
    supplier: str
    csv_text: str
    rows: int


def supplier_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or UNKNOWN


def supplier_reports(
    register: Register, rounded: RoundedSettlement, project: str, production_ean: str = ""
) -> tuple[list[SupplierReport], list[str]]:
    """One CSV per supplier. Rows with 0 or negative kWh are left out (never reported);
    missing EAN, address or supplier is flagged in ``opmerking`` and in the warnings."""
    warnings: list[str] = []
    by_supplier: dict[str, list[list[str]]] = {}
    for row in rounded.rows:
        person = register.participants[row.participant_id]
        if row.kwh <= 0:
            warnings.append(
                f"{row.participant_id}: {row.kwh} kWh, not reported (a supplier gets no zero "
                "or negative rows)"
            )
            continue
        holdings = [
            h for h in register.holdings_of(rounded.installation) if h.participant_id == row.participant_id
        ]
        first = max(rounded.start, min(h.start for h in holdings)) if holdings else rounded.start
        ends = [h.end or date.max for h in holdings]
        last = min(rounded.end, max(ends)) if ends else rounded.end
        shares = sum(h.shares for h in holdings if h.active_on(last))
        flags = []
        if not person.ean:
            flags.append("EAN ontbreekt")
        if not person.street or not person.city:
            flags.append("adres onvolledig")
        if not person.supplier:
            flags.append("leverancier onbekend")
        if flags:
            warnings.append(f"{row.participant_id}: {', '.join(flags)}")
        supplier = person.supplier or UNKNOWN
        by_supplier.setdefault(supplier, []).append(
            [
                person.name,
                f"{person.street} {person.house_number}".strip(),
                person.postcode,
                person.city,
                person.ean,
                supplier,
                person.supplier_customer_number,
                person.participant_id,
                str(shares),
                first.isoformat(),
                last.isoformat(),
                f"{row.kwh:f}",
                project,
                production_ean,
                f"{rounded.total_kwh:f}",
                "; ".join(flags),
            ]
        )
    reports = []
    for supplier, rows in sorted(by_supplier.items()):
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        reports.append(SupplierReport(supplier, buffer.getvalue(), len(rows)))
    return reports, warnings
