"""`buurtwatt demo` end to end: real simulators, the real collector and dashboard, Chromium."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.services import free_port, launch_chromium, require_program, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
# true once the display screen's panels show a power figure (the page is drawn by Dash first)
LIVE_POWER = "() => /[0-9]\\s?k?W/.test((document.querySelector('.k-panels') || {innerText: ''}).innerText)"


def demo_config(folder: Path) -> tuple[Path, int, int]:
    """config/demo.toml with its own store, free ports and absolute register paths."""
    text = (ROOT / "config" / "demo.toml").read_text()
    dash_port, health_port = free_port(), free_port()
    shares = ROOT / "config" / "shares"
    replacements = {
        '"../var/demo/buurtwatt.sqlite"': f'"{folder / "demo.sqlite"}"',
        '"../var/demo/tokens.json"': f'"{folder / "tokens.json"}"',
        '"../var/demo/locked"': f'"{folder / "locked"}"',
        '"shares/participants.example.csv"': f'"{shares / "participants.example.csv"}"',
        '"shares/holdings.example.csv"': f'"{shares / "holdings.example.csv"}"',
        '"shares/payments.example.csv"': f'"{shares / "payments.example.csv"}"',
        "port = 8050": f"port = {dash_port}",
        "health_port = 8765": f"health_port = {health_port}",
        "tcp_port = 18023": f"tcp_port = {free_port()}",
        "port = 15502": f"port = {free_port()}",
        "port = 15503": f"port = {free_port()}",
        "mqtt://127.0.0.1:18830": f"mqtt://127.0.0.1:{free_port()}",
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "demo.toml"
    path.write_text(text)
    return path, dash_port, health_port


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as r:
        return json.load(r)


def all_ok(h: dict) -> bool:
    return bool(h["devices"]) and all(d["state"] == "ok" or (d["state"] == "asleep") for d in h["devices"])


def test_demo_end_to_end(tmp_path: Path) -> None:
    require_program("chromium")
    from playwright.sync_api import sync_playwright

    config, dash_port, health_port = demo_config(tmp_path)
    started = time.monotonic()
    temp = tmp_path / "tmp"  # the demo's own temporary folder, to see what it leaves behind
    temp.mkdir()
    proc, output = start_demo(config, temp)
    try:
        ready_after = time.monotonic() - started
        text = "".join(output)
        links = re.findall(r"(http://\S+/mijn/\S+)", text)
        assert len(links) == 2, text
        assert f"http://127.0.0.1:{health_port}/health" in text
        deadline = time.monotonic() + 60
        while not all_ok(health(health_port)) and time.monotonic() < deadline:
            time.sleep(1)
        h = health(health_port)
        assert all_ok(h), h["devices"]
        assert {d["name"] for d in h["devices"]} == {"meter", "zon", "dak", "stekkers"}

        base = f"http://127.0.0.1:{dash_port}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            # the display screen shows live numbers (the flow panel with power in W or kW)
            page.goto(base + "/scherm?panel=flow")
            page.wait_for_function(LIVE_POWER, timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "demo-scherm-1920x1080.png"))
            # the CO2 page shows a year of data: monthly bars for twelve or more months
            page.goto(base + "/co2")
            page.wait_for_function(
                "() => document.querySelectorAll('.js-plotly-plot').length > 0", timeout=30_000
            )
            page.wait_for_timeout(2000)
            months = page.evaluate("""() => Math.max(...Array.from(
                document.querySelectorAll('.js-plotly-plot')).map(
                    el => Math.max(0, ...(el.data || []).map(tr => (tr.x || []).length))))""")
            assert months >= 12, f"the CO2 page shows {months} periods, not a year"
            page.screenshot(path=str(ARTIFACTS / "demo-co2-1920x1080.png"))
            # a participant's link shows that participant's kWh
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(links[0])
            phone.wait_for_function("() => /[0-9]\\s?kWh/.test(document.body.innerText)", timeout=30_000)
            body = phone.inner_text("body")
            assert "Anouk de Vries" in body  # P001's own name, and the page is hers
            phone.screenshot(path=str(ARTIFACTS / "demo-mijn-390x844.png"))
            browser.close()
        assert not [e for e in errors if "favicon" not in e], errors
        assert ready_after < 180, f"the demo took {ready_after:.0f} s to be ready"
    finally:
        children = stop_demo(proc)
    assert proc.returncode == 0, "".join(output)
    wait_until(lambda: not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE], 10)
    assert os.path.exists(tmp_path / "demo.sqlite")
    assert not list(temp.glob("buurtwatt-demo-mqtt-*")), "the demo left its broker folder behind"

    # started again, it prints the same participant links: they were handed out, they keep working
    proc, again = start_demo(config, temp)
    try:
        assert re.findall(r"(http://\S+/mijn/\S+)", "".join(again)) == links, "".join(again)
        with urllib.request.urlopen(links[0].split()[0], timeout=30) as response:
            assert response.status == 200
    finally:
        stop_demo(proc)
    assert proc.returncode == 0, "".join(again)
    assert not list(temp.glob("buurtwatt-demo-mqtt-*"))


def start_demo(config: Path, temp: Path) -> tuple[subprocess.Popen, list[str]]:
    """Start the demo; return when it printed its addresses (the dashboard answers then)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "buurtwatt_app", "demo", "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    output: list[str] = []
    while True:
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            pytest.fail("the demo stopped:\n" + "".join(output))
        output.append(line)
        if "Ctrl-C" in line:
            return proc, output


def stop_demo(proc: subprocess.Popen) -> list[psutil.Process]:
    """Ctrl-C, as a person would; returns the child processes it had."""
    children: list[psutil.Process] = []
    if proc.poll() is None:
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    return children
