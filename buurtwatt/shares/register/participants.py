"""participants.csv: one row per participant, checked field by field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from buurtwatt.shares.register.csv_rows import CsvRows
from buurtwatt.shares.register.model import Participant
from buurtwatt.shares.register.problems import RegisterProblem

PARTICIPANT_COLUMNS = (
    "participant_id",
    "name",
    "email",
    "postcode",
    "house_number",
    "ean",
    "repay_from_yield",
    "stake_eur",
)
PARTICIPANT_OPTIONAL = (
    "street",
    "city",
    "supplier",
    "supplier_customer_number",
    "consumption_kwh",  # own yearly use: limits a postcoderoos discount
    "organisation",  # true for the building's own organisation
)
POSTCODE_COLUMN = PARTICIPANT_COLUMNS.index("postcode") + 1

_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Za-z]{2})$")
_ID = re.compile(r"^[A-Za-z0-9_\-.]+$")
_EAN = re.compile(r"^\d{18}$")
_TRUE = {"true", "yes", "ja", "1", "y", "j"}
_FALSE = {"false", "no", "nee", "0", "n", ""}


@dataclass(frozen=True)
class ParsedParticipants:
    valid: dict[str, Participant]
    # every id written in the file, refused lines included: a holding of a participant whose own
    # line has a typo gets no second error
    all_ids: frozenset[str]


def _stake(rows: CsvRows, line: int, text: str) -> Decimal | None:
    if not text:
        return Decimal(0)
    try:
        stake = Decimal(text)
        if stake.is_finite() and stake >= 0:
            return stake
    except InvalidOperation:
        pass
    rows.at(line, "stake_eur", "not_an_amount_comma" if "," in text else "not_an_amount", text=text)
    return None


def _consumption(rows: CsvRows, line: int, text: str) -> tuple[bool, Decimal | None]:
    """(fine?, yearly kWh or None when left empty)."""
    if not text:
        return True, None
    try:
        value = Decimal(text)
        if value.is_finite() and value >= 0:
            return True, value
    except InvalidOperation:
        pass
    rows.at(line, "consumption_kwh", "bad_consumption", text=text)
    return False, None


def _flag(rows: CsvRows, line: int, row: dict[str, str], name: str) -> bool | None:
    text = row.get(name, "").lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    rows.at(line, name, "bad_flag", text=row[name])
    return None


def _identity(
    rows: CsvRows, line: int, row: dict[str, str], seen: dict[str, Participant]
) -> tuple[bool, re.Match[str] | None]:
    """Id, name, postcode, house number and EAN: all fine?, and the postcode's parts."""
    ok = True
    pid = row["participant_id"]
    if not _ID.match(pid):
        rows.at(line, "participant_id", "bad_id", id=pid)
        ok = False
    elif pid in seen:
        rows.at(line, "participant_id", "duplicate_id", id=pid, first=seen[pid].line)
        ok = False
    if not row["name"]:
        rows.at(line, "name", "empty_name")
        ok = False
    postcode = _POSTCODE.match(row["postcode"])
    if not postcode:
        rows.at(line, "postcode", "bad_postcode", text=row["postcode"])
    if not row["house_number"]:
        rows.at(line, "house_number", "empty_house_number")
        ok = False
    if row["ean"] and not _EAN.match(row["ean"]):
        rows.at(line, "ean", "bad_ean", text=row["ean"])
        ok = False
    return ok and postcode is not None, postcode


def _participant(
    rows: CsvRows, line: int, row: dict[str, str], seen: dict[str, Participant]
) -> Participant | None:
    ok, postcode = _identity(rows, line, row, seen)
    repay, organisation = _flag(rows, line, row, "repay_from_yield"), _flag(rows, line, row, "organisation")
    use_ok, consumption = _consumption(rows, line, row.get("consumption_kwh", ""))
    stake = _stake(rows, line, row["stake_eur"])
    if not ok or postcode is None or stake is None or repay is None or organisation is None or not use_ok:
        return None
    if repay and stake == 0:
        rows.at(line, "stake_eur", "stake_missing")
        return None
    return Participant(
        participant_id=row["participant_id"],
        name=row["name"],
        email=row["email"],
        postcode=f"{postcode.group(1)} {postcode.group(2).upper()}",
        house_number=row["house_number"],
        ean=row["ean"],
        repay_from_yield=repay,
        stake_eur=stake,
        street=row.get("street", ""),
        city=row.get("city", ""),
        supplier=row.get("supplier", ""),
        supplier_customer_number=row.get("supplier_customer_number", ""),
        line=line,
        consumption_kwh=consumption,
        organisation=organisation,
    )


def parse_participants(text: str, file: str, problems: list[RegisterProblem]) -> ParsedParticipants:
    rows = CsvRows(text, file, PARTICIPANT_COLUMNS, PARTICIPANT_OPTIONAL, problems)
    valid: dict[str, Participant] = {}
    ids: set[str] = set()
    for line, row in rows:
        if row["participant_id"]:
            ids.add(row["participant_id"])
        person = _participant(rows, line, row, valid)
        if person is None:
            continue
        first = next((p for p in valid.values() if p.organisation), None)
        if person.organisation and first is not None:
            rows.at(line, "organisation", "organisation_twice", id=person.participant_id, first=first.line)
            continue
        valid[person.participant_id] = person
    if "participant_id" in rows.columns:  # ids on lines that could not be read at all
        index = rows.columns.index("participant_id")
        unread = rows.miscounted if rows.ok else list(rows.reader)
        ids |= {v[index].strip() for v in unread if len(v) > index and v[index].strip()}
    return ParsedParticipants(valid, frozenset(ids))
