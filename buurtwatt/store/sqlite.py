"""The embedded store: one SQLite file in WAL mode, one writer process, many readers.

Raw points live in a keyed ``WITHOUT ROWID`` table and are kept for a limited
time; rollups at 1 min, 15 min, 1 h and 1 day are kept forever. The writer
updates the rollups from every sample as it arrives (an upsert per touched
bucket, never a rescan). Only then does it filter raw points: a raw point is
kept when its value changed or a heartbeat passed, and no sooner than the
quantity's cadence, so the rollups stay exact while raw data stays small.

Counters are turned into increases here, once: a new meter serial or a value
that drops restarts the counter without a step.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import starmap
from pathlib import Path
from typing import Any

from buurtwatt.readings import Reading
from buurtwatt.store.base import Resolution, Row, TimeLike, to_ts
from buurtwatt.store.shape import Bucket, mark_gaps, months_from_days
from buurtwatt.timeutil import AMSTERDAM, day_start
from buurtwatt.vocabulary import QUANTITIES, Quantity, Rollup, UnknownSeries

log = logging.getLogger(__name__)
isfinite = math.isfinite

# bucket widths in seconds; the day is local, so it is computed per hour bucket
ROLLUPS: tuple[tuple[str, int], ...] = (("1m", 60), ("15m", 900), ("1h", 3600), ("1d", 0))
TABLE = {"1m": "roll_1m", "15m": "roll_15m", "1h": "roll_1h", "1d": "roll_1d"}

# Raw cadence used when the config does not say: per-phase values every 10 s keep a day of
# 1-second DSMR 5 telegrams well under 10 MB while power and totals stay at full resolution.
DEFAULT_CADENCE: dict[str, float] = {
    **{f"{k}_l{p}_{u}": 10.0 for p in (1, 2, 3) for k, u in (("voltage", "v"), ("current", "a"))},
    **{f"{k}_l{p}_w": 10.0 for p in (1, 2, 3) for k in ("import", "export")},
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series(
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    name TEXT NOT NULL,
    last_ts REAL, last_value REAL, last_meter TEXT,
    stored_ts REAL, stored_value REAL,
    UNIQUE(site, name));
CREATE TABLE IF NOT EXISTS raw(
    sid INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY(sid, ts)) WITHOUT ROWID;
"""
ROLLUP_SCHEMA = """
CREATE TABLE IF NOT EXISTS {t}(
    sid INTEGER NOT NULL, ts INTEGER NOT NULL, n INTEGER NOT NULL,
    sum REAL, vmin REAL, vmax REAL, first REAL, last REAL, inc REAL,
    PRIMARY KEY(sid, ts)) WITHOUT ROWID;
"""
UPSERT = """
INSERT INTO {t}(sid, ts, n, sum, vmin, vmax, first, last, inc) VALUES (?,?,?,?,?,?,?,?,?)
ON CONFLICT(sid, ts) DO UPDATE SET
    n = n + excluded.n,
    sum = sum + excluded.sum,
    vmin = min(vmin, excluded.vmin),
    vmax = max(vmax, excluded.vmax),
    last = excluded.last,
    inc = inc + excluded.inc
"""


@dataclass(slots=True)
class _Series:
    """What the writer remembers of a series between batches."""

    id: int
    quantity: Quantity
    last_ts: float | None
    last_value: float | None
    last_meter: str | None
    stored_ts: float | None
    stored_value: float | None
    cadence: float
    dirty: bool = False


@dataclass
class WriteResult:
    accepted: int = 0
    raw_stored: int = 0
    duplicates: int = 0  # same or older time than the series' newest: ignored (a resend)
    rejected: int = 0  # unknown quantity or not a finite number
    touched: dict[str, set[tuple[int, int]]] | None = None  # rollup table -> {(sid, ts)}
    raw_rows: list[tuple[int, int, float]] | None = None  # (sid, ts in ms, value), when tracked


AfterWrite = Callable[[sqlite3.Connection, WriteResult], None]


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
        track_touched: bool = False,
        after_write: AfterWrite | None = None,
    ) -> None:
        self.path = Path(path)
        self.site = site
        self.tz = tz
        self.heartbeat = heartbeat_s
        self.cadence = {**DEFAULT_CADENCE, **(cadence or {})}
        self.retention_s = raw_retention_days * 86400
        self.readonly = readonly
        # a remote store's outbox hooks in here, so outbox and rollups commit together
        self.track_touched = track_touched or after_write is not None
        self.after_write = after_write
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._series: dict[str, _Series] = {}
        self._day_cache: dict[int, int] = {}
        self._last_maintenance = 0.0
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = self._con()
            with con:
                con.executescript(SCHEMA + "".join(ROLLUP_SCHEMA.format(t=t) for t in TABLE.values()))
            self._load_series()

    # --- connections -------------------------------------------------------------------
    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            if self.readonly and not self.path.exists():
                raise FileNotFoundError(f"no store at {self.path}: start the collector first")
            con = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA busy_timeout=10000")
            con.execute(f"PRAGMA journal_size_limit={64 * 1024 * 1024}")
            con.execute("PRAGMA cache_size=-16000")
            if self.readonly:
                con.execute("PRAGMA query_only=1")
            self._local.con = con
        return con

    def _load_series(self) -> None:
        rows = self._con().execute(
            "SELECT id, name, last_ts, last_value, last_meter, stored_ts, stored_value "
            "FROM series WHERE site=?",
            (self.site,),
        )
        for sid, name, lts, lv, lm, sts, sv in rows:
            q = QUANTITIES.get(name.partition(":")[2])
            if q:
                self._series[name] = _Series(sid, q, lts, lv, lm, sts, sv, self.cadence.get(q.name, 0.0))

    def _series_for(self, con: sqlite3.Connection, name: str) -> _Series | None:
        s = self._series.get(name)
        if s is not None:
            return s
        device, sep, qname = name.partition(":")
        q = QUANTITIES.get(qname)
        if not sep or not device or q is None:
            return None
        con.execute("INSERT OR IGNORE INTO series(site, name) VALUES (?, ?)", (self.site, name))
        sid = con.execute("SELECT id FROM series WHERE site=? AND name=?", (self.site, name)).fetchone()[0]
        s = _Series(sid, q, None, None, None, None, None, self.cadence.get(q.name, 0.0))
        self._series[name] = s
        return s

    def _day_of_hour(self, hour_ts: int) -> int:
        day = self._day_cache.get(hour_ts)
        if day is None:
            day = self._day_cache[hour_ts] = int(day_start(hour_ts, self.tz))
        return day

    # --- writing -----------------------------------------------------------------------
    def write(self, readings: Sequence[Reading]) -> WriteResult:
        """Store a batch in one transaction. Readings not newer than a series' newest are ignored."""
        if self.readonly:
            raise PermissionError("this store was opened read-only")
        result = WriteResult()
        grouped: dict[tuple[str, str], list[Reading]] = {}
        for r in readings:  # a tuple key is cheaper than building "device:quantity" per reading
            key = (r.device, r.quantity)
            group = grouped.get(key)
            if group is None:
                grouped[key] = [r]
            else:
                group.append(r)
        by_series = {f"{d}:{q}": group for (d, q), group in grouped.items()}
        with self._write_lock:
            con = self._con()
            con.execute("BEGIN IMMEDIATE")
            try:
                self._write_locked(con, by_series, result)
                if self.after_write is not None:
                    self.after_write(con, result)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:  # SQLite already rolled back after SQLITE_FULL and I/O errors
                    con.execute("ROLLBACK")
                self._series.clear()  # state may be ahead of the database now
                self._load_series()
                raise
            self._maybe_maintain(con)
        return result

    def _write_locked(
        self, con: sqlite3.Connection, by_series: dict[str, list[Reading]], result: WriteResult
    ) -> None:
        raw_rows: list[tuple[int, int, float]] = []
        # partial aggregates per 1-minute bucket: key (sid, ts) -> [n, sum, min, max, first, last, inc]
        minute: dict[tuple[int, int], list] = {}
        heartbeat = self.heartbeat
        for name, points in by_series.items():
            s = self._series_for(con, name)
            if s is None:
                result.rejected += len(points)
                continue
            if len(points) > 1 and any(points[i].ts > points[i + 1].ts for i in range(len(points) - 1)):
                points.sort(key=lambda r: r.ts)
            counter = s.quantity.is_counter
            sid, cadence = s.id, s.cadence
            last_ts, last_value, last_meter = s.last_ts, s.last_value, s.last_meter
            stored_ts, stored_value = s.stored_ts, s.stored_value
            accepted = 0
            bucket_ts, b = None, None  # the 1-minute bucket being filled; points are in time order
            for r in points:
                ts, v = r.ts, r.value
                if not isfinite(v):
                    result.rejected += 1
                    continue
                if last_ts is not None and ts <= last_ts:
                    result.duplicates += 1
                    continue
                restarted = False
                if counter:
                    meter = r.meter or last_meter
                    if last_value is None:
                        inc = 0.0
                    elif meter != last_meter or v < last_value or r.restart:
                        inc, restarted = 0.0, True  # a new meter: no step, never negative
                    else:
                        inc = v - last_value
                    last_meter = meter
                mts = int(ts // 60) * 60
                if mts != bucket_ts:
                    bucket_ts = mts
                    b = minute.get((sid, mts))
                    if b is None:  # [n, sum, min, max, first, last, inc]
                        b = minute[(sid, mts)] = [
                            0,
                            None if counter else 0.0,
                            v,
                            v,
                            v,
                            v,
                            0.0 if counter else None,
                        ]
                b[0] += 1
                if counter:
                    b[6] += inc
                else:
                    b[1] += v
                if v < b[2]:
                    b[2] = v
                elif v > b[3]:
                    b[3] = v
                b[5] = v
                if (
                    stored_ts is None
                    or restarted
                    or (ts - stored_ts >= cadence and (v != stored_value or ts - stored_ts >= heartbeat))
                ):
                    raw_rows.append((sid, int(ts * 1000 + 0.5), v))
                    stored_ts, stored_value = ts, v
                last_ts, last_value = ts, v
                accepted += 1
            result.accepted += accepted
            if last_ts != s.last_ts:
                s.last_ts, s.last_value, s.last_meter = last_ts, last_value, last_meter
                s.stored_ts, s.stored_value = stored_ts, stored_value
                s.dirty = True
        if raw_rows:
            con.executemany("INSERT OR REPLACE INTO raw(sid, ts, value) VALUES (?,?,?)", raw_rows)
            result.raw_stored = len(raw_rows)
            if self.track_touched:
                result.raw_rows = raw_rows
        if minute:
            self._upsert_rollups(con, minute, result)
        dirty = [s for s in self._series.values() if s.dirty]
        if dirty:
            con.executemany(
                "UPDATE series SET last_ts=?, last_value=?, last_meter=?, stored_ts=?, stored_value=? "
                "WHERE id=?",
                [(s.last_ts, s.last_value, s.last_meter, s.stored_ts, s.stored_value, s.id) for s in dirty],
            )
            for s in dirty:
                s.dirty = False

    def _upsert_rollups(
        self, con: sqlite3.Connection, minute: dict[tuple[int, int], list], result: WriteResult
    ) -> None:
        levels: list[tuple[str, dict[tuple[int, int], list]]] = [("1m", minute)]
        finer = minute
        for name, width in ROLLUPS[1:]:
            # each level merges the one below it: 15 min from minutes, hours from quarters, ...
            merged: dict[tuple[int, int], list] = {}
            for (sid, ts), b in finer.items():
                bts = ts - ts % width if width else self._day_of_hour(ts - ts % 3600)
                m = merged.get((sid, bts))
                if m is None:
                    merged[(sid, bts)] = list(b)
                else:
                    m[0] += b[0]
                    if m[1] is not None:
                        m[1] += b[1]
                    if b[2] < m[2]:
                        m[2] = b[2]
                    if b[3] > m[3]:
                        m[3] = b[3]
                    m[5] = b[5]
                    if m[6] is not None:
                        m[6] += b[6]
            levels.append((name, merged))
            finer = merged
        if self.track_touched:
            result.touched = {}
        for name, buckets in levels:
            table = TABLE[name]
            con.executemany(UPSERT.format(t=table), [(sid, ts, *b) for (sid, ts), b in buckets.items()])
            if result.touched is not None:
                result.touched[table] = set(buckets)

    def _maybe_maintain(self, con: sqlite3.Connection) -> None:
        """Prune old raw points and checkpoint the WAL so it cannot grow without bound."""
        now = time.monotonic()
        if now - self._last_maintenance < 30:
            return
        first = self._last_maintenance == 0.0
        self._last_maintenance = now
        if not first:
            self.prune_raw()
        try:
            busy, wal_pages, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if wal_pages > 16384 and done < wal_pages:  # readers held it back: force a restart
                con.execute("PRAGMA wal_checkpoint(RESTART)")
        except sqlite3.OperationalError as exc:
            log.debug("checkpoint skipped: %s", exc)

    def prune_raw(self, now: float | None = None) -> int:
        """Delete raw points older than the retention period; rollups stay."""
        cutoff = int(((now or time.time()) - self.retention_s) * 1000)
        con = self._con()
        deleted = 0
        for s in list(self._series.values()):
            deleted += con.execute("DELETE FROM raw WHERE sid=? AND ts<?", (s.id, cutoff)).rowcount
        return deleted

    def checkpoint(self) -> None:
        self._con().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- reading -----------------------------------------------------------------------
    def _sid(self, series: str) -> tuple[int, Quantity] | None:
        _, _, qname = series.partition(":")
        q = QUANTITIES.get(qname)
        if q is None:
            raise UnknownSeries(f"unknown series {series!r}")
        row = (
            self._con()
            .execute("SELECT id FROM series WHERE site=? AND name=?", (self.site, series))
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

    def series_id_names(self) -> dict[int, str]:
        return {s.id: name for name, s in self._series.items()}

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
        wal = Path(f"{self.path}-wal")
        return {
            "kind": self.kind,
            "path": str(self.path),
            "site": self.site,
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
            "wal_bytes": wal.stat().st_size if wal.exists() else 0,
            "series": len(self.series_names()),
            "newest": newest,
            "ok": True,
        }

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            if not self.readonly:
                with contextlib.suppress(sqlite3.OperationalError):
                    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
            self._local.con = None
