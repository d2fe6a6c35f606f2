"""Regenerate the README's screenshots from the demo (``make screenshots``).

Starts ``buurtwatt demo``, opens the display screen at 1920x1080 and a participant's
page at 390x844 in Debian's Chromium, saves them in docs/img/, and stops the demo.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import launch_chromium  # noqa: E402

# true once the display screen's panels show a power figure (the page is drawn by Dash first)
LIVE_POWER = "() => /[0-9]\\s?k?W/.test((document.querySelector('.k-panels') || {innerText: ''}).innerText)"


def main() -> int:
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    demo = subprocess.Popen(
        [sys.executable, "-m", "buurtwatt_app", "demo", "--config", str(ROOT / "config" / "demo.toml")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        for line in demo.stdout:
            print(line, end="")
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        screen = re.search(r"(http://\S+/scherm)\b", text)
        links = re.findall(r"(http://\S+/mijn/\S+)", text)
        if not screen or not links:
            print("the demo did not start; see its messages above", file=sys.stderr)
            return 1
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(screen.group(1) + "?panel=flow")
            page.wait_for_function(LIVE_POWER, timeout=60_000)
            page.wait_for_timeout(3000)
            page.screenshot(path=str(out / "scherm.png"))
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.goto(links[0])
            phone.wait_for_function("() => /[0-9]\\s?kWh/.test(document.body.innerText)", timeout=60_000)
            phone.wait_for_timeout(2000)
            phone.screenshot(path=str(out / "mijn.png"))
            browser.close()
        print(f"saved {out / 'scherm.png'} and {out / 'mijn.png'}")
        return 0
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(30)


if __name__ == "__main__":
    sys.exit(main())
