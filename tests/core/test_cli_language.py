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
