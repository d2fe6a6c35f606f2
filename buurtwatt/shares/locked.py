"""Confirmed years, frozen in files next to the register and never recomputed.

One JSON file per installation and year (``locked/<installation>-<year>.json``) holds the exact
kWh and euros per participant per month (as fractions "n/d"), and the rounded figures that were
reported. A later change to a confirmed year is posted as a correction into the next open year;
each file also records the corrections it absorbed, so none is posted twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

Pair = tuple[Fraction, Fraction]  # (kWh, EUR)


@dataclass(frozen=True)
class LockedYear:
    installation: str
    year: int
    confirmed_on: date
    precision: int
    total: dict[date, Fraction]  # per month start
    kwh: dict[str, dict[date, Fraction]]
    eur: dict[str, dict[date, Fraction]]
    share_days: dict[str, int]
    estimated_days: int
    absorbed: dict[int, dict[str, Pair]] = field(default_factory=dict)  # year -> participant -> correction
    reported: dict[str, Any] = field(default_factory=dict)

    def year_kwh(self, participant_id: str) -> Fraction:
        return sum(self.kwh.get(participant_id, {}).values(), Fraction(0))

    def year_eur(self, participant_id: str) -> Fraction:
        return sum(self.eur.get(participant_id, {}).values(), Fraction(0))

    @property
    def year_total(self) -> Fraction:
        return sum(self.total.values(), Fraction(0))


def _frac(text: str) -> Fraction:
    return Fraction(text)


def _months(values: dict[date, Fraction]) -> dict[str, str]:
    return {d.isoformat(): str(v) for d, v in sorted(values.items())}


def _read_months(raw: dict[str, str]) -> dict[date, Fraction]:
    return {date.fromisoformat(k): _frac(v) for k, v in raw.items()}


def lock_path(folder: Path, installation: str, year: int) -> Path:
    return Path(folder) / f"{installation}-{year}.json"


def to_json(locked: LockedYear) -> dict[str, Any]:
    return {
        "installation": locked.installation,
        "year": locked.year,
        "confirmed_on": locked.confirmed_on.isoformat(),
        "precision": locked.precision,
        "estimated_days": locked.estimated_days,
        "reported": locked.reported,
        "total": _months(locked.total),
        "participants": {
            pid: {
                "share_days": locked.share_days.get(pid, 0),
                "kwh": _months(locked.kwh[pid]),
                "eur": _months(locked.eur.get(pid, {})),
            }
            for pid in sorted(locked.kwh)
        },
        "absorbed": {
            str(y): {pid: [str(k), str(e)] for pid, (k, e) in sorted(c.items())}
            for y, c in sorted(locked.absorbed.items())
        },
    }


def from_json(raw: dict[str, Any]) -> LockedYear:
    people = raw["participants"]
    return LockedYear(
        raw["installation"],
        int(raw["year"]),
        date.fromisoformat(raw["confirmed_on"]),
        int(raw["precision"]),
        _read_months(raw["total"]),
        {pid: _read_months(p["kwh"]) for pid, p in people.items()},
        {pid: _read_months(p["eur"]) for pid, p in people.items()},
        {pid: int(p["share_days"]) for pid, p in people.items()},
        int(raw["estimated_days"]),
        {
            int(y): {pid: (_frac(k), _frac(e)) for pid, (k, e) in c.items()}
            for y, c in raw["absorbed"].items()
        },
        raw.get("reported", {}),
    )


def read_locked(folder: Path | None, installation: str) -> dict[int, LockedYear]:
    """Every confirmed year of an installation (empty when there is no folder yet)."""
    if folder is None or not Path(folder).is_dir():
        return {}
    out: dict[int, LockedYear] = {}
    for path in sorted(Path(folder).glob(f"{installation}-*.json")):
        stem_year = path.stem.rsplit("-", 1)[-1]
        if not stem_year.isdigit():
            continue
        try:
            locked = from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{path}: a confirmed year cannot be read ({exc}); restore it from a backup"
            ) from None
        out[locked.year] = locked
    return out


def write_locked(folder: Path, locked: LockedYear) -> Path:
    """Write a confirmed year once; refuses to overwrite (a confirmed year never changes)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = lock_path(folder, locked.installation, locked.year)
    if path.exists():
        raise FileExistsError(f"{path} exists: {locked.year} was already confirmed and is never recomputed")
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(to_json(locked), handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path
