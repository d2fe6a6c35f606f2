"""payments.csv: money paid to the cooperative (a stake, or instalments of it) and paid out by it.

Read once with the rest of the register, with the same line-numbered problems.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

from buurtwatt.shares.register.csv_rows import CsvRows
from buurtwatt.shares.register.model import PAYMENT_KINDS, Payment
from buurtwatt.shares.register.problems import RegisterProblem

PAYMENT_COLUMNS = ("date", "participant", "amount", "kind")
_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")  # euros and cents, never negative: the kind says the direction


def _amount(rows: CsvRows, line: int, text: str) -> Decimal | None:
    if _AMOUNT.match(text):
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already excludes it
            value = Decimal(0)
        if value > 0:
            return value
    rows.at(line, "amount", "bad_payment_amount", text=text)
    return None


def _payment(rows: CsvRows, line: int, row: dict[str, str], known_ids: Collection[str]) -> Payment | None:
    day = rows.date_at(line, row, "date")
    ok = day is not None
    if row["participant"] not in known_ids:
        rows.at(line, "participant", "unknown_participant", id=row["participant"])
        ok = False
    kind = row["kind"].lower()
    if kind not in PAYMENT_KINDS:
        rows.at(line, "kind", "bad_payment_kind", text=row["kind"], kinds=", ".join(PAYMENT_KINDS))
        ok = False
    amount = _amount(rows, line, row["amount"])
    if not ok or amount is None or day is None:
        return None
    return Payment(day, row["participant"], amount, kind, line)


def parse_payments(
    text: str, file: str, known_ids: Collection[str], problems: list[RegisterProblem]
) -> list[Payment]:
    """Every valid row, in date order."""
    rows = CsvRows(text, file, PAYMENT_COLUMNS, (), problems)
    out = [p for line, row in rows if (p := _payment(rows, line, row, known_ids)) is not None]
    return sorted(out, key=lambda p: (p.day, p.line))
