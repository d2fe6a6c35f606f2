"""Store files across releases: one written by an earlier release opens with every series intact,
an older layout is upgraded after a copy is kept, a newer one is refused with a clear message.

``data/store-v1.sqlite`` was written by ``data/make_store.py`` with schema version 1; it is
copied before each test opens it, so the kept file never changes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from buurtwatt.store import sqlite_db
from buurtwatt.store.base import Resolution
from buurtwatt.store.outbox import Outbox
from buurtwatt.store.schema_version import StoreVersionError
from buurtwatt.store.sqlite_db import RollupDb
from tests.store.data import make_store

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    shutil.copyfile(DATA / "store-v1.sqlite", path)
    return path


def set_marker(path: Path, key: str, version: int | None) -> None:
    con = sqlite3.connect(path)
    with con:
        if version is None:  # the layout before markers: the meta table, empty
            con.execute("DELETE FROM meta WHERE key=?", (key,))
        else:
            con.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, str(version)))
    con.close()


def marker(path: Path, key: str = "store_schema") -> str | None:
    con = sqlite3.connect(path)
    row = con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    con.close()
    return row[0] if row else None


def assert_every_series_as_written(path: Path, readonly: bool = False) -> None:
    expected = json.loads((DATA / "store-v1.expected.json").read_text(encoding="utf-8"))
    written: dict[str, list[tuple[float, float]]] = {}
    for r in make_store.readings():
        written.setdefault(str(r.series), []).append((float(r.ts), r.value))
    store = make_store.open_store(path, readonly=readonly)
    try:
        assert sorted(store.series_names()) == sorted(written) == sorted(expected["series"])
        for name, points in written.items():
            raw = store.read(name, make_store.START, make_store.END, Resolution.RAW)
            assert [(row.ts, row.value) for row in raw] == points, name
            for res in make_store.RESOLUTIONS:
                rows = [make_store.row_list(r) for r in store.read(name, 0, 4e9, res)]
                want = expected["series"][name][res.value]
                got = make_store.digest(rows) if res is Resolution.MIN1 else rows
                assert got == want, f"{name} at {res.value}"
        latest = store.latest(store.series_names())
        assert {k: make_store.row_list(v) for k, v in latest.items()} == expected["latest"]
    finally:
        store.close()


def test_a_store_of_this_release_reads_back_every_series(store_file: Path) -> None:
    assert marker(store_file) == "1"
    assert_every_series_as_written(store_file, readonly=True)
    assert_every_series_as_written(store_file)  # opened for writing: upgraded if it had to be
    assert marker(store_file) == str(sqlite_db.SCHEMA_VERSION)


def test_a_store_without_marker_is_upgraded_after_a_copy(store_file: Path) -> None:
    set_marker(store_file, "store_schema", None)  # version 0: the layout before the marker
    before = store_file.read_bytes()
    assert_every_series_as_written(store_file)
    assert marker(store_file) == str(sqlite_db.SCHEMA_VERSION)
    copy = store_file.with_name(f"store.sqlite.before-v{sqlite_db.SCHEMA_VERSION}")
    assert copy.exists()
    assert marker(copy) is None  # the copy is the file as it was
    con = sqlite3.connect(copy)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM raw").fetchone()[0] == len(make_store.readings())
    con.close()
    assert len(before) > 0


def test_a_newer_store_is_refused_with_what_to_do(store_file: Path) -> None:
    set_marker(store_file, "store_schema", 99)
    for readonly in (False, True):
        with pytest.raises(StoreVersionError) as refused:
            store = make_store.open_store(store_file, readonly=readonly)
            store.series_names()
        message = str(refused.value)
        assert "schema version 99" in message and "newer buurtwatt" in message
    assert marker(store_file) == "99"  # left as it was
    assert not list(store_file.parent.glob("*.before-*"))


def test_a_store_with_no_upgrade_path_is_refused(store_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_marker(store_file, "store_schema", None)
    monkeypatch.setattr(sqlite_db, "MIGRATIONS", {})
    with pytest.raises(StoreVersionError, match="cannot upgrade it"):
        make_store.open_store(store_file)
    assert marker(store_file) is None


def test_the_command_line_refuses_a_newer_store_with_exit_2(store_file: Path, tmp_path: Path) -> None:
    set_marker(store_file, "store_schema", 99)
    config = tmp_path / "site.toml"
    config.write_text(
        f'[site]\nname = "Test"\nid = "{make_store.SITE}"\nlatitude = 52.0\nlongitude = 4.3\n\n'
        f'[store]\ntype = "sqlite"\npath = "{store_file}"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", "export", "--config", str(config)]
        + ["--series", "meter:import_kwh", "--from", "2026-10-24", "--to", "2026-10-26"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "BUURTWATT_LANG": "en"},
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "schema version 99" in done.stderr and "Traceback" not in done.stderr


def test_the_outbox_records_its_version_and_is_upgraded_or_refused(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"

    def open_outbox() -> tuple[RollupDb, Outbox]:
        local = RollupDb(path, site="s")
        outbox = Outbox(path, "s", 10_000_000)
        outbox.open()
        return local, outbox

    local, _ = open_outbox()
    local.close()
    assert marker(path, "outbox_schema") == "1" and marker(path) == "1"
    set_marker(path, "outbox_schema", None)  # an outbox from before the marker
    local, outbox = open_outbox()
    local.close()
    assert marker(path, "outbox_schema") == "1"
    copy = path.with_name("outbox.sqlite.before-outbox-v1")
    assert copy.exists() and marker(copy, "outbox_schema") is None
    set_marker(path, "outbox_schema", 7)
    with pytest.raises(StoreVersionError, match="outbox .* schema version 7"):
        open_outbox()
