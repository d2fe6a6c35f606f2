"""Each entry module imports on its own, in a fresh interpreter: an import cycle that the test
run hides (because conftest imported everything in one order) breaks the commands and benches."""

from __future__ import annotations

import subprocess
import sys

import pytest

ENTRY_MODULES = [
    "buurtwatt.config",
    "buurtwatt.balance",
    "buurtwatt.store",
    "buurtwatt.shares.cli",
    "buurtwatt.alerts.runner",
    "buurtwatt.backup",
    "collector.runtime",
    "dashboard.app",
    "sim.demo.run",
    "buurtwatt_app",
]


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_module_imports_alone(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
