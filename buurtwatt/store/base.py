"""The store interface both stores implement, and the types it speaks.

Times are Unix seconds in UTC. Day and month buckets start at local midnight
of the site's time zone (Europe/Amsterdam: 23- and 25-hour days exist).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from buurtwatt.readings import Reading


class Resolution(StrEnum):
    RAW = "raw"
    MIN1 = "1m"
    MIN15 = "15m"
    HOUR = "1h"
    DAY = "1d"
    MONTH = "1mo"  # derived from day buckets

    @classmethod
    def parse(cls, text: str) -> Resolution:
        try:
            return cls(text)
        except ValueError:
            raise ValueError(
                f"unknown resolution {text!r}; use one of {', '.join(r.value for r in cls)}"
            ) from None


@dataclass(frozen=True, slots=True)
class Row:
    """One value of a series.

    Raw: ``value`` is the sample (``None`` marks a gap longer than the heartbeat).
    Counter at a resolution: ``value`` is the increase within the bucket and
    ``last`` the meter reading at its end. Gauge at a resolution: ``value`` is
    the mean, with ``min`` and ``max``. ``count`` is the number of samples.
    """

    ts: float
    value: float | None
    min: float | None = None
    max: float | None = None
    count: int = 1
    last: float | None = None


TimeLike = datetime | float | int


class Store(Protocol):
    site: str

    def write(self, readings: Sequence[Reading]) -> None:
        """Store a batch of readings (any order of series, time-ordered per series)."""

    def read(
        self, series: str, start: TimeLike, end: TimeLike, resolution: Resolution = Resolution.RAW
    ) -> list[Row]:
        """Rows of one series with ``start <= ts < end``, oldest first."""

    def latest(self, series: Iterable[str]) -> dict[str, Row]:
        """The newest raw value of each series that has one."""

    def series_names(self) -> list[str]:
        """Every series this site has stored, as DEVICE:QUANTITY."""

    def status(self) -> dict[str, Any]:
        """Facts for health pages: kind, size, newest point, problems."""

    def close(self) -> None: ...


class StoreNotWritable(PermissionError):
    """The store's file or folder cannot be written (read-only file, folder or disk).

    A ``PermissionError`` (an ``OSError``), so ``buurtwatt collect`` reports it and exits 2.
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(
            f"cannot write the store {path} ({reason}). The collector needs to write this file "
            f"and create {path.name}-wal and {path.name}-shm next to it: make the file and its "
            f"folder {path.parent} writable for this user, or set another store path in the config"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def to_ts(value: TimeLike) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone (times are stored in UTC)")
        return value.timestamp()
    return float(value)
