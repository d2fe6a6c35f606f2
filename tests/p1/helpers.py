"""Shared bits for the P1 tests."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from buurtwatt.readings import Reading
from collector.p1.framing import crc16

CASES = Path(__file__).parent / "cases"
EXAMPLE = CASES / "dsmr502_example" / "telegrams.txt"


def load_expected(case: Path) -> list[dict]:
    return [json.loads(line) for line in (case / "expected.jsonl").read_text().splitlines() if line]


def as_rows(readings: list[Reading]) -> list[dict]:
    out = []
    for r in readings:
        row = {"time": r.ts, "series": str(r.series), "value": r.value}
        if r.meter is not None:
            row["meter"] = r.meter
        if r.unit is not None:
            row["unit"] = r.unit
        if r.received is not None:
            row["received"] = r.received
        out.append(row)
    return out


def with_crc(body: str) -> bytes:
    """``body`` runs from '/' to '!' with CRLF; returns the telegram with a valid CRC."""
    data = body.encode("ascii")
    return data + b"%04X\r\n" % crc16(data)


def edit(telegram: bytes, old: str, new: str) -> bytes:
    """Replace text in a telegram and recompute its CRC."""
    body = telegram[: telegram.index(b"!") + 1].decode("ascii")
    assert old in body, old
    return with_crc(body.replace(old, new))


class Collected:
    """Thread-safe list of emitted readings, for running a source in a thread."""

    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self.lock = threading.Lock()

    def emit(self, readings) -> None:  # noqa: ANN001 - matches collector.source.Emit
        with self.lock:
            self.readings.extend(readings)

    def series(self, name: str) -> list[Reading]:
        with self.lock:
            return [r for r in self.readings if str(r.series) == name]
