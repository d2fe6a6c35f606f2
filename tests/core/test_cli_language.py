"""Every command group speaks Dutch by default and English with BUURTWATT_LANG=en (real subprocess runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.toml")


def run(lang: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUURTWATT_LANG": lang, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_shares_check_in_both_languages():
    args = ("shares", "check", "--config", DEMO, "--today", "2025-06-01")
    nl, en = run("nl", *args), run("en", *args)
    assert nl.returncode == en.returncode == 0, nl.stderr + en.stderr
    assert "Deelnemers   60" in nl.stdout and "OK: het register is in orde." in nl.stdout
    assert "Participants  60" in en.stdout and "OK: the register is valid." in en.stdout


def test_balance_in_both_languages():
    args = ("balance", "--config", DEMO, "--from", "2025-01-02", "--to", "2025-01-01")
    nl, en = run("nl", *args), run("en", *args)
    assert nl.returncode == en.returncode == 2
    assert "--to mag niet vóór --from liggen" in nl.stderr
    assert "--to must not be before --from" in en.stderr


def test_import_prices_in_both_languages(tmp_path):
    from tests.tariffs.test_config_cli import SITE

    site = tmp_path / "site.toml"
    site.write_text(SITE)
    csv = tmp_path / "day-ahead.csv"
    csv.write_text("time,eur_per_kwh\n2027-01-01T00:00:00+01:00,0.081\n2027-01-01T01:00:00+01:00,0.079\n")
    nl = run("nl", "import-prices", str(csv), "--config", str(site))
    en = run("en", "import-prices", str(csv), "--config", str(site))
    assert nl.returncode == en.returncode == 0, nl.stderr + en.stderr
    assert "2 uur aan prijzen van 2027-01-01 00:00 tot 2027-01-01 01:00" in nl.stdout
    assert "2 hours of prices from 2027-01-01 00:00 to 2027-01-01 01:00" in en.stdout


def test_status_in_both_languages(tmp_path):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing answers on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    site = tmp_path / "site.toml"
    site.write_text(
        f'[site]\nname = "Test"\n[store]\ntype = "sqlite"\npath = "s.sqlite"\n'
        f'[collector]\nhealth_host = "127.0.0.1"\nhealth_port = {port}\n'
    )
    nl, en = run("nl", "status", "--config", str(site)), run("en", "status", "--config", str(site))
    assert nl.returncode == en.returncode == 1
    assert "De collector antwoordt niet op" in nl.stderr
    assert "The collector does not answer on" in en.stderr


def test_coach_in_both_languages():
    args = ("coach", "advice", "--persons", "2", "--reading", "2026-01-05,12000,9000,0,4500")
    nl, en = run("nl", *args), run("en", *args)
    assert nl.returncode == en.returncode == 2
    assert "geef --reading twee keer" in nl.stderr
    assert "give --reading twice" in en.stderr


def test_export_in_both_languages():
    args = (
        "export",
        "--config",
        DEMO,
        "--series",
        "meter:import_kwh",
        "--from",
        "2025-01-02",
        "--to",
        "2025-01-01",
    )
    nl, en = run("nl", *args), run("en", *args)
    assert nl.returncode == en.returncode == 2
    assert "fout: --to moet na --from liggen" in nl.stderr
    assert "error: --to must be after --from" in en.stderr


def test_p1_decode_in_both_languages(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("no telegrams here\n")
    nl, en = run("nl", "p1", "decode", str(empty)), run("en", "p1", "decode", str(empty))
    assert nl.returncode == en.returncode == 1
    assert "geen telegram gevonden" in nl.stderr
    assert "no telegram found" in en.stderr


def test_a_missing_store_is_named_without_a_traceback(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('[site]\nname = "Test"\n[store]\ntype = "sqlite"\npath = "nog-niet.sqlite"\n')
    nl = run("nl", "balance", "--config", str(site), "--from", "2025-01-01", "--to", "2025-01-02")
    args = (
        "export",
        "--config",
        str(site),
        "--series",
        "meter:import_kwh",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-02",
    )
    en = run("en", *args)
    assert nl.returncode == en.returncode == 1
    assert "Er is nog geen opslag op" in nl.stderr and "Traceback" not in nl.stderr
    assert "There is no store at" in en.stderr and "Traceback" not in en.stderr
