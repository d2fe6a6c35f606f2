"""Backups of a site: a consistent copy of the SQLite store plus the share register, the tokens
and the locked years, and a checked way back.

The store is copied with SQLite's online backup API, so the collector keeps writing while a
backup is made and the copy is one committed state. Every backup is a folder with a
``manifest.json`` (what is in it, with SHA-256 sums); ``restore`` checks the sums and SQLite's
integrity check before it replaces anything. InfluxDB has its own backup (``influx backup``,
see docs/deploy.md); for that store only the register is copied here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from buurtwatt import __version__
from buurtwatt.config import SiteConfig

MANIFEST = "manifest.json"
STORE_FILE = "store.sqlite"
PAGES_PER_STEP = 4096  # the writer gets the lock back between steps of this many pages


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says what to do."""


@dataclass(frozen=True)
class Backup:
    folder: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_sqlite(source: Path, target: Path) -> None:
    """Online copy: a consistent state even while another process writes."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=PAGES_PER_STEP)
        # one file, no WAL beside it: the copy can be moved and opened on its own
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def integrity(path: Path) -> str:
    """SQLite's own check of a database file: "ok" or the first problem."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def register_files(config: SiteConfig) -> dict[str, Path]:
    """The files and folders of the share register, by their name inside a backup."""
    shares = config.shares
    found: dict[str, Path] = {}
    for name, path in (
        ("participants.csv", shares.participants),
        ("holdings.csv", shares.holdings),
        ("tokens.json", shares.tokens_path),
        ("locked", shares.locked_dir),
    ):
        if path is not None and Path(path).exists():
            found[name] = Path(path)
    return found


def make_backup(config: SiteConfig, to: Path, keep: int | None = None, now: datetime | None = None) -> Backup:
    """Write a new backup folder under ``to``; keep only the newest ``keep`` backups there."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(to) / f"buurtwatt-{config.site.id}-{stamp}"
    n = 1
    while folder.exists():  # two backups in one second: number the second one
        n += 1
        folder = Path(to) / f"buurtwatt-{config.site.id}-{stamp}-{n}"
    partial = folder.with_name(folder.name + ".partial")  # never a half backup under the real name
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    files: dict[str, str] = {}
    store = config.store
    if store.type == "sqlite":
        if not Path(store.path).exists():
            raise BackupError(f"no store at {store.path}: nothing to back up yet (start the collector first)")
        _copy_sqlite(Path(store.path), partial / STORE_FILE)
        check = integrity(partial / STORE_FILE)
        if check != "ok":
            raise BackupError(f"the copy of {store.path} fails SQLite's integrity check: {check}")
        files[STORE_FILE] = _sha256(partial / STORE_FILE)
    for name, path in register_files(config).items():
        target = partial / "register" / name
        target.parent.mkdir(exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target)
            for item in sorted(target.rglob("*")):
                if item.is_file():
                    files[str(item.relative_to(partial))] = _sha256(item)
        else:
            shutil.copy2(path, target)
            files[str(target.relative_to(partial))] = _sha256(target)
    manifest = {
        "site": config.site.id,
        "created": stamp,
        "buurtwatt": __version__,
        "store": store.type,
        "files": files,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    partial.rename(folder)
    if keep is not None:
        prune(Path(to), config.site.id, keep)
    return Backup(folder, manifest)


def backups(to: Path, site: str) -> list[Path]:
    """Finished backups of ``site`` in ``to``, oldest first."""
    return sorted(p for p in Path(to).glob(f"buurtwatt-{site}-*") if (p / MANIFEST).exists())


def prune(to: Path, site: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; returns what was deleted."""
    found = backups(to, site)
    old = found[: max(0, len(found) - max(keep, 1))]
    for folder in old:
        shutil.rmtree(folder)
    return old


def check_backup(folder: Path) -> Backup:
    """Read a backup and verify every file against its manifest."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a buurtwatt backup ({MANIFEST}: {exc})") from None
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise BackupError(f"{path} is missing from the backup")
        if _sha256(path) != digest:
            raise BackupError(f"{path} was changed or damaged after the backup (checksum differs)")
    if STORE_FILE in manifest.get("files", {}):
        check = integrity(folder / STORE_FILE)
        if check != "ok":
            raise BackupError(f"{folder / STORE_FILE} fails SQLite's integrity check: {check}")
    return Backup(folder, manifest)


def restore(config: SiteConfig, folder: Path, overwrite: bool = False) -> list[Path]:
    """Put a checked backup back where ``config`` says; returns the paths written.

    The collector and dashboard must be stopped first; an existing store is replaced only with
    ``overwrite`` (it is kept beside it as ``*.before-restore``).
    """
    backup = check_backup(folder)
    if backup.manifest.get("site") != config.site.id:
        raise BackupError(
            f"this backup is of site {backup.manifest.get('site')!r}, the config is of {config.site.id!r}"
        )
    written: list[Path] = []
    files = backup.manifest.get("files", {})
    if STORE_FILE in files:
        if config.store.type != "sqlite":
            raise BackupError("the backup holds a SQLite store, but the config's [store] is not sqlite")
        target = Path(config.store.path)
        if target.exists() and not overwrite:
            raise BackupError(f"{target} exists; stop the collector and the dashboard, then add --overwrite")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            _move_aside(target)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        _copy_sqlite(Path(folder) / STORE_FILE, target)
        con = sqlite3.connect(target)
        con.execute("PRAGMA journal_mode=WAL")  # as the store opens it
        con.close()
        written.append(target)
    current = register_files(config)
    shares = config.shares
    wanted = {
        "participants.csv": shares.participants,
        "holdings.csv": shares.holdings,
        "tokens.json": shares.tokens_path,
        "locked": shares.locked_dir,
    }
    for name, target in wanted.items():
        source = Path(folder) / "register" / name
        if target is None or not source.exists():
            continue
        target = Path(target)
        if name in current and not overwrite:
            raise BackupError(
                f"{target} exists; add --overwrite to replace it (it is kept as *.before-restore)"
            )
        if target.exists():
            _move_aside(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        written.append(target)
    return written


def _move_aside(path: Path) -> None:
    aside = path.with_name(path.name + ".before-restore")
    if aside.is_dir():
        shutil.rmtree(aside)
    else:
        aside.unlink(missing_ok=True)
    path.rename(aside)
