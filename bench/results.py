"""Shared by the benchmarks: the machine description and bench/RESULTS.md sections."""

from __future__ import annotations

import math
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\nEach section is written by its script in `bench/`; rerun with `make bench`.\n"
)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores ({model}){mem}, Python {platform.python_version()}, {platform.system()}"


def write_section(name: str, lines: list[str]) -> None:
    """Replace the ``## name`` section of RESULTS.md, keeping the others."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    body = (
        "\n".join(
            [f"## {name}", "", f"Machine: {machine()}. Date: {date.today().isoformat()}.", "", *lines, ""]
        )
        + "\n"
    )
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _m: body, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text)


def timed(fn: Callable[[], object], repeat: int = 20) -> tuple[float, float]:
    """Median and p95 (nearest rank) of ``repeat`` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, math.ceil(len(samples) * 0.95) - 1)]
