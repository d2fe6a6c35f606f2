"""Checks over both files together: never more shares held than issued, members in the rose."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.register.model import Holding, Participant
from buurtwatt.shares.register.participants import POSTCODE_COLUMN
from buurtwatt.shares.register.problems import WARNING, RegisterProblem

SHARES_COLUMN = 3
MAX_REPORTS = 5  # per installation: the first days over the limit say enough


def _changes(group: list[Holding]) -> dict[date, list[Holding]]:
    """The days on which rows start or stop counting (the day after their end)."""
    changes: dict[date, list[Holding]] = defaultdict(list)
    for h in group:
        changes[h.start].append(h)
        if h.end is not None:
            changes[h.end + timedelta(days=1)].append(h)
    return changes


def _over_issued(name: str, issued: int, group: list[Holding], file: str) -> list[RegisterProblem]:
    changes = _changes(group)
    active: dict[int, Holding] = {}
    over = False
    found: list[RegisterProblem] = []
    for day in sorted(changes):
        for h in changes[day]:
            if h.start == day:
                active[h.line] = h
            else:
                active.pop(h.line, None)
        total = sum(h.shares for h in active.values())
        if total > issued and not over and len(found) < MAX_REPORTS:
            culprit = max(
                (h for h in active.values() if h.start == day),
                key=lambda h: h.line,
                default=max(active.values(), key=lambda h: h.line),
            )
            lines = ", ".join(str(n) for n in sorted(active))
            found.append(
                RegisterProblem.of(
                    file,
                    culprit.line,
                    "over_issued",
                    SHARES_COLUMN,
                    "shares",
                    day=day,
                    name=name,
                    total=total,
                    issued=issued,
                    lines=lines,
                )
            )
        over = total > issued
    return found


def check_issued(
    holdings: list[Holding], installations: Mapping[str, InstallationConfig], file: str
) -> list[RegisterProblem]:
    """Days on which an installation's holdings add up to more than the shares issued."""
    by_installation: dict[str, list[Holding]] = defaultdict(list)
    for h in holdings:
        by_installation[h.installation].append(h)
    found: list[RegisterProblem] = []
    for name, group in by_installation.items():
        found += _over_issued(name, installations[name].shares_issued, group, file)
    return found


def check_rose(
    participants: Mapping[str, Participant],
    holdings: list[Holding],
    installations: Mapping[str, InstallationConfig],
    file: str,
) -> list[RegisterProblem]:
    """Members outside the postcode rose: an error for postcoderoos, a warning for SCE
    (moving out after joining is allowed there)."""
    seen: set[tuple[str, str]] = set()
    found: list[RegisterProblem] = []
    for h in holdings:
        p = participants.get(h.participant_id)
        inst = installations[h.installation]
        if p is None or (p.participant_id, inst.name) in seen or p.pc4 in inst.rose_pc4:
            continue
        seen.add((p.participant_id, inst.name))
        pcr = inst.scheme == "postcoderoos"
        found.append(
            RegisterProblem.of(
                file,
                p.line,
                "outside_rose" if pcr else "outside_rose_sce",
                POSTCODE_COLUMN,
                "postcode",
                severity="error" if pcr else WARNING,
                postcode=p.postcode,
                id=p.participant_id,
                name=inst.name,
                rose=", ".join(sorted(inst.rose_pc4)),
            )
        )
    return found
