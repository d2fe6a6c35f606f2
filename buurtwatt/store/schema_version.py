"""Schema versions of the store's SQLite files, and upgrading an older file in place.

Every part that owns tables in a store file records the version of its layout as one row in
the file's ``meta`` table: ``store_schema`` (series, rollups and the SQLite store's raw
points, sqlite_db.py) and ``outbox_schema`` (the InfluxDB store's outbox, outbox.py). A file
made before these markers existed has no row: that is version 0.

Opening a file for writing:

- a new, empty file gets the current layout and marker;
- an older file is first copied, consistently, to ``<file>.before-v<N>`` (``N`` the version it
  is upgraded to; ``<file>.before-outbox-v<N>`` for the outbox), then each migration step runs
  in one transaction that also sets the new marker: a crash leaves the old version, intact;
- a newer file, or one with no migration path, is refused with :class:`StoreVersionError`,
  whose message says what to do. ``buurtwatt`` turns it into exit code 2.

Read-only opening (the dashboard) refuses only a newer file: an older one is upgraded by the
collector, and until then its tables read as they are.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

# one step: the connection is inside a write transaction; it turns version N into N + 1
Migration = Callable[[sqlite3.Connection], None]


class StoreVersionError(Exception):
    """A store file this code cannot use: newer than it knows, or with no way to upgrade it."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


def has_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
    return row is not None


def read_version(con: sqlite3.Connection, key: str) -> int:
    """The recorded version, 0 when the file has no marker (made before markers existed)."""
    if not has_table(con, "meta"):
        return 0
    row = con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return int(row[0]) if row else 0


def write_version(con: sqlite3.Connection, key: str, version: int) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
    con.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (key, str(version)),
    )


def too_new(path: Path, what: str, found: int, known: int) -> StoreVersionError:
    return StoreVersionError(
        path,
        f"the {what} {path} has schema version {found}, this buurtwatt knows up to version {known}: "
        "it was written by a newer buurtwatt. Install that version (or newer) again, or restore a "
        "backup made before the upgrade (buurtwatt restore)",
    )


def backup_path(path: Path, version: int, part: str = "") -> Path:
    """Where the copy made before upgrading to ``version`` goes."""
    infix = f"{part}-" if part else ""
    return path.with_name(f"{path.name}.before-{infix}v{version}")


def copy_online(con: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the open database, as one file without a WAL (SQLite's backup API)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    dst = sqlite3.connect(partial)
    try:
        con.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
    partial.replace(target)  # never a half copy under the real name


def upgrade(
    con: sqlite3.Connection,
    path: Path,
    *,
    key: str,
    current: int,
    migrations: Mapping[int, Migration],
    what: str,
    part: str = "",
) -> int:
    """Bring the file's part ``key`` from its recorded version to ``current``; returns the old one.

    ``migrations[n]`` turns version ``n`` into ``n + 1``. The caller has checked the file is not
    new (a new file just gets ``write_version``).
    """
    found = read_version(con, key)
    if found > current:
        raise too_new(path, what, found, current)
    if found == current:
        return found
    missing = [n for n in range(found, current) if n not in migrations]
    if missing:
        raise StoreVersionError(
            path,
            f"the {what} {path} has schema version {found}; this buurtwatt cannot upgrade it to "
            f"version {current}. Upgrade with an older buurtwatt release first, or start a new store",
        )
    copy = backup_path(path, current, part)
    copy_online(con, copy)
    log.warning(
        "upgrading the %s %s from schema version %d to %d (copy kept at %s)", what, path, found, current, copy
    )
    for n in range(found, current):
        con.execute("BEGIN IMMEDIATE")
        try:
            migrations[n](con)
            write_version(con, key, n + 1)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    return found


def check_readable(con: sqlite3.Connection, path: Path, *, key: str, current: int, what: str) -> None:
    """For read-only opening: refuse a file newer than this code."""
    found = read_version(con, key)
    if found > current:
        raise too_new(path, what, found, current)
