"""The whole test suite, several times in a row, while busy loops load every core.

Tests must wait for states, not for durations; this is how we check that they do. Run it with
``make test-stress``; it writes the ``test-stress`` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402


def _busy(stop: multiprocessing.synchronize.Event) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):  # check the flag now and then, not every turn
            x = (x * 31 + 7) % 1_000_003


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--loops", type=int, default=os.cpu_count() or 2, help="busy loops (default: one a core)"
    )
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (default: the whole suite)")
    args = parser.parse_args()
    stop = multiprocessing.Event()
    loops = [multiprocessing.Process(target=_busy, args=(stop,), daemon=True) for _ in range(args.loops)]
    for p in loops:
        p.start()
    rows: list[str] = []
    failed = 0
    try:
        for run in range(1, args.runs + 1):
            start = time.monotonic()
            res = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.pytest_args],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            minutes = (time.monotonic() - start) / 60
            summary = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else "(no output)"
            print(f"run {run}: exit {res.returncode}, {minutes:.1f} min: {summary}", flush=True)
            if res.returncode:
                failed += 1
                print(res.stdout[-4000:], flush=True)
            rows.append(
                f"| {run} | {'passed' if res.returncode == 0 else 'FAILED'} | {summary} | {minutes:.1f} min |"
            )
    finally:
        stop.set()
        for p in loops:
            p.join(5)
    write_section(
        "test-stress",
        [
            f"The whole suite {args.runs} times in a row while {args.loops} busy loops load the cores "
            "(`make test-stress`, scripts/test_stress.py). Target: every run passes.",
            "",
            "| run | result | pytest summary | time |",
            "|---|---|---|---|",
            *rows,
        ],
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
