"""Modbus benchmark: polls per second against the local simulator, and collector CPU share.

1. One full SunSpec inverter read per poll (inverter model with its scale factors, plus
   model 160 where needed), as fast as possible against an in-process simulator.
2. Three inverters (simulators in separate processes, so their CPU is not counted) polled
   every 5 s by the sources' real run() loops in threads; the process CPU time of this
   collector process over wall time gives its share of one core (target <= 1 %).

Writes its section in bench/RESULTS.md.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402
from collector.modbus.config import SunSpecConfig  # noqa: E402
from collector.modbus.sunspec import SunSpecSource  # noqa: E402
from collector.source import collect_into  # noqa: E402
from sim.modbus import SunSpecSimulator  # noqa: E402
from tests.services import free_port, wait_for_port  # noqa: E402

POLL_SECONDS = 5.0
CPU_WALL_SECONDS = 60.0
TARGET_CPU_PCT = 1.0


def polls_per_second(layout: str) -> float:
    with SunSpecSimulator(layout, profile=lambda ts: 3000.0) as sim:
        source = SunSpecSource(SunSpecConfig(type="sunspec", name="bench", host="127.0.0.1", port=sim.port))
        source.poll(time.time())  # discovery is not part of a poll
        n, started = 0, time.perf_counter()
        while time.perf_counter() - started < POLL_SECONDS:
            source.poll(time.time())
            n += 1
        elapsed = time.perf_counter() - started
        source.close()
    return n / elapsed


def cpu_share_three_inverters() -> tuple[float, int]:
    ports = [free_port() for _ in range(3)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "sim.modbus", "--layout", layout, "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for layout, port in zip(("int", "solaredge", "der"), ports, strict=True)
    ]
    try:
        for port in ports:
            wait_for_port(port)
        readings: list = []
        contexts, threads = [], []
        for i, port in enumerate(ports):
            config = SunSpecConfig(type="sunspec", name=f"inv{i}", host="127.0.0.1", port=port, interval_s=5)
            ctx = collect_into(readings)
            thread = threading.Thread(target=SunSpecSource(config).run, args=(ctx,), daemon=True)
            contexts.append(ctx)
            threads.append(thread)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(CPU_WALL_SECONDS)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        for ctx in contexts:
            ctx.stopping.set()
        for thread in threads:
            thread.join(10)
        return 100.0 * cpu / wall, len(readings)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def main() -> int:
    results = {layout: polls_per_second(layout) for layout in ("int", "float", "der")}
    share, n = cpu_share_three_inverters()
    verdict = "(met)" if share <= TARGET_CPU_PCT else "(MISSED)"
    lines = [
        "The polls/s simulator runs in the benchmark process, so its CPU shares the core (a lower bound).",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        *(
            f"| polls/s, one full SunSpec read per poll, models {m} (loopback) | {results[k]:.0f} | - |"
            for k, m in (("int", "1+103+160"), ("float", "1+113+160"), ("der", "1+701+160"))
        ),
        f"| collector CPU, 3 inverters every 5 s ({CPU_WALL_SECONDS:.0f} s, {n} readings) | "
        f"{share:.3f} % of one core | <= {TARGET_CPU_PCT} % {verdict} |",
    ]
    print("\n".join(lines))
    write_section("modbus", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
