"""Running `buurtwatt collect` as a real process, and reading its /health."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_collector(config: Path, *extra: str) -> subprocess.Popen:
    """The collector's log goes to collector.log beside the config (a pipe nobody reads could fill)."""
    with open(config.parent / "collector.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "buurtwatt_app", "collect", "--config", str(config), *extra],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
        return json.load(r)


def wait_health(port: int, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return health(port)
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the collector's /health did not answer")
