"""The share register: participants.csv and holdings.csv, checked as a whole.

A register with any error is refused whole (:class:`RegisterError` lists every problem
with file, line and column); warnings ride along on the loaded :class:`Register`.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from buurtwatt.shares.config import InstallationConfig

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
PARTICIPANT_OPTIONAL = ("street", "city", "supplier", "supplier_customer_number")
HOLDING_COLUMNS = ("participant_id", "installation", "shares", "start", "end")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Za-z]{2})$")
_ID = re.compile(r"^[A-Za-z0-9_\-.]+$")
_TRUE = {"true", "yes", "ja", "1", "y", "j"}
_FALSE = {"false", "no", "nee", "0", "n", ""}


@dataclass(frozen=True, slots=True)
class RegisterProblem:
    file: str
    line: int
    column: int | None
    column_name: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}"
        if self.column:
            where += f", column {self.column} ({self.column_name})"
        return f"{where}: {self.severity}: {self.message}"


class RegisterError(Exception):
    def __init__(self, problems: Sequence[RegisterProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"the share register was NOT loaded: {len(errors)} error(s); fix them all and check again"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


@dataclass(frozen=True, slots=True)
class Participant:
    participant_id: str
    name: str
    email: str
    postcode: str
    house_number: str
    ean: str
    repay_from_yield: bool
    stake_eur: Decimal
    street: str = ""
    city: str = ""
    supplier: str = ""
    supplier_customer_number: str = ""
    line: int = 0

    @property
    def pc4(self) -> str:
        return self.postcode[:4]

    @property
    def address(self) -> str:
        first = f"{self.street} {self.house_number}".strip()
        second = f"{self.postcode} {self.city}".strip()
        return ", ".join(part for part in (first, second) if part)


@dataclass(frozen=True, slots=True)
class Holding:
    """``shares`` held from ``start`` through ``end`` (local dates, both inclusive; None = still held)."""

    participant_id: str
    installation: str
    shares: int
    start: date
    end: date | None = None
    line: int = 0

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Register:
    participants: dict[str, Participant]
    holdings: tuple[Holding, ...]
    warnings: tuple[RegisterProblem, ...] = field(default=())

    def holdings_of(self, installation: str) -> list[Holding]:
        return [h for h in self.holdings if h.installation == installation]

    def shares_on(self, installation: str, day: date) -> dict[str, int]:
        held: dict[str, int] = defaultdict(int)
        for h in self.holdings:
            if h.installation == installation and h.active_on(day):
                held[h.participant_id] += h.shares
        return dict(held)


class _Rows:
    """CSV rows with their line numbers and a problem list that knows the file and columns."""

    def __init__(
        self,
        text: str,
        file: str,
        required: Sequence[str],
        optional: Sequence[str],
        problems: list[RegisterProblem],
    ) -> None:
        self.file, self.problems = file, problems
        text = text.lstrip("\ufeff")
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        self.reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = next(self.reader, None)
        self.columns: list[str] = [c.strip().lower() for c in header] if header else []
        self.ok = bool(header)
        if not header:
            self.error(
                1, None, "the file is empty; the first line must name the columns: " + ",".join(required)
            )
            return
        for name in required:
            if name not in self.columns:
                self.error(
                    1,
                    None,
                    f"column {name!r} is missing; the first line must name the columns " + ",".join(required),
                )
                self.ok = False
        for index, name in enumerate(self.columns, start=1):
            if name not in required and name not in optional:
                self.error(
                    1,
                    index,
                    f"unknown column {name!r} (a typo?); allowed are " + ", ".join((*required, *optional)),
                    column_name=name,
                )
                self.ok = False
        if len(set(self.columns)) != len(self.columns):
            self.error(1, None, "a column name appears twice")
            self.ok = False

    def error(
        self,
        line: int,
        column: int | None,
        message: str,
        severity: str = "error",
        column_name: str | None = None,
    ) -> None:
        self.problems.append(RegisterProblem(self.file, line, column, column_name, message, severity))

    def at(self, line: int, name: str, message: str, severity: str = "error") -> None:
        self.error(line, self.columns.index(name) + 1, message, severity, name)

    def __iter__(self) -> Iterable[tuple[int, dict[str, str]]]:
        if not self.ok:
            return
        for values in self.reader:
            line = self.reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(self.columns):
                self.error(
                    line,
                    None,
                    f"{len(values)} values but {len(self.columns)} columns (a missing or extra comma?)",
                )
                continue
            yield line, {name: value.strip() for name, value in zip(self.columns, values, strict=True)}


def _parse_date(rows: _Rows, line: int, row: dict[str, str], name: str) -> date | None:
    text = row[name]
    if not _DATE.match(text):
        rows.at(line, name, f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-03-01")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        rows.at(line, name, f"{text!r} is not a real date")
        return None


def _parse_participants(text: str, file: str, problems: list[RegisterProblem]) -> dict[str, Participant]:
    rows = _Rows(text, file, PARTICIPANT_COLUMNS, PARTICIPANT_OPTIONAL, problems)
    out: dict[str, Participant] = {}
    for line, row in rows:
        ok = True
        pid = row["participant_id"]
        if not _ID.match(pid):
            rows.at(line, "participant_id", f"{pid!r} is not a valid id (letters, digits, '-', '_' or '.')")
            ok = False
        elif pid in out:
            rows.at(line, "participant_id", f"duplicate id {pid!r}; it is also on line {out[pid].line}")
            ok = False
        if not row["name"]:
            rows.at(line, "name", "the name is empty")
            ok = False
        match = _POSTCODE.match(row["postcode"])
        if not match:
            rows.at(line, "postcode", f"{row['postcode']!r} is not a Dutch postcode like 2532 AB")
            ok = False
        if not row["house_number"]:
            rows.at(line, "house_number", "the house number is empty")
            ok = False
        ean = row["ean"]
        if ean and not re.match(r"^\d{18}$", ean):
            rows.at(line, "ean", f"{ean!r} is not an EAN code (18 digits)")
            ok = False
        flag = row["repay_from_yield"].lower()
        if flag not in _TRUE | _FALSE:
            rows.at(line, "repay_from_yield", f"{row['repay_from_yield']!r} is not true or false")
            ok = False
        stake = Decimal(0)
        stake_text = row["stake_eur"]
        if stake_text:
            try:
                stake = Decimal(stake_text)
                if not stake.is_finite() or stake < 0:
                    raise InvalidOperation
            except InvalidOperation:
                hint = " (use a dot for decimals: 1250.00)" if "," in stake_text else ""
                rows.at(line, "stake_eur", f"{stake_text!r} is not an amount in euros{hint}")
                ok = False
        if ok and flag in _TRUE and stake == 0:
            rows.at(line, "stake_eur", "repay_from_yield is true but stake_eur is 0; give the stake to repay")
            ok = False
        if not ok or match is None:
            continue
        out[pid] = Participant(
            participant_id=pid,
            name=row["name"],
            email=row["email"],
            postcode=f"{match.group(1)} {match.group(2).upper()}",
            house_number=row["house_number"],
            ean=ean,
            repay_from_yield=flag in _TRUE,
            stake_eur=stake,
            street=row.get("street", ""),
            city=row.get("city", ""),
            supplier=row.get("supplier", ""),
            supplier_customer_number=row.get("supplier_customer_number", ""),
            line=line,
        )
    return out


def _parse_holdings(
    text: str,
    file: str,
    participants: dict[str, Participant],
    known_ids: set[str],
    installations: dict[str, InstallationConfig],
    problems: list[RegisterProblem],
) -> list[Holding]:
    rows = _Rows(text, file, HOLDING_COLUMNS, (), problems)
    out: list[Holding] = []
    for line, row in rows:
        ok = True
        pid = row["participant_id"]
        if pid not in known_ids:
            rows.at(
                line, "participant_id", f"unknown participant {pid!r}; add them to participants.csv first"
            )
            ok = False
        name = row["installation"]
        if name not in installations:
            known = ", ".join(installations) or "none configured"
            rows.at(line, "installation", f"unknown installation {name!r}; the config has: {known}")
            ok = False
        shares_text = row["shares"]
        shares = 0
        if not re.match(r"^\d+$", shares_text) or int(shares_text) == 0:
            rows.at(line, "shares", f"{shares_text!r} is not a whole number of shares above 0")
            ok = False
        else:
            shares = int(shares_text)
        start = _parse_date(rows, line, row, "start")
        end = _parse_date(rows, line, row, "end") if row["end"] else None
        if start is None or (row["end"] and end is None):
            ok = False
        elif end is not None and end < start:
            rows.at(line, "end", f"end {end} is before start {start}")
            ok = False
        if ok and start is not None:
            out.append(Holding(pid, name, shares, start, end, line))
    return out


def _check_issued(
    holdings: list[Holding],
    installations: dict[str, InstallationConfig],
    file: str,
    problems: list[RegisterProblem],
) -> None:
    """Find days on which an installation's holdings add up to more than the shares issued."""
    by_installation: dict[str, list[Holding]] = defaultdict(list)
    for h in holdings:
        by_installation[h.installation].append(h)
    for name, group in by_installation.items():
        issued = installations[name].shares_issued
        changes: dict[date, list[Holding]] = defaultdict(list)
        for h in group:
            changes[h.start].append(h)
            if h.end is not None:
                changes[h.end + timedelta(days=1)].append(h)
        active: dict[int, Holding] = {}
        over = False
        reported = 0
        for day in sorted(changes):
            for h in changes[day]:
                if h.start == day:
                    active[h.line] = h
                else:
                    active.pop(h.line, None)
            total = sum(h.shares for h in active.values())
            if total > issued and not over and reported < 5:
                culprit = max(
                    (h for h in active.values() if h.start == day),
                    key=lambda h: h.line,
                    default=max(active.values(), key=lambda h: h.line),
                )
                lines = ", ".join(str(n) for n in sorted(active))
                problems.append(
                    RegisterProblem(
                        file,
                        culprit.line,
                        3,
                        "shares",
                        f"from {day} the holdings of installation {name!r} add up to {total} shares, "
                        f"more than the {issued} issued (rows active that day: lines {lines})",
                    )
                )
                reported += 1
            over = total > issued


def _check_rose(
    participants: dict[str, Participant],
    holdings: list[Holding],
    installations: dict[str, InstallationConfig],
    file: str,
    problems: list[RegisterProblem],
) -> None:
    seen: set[tuple[str, str]] = set()
    column = PARTICIPANT_COLUMNS.index("postcode") + 1
    for h in holdings:
        p = participants.get(h.participant_id)
        inst = installations[h.installation]
        if p is None or (p.participant_id, inst.name) in seen or p.pc4 in inst.rose_pc4:
            continue
        seen.add((p.participant_id, inst.name))
        rose = ", ".join(sorted(inst.rose_pc4))
        if inst.scheme == "postcoderoos":
            problems.append(
                RegisterProblem(
                    file,
                    p.line,
                    column,
                    "postcode",
                    f"{p.postcode} of {p.participant_id} is outside the postcode rose of "
                    f"{inst.name!r} ({rose}); postcoderoos members must live in the rose",
                )
            )
        else:
            problems.append(
                RegisterProblem(
                    file,
                    p.line,
                    column,
                    "postcode",
                    f"{p.postcode} of {p.participant_id} is outside the rose of {inst.name!r} ({rose}); "
                    "fine if they moved after joining, but a new SCE member must live in the rose",
                    "warning",
                )
            )


def parse_register(
    participants_text: str,
    holdings_text: str,
    installations: Sequence[InstallationConfig],
    participants_file: str = "participants.csv",
    holdings_file: str = "holdings.csv",
) -> Register:
    """Check both files together; raise :class:`RegisterError` if anything is wrong."""
    problems: list[RegisterProblem] = []
    by_name = {i.name: i for i in installations}
    participants = _parse_participants(participants_text, participants_file, problems)
    known_ids = set(participants)
    # ids on rejected participant lines still count as known, so one typo gives one error, not many
    known_ids |= {p_id for p_id in _all_ids(participants_text)}
    holdings = _parse_holdings(holdings_text, holdings_file, participants, known_ids, by_name, problems)
    _check_issued(holdings, by_name, holdings_file, problems)
    _check_rose(participants, holdings, by_name, participants_file, problems)
    if any(p.severity == "error" for p in problems):
        raise RegisterError(problems)
    holdings.sort(key=lambda h: (h.installation, h.start, h.participant_id, h.line))
    return Register(participants, tuple(holdings), tuple(problems))


def _all_ids(text: str) -> set[str]:
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","))
    if not rows:
        return set()
    header = [c.strip().lower() for c in rows[0]]
    if "participant_id" not in header:
        return set()
    index = header.index("participant_id")
    return {r[index].strip() for r in rows[1:] if len(r) > index and r[index].strip()}


def load_register(
    participants: Path, holdings: Path, installations: Sequence[InstallationConfig]
) -> Register:
    """Read both register files (UTF-8, optional BOM) and check them."""
    texts = []
    for path in (participants, holdings):
        try:
            texts.append(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RegisterError(
                [RegisterProblem(str(path), 0, None, None, f"cannot read the file: {exc.strerror}")]
            ) from None
        except UnicodeDecodeError:
            raise RegisterError(
                [
                    RegisterProblem(
                        str(path), 0, None, None, "the file is not UTF-8 text; save it as CSV UTF-8"
                    )
                ]
            ) from None
    return parse_register(texts[0], texts[1], installations, str(participants), str(holdings))
