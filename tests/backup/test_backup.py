"""Backups made while the store is written, restored and compared series by series."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from buurtwatt.backup import BackupError, backups, check_backup, make_backup, restore
from buurtwatt.config import parse_config
from buurtwatt.readings import Reading
from buurtwatt.store.sqlite import SqliteStore
from tests.services import wait_until

SERIES = [("meter", "import_kwh"), ("meter", "import_w"), ("pv", "energy_kwh"), ("plug1", "power_w")]


def site_config(folder: Path, store: str = "var/store.sqlite") -> str:
    register = folder / "register"
    register.mkdir(exist_ok=True)
    (register / "participants.csv").write_text("id,name\np1,Fatima\n", encoding="utf-8")
    (register / "holdings.csv").write_text("participant,installation,shares\np1,dak,4\n", encoding="utf-8")
    (register / "tokens.json").write_text('{"p1": "hash"}', encoding="utf-8")
    (register / "locked").mkdir(exist_ok=True)
    (register / "locked" / "dak-2025.json").write_text("{}", encoding="utf-8")
    text = f"""
[site]
name = "Backup test"
id = "backup-test"
latitude = 52.0
longitude = 4.3

[store]
type = "sqlite"
path = "{store}"

[shares]
participants = "register/participants.csv"
holdings = "register/holdings.csv"
"""
    path = folder / "site.toml"
    path.write_text(text, encoding="utf-8")
    return text


def load(folder: Path):
    return parse_config((folder / "site.toml").read_text(), folder / "site.toml", folder)


class Writer(threading.Thread):
    """About 500 readings a second into the store, in 0.1-second batches, as the collector does."""

    def __init__(self, store: SqliteStore, start_ts: float) -> None:
        super().__init__(daemon=True)
        self.store, self.ts, self.stop = store, start_ts, threading.Event()
        self.batches = 0

    def run(self) -> None:
        energy = 1000.0
        while not self.stop.is_set():
            batch = []
            for _ in range(50 // len(SERIES)):
                self.ts += 1.0
                energy += 0.001
                for device, quantity in SERIES:
                    value = energy if quantity.endswith("kwh") else 100 + self.ts % 7
                    batch.append(Reading(device, quantity, self.ts, value))
            self.store.write(batch)
            self.batches += 1
            time.sleep(0.1)


def dump(path: Path, upto_ms: int) -> dict[str, list[tuple]]:
    """Every raw point and every closed hourly bucket, per series, up to a moment."""
    con = sqlite3.connect(path)
    names = dict(con.execute("SELECT id, name FROM series"))
    out: dict[str, list[tuple]] = {}
    for sid, name in names.items():
        raw = con.execute(
            "SELECT ts, value FROM raw WHERE sid=? AND ts<=? ORDER BY ts", (sid, upto_ms)
        ).fetchall()
        hours = con.execute(
            "SELECT ts, n, sum, vmin, vmax, first, last, inc FROM roll_1h "
            "WHERE sid=? AND ts+3600<=? ORDER BY ts",
            (sid, upto_ms // 1000),
        ).fetchall()
        out[name] = [*raw, *hours]
    con.close()
    return out


def test_backup_under_load_restores_every_series(tmp_path: Path) -> None:
    site_config(tmp_path)
    config = load(tmp_path)
    store = SqliteStore(config.store.path, site=config.site.id)
    writer = Writer(store, start_ts=1_790_000_000.0)
    writer.start()
    try:
        wait_until(lambda: writer.batches >= 20, timeout=60, what="the writer has written for a while")
        made = make_backup(config, tmp_path / "backups")
        after = writer.batches
        wait_until(lambda: writer.batches >= after + 10, timeout=60, what="writing went on during the backup")
    finally:
        writer.stop.set()
        writer.join(10)
        store.close()
    assert made.folder.name.startswith("buurtwatt-backup-test-")
    assert set(made.manifest["files"]) >= {
        "store.sqlite",
        "register/participants.csv",
        "register/holdings.csv",
        "register/tokens.json",
        "register/locked/dak-2025.json",
    }
    # the copy is one committed state: everything up to its newest point equals the live store
    con = sqlite3.connect(made.folder / "store.sqlite")
    newest_ms = con.execute("SELECT max(ts) FROM raw").fetchone()[0]
    con.close()
    live = dump(config.store.path, newest_ms)
    assert all(live.values()) and len(live) == len(SERIES)

    # restore into a fresh place (a new machine) and compare series by series
    fresh = tmp_path / "new-machine"
    fresh.mkdir()
    (fresh / "site.toml").write_text((tmp_path / "site.toml").read_text(), encoding="utf-8")
    written = restore(load(fresh), made.folder)
    assert fresh / "var" / "store.sqlite" in written
    assert dump(fresh / "var" / "store.sqlite", newest_ms) == live
    assert (fresh / "register" / "holdings.csv").read_text() == "participant,installation,shares\np1,dak,4\n"
    assert (fresh / "register" / "locked" / "dak-2025.json").exists()
    reopened = SqliteStore(fresh / "var" / "store.sqlite", site="backup-test")
    try:
        assert reopened.latest(["meter:import_kwh"])["meter:import_kwh"].value > 1000
    finally:
        reopened.close()


def test_a_damaged_backup_is_refused_and_nothing_is_replaced(tmp_path: Path) -> None:
    site_config(tmp_path)
    config = load(tmp_path)
    store = SqliteStore(config.store.path, site=config.site.id)
    store.write([Reading("meter", "import_kwh", 1_790_000_000.0, 5.0)])
    store.close()
    made = make_backup(config, tmp_path / "backups")
    (made.folder / "register" / "holdings.csv").write_text("participant,installation,shares\np1,dak,400\n")
    with pytest.raises(BackupError, match="changed or damaged"):
        check_backup(made.folder)
    with pytest.raises(BackupError, match="changed or damaged"):
        restore(config, made.folder, overwrite=True)
    assert "4\n" in (tmp_path / "register" / "holdings.csv").read_text()


def test_restore_never_overwrites_without_asking(tmp_path: Path) -> None:
    site_config(tmp_path)
    config = load(tmp_path)
    SqliteStore(config.store.path, site=config.site.id).close()
    made = make_backup(config, tmp_path / "backups")
    with pytest.raises(BackupError, match="--overwrite"):
        restore(config, made.folder)
    restore(config, made.folder, overwrite=True)
    assert Path(f"{config.store.path}.before-restore").exists()


def test_keep_prunes_old_backups_and_the_command_works(tmp_path: Path) -> None:
    site_config(tmp_path)
    config = load(tmp_path)
    SqliteStore(config.store.path, site=config.site.id).close()
    for _ in range(3):
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "buurtwatt_app",
                "backup",
                "--config",
                str(tmp_path / "site.toml"),
                "--to",
                str(tmp_path / "backups"),
                "--keep",
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={"BUURTWATT_LANG": "nl", "PATH": "/usr/bin:/bin"},
        )
        assert res.returncode == 0, res.stderr
        assert "Reservekopie gemaakt" in res.stdout
    assert len(backups(tmp_path / "backups", "backup-test")) == 2
    folder = backups(tmp_path / "backups", "backup-test")[-1]
    assert json.loads((folder / "manifest.json").read_text())["site"] == "backup-test"
