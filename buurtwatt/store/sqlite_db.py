"""One SQLite file holding series state and rollup buckets, written through :mod:`rollup`.

Both stores keep this file: the SQLite store as its database (plus a raw table), the InfluxDB
store as its working copy of the buckets it sends (plus the outbox). This module owns what
they share: the schema, the write transaction, getting back on its feet after a failed write,
the WAL and the retention of one-minute buckets.

After a failed write (disk full, I/O error, a lock) the transaction is rolled back, if SQLite
has not already done so, and the in-memory series state is read back from the file; the same
batch can then be written again and counts exactly once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from buurtwatt.readings import Reading
from buurtwatt.series import Series
from buurtwatt.store.base import StoreNotWritable
from buurtwatt.store.rollup import LEVELS, Batch, Rollups
from buurtwatt.store.schema_version import Migration, check_readable, has_table, upgrade
from buurtwatt.timeutil import AMSTERDAM

log = logging.getLogger(__name__)

TABLE = {level: f"roll_{level}" for level, _ in LEVELS}

# The layout of the series and rollup tables and the tables a backend adds through ``schema``
# (the SQLite store's raw points), recorded in ``meta`` (schema_version.py). Raise it with
# every change to them, and add the step from the previous version to MIGRATIONS.
SCHEMA_KEY = "store_schema"
SCHEMA_VERSION = 1
MIGRATIONS: dict[int, Migration] = {
    # version 0 (no marker) had this very layout: the step only records the version
    0: lambda con: None,
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

# The WAL is checkpointed on this schedule; past WAL_TRUNCATE_BYTES it is also truncated,
# without waiting for readers (a busy reader makes the attempt return, it never stalls writes).
MAINTENANCE_S = 30.0
WAL_TRUNCATE_BYTES = 16 * 1024 * 1024
READER_WARN_S = 120.0  # the WAL could not be checkpointed to its end for this long: say so
MINUTE_RETENTION_DAYS = 400.0  # about 13 months; 15-minute, hourly and daily buckets stay

AfterWrite = Callable[[sqlite3.Connection, Batch], None]


class RollupDb:
    """See the module docstring. One writer process; any number of reading connections."""

    def __init__(
        self,
        path: Path | str,
        site: str = "default",
        tz: str = AMSTERDAM,
        heartbeat_s: float = 60.0,
        cadence: dict[str, float] | None = None,
        readonly: bool = False,
        schema: str = "",
        minute_retention_days: float = MINUTE_RETENTION_DAYS,
        maintenance_s: float = MAINTENANCE_S,
        reader_warn_s: float = READER_WARN_S,
        wal_truncate_bytes: int = WAL_TRUNCATE_BYTES,
    ) -> None:
        self.path = Path(path)
        self.site = site
        self.readonly = readonly
        self.rollups = Rollups(tz, heartbeat_s, cadence)
        self.minute_retention_s = minute_retention_days * 86400
        self.maintenance_s = maintenance_s
        self.reader_warn_s = reader_warn_s
        self.wal_truncate_bytes = wal_truncate_bytes
        self.maintenance_hooks: list[Callable[[sqlite3.Connection, float], None]] = []
        self.faults = 0  # failed writes since start
        self.last_fault: str | None = None
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._last_maintenance = 0.0
        self._wal_clean_at = time.monotonic()  # when a checkpoint last reached the end of the WAL
        self._reader_warned = False
        if not readonly:
            self._check_writable()
            try:
                self._create_or_upgrade(
                    SCHEMA + "".join(ROLLUP_SCHEMA.format(t=t) for t in TABLE.values()) + schema
                )
            except sqlite3.OperationalError as exc:
                if "readonly" in str(exc) or "unable to open" in str(exc):
                    raise StoreNotWritable(self.path, str(exc)) from None
                raise
            self.reload()

    def _create_or_upgrade(self, script: str) -> None:
        con = self._con()
        if has_table(con, "series"):
            upgrade(
                con, self.path, key=SCHEMA_KEY, current=SCHEMA_VERSION, migrations=MIGRATIONS, what="store"
            )
        # a new file gets its tables and marker in one transaction, so no reader sees it half made
        try:
            con.executescript(
                f"BEGIN IMMEDIATE;{script};INSERT OR IGNORE INTO meta(key, value) "
                f"VALUES ('{SCHEMA_KEY}', '{SCHEMA_VERSION}');COMMIT;"
            )
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    # --- connections -------------------------------------------------------------------
    def _check_writable(self) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreNotWritable(self.path, exc.strerror or str(exc)) from None
        # SQLite needs the file and, for the -wal and -shm files, the folder writable
        for place in (self.path, folder):
            if place.exists() and not os.access(place, os.W_OK):
                raise StoreNotWritable(self.path, f"{place} is read-only")

    def con(self) -> sqlite3.Connection:
        """This thread's connection."""
        return self._con()

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
                check_readable(con, self.path, key=SCHEMA_KEY, current=SCHEMA_VERSION, what="store")
            self._local.con = con
        return con

    def reload(self) -> None:
        """Read the series state back from the file (at start, and after a failed write)."""
        rows = self._con().execute(
            "SELECT name, id, last_ts, last_value, last_meter, stored_ts, stored_value "
            "FROM series WHERE site=?",
            (self.site,),
        )
        self.rollups.load(rows)

    # --- writing -----------------------------------------------------------------------
    def write(self, readings: Sequence[Reading], after_write: AfterWrite | None = None) -> Batch:
        """Store a batch in one transaction; ``after_write`` adds the backend's own rows to it."""
        if self.readonly:
            raise PermissionError("this store was opened read-only")
        with self._write_lock:
            con = self._con()
            try:
                con.execute("BEGIN IMMEDIATE")
                batch = self.rollups.run(readings, lambda series: self._new_series(con, series))
                self._store(con, batch)
                if after_write is not None:
                    after_write(con, batch)
                con.execute("COMMIT")
            except BaseException as exc:
                self._recover(con, exc)
                raise
            self.rollups.commit(batch)
            self._maybe_maintain(con)
        return batch

    def _new_series(self, con: sqlite3.Connection, series: Series) -> int:
        name = str(series)
        con.execute("INSERT OR IGNORE INTO series(site, name) VALUES (?, ?)", (self.site, name))
        return con.execute("SELECT id FROM series WHERE site=? AND name=?", (self.site, name)).fetchone()[0]

    def _store(self, con: sqlite3.Connection, batch: Batch) -> None:
        for level, buckets in batch.buckets.items():
            if buckets:
                con.executemany(
                    UPSERT.format(t=TABLE[level]), [(key, ts, *b) for (key, ts), b in buckets.items()]
                )
        if batch.updates:
            con.executemany(
                "UPDATE series SET last_ts=?, last_value=?, last_meter=?, stored_ts=?, stored_value=? "
                "WHERE id=?",
                [(lts, lv, lm, sts, sv, s.key) for s, lts, lv, lm, sts, sv in batch.updates],
            )

    def _recover(self, con: sqlite3.Connection, exc: BaseException) -> None:
        # SQLite rolls back by itself on SQLITE_FULL and some I/O errors; a ROLLBACK then would
        # raise "no transaction is active" and hide the real error
        if con.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
        self.faults += 1
        self.last_fault = f"{type(exc).__name__}: {exc}"
        try:
            self.reload()
        except sqlite3.Error as reload_exc:  # cannot even read: keep nothing that may be ahead
            log.warning("could not read the series state back from %s: %s", self.path, reload_exc)
            self.rollups.states.clear()
            self._local.con = None  # a new connection next time
            with contextlib.suppress(sqlite3.Error):
                con.close()

    # --- upkeep ------------------------------------------------------------------------
    def _maybe_maintain(self, con: sqlite3.Connection) -> None:
        now = time.monotonic()
        if now - self._last_maintenance < self.maintenance_s:
            return
        first = self._last_maintenance == 0.0
        self._last_maintenance = now
        if not first:
            try:
                self.prune_minutes()
                for hook in self.maintenance_hooks:
                    hook(con, time.time())
            except sqlite3.OperationalError as exc:  # disk full and the like: the next round tries again
                log.warning("store upkeep skipped: %s", exc)
        self.checkpoint_wal(now)

    def prune_minutes(self, now: float | None = None) -> int:
        """Delete one-minute buckets past their retention; 15-minute, hourly and daily ones stay."""
        cutoff = int((now or time.time()) - self.minute_retention_s)
        con = self._con()
        table = TABLE["1m"]
        return sum(
            con.execute(f"DELETE FROM {table} WHERE sid=? AND ts<?", (s.key, cutoff)).rowcount
            for s in list(self.rollups.states.values())
        )

    def checkpoint_wal(self, now: float | None = None) -> None:
        """Copy the WAL into the database; truncate it when it grew. Never waits for readers."""
        now = time.monotonic() if now is None else now
        con = self._con()
        try:
            con.execute("PRAGMA busy_timeout=0")
            _, wal_pages, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            complete = done >= wal_pages
            if complete and self.wal_bytes() > self.wal_truncate_bytes:
                busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                complete = not busy
        except sqlite3.OperationalError as exc:
            log.debug("checkpoint skipped: %s", exc)
            complete = False
        finally:
            con.execute("PRAGMA busy_timeout=10000")
        if complete:
            if self._reader_warned:
                log.warning("the store's WAL can be checkpointed again (%s)", self.path)
            self._wal_clean_at, self._reader_warned = now, False
        elif now - self._wal_clean_at > self.reader_warn_s and not self._reader_warned:
            self._reader_warned = True
            log.warning(
                "a reader of %s has held a transaction for over %d s; the WAL (%.1f MB) cannot be "
                "checkpointed past it and grows until it lets go",
                self.path,
                int(now - self._wal_clean_at),
                self.wal_bytes() / 1e6,
            )

    def wal_bytes(self) -> int:
        wal = Path(f"{self.path}-wal")
        try:
            return wal.stat().st_size
        except OSError:
            return 0

    def status(self) -> dict[str, Any]:
        """Facts about the file, for the stores' status()."""
        blocked = time.monotonic() - self._wal_clean_at
        problems: list[str] = []
        if self._reader_warned:
            problems.append(f"a reader has held a transaction for {int(blocked)} s: the WAL cannot shrink")
        return {
            "path": str(self.path),
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
            "wal_bytes": self.wal_bytes(),
            "wal_blocked_s": round(blocked, 1) if self._reader_warned else 0.0,
            "write_faults": self.faults,
            "last_fault": self.last_fault,
            "problems": problems,
        }

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            if not self.readonly:
                with contextlib.suppress(sqlite3.OperationalError):
                    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
            self._local.con = None
