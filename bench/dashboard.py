"""Dashboard benchmark: a year of data, callback times per page, first-load bytes, time to numbers, RSS.

Run: .venv/bin/python bench/dashboard.py   (writes its section of bench/RESULTS.md)
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buurtwatt.store.sqlite import SqliteStore  # noqa: E402
from tests.dashboard.fill import readings, write_config  # noqa: E402
from tests.services import free_port, launch_chromium, wait_for_port  # noqa: E402

PAGES = ["/", "/scherm", "/historie", "/co2", "/coach", "/stad", "/beheer"]
STEP_S = 300  # a year at 5-minute steps keeps the fill under a minute


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as f:
        model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    return f"{platform.machine()} {model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def fill(folder: Path) -> Path:
    now = time.time()
    # started on the first whole day of data
    config = write_config(folder, started=date.fromtimestamp(now - 364 * 86400).isoformat())
    store = SqliteStore(folder / "store.sqlite", site="test", tz="Europe/Amsterdam")
    day = 86400
    for start in range(int(now - 365 * day), int(now), 30 * day):
        store.write(readings(start, min(start + 30 * day, now - 1), STEP_S))
    store.close()
    return config


def participant_link(config: Path) -> str:
    """A personal link for the participant page (P017 repays from the yield: the fullest page)."""
    from buurtwatt.config import load_config
    from buurtwatt.shares.tokens import TokenStore

    return "/mijn/" + TokenStore(load_config(config).shares.tokens_path).issue("P017")


def compressed() -> bool:
    try:
        import flask_compress  # noqa: F401
    except ImportError:
        return False
    return True


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    rank = max(0, -(-95 * len(ordered) // 100) - 1)  # nearest-rank 95th percentile
    return {
        "median_ms": statistics.median(ordered) if ordered else None,
        "p95_ms": ordered[rank] if ordered else None,
    }


def measure(url: str, pid: int, pages: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    proc = psutil.Process(pid)
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.1):
            peak[0] = max(peak[0], proc.memory_info().rss)

    threading.Thread(target=watch, daemon=True).start()
    results: dict = {"pages": {}}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for path in pages:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            sizes: list[int] = []
            timings: list[float] = []  # browser resource timing: request sent to last byte in
            seen: list[float] = []  # as the test driver sees it (adds browser and driver event delays)
            starts: dict = {}
            page.on("request", lambda r, s=starts: s.__setitem__(r, time.perf_counter()))

            def done(request, sizes=sizes, timings=timings, seen=seen, starts=starts) -> None:
                with contextlib.suppress(Exception):  # aborted requests have no sizes
                    info = request.sizes()
                    sizes.append(info["responseBodySize"] + info["responseHeadersSize"])
                if "_dash-update-component" in request.url:
                    timing = request.timing
                    if timing["requestStart"] >= 0 and timing["responseEnd"] >= 0:
                        timings.append(timing["responseEnd"] - timing["requestStart"])
                    if request in starts:
                        seen.append((time.perf_counter() - starts[request]) * 1000)

            page.on("requestfinished", done)
            t0 = time.perf_counter()
            # the store has no fresh readings here, so the screen is pinned to today's kWh panel
            page.goto(url + path + ("?panel=today" if path == "/scherm" else ""))
            if path == "/scherm":
                page.wait_for_function(r"/\d+,\d+\s?kWh/.test(document.body.innerText)", timeout=20000)
                results["screen_numbers_s"] = time.perf_counter() - t0
            page.wait_for_timeout(6000)  # live pages run a few 2-s rounds
            results["pages"][path] = {
                "bytes": sum(sizes),
                "callbacks": len(timings),
                **summary(timings),
                "seen_p95_ms": summary(seen)["p95_ms"],
            }
            page.close()
        browser.close()
    stop.set()
    results["peak_rss_mb"] = peak[0] / 1e6
    return results


# Chrome DevTools' "Fast 4G" preset (front_end/core/sdk/NetworkManager.ts, Fast4GConditions):
# 9 Mbit/s down and 1.5 Mbit/s up, each times 0.9, and 60 ms x 2.75 = 165 ms latency.
FAST_4G = {
    "offline": False,
    "downloadThroughput": 9_000_000 / 8 * 0.9,
    "uploadThroughput": 1_500_000 / 8 * 0.9,
    "latency": 60 * 2.75,
}
PHONE_TARGET_S = 2.0  # first number on screen
PHONE_TARGET_BYTES = 600_000  # a first visit to /mijn/<token>
# a number with a unit, in the page's own content (not the nav, not the "…" placeholders)
FIRST_NUMBER = r"/\d\s?(kWh|kW|W|kg|m³|%|€|zonnedelen|ppm)|€\s?\d/"


def measure_phone(url: str, pages: list[str]) -> dict[str, dict]:
    """Each page as a first visit on a phone (390x844, empty cache) under Fast 4G: bytes as
    transferred (Chromium's encodedDataLength: headers and compressed bodies) and the time from
    navigation until the page's content shows a number with its unit."""
    from playwright.sync_api import sync_playwright

    out: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for path in pages:
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", FAST_4G)
            transferred = [0]
            cdp.on(
                "Network.loadingFinished",
                lambda e, n=transferred: n.__setitem__(0, n[0] + e["encodedDataLength"]),
            )
            t0 = time.perf_counter()
            # the clock runs from navigation to the first number, not to the load event
            target = url + path + ("?panel=today" if path == "/scherm" else "")
            page.goto(target, wait_until="commit", timeout=60000)
            if path == "/beheer":  # the login form has no number: until it can be used
                page.wait_for_selector("#login-form #password", timeout=30000)
            else:
                page.wait_for_function(
                    f"() => {{ const m = document.querySelector('#page-main, #page-root, body');"
                    f" return {FIRST_NUMBER}.test(m.innerText.replace(/…/g, '')); }}",
                    timeout=30000,
                )
            first_s = time.perf_counter() - t0
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)  # charts fetch their plotting code after the first paint
            out[path] = {"first_number_s": first_s, "bytes": transferred[0]}
            context.close()
        browser.close()
    return out


def write_results(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## dashboard\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(text, old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    path.write_text(new)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        config = fill(folder)
        fill_s = time.perf_counter() - t0
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "buurtwatt_app",
                "dashboard",
                "--config",
                str(config),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for_port(port, 30)
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health").read()
            link = participant_link(config)
            # a participant's figures are worked out on the first visit of the day, then kept
            res = measure(f"http://127.0.0.1:{port}", proc.pid, [*PAGES, link, link + "?again"])
            phone = measure_phone(f"http://127.0.0.1:{port}", [link, *PAGES])
        finally:
            proc.terminate()
            proc.wait(10)
    lines = [
        "## dashboard",
        "",
        f"Machine: {machine()}. Date: {date.today().isoformat()}. Store: SQLite, one year at "
        f"{STEP_S // 60}-minute steps (filled in {fill_s:.0f} s). Server: waitress, 6 threads. "
        "Callback time is the browser's resource timing per `_dash-update-component` request "
        "(request sent to last byte received: server time plus loopback), over a 6-second visit per page "
        "with an empty browser cache. Bytes are as transferred (headers and body).",
        "",
        "| page | callbacks | median ms | p95 ms (target <= 150) | first-load bytes |",
        "|---|---|---|---|---|",
    ]
    for path, r in res["pages"].items():
        if path.startswith("/mijn/"):
            path = "/mijn/<token> " + ("(again, cached)" if path.endswith("?again") else "(first today)")
        med = "–" if r["median_ms"] is None else f"{r['median_ms']:.0f}"
        p95 = "–" if r["p95_ms"] is None else f"{r['p95_ms']:.0f}"
        lines.append(f"| `{path}` | {r['callbacks']} | {med} | {p95} | {r['bytes']:,} |")
    lines += [
        "",
        f"- Display screen shows numbers after {res.get('screen_numbers_s', float('nan')):.2f} s "
        "(target <= 3 s on the 2-core machine).",
        f"- Peak RSS of the dashboard server: {res['peak_rss_mb']:.0f} MB (target <= 250 MB).",
        "- First-load bytes include the vendored Bootstrap 5.2.3 CSS and Dash's JS bundles (Plotly "
        "only on pages with charts); "
        + (
            "gzip through flask-compress."
            if compressed()
            else "sent uncompressed (flask-compress is not installed)."
        ),
        "- The roof is settled once a day for all participants (at start-up, then by the first "
        "visitor of a new day); each participant's own figures are kept for the day.",
        "",
        "### On a phone: Fast 4G",
        "",
        'A first visit per page (empty cache, 390x844) under Chrome DevTools\' "Fast 4G" preset, set '
        "through CDP `Network.emulateNetworkConditions`: 8.1 Mbit/s down (9 x 0.9), 1.35 Mbit/s up "
        "(1.5 x 0.9), 165 ms latency. Bytes are Chromium's `encodedDataLength` (as transferred). "
        "First number: navigation start until the page shows a number with its unit (`/beheer`: "
        "until the login form can be used).",
        "",
        f"| page | first number s (target <= {PHONE_TARGET_S:.0f}) | bytes transferred | bytes target |",
        "|---|---|---|---|",
    ]
    for path, r in phone.items():
        mine = path.startswith("/mijn/")
        target = f"<= {PHONE_TARGET_BYTES:,}" if mine else "–"
        name = "/mijn/<token>" if mine else path
        ok_s = "" if r["first_number_s"] <= PHONE_TARGET_S else " (over)"
        ok_b = " (over)" if mine and r["bytes"] > PHONE_TARGET_BYTES else ""
        lines.append(f"| `{name}` | {r['first_number_s']:.2f}{ok_s} | {r['bytes']:,}{ok_b} | {target} |")
    lines.append("")
    text = "\n".join(lines) + "\n"
    print(text)
    print(json.dumps({**res, "phone": phone}, indent=1))
    write_results(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
