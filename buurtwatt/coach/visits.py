"""Visits of the consultation hour, kept in a small SQLite file in the site's own store folder.

No name or address is stored: a visit has a code the household keeps on its sheet. A
household can have its visit deleted (``buurtwatt coach delete CODE`` or the button on the
coach page); the coordinator's export holds counts and totals only.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buurtwatt.coach.household import Household, MeterReading, Prices, YearUse

if TYPE_CHECKING:
    from buurtwatt.config import SiteConfig

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud at the table
STATUSES = ("done", "planned")

SCHEMA = """
CREATE TABLE IF NOT EXISTS visits (
    code TEXT PRIMARY KEY,
    coach TEXT NOT NULL,
    day TEXT NOT NULL,
    household TEXT NOT NULL,
    prices TEXT NOT NULL,
    year_use TEXT NOT NULL,
    reading TEXT,
    measures TEXT NOT NULL,
    saving TEXT NOT NULL,
    followup_due TEXT
);
CREATE TABLE IF NOT EXISTS followups (
    code TEXT NOT NULL REFERENCES visits(code) ON DELETE CASCADE,
    day TEXT NOT NULL,
    coach TEXT NOT NULL,
    reading TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS degree_days (
    month TEXT PRIMARY KEY,
    value REAL NOT NULL,
    source TEXT NOT NULL
);
"""


def coach_db_path(config: SiteConfig) -> Path:
    """``coach.sqlite`` beside the site's store (the SQLite file, or InfluxDB's outbox)."""
    store = config.store
    folder = store.path.parent if store.type == "sqlite" else store.outbox.parent
    return folder / "coach.sqlite"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normal_code(text: str) -> str:
    raw = "".join(c for c in text.upper() if c.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else text.strip().upper()


@dataclass
class Visit:
    code: str
    coach: str
    day: date
    household: Household
    prices: Prices
    year_use: YearUse
    reading: MeterReading | None  # the meters on the day of the visit, the start of a follow-up
    measures: dict[str, str]  # measure key -> "done" | "planned"
    saving: dict[str, float] = field(default_factory=dict)  # eur, kg_co2, m3, kwh of the ticked measures
    followup_due: date | None = None


@dataclass(frozen=True)
class FollowUpRecord:
    code: str
    day: date
    coach: str
    reading: MeterReading
    result: dict[str, Any]


class VisitBook:
    """The visits file. Open it for one request or one command; it is small."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def save(self, visit: Visit) -> None:
        bad = set(visit.measures.values()) - set(STATUSES)
        if bad:
            raise ValueError(f"a measure is 'done' or 'planned', not {', '.join(sorted(bad))}")
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO visits VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    visit.code,
                    visit.coach,
                    visit.day.isoformat(),
                    json.dumps(visit.household.__dict__),
                    json.dumps(visit.prices.__dict__),
                    json.dumps(visit.year_use.to_dict()),
                    json.dumps(visit.reading.to_dict()) if visit.reading else None,
                    json.dumps(visit.measures),
                    json.dumps(visit.saving),
                    visit.followup_due.isoformat() if visit.followup_due else None,
                ),
            )

    def get(self, code: str) -> Visit | None:
        row = self.db.execute("SELECT * FROM visits WHERE code = ?", (normal_code(code),)).fetchone()
        return _visit(row) if row else None

    def delete(self, code: str) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM visits WHERE code = ?", (normal_code(code),))
        return cur.rowcount > 0

    def all(self) -> list[Visit]:
        return [_visit(r) for r in self.db.execute("SELECT * FROM visits ORDER BY day, code")]

    def add_followup(self, record: FollowUpRecord) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO followups VALUES (?,?,?,?,?)",
                (
                    record.code,
                    record.day.isoformat(),
                    record.coach,
                    json.dumps(record.reading.to_dict()),
                    json.dumps(record.result),
                ),
            )
            # the follow-up is done: nothing is due any more
            self.db.execute("UPDATE visits SET followup_due = NULL WHERE code = ?", (record.code,))

    def followups(self, code: str | None = None) -> list[FollowUpRecord]:
        sql, args = "SELECT * FROM followups", ()
        if code:
            sql, args = sql + " WHERE code = ?", (normal_code(code),)
        return [
            FollowUpRecord(
                c, date.fromisoformat(d), coach, MeterReading.from_dict(json.loads(r)), json.loads(res)
            )
            for c, d, coach, r, res in self.db.execute(sql + " ORDER BY day", args)
        ]

    def planned(self) -> list[tuple[date, str, str]]:
        """(due date, code, coach) of the follow-ups still to do, soonest first."""
        return [
            (date.fromisoformat(d), c, coach)
            for d, c, coach in self.db.execute(
                "SELECT followup_due, code, coach FROM visits "
                "WHERE followup_due IS NOT NULL ORDER BY followup_due"
            )
        ]

    def per_coach(self) -> dict[str, int]:
        return dict(
            self.db.execute("SELECT coach, COUNT(*) FROM visits GROUP BY coach ORDER BY coach").fetchall()
        )

    def import_degree_days(self, rows: list[tuple[str, float, str]], default_source: str) -> int:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO degree_days VALUES (?,?,?)",
                [(m, v, s or default_source) for m, v, s in rows],
            )
        return len(rows)

    def degree_days(self) -> dict[str, float]:
        return dict(self.db.execute("SELECT month, value FROM degree_days").fetchall())


def _visit(row: tuple[Any, ...]) -> Visit:
    code, coach, day, household, prices, year_use, reading, measures, saving, due = row
    return Visit(
        code,
        coach,
        date.fromisoformat(day),
        Household(**json.loads(household)),
        Prices(**json.loads(prices)),
        YearUse(**json.loads(year_use)),
        MeterReading.from_dict(json.loads(reading)) if reading else None,
        json.loads(measures),
        json.loads(saving),
        date.fromisoformat(due) if due else None,
    )


@contextmanager
def open_book(path: Path) -> Iterator[VisitBook]:
    book = VisitBook(path)
    try:
        yield book
    finally:
        book.close()


def coordinator_export(book: VisitBook) -> dict[str, Any]:
    """Counts and total estimated savings, without personal data: no codes, no coaches, no
    household details, no meter readings."""
    visits = book.all()
    totals = {status: {"eur": 0.0, "kg_co2": 0.0, "m3": 0.0, "kwh": 0.0} for status in STATUSES}
    per_measure: dict[str, dict[str, int]] = {}
    per_month: dict[str, int] = {}
    for v in visits:
        per_month[v.day.strftime("%Y-%m")] = per_month.get(v.day.strftime("%Y-%m"), 0) + 1
        for key, status in v.measures.items():
            per_measure.setdefault(key, {s: 0 for s in STATUSES})[status] += 1
        for status in STATUSES:
            for unit in totals[status]:
                totals[status][unit] += float(v.saving.get(f"{status}_{unit}", 0.0))
    return {
        "visits": len(visits),
        "followups_done": len(book.followups()),
        "followups_planned": len(book.planned()),
        "visits_per_month": dict(sorted(per_month.items())),
        "measures": dict(sorted(per_measure.items())),
        "estimated_savings_per_year": {s: {u: round(x, 1) for u, x in t.items()} for s, t in totals.items()},
    }
