"""The command line is safe by default: writing commands need a config, read-only ones say when
they fall back to the demo, check-config shows the defaults it fills in, and --version works.

The commands run in-process (``buurtwatt_app.main``) in an empty folder, except --version and
--help, which run as the installed command would, in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from buurtwatt import __version__
from buurtwatt.commands.config import LOCAL_CONFIG, config_path
from buurtwatt.config import DEFAULT_CONFIG
from buurtwatt_app import main as buurtwatt

ROOT = Path(__file__).resolve().parents[2]

SITE = """
[site]
name = "Wijkcentrum"
id = "wijk"
latitude = 52.0
longitude = 4.3

[store]
type = "sqlite"
path = "store.sqlite"
"""

WRITING = [
    ["collect", "--seconds", "1"],
    ["shares", "confirm", "--year", "2025"],
    ["shares", "links"],
    ["import-intensity", "intensity.csv"],
    ["backup", "--to", "backups"],
    ["restore", "backups/x"],
    ["import-prices", "prices.csv"],
]


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUURTWATT_LANG", "en")
    return tmp_path


@pytest.mark.parametrize("argv", WRITING, ids=lambda a: " ".join(a[:2]))
def test_writing_commands_need_a_config(
    argv: list[str], empty_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        buurtwatt(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "needs a config" in err and "--config" in err and LOCAL_CONFIG in err
    assert not list(empty_folder.iterdir())  # nothing written anywhere here


def test_the_refusal_is_in_dutch_by_default(
    empty_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BUURTWATT_LANG")
    with pytest.raises(SystemExit):
        buurtwatt(["shares", "confirm", "--year", "2025"])
    assert "Deze opdracht schrijft gegevens" in capsys.readouterr().err


def test_a_buurtwatt_toml_in_the_folder_is_used(empty_folder: Path) -> None:
    (empty_folder / LOCAL_CONFIG).write_text(SITE, encoding="utf-8")
    assert config_path(None, writes=True) == empty_folder / LOCAL_CONFIG
    assert config_path("other.toml", writes=True) == Path("other.toml")


def test_read_only_commands_say_they_use_the_demo_config(
    empty_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert buurtwatt(["check-config"]) == 0
    captured = capsys.readouterr()
    assert f"using the demo config {DEFAULT_CONFIG}" in captured.err
    assert "moerwijk-demo" in captured.out


def test_check_config_shows_the_defaults_it_fills_in(
    empty_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty_folder / LOCAL_CONFIG).write_text(
        SITE + '\n[[devices]]\ntype = "sunspec"\nname = "pv"\nhost = "192.168.1.50"\n', encoding="utf-8"
    )
    assert buurtwatt(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "port 502 (default)" in out  # Modbus TCP's standard port, shown, not hidden
    assert "interval_s 5.0 (default)" in out
    assert "health_port 8765 (default)" in out and "port 8050 (default)" in out
    assert "OK: the config is valid." in out


def test_check_config_in_dutch(
    empty_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BUURTWATT_LANG", "nl")
    (empty_folder / LOCAL_CONFIG).write_text(
        SITE + '\n[[devices]]\ntype = "sunspec"\nname = "pv"\nhost = "192.168.1.50"\n', encoding="utf-8"
    )
    assert buurtwatt(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "port 502 (standaard)" in out and "OK: de config is in orde." in out


def test_a_p1_gateway_without_port_is_refused(empty_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (empty_folder / LOCAL_CONFIG).write_text(
        SITE + '\n[[devices]]\ntype = "p1"\nhost = "192.168.1.20"\n', encoding="utf-8"
    )
    with pytest.raises(SystemExit) as stopped:
        buurtwatt(["check-config"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "needs tcp_port" in err and "does not guess" in err


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "BUURTWATT_LANG": "en"},
        timeout=60,
    )


def test_version_and_help() -> None:
    done = run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"buurtwatt {__version__}"
    done = run("--help")
    assert done.returncode == 0 and "``" not in done.stdout
    assert "measure, store and show" in done.stdout
