"""The durable outbox: line-protocol lines waiting in the local SQLite file until InfluxDB has them.

The outbox table lives in the same file as the local working store (a SqliteStore that
keeps series state and open rollup buckets), and :meth:`Outbox.after_write` runs inside
that store's write transaction. So a reading is either in the rollups *and* the outbox, or
in neither: nothing is lost between the two.

Per write it queues:
- one ``raw`` line per device and timestamp, holding every raw point the store kept;
- one ``rollup`` line per touched (rollup table, device, bucket), holding the bucket's full
  current aggregate for all quantities of that device, read back inside the transaction.
  Such a line has a key; a newer line for the same key replaces the unsent older one, so a
  long outage queues one line per bucket, not one per write. Resending is harmless:
  InfluxDB overwrites a point with the same measurement, tags and time.

Lines are sent oldest first (by ``seq``) and deleted only after the server confirmed them.
When the file grows past its cap, the oldest raw lines are dropped first (rollup lines never)
and the loss is counted in ``outbox_meta``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buurtwatt.store.influx_http import lp_float, lp_int, lp_key, lp_measurement
from buurtwatt.store.sqlite import TABLE, WriteResult

log = logging.getLogger(__name__)

RAW_MEASUREMENT = "buurtwatt"
MEASUREMENTS: dict[str, str] = {table: f"buurtwatt_{level}" for level, table in TABLE.items()}
# rollup columns as stored locally -> field suffix in InfluxDB
ROLLUP_FIELDS = (("n", "_n"), ("sum", "_sum"), ("vmin", "_min"), ("vmax", "_max"),
                 ("first", "_first"), ("last", "_last"), ("inc", "_inc"))
LAST_TS_SUFFIX = "_last_ts"  # on 1-minute lines: time (ms) of the series' newest sample, for latest()

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so "delete up to seq" is exact
    kind TEXT NOT NULL,                     -- 'raw' or 'rollup'
    key TEXT,                               -- rollup lines: measurement/device/bucket
    points INTEGER NOT NULL,                -- values in the line
    queued INTEGER NOT NULL,                -- wall-clock second it was queued
    line TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_key ON outbox(key) WHERE key IS NOT NULL;
CREATE TABLE IF NOT EXISTS outbox_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
"""

# local rollup buckets this far behind their series' newest sample can never be touched again
LOCAL_ROLLUP_KEEP_S = 2 * 86400


@dataclass(frozen=True, slots=True)
class Batch:
    last_seq: int
    lines: list[str]
    points: int


class Outbox:
    """The queue half of the InfluxDB store; the sender thread is its only consumer."""

    def __init__(self, path: Path, site: str, max_bytes: int) -> None:
        self.path = Path(path)
        self.site = site
        self.max_bytes = max_bytes
        self._local = threading.local()
        self._names: Callable[[], dict[int, str]] = dict
        self._count_lock = threading.Lock()
        self._pending_delta = 0
        self.depth = 0
        self._site_tag = lp_key(site)
        self._full_warned = False

    def open(self, names: Callable[[], dict[int, str]]) -> None:
        """Create the tables (after the working store made the file) and count what waits."""
        self._names = names
        con = self._con()
        con.executescript(SCHEMA)
        self.depth = con.execute("SELECT count(*) FROM outbox").fetchone()[0]

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
    def after_write(self, con: sqlite3.Connection, result: WriteResult) -> None:
        names = self._names()
        now = int(time.time())
        rows: list[tuple[str, str | None, int, int, str]] = []
        if result.raw_rows:
            rows.extend(self._raw_lines(result.raw_rows, names, now))
        keys: list[tuple[str]] = []
        for table, buckets in (result.touched or {}).items():
            for key, points, line in self._rollup_lines(con, table, buckets, names):
                rows.append(("rollup", key, points, now, line))
                keys.append((key,))
        replaced = 0
        if keys:
            before = con.total_changes
            con.executemany("DELETE FROM outbox WHERE key=?", keys)
            replaced = con.total_changes - before
        if rows:
            con.executemany("INSERT INTO outbox(kind, key, points, queued, line) VALUES (?,?,?,?,?)", rows)
        self._pending_delta = len(rows) - replaced

    def committed(self) -> None:
        with self._count_lock:
            self.depth += self._pending_delta
        self._pending_delta = 0

    def rolled_back(self) -> None:
        self._pending_delta = 0

    def _raw_lines(self, raw_rows: list[tuple[int, int, float]], names: dict[int, str],
                   now: int) -> list[tuple[str, str | None, int, int, str]]:
        # one line per device and time: a P1 telegram becomes one line, not twenty
        grouped: dict[tuple[str, int], list[str]] = {}
        for sid, ts_ms, value in raw_rows:
            device, _, quantity = names[sid].partition(":")
            grouped.setdefault((device, ts_ms), []).append(f"{lp_key(quantity)}={lp_float(value)}")
        prefix = f"{RAW_MEASUREMENT},site={self._site_tag},device="
        return [("raw", None, len(fields), now, f"{prefix}{lp_key(device)} {','.join(fields)} {ts_ms}")
                for (device, ts_ms), fields in grouped.items()]

    def _rollup_lines(self, con: sqlite3.Connection, table: str, buckets: set[tuple[int, int]],
                      names: dict[int, str]) -> list[tuple[str, int, str]]:
        measurement = MEASUREMENTS[table]
        device_sids: dict[str, list[int]] = {}
        for sid, name in names.items():
            device_sids.setdefault(name.partition(":")[0], []).append(sid)
        wanted = sorted({(names[sid].partition(":")[0], ts) for sid, ts in buckets})
        last_ts: dict[int, float] = {}
        if table == TABLE["1m"]:
            sids = sorted({sid for device, _ in wanted for sid in device_sids[device]})
            for chunk in _chunks(sids, 500):
                marks = ",".join("?" * len(chunk))
                last_ts.update(con.execute(
                    f"SELECT id, last_ts FROM series WHERE id IN ({marks}) AND last_ts IS NOT NULL", chunk))
        out: list[tuple[str, int, str]] = []
        prefix = f"{lp_measurement(measurement)},site={self._site_tag},device="
        for device, ts in wanted:
            sids = device_sids[device]
            marks = ",".join("?" * len(sids))
            found = con.execute(
                f"SELECT sid, n, sum, vmin, vmax, first, last, inc FROM {table} "
                f"WHERE ts=? AND sid IN ({marks})", (ts, *sids)).fetchall()
            fields: list[str] = []
            points = 0
            for sid, *values in sorted(found, key=lambda r: names[r[0]]):
                quantity = lp_key(names[sid].partition(":")[2])
                for (column, suffix), value in zip(ROLLUP_FIELDS, values, strict=True):
                    if value is None:
                        continue
                    text = lp_int(value) if column == "n" else lp_float(value)
                    fields.append(f"{quantity}{suffix}={text}")
                lts = last_ts.get(sid)
                if lts is not None and int(lts // 60) * 60 == ts:
                    fields.append(f"{quantity}{LAST_TS_SUFFIX}={lp_int(round(lts * 1000))}")
                points += 1
            if fields:
                out.append((f"{measurement}/{device}/{ts}", points,
                            f"{prefix}{lp_key(device)} {','.join(fields)} {ts * 1000}"))
        return out

    # --- sending side ------------------------------------------------------------------
    def oldest(self, limit: int) -> Batch | None:
        rows = self._con().execute("SELECT seq, points, line FROM outbox ORDER BY seq LIMIT ?",
                                   (limit,)).fetchall()
        if not rows:
            return None
        return Batch(rows[-1][0], [r[2] for r in rows], sum(r[1] for r in rows))

    def confirm(self, batch: Batch) -> int:
        """The server has these lines: forget them. Lines queued later stay."""
        deleted = self._con().execute("DELETE FROM outbox WHERE seq<=?", (batch.last_seq,)).rowcount
        with self._count_lock:
            self.depth -= deleted
        self.add_meta("sent_lines", deleted)
        return deleted

    def reject(self, batch: Batch) -> None:
        """The server refused these lines for good (bad data): count and drop them."""
        deleted = self._con().execute("DELETE FROM outbox WHERE seq<=?", (batch.last_seq,)).rowcount
        with self._count_lock:
            self.depth -= deleted
        self.add_meta("rejected_lines", deleted)

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
                "DELETE FROM outbox WHERE seq IN "
                "(SELECT seq FROM outbox WHERE kind='raw' ORDER BY seq LIMIT ?) RETURNING points",
                (chunk,)).fetchall()
            if not points:
                if not self._full_warned:
                    log.error("outbox %s is over its cap of %.1f MB and holds no raw points any more; "
                              "keeping the rollups", self.path, self.max_bytes / 1e6)
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
            log.warning("outbox over its cap of %.1f MB: dropped the oldest %d raw points (rollups kept)",
                        self.max_bytes / 1e6, dropped_points)
        return dropped_points

    def drop_local_raw(self) -> int:
        """Empty the working store's raw table: the raw lines in the outbox are what InfluxDB gets."""
        return self._con().execute("DELETE FROM raw").rowcount

    def prune_local_rollups(self) -> int:
        """Forget local rollup buckets that no new sample can reach; InfluxDB has them."""
        con = self._con()
        series = con.execute("SELECT id, last_ts FROM series WHERE site=? AND last_ts IS NOT NULL",
                             (self.site,)).fetchall()
        deleted = 0
        for table in TABLE.values():
            deleted += sum(con.execute(f"DELETE FROM {table} WHERE sid=? AND ts<?",
                                       (sid, int(lts - LOCAL_ROLLUP_KEEP_S))).rowcount for sid, lts in series)
        return deleted

    # --- facts -------------------------------------------------------------------------
    def add_meta(self, key: str, amount: int) -> None:
        if amount:
            self._con().execute("INSERT INTO outbox_meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                                "DO UPDATE SET value = value + excluded.value", (key, amount))

    def meta(self) -> dict[str, int]:
        return dict(self._con().execute("SELECT key, value FROM outbox_meta").fetchall())

    def oldest_queued(self) -> int | None:
        row = self._con().execute("SELECT queued FROM outbox ORDER BY seq LIMIT 1").fetchone()
        return row[0] if row else None

    def status(self) -> dict[str, Any]:
        meta = self.meta()
        oldest = self.oldest_queued()
        return {
            "path": str(self.path),
            "depth": max(self.depth, 0),
            "oldest_age_s": None if oldest is None else max(0, int(time.time()) - oldest),
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
    return [items[i:i + size] for i in range(0, len(items), size)]
