"""holdings.csv: who holds how many shares of which installation, from when to when."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.register.csv_rows import CsvRows
from buurtwatt.shares.register.model import Holding
from buurtwatt.shares.register.problems import RegisterProblem

HOLDING_COLUMNS = ("participant_id", "installation", "shares", "start", "end")
# spreadsheets and other systems write 9999-12-31 for "no end"; one day later does not exist
# (date.max), so such a row is read as still held
NO_END_YEAR = 9999

_WHOLE = re.compile(r"^\d+$")


def _shares(rows: CsvRows, line: int, text: str) -> int | None:
    if _WHOLE.match(text) and int(text) > 0:
        return int(text)
    rows.at(line, "shares", "bad_shares", text=text)
    return None


def _period(rows: CsvRows, line: int, row: dict[str, str]) -> tuple[date, date | None] | None:
    start = rows.date_at(line, row, "start")
    end = rows.date_at(line, row, "end") if row["end"] else None
    if start is None or (row["end"] and end is None):
        return None
    if end is not None and end < start:
        rows.at(line, "end", "end_before_start", end=end, start=start)
        return None
    if end is not None and end.year >= NO_END_YEAR:
        end = None
    return start, end


def _holding(
    rows: CsvRows,
    line: int,
    row: dict[str, str],
    known_ids: Collection[str],
    installations: Mapping[str, InstallationConfig],
) -> Holding | None:
    ok = True
    pid, name = row["participant_id"], row["installation"]
    if pid not in known_ids:
        rows.at(line, "participant_id", "unknown_participant", id=pid)
        ok = False
    if name not in installations:
        if installations:
            rows.at(line, "installation", "unknown_installation", name=name, known=", ".join(installations))
        else:
            rows.at(line, "installation", "no_installations", name=name)
        ok = False
    shares = _shares(rows, line, row["shares"])
    period = _period(rows, line, row)
    if not ok or shares is None or period is None:
        return None
    return Holding(pid, name, shares, period[0], period[1], line)


def parse_holdings(
    text: str,
    file: str,
    known_ids: Collection[str],
    installations: Mapping[str, InstallationConfig],
    problems: list[RegisterProblem],
) -> list[Holding]:
    """Every valid row. A row written twice is an error on the second line, naming the first:
    read as it stands it would double that participant's shares."""
    rows = CsvRows(text, file, HOLDING_COLUMNS, (), problems)
    out: list[Holding] = []
    first_line: dict[tuple[str, str, int, date, date | None], int] = {}
    for line, row in rows:
        holding = _holding(rows, line, row, known_ids, installations)
        if holding is None:
            continue
        key = (holding.participant_id, holding.installation, holding.shares, holding.start, holding.end)
        if key in first_line:
            rows.error(line, "duplicate_row", first=first_line[key], line=line)
            continue
        first_line[key] = line
        out.append(holding)
    return out
