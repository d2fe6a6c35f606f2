"""The durable outbox: records waiting in the local SQLite file until the remote store has them.

The outbox lives in the same file as the working copy of the rollup buckets
(:class:`~buurtwatt.store.sqlite_db.RollupDb`), and :meth:`Outbox.after_write` runs inside its
write transaction. So a reading is either in the rollups *and* the outbox, or in neither:
nothing is lost between the two.

Records are backend-neutral: one record is one device at one time (ms) with a value per
quantity, as JSON. ``raw`` records hold the raw points the writer kept; ``rollup`` records
hold a bucket's full current aggregate per quantity (``n``, ``sum`` or ``inc``, ``min``,
``max``, ``first``, ``last``, and on the 1-minute level ``last_ts``, the time in ms of the
series' newest sample). Only the sender turns records into the backend's wire format
(influx_sender.py: line protocol).

Per write it queues one raw record per device and timestamp, and marks every touched rollup
bucket (table, series, bucket) as dirty in ``outbox_dirty``. A mark keeps the time it was
first made.

:meth:`Outbox.materialise` (the sender runs it before it picks a batch) turns dirty buckets
into rollup records: one per (level, device, bucket), holding the bucket's full current
aggregate for all quantities of that device. A bucket goes out when it has been dirty for its
level's hold time (``HOLD_S``), or at once when a newer bucket of the same series and level
is dirty (it is closed). So a 1-day bucket written every second is sent every few minutes,
not every second. ``materialise(everything=True)`` (flush) sends all. A rollup record has a
key; a newer record for the same key replaces the unsent older one, so a long outage queues
one record per bucket. Resending is harmless: the remote store overwrites a point with the
same device, level and time.

Records are sent oldest first (by ``seq``) and deleted only after the server confirmed them.
When the file grows past its cap, the oldest raw records are dropped first (rollup records
and dirty marks never) and the loss is counted in ``outbox_meta``. Lines an older version
queued as line protocol (table ``outbox``) are sent first, as they are.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buurtwatt.series import Series
from buurtwatt.store.rollup import Batch as WriteBatch
from buurtwatt.store.schema_version import Migration, has_table, upgrade
from buurtwatt.store.sqlite_db import TABLE

log = logging.getLogger(__name__)

LEVEL_OF_TABLE = {table: level for level, table in TABLE.items()}
# rollup columns as stored locally -> names in a rollup record
ROLLUP_FIELDS = (
    ("n", "n"),
    ("sum", "sum"),
    ("vmin", "min"),
    ("vmax", "max"),
    ("first", "first"),
    ("last", "last"),
    ("inc", "inc"),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox_records(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so "delete up to seq" is exact
    kind TEXT NOT NULL,                     -- 'raw' or 'rollup'
    level TEXT,                             -- rollup records: '1m', '15m', '1h' or '1d'
    key TEXT,                               -- rollup records: level/device/bucket
    device TEXT NOT NULL,
    ts INTEGER NOT NULL,                    -- ms; a rollup record's bucket start
    points INTEGER NOT NULL,                -- values in the record
    queued INTEGER NOT NULL,                -- wall-clock second it was queued
    body TEXT NOT NULL);                    -- JSON: {quantity: value} or {quantity: {n, sum, ...}}
CREATE UNIQUE INDEX IF NOT EXISTS outbox_records_key ON outbox_records(key) WHERE key IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox_dirty(
    tbl TEXT NOT NULL,                      -- local rollup table
    sid INTEGER NOT NULL,
    ts INTEGER NOT NULL,                    -- bucket start
    since REAL NOT NULL,                    -- wall-clock time it first became dirty
    PRIMARY KEY(tbl, sid, ts)) WITHOUT ROWID;
"""

# The outbox tables' layout, recorded in the file's ``meta`` table (schema_version.py). Version
# 0 (no marker) had this layout, or only the line-protocol table ``outbox``, which is still
# read as it is; raise the version with every change and add the step to MIGRATIONS.
SCHEMA_KEY = "outbox_schema"
SCHEMA_VERSION = 1
MIGRATIONS: dict[int, Migration] = {0: lambda con: None}

# How long a touched rollup bucket may wait before its line is queued. latest() reads the
# 1-minute level and the dashboard calls data older than 30 s stale, so that one is quick;
# today's kWh on the live pages come from the hours, so those follow within 15 s.
HOLD_S: dict[str, float] = {TABLE["1m"]: 5.0, TABLE["15m"]: 60.0, TABLE["1h"]: 15.0, TABLE["1d"]: 300.0}

# due: held long enough, marked "in the future" (the wall clock was set back, as on a Pi that
# booted before NTP), or closed by a newer dirty bucket of its series and level
_DUE = """
SELECT sid, ts FROM outbox_dirty AS d WHERE tbl=? AND (since<=? OR since>? OR EXISTS (
    SELECT 1 FROM outbox_dirty AS n WHERE n.tbl=d.tbl AND n.sid=d.sid AND n.ts>d.ts))
"""

# local rollup buckets this far behind their series' newest sample can never be touched again
LOCAL_ROLLUP_KEEP_S = 2 * 86400


@dataclass(frozen=True, slots=True)
class Record:
    """One device at one time: ``values`` maps quantity -> value (raw) or -> aggregate (rollup)."""

    kind: str  # 'raw' or 'rollup'
    level: str | None  # rollups: '1m', '15m', '1h', '1d'
    device: str
    ts_ms: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Batch:
    last_seq: int
    records: list[Record]
    points: int
    legacy_lines: tuple[str, ...] = ()  # line protocol queued by an older version; sent as is


class Outbox:
    """The queue half of the InfluxDB store; the sender thread is its only consumer."""

    def __init__(
        self,
        path: Path,
        site: str,
        max_bytes: int,
        hold_s: dict[str, float] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.site = site
        self.max_bytes = max_bytes
        self.hold_s = {**HOLD_S, **(hold_s or {})}
        self.clock = clock  # wall-clock seconds; tests may step it
        self._local = threading.local()
        self._names: dict[int, str] = {}
        self._count_lock = threading.Lock()
        self._pending_delta = 0
        self.depth = 0
        self._legacy = False
        self._full_warned = False

    def open(self) -> None:
        """Create or upgrade the tables (after the working store made the file); count what waits."""
        con = self._con()
        if has_table(con, "outbox_records") or has_table(con, "outbox"):
            upgrade(
                con,
                self.path,
                key=SCHEMA_KEY,
                current=SCHEMA_VERSION,
                migrations=MIGRATIONS,
                what="outbox",
                part="outbox",
            )
        con.executescript(
            f"BEGIN IMMEDIATE;{SCHEMA};INSERT OR IGNORE INTO meta(key, value) "
            f"VALUES ('{SCHEMA_KEY}', '{SCHEMA_VERSION}');COMMIT;"
        )
        self.depth = con.execute("SELECT count(*) FROM outbox_records").fetchone()[0]
        legacy = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='outbox'").fetchone()
        if legacy:
            self.depth += con.execute("SELECT count(*) FROM outbox").fetchone()[0]
            self._legacy = True

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA busy_timeout=10000")
            self._local.con = con
        return con

    # --- queueing (inside the working store's write transaction) -----------------------
    def after_write(self, con: sqlite3.Connection, batch: WriteBatch) -> None:
        now = self.clock()
        rows: list[tuple[str, int, int, int, str]] = []
        if batch.raw:
            rows = self._raw_records(batch.raw, self._series_names(con), int(now))
            con.executemany(
                "INSERT INTO outbox_records(kind, device, ts, points, queued, body) VALUES ('raw',?,?,?,?,?)",
                rows,
            )
        for level, buckets in batch.buckets.items():
            # OR IGNORE: a bucket that is already dirty keeps the time it first became so
            con.executemany(
                "INSERT OR IGNORE INTO outbox_dirty(tbl, sid, ts, since) VALUES (?,?,?,?)",
                [(TABLE[level], sid, ts, now) for sid, ts in buckets],
            )
        self._pending_delta = len(rows)

    def committed(self) -> None:
        with self._count_lock:
            self.depth += self._pending_delta
        self._pending_delta = 0

    def rolled_back(self) -> None:
        self._pending_delta = 0

    def _raw_records(
        self, raw_rows: list[tuple[int, int, float]], names: dict[int, str], now: int
    ) -> list[tuple[str, int, int, int, str]]:
        # one record per device and time: a P1 telegram becomes one record, not twenty
        grouped: dict[tuple[str, int], dict[str, float]] = {}
        for sid, ts_ms, value in raw_rows:
            series = Series.parse(names[sid])
            grouped.setdefault((series.device, ts_ms), {})[series.quantity] = value
        return [
            (device, ts_ms, len(values), now, json.dumps(values))
            for (device, ts_ms), values in grouped.items()
        ]

    def _series_names(self, con: sqlite3.Connection) -> dict[int, str]:
        """Series id -> name, read from the file (the writer's own map is not for other threads)."""
        count = con.execute("SELECT count(*) FROM series WHERE site=?", (self.site,)).fetchone()[0]
        if count != len(self._names):  # series are only ever added
            self._names = dict(con.execute("SELECT id, name FROM series WHERE site=?", (self.site,)))
        return self._names

    # --- dirty buckets -> rollup records (the sender's thread, or flush) ---------------
    def materialise(self, everything: bool = False) -> int:
        """Queue the records of the rollup buckets that are due (all with ``everything``)."""
        con = self._con()
        now = self.clock()
        con.execute("BEGIN IMMEDIATE")  # the writer waits: the buckets cannot change under us
        try:
            due: dict[str, set[tuple[int, int]]] = {}
            for table, hold in self.hold_s.items():
                if everything:
                    found = con.execute("SELECT sid, ts FROM outbox_dirty WHERE tbl=?", (table,)).fetchall()
                else:
                    found = con.execute(_DUE, (table, now - hold, now + 1)).fetchall()
                if found:
                    due[table] = set(found)
            queued = replaced = 0
            if due:
                names = self._series_names(con)
                rows: list[tuple[str, str, str, int, int, int, str]] = []
                done: list[tuple[str, int, int]] = []
                for table, buckets in due.items():
                    for row, sids, ts in self._rollup_records(con, table, buckets, names, int(now)):
                        rows.append(row)
                        # the record holds every quantity of the device: all their marks are done
                        done.extend((table, sid, ts) for sid in sids)
                    done.extend((table, sid, ts) for sid, ts in buckets)  # also buckets with no record
                con.executemany("DELETE FROM outbox_dirty WHERE tbl=? AND sid=? AND ts=?", done)
                before = con.total_changes
                con.executemany("DELETE FROM outbox_records WHERE key=?", [(r[1],) for r in rows])
                replaced = con.total_changes - before
                con.executemany(
                    "INSERT INTO outbox_records(kind, level, key, device, ts, points, queued, body) "
                    "VALUES ('rollup',?,?,?,?,?,?,?)",
                    rows,
                )
                queued = len(rows)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        with self._count_lock:
            self.depth += queued - replaced
        return queued

    def dirty(self) -> int:
        """Rollup buckets (per series and level) whose change is not queued as a record yet."""
        return self._con().execute("SELECT count(*) FROM outbox_dirty").fetchone()[0]

    def _rollup_records(
        self,
        con: sqlite3.Connection,
        table: str,
        buckets: set[tuple[int, int]],
        names: dict[int, str],
        now: int,
    ) -> list[tuple[tuple[str, str, str, int, int, int, str], list[int], int]]:
        level = LEVEL_OF_TABLE[table]
        device_sids: dict[str, list[int]] = {}
        for sid, name in names.items():
            device_sids.setdefault(Series.parse(name).device, []).append(sid)
        wanted = sorted({(Series.parse(names[sid]).device, ts) for sid, ts in buckets if sid in names})
        last_ts: dict[int, float] = {}
        if level == "1m":
            sids = sorted({sid for device, _ in wanted for sid in device_sids[device]})
            for chunk in _chunks(sids, 500):
                marks = ",".join("?" * len(chunk))
                last_ts.update(
                    con.execute(
                        f"SELECT id, last_ts FROM series WHERE id IN ({marks}) AND last_ts IS NOT NULL", chunk
                    )
                )
        out = []
        for device, ts in wanted:
            sids = device_sids[device]
            marks = ",".join("?" * len(sids))
            found = con.execute(
                f"SELECT sid, n, sum, vmin, vmax, first, last, inc FROM {table} "
                f"WHERE ts=? AND sid IN ({marks})",
                (ts, *sids),
            ).fetchall()
            values: dict[str, dict[str, float | int]] = {}
            for sid, *columns in sorted(found, key=lambda r: names[r[0]]):
                aggregate = {
                    name: value
                    for (_, name), value in zip(ROLLUP_FIELDS, columns, strict=True)
                    if value is not None
                }
                lts = last_ts.get(sid)
                if lts is not None and int(lts // 60) * 60 == ts:
                    aggregate["last_ts"] = round(lts * 1000)
                values[Series.parse(names[sid]).quantity] = aggregate
            if values:
                row = (
                    level,
                    f"{level}/{device}/{ts}",
                    device,
                    ts * 1000,
                    len(values),
                    now,
                    json.dumps(values),
                )
                out.append((row, sids, ts))
        return out

    # --- sending side ------------------------------------------------------------------
    def oldest(self, limit: int) -> Batch | None:
        con = self._con()
        if self._legacy:
            lines = con.execute(
                "SELECT seq, points, line FROM outbox ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
            if lines:
                return Batch(lines[-1][0], [], sum(r[1] for r in lines), tuple(r[2] for r in lines))
            con.execute("DROP TABLE outbox")
            self._legacy = False
        rows = con.execute(
            "SELECT seq, kind, level, device, ts, points, body FROM outbox_records ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        if not rows:
            return None
        records = [
            Record(kind, level, device, ts, json.loads(body)) for _, kind, level, device, ts, _, body in rows
        ]
        return Batch(rows[-1][0], records, sum(r[5] for r in rows))

    def _delete(self, batch: Batch) -> int:
        table = "outbox" if batch.legacy_lines else "outbox_records"
        deleted = self._con().execute(f"DELETE FROM {table} WHERE seq<=?", (batch.last_seq,)).rowcount
        with self._count_lock:
            self.depth -= deleted
        return deleted

    def confirm(self, batch: Batch) -> int:
        """The server has these records: forget them. Records queued later stay."""
        deleted = self._delete(batch)
        self.add_meta("sent_lines", deleted)
        return deleted

    def reject(self, batch: Batch) -> None:
        """The server refused these records for good (bad data): count and drop them."""
        self.add_meta("rejected_lines", self._delete(batch))

    # --- size cap ----------------------------------------------------------------------
    def used_bytes(self) -> int:
        con = self._con()
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        return (pages - free) * con.execute("PRAGMA page_size").fetchone()[0]

    def enforce_cap(self) -> int:
        """Drop the oldest raw lines while the file is over its cap; the number of points dropped."""
        used = self.used_bytes()
        if used <= self.max_bytes:
            self._full_warned = False
            return 0
        target = self.max_bytes * 0.9
        con = self._con()
        dropped_points = dropped_lines = 0
        per_line = 512.0  # a first guess on the large side, so the first chunk never drops too much
        for _ in range(100):
            chunk = max(50, int((used - target) / per_line))
            points = con.execute(
                "DELETE FROM outbox_records WHERE seq IN "
                "(SELECT seq FROM outbox_records WHERE kind='raw' ORDER BY seq LIMIT ?) RETURNING points",
                (chunk,),
            ).fetchall()
            if not points:
                if not self._full_warned:
                    log.error(
                        "outbox %s is over its cap of %.1f MB and holds no raw points any more; "
                        "keeping the rollups",
                        self.path,
                        self.max_bytes / 1e6,
                    )
                    self._full_warned = True
                break
            dropped_lines += len(points)
            dropped_points += sum(p[0] for p in points)
            before, used = used, self.used_bytes()
            if before > used:  # learn what a line really takes (pages free up whole)
                per_line = max(16.0, (before - used) / len(points))
            if used <= target:
                break
        if dropped_lines:
            with self._count_lock:
                self.depth -= dropped_lines
            self.add_meta("dropped_raw", dropped_points)
            log.warning(
                "outbox over its cap of %.1f MB: dropped the oldest %d raw points (rollups kept)",
                self.max_bytes / 1e6,
                dropped_points,
            )
        return dropped_points

    def prune_local_rollups(self) -> int:
        """Forget local rollup buckets that no new sample can reach and that InfluxDB has."""
        con = self._con()
        series = con.execute(
            "SELECT id, last_ts FROM series WHERE site=? AND last_ts IS NOT NULL", (self.site,)
        ).fetchall()
        deleted = 0
        for table in TABLE.values():
            deleted += sum(
                con.execute(
                    f"DELETE FROM {table} WHERE sid=? AND ts<? AND NOT EXISTS "
                    "(SELECT 1 FROM outbox_dirty AS d "
                    f"WHERE d.tbl=? AND d.sid={table}.sid AND d.ts={table}.ts)",
                    (sid, int(lts - LOCAL_ROLLUP_KEEP_S), table),
                ).rowcount
                for sid, lts in series
            )
        return deleted

    # --- facts -------------------------------------------------------------------------
    def add_meta(self, key: str, amount: int) -> None:
        if amount:
            self._con().execute(
                "INSERT INTO outbox_meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value = value + excluded.value",
                (key, amount),
            )

    def meta(self) -> dict[str, int]:
        return dict(self._con().execute("SELECT key, value FROM outbox_meta").fetchall())

    def oldest_queued(self) -> int | None:
        row = self._con().execute("SELECT queued FROM outbox_records ORDER BY seq LIMIT 1").fetchone()
        return row[0] if row else None

    def status(self) -> dict[str, Any]:
        meta = self.meta()
        oldest = self.oldest_queued()
        # dirty: rollup buckets (per series and level) whose latest change is not queued as a line yet
        return {
            "path": str(self.path),
            "depth": max(self.depth, 0),
            "dirty": self.dirty(),
            "oldest_age_s": None if oldest is None else max(0, int(self.clock()) - oldest),
            "used_bytes": self.used_bytes(),
            "max_bytes": self.max_bytes,
            "dropped_raw": meta.get("dropped_raw", 0),
            "rejected_lines": meta.get("rejected_lines", 0),
            "sent_lines": meta.get("sent_lines", 0),
        }

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
