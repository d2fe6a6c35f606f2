"""The embedded store: one SQLite file in WAL mode, one writer process, many readers.

Raw points live in a keyed ``WITHOUT ROWID`` table and are kept for a limited time
(``raw_retention_days``); rollups at 1 min are kept for ``minute_retention_days`` (about
13 months), those at 15 min, 1 h and 1 day forever. Counter increases, rollups and the raw
filter come from :mod:`buurtwatt.store.rollup`, the file's series state, rollup tables, WAL
upkeep and recovery after a failed write from :mod:`buurtwatt.store.sqlite_db`; this module
adds the raw table and the reads.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from itertools import starmap
from pathlib import Path
from typing import Any

from buurtwatt.readings import Reading
from buurtwatt.series import Series
from buurtwatt.store.base import Resolution, Row, TimeLike, to_ts
from buurtwatt.store.registry import register_backend
from buurtwatt.store.rollup import Batch
from buurtwatt.store.shape import Bucket, mark_gaps, months_from_days
from buurtwatt.store.sqlite_db import MINUTE_RETENTION_DAYS, TABLE, RollupDb
from buurtwatt.timeutil import AMSTERDAM
from buurtwatt.vocabulary import QUANTITIES, Quantity, Rollup, UnknownSeries

# Raw cadence used when the config does not say: per-phase values every 10 s keep a day of
# 1-second DSMR 5 telegrams well under 10 MB while power and totals stay at full resolution.
DEFAULT_CADENCE: dict[str, float] = {
    **{f"{k}_l{p}_{u}": 10.0 for p in (1, 2, 3) for k, u in (("voltage", "v"), ("current", "a"))},
    **{f"{k}_l{p}_w": 10.0 for p in (1, 2, 3) for k in ("import", "export")},
}

RAW_SCHEMA = """
CREATE TABLE IF NOT EXISTS raw(
    sid INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY(sid, ts)) WITHOUT ROWID;
"""

__all__ = ["DEFAULT_CADENCE", "TABLE", "SqliteStore"]


class SqliteStore:
    """See the module docstring. Not for use by two writer processes at once."""

    kind = "sqlite"

    def __init__(
        self,
        path: Path | str,
        site: str = "default",
        tz: str = AMSTERDAM,
        heartbeat_s: float = 60.0,
        cadence: dict[str, float] | None = None,
        raw_retention_days: float = 35,
        readonly: bool = False,
        minute_retention_days: float = MINUTE_RETENTION_DAYS,
        **upkeep: float,
    ) -> None:
        self.path = Path(path)
        self.site = site
        self.tz = tz
        self.heartbeat = heartbeat_s
        self.cadence = {**DEFAULT_CADENCE, **(cadence or {})}
        self.retention_s = raw_retention_days * 86400
        self.readonly = readonly
        self.raw_replaced = 0  # raw points replaced by a later one in the same millisecond
        self.counter_backwards = 0
        self.db = RollupDb(
            self.path,
            site=site,
            tz=tz,
            heartbeat_s=heartbeat_s,
            cadence=self.cadence,
            readonly=readonly,
            schema=RAW_SCHEMA,
            minute_retention_days=minute_retention_days,
            **upkeep,
        )
        self.db.maintenance_hooks.append(lambda con, now: self.prune_raw(now))

    def _con(self) -> sqlite3.Connection:
        return self.db.con()

    # --- writing -----------------------------------------------------------------------
    def write(self, readings: Sequence[Reading]) -> Batch:
        """Store a batch in one transaction. Readings not newer than a series' newest are ignored."""
        batch = self.db.write(readings, self._store_raw)
        self.raw_replaced += batch.raw_replaced
        self.counter_backwards += batch.backwards
        return batch

    @staticmethod
    def _store_raw(con: sqlite3.Connection, batch: Batch) -> None:
        if batch.raw:
            # OR REPLACE: a later point in the same millisecond wins (counted in raw_replaced)
            con.executemany("INSERT OR REPLACE INTO raw(sid, ts, value) VALUES (?,?,?)", batch.raw)

    def prune_raw(self, now: float | None = None) -> int:
        """Delete raw points older than the retention period; rollups stay."""
        cutoff = int(((now or time.time()) - self.retention_s) * 1000)
        con = self._con()
        return sum(
            con.execute("DELETE FROM raw WHERE sid=? AND ts<?", (s.key, cutoff)).rowcount
            for s in list(self.db.rollups.states.values())
        )

    def prune_minutes(self, now: float | None = None) -> int:
        """Delete one-minute rollups past their retention; coarser levels stay."""
        return self.db.prune_minutes(now)

    def checkpoint(self) -> None:
        self._con().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- reading -----------------------------------------------------------------------
    def _sid(self, series: str) -> tuple[int, Quantity] | None:
        q = QUANTITIES.get(Series.parse(series).quantity)
        if q is None:
            raise UnknownSeries(f"unknown series {series!r}")
        row = (
            self._con()
            .execute("SELECT id FROM series WHERE site=? AND name=?", (self.site, str(series)))
            .fetchone()
        )
        return (row[0], q) if row else None

    def read(
        self, series: str, start: TimeLike, end: TimeLike, resolution: Resolution = Resolution.RAW
    ) -> list[Row]:
        found = self._sid(series)
        if found is None:
            return []
        sid, q = found
        t0, t1 = to_ts(start), to_ts(end)
        con = self._con()
        if resolution is Resolution.RAW:
            pts = con.execute(
                "SELECT ts / 1000.0, value FROM raw WHERE sid=? AND ts>=? AND ts<? ORDER BY ts",
                (sid, int(t0 * 1000), int(t1 * 1000)),
            ).fetchall()
            return mark_gaps(pts, self.heartbeat + self.cadence.get(q.name, 0.0))
        table = TABLE["1d" if resolution is Resolution.MONTH else resolution.value]
        args = (sid, t0, t1)
        if resolution is Resolution.MONTH:
            buckets: list[Bucket] = con.execute(
                f"SELECT ts, n, sum, vmin, vmax, first, last, inc FROM {table} "
                "WHERE sid=? AND ts>=? AND ts<? ORDER BY ts",
                args,
            ).fetchall()
            return months_from_days(q, buckets, self.tz)
        # the row's value is computed by SQLite: the same rule as shape.bucket_row, without a Python pass
        if q.is_counter:
            sql = f"SELECT ts, coalesce(inc, 0.0), NULL, NULL, n, last FROM {table} "
        elif q.rollup is Rollup.LAST:
            sql = f"SELECT ts, last, vmin, vmax, n, last FROM {table} "
        else:
            sql = f"SELECT ts, sum / n, vmin, vmax, n, last FROM {table} "
        cursor = con.execute(sql + "WHERE sid=? AND ts>=? AND ts<? ORDER BY ts", args)
        return list(starmap(Row, cursor))

    def latest(self, series: Iterable[str]) -> dict[str, Row]:
        names = list(series)
        if not names:
            return {}
        marks = ",".join("?" * len(names))
        rows = self._con().execute(
            f"SELECT name, last_ts, last_value FROM series WHERE site=? AND name IN ({marks}) "
            "AND last_ts IS NOT NULL",
            (self.site, *names),
        )
        return {name: Row(ts, v, v, v, 1, v) for name, ts, v in rows}

    def series_names(self) -> list[str]:
        return [
            r[0]
            for r in self._con().execute("SELECT name FROM series WHERE site=? ORDER BY name", (self.site,))
        ]

    def sites(self) -> list[str]:
        return [r[0] for r in self._con().execute("SELECT DISTINCT site FROM series ORDER BY site")]

    def status(self) -> dict[str, Any]:
        con = self._con()
        newest = con.execute("SELECT max(last_ts) FROM series WHERE site=?", (self.site,)).fetchone()[0]
        return {
            "kind": self.kind,
            "site": self.site,
            **self.db.status(),
            "series": len(self.series_names()),
            "newest": newest,
            "raw_replaced": self.raw_replaced,
            "counter_backwards": self.counter_backwards,
            "ok": True,
        }

    def close(self) -> None:
        self.db.close()


def open_sqlite(config: Any, site: str, tz: str, readonly: bool) -> SqliteStore:
    """The opener the registry calls with the store section of the config."""
    return SqliteStore(
        config.path,
        site=site,
        tz=tz,
        heartbeat_s=config.heartbeat_s,
        cadence=config.cadence,
        raw_retention_days=config.raw_retention_days,
        minute_retention_days=config.minute_retention_days,
        readonly=readonly,
    )


register_backend("sqlite", open_sqlite, "the embedded store: one SQLite file (the default)")
