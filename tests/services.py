"""Real services for tests: mosquitto and InfluxDB on free loopback ports.

Outside CI a missing program skips the test with the reason; with CI=true it fails,
because CI installs everything through scripts/install-test-deps.sh.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


def require_program(*names: str) -> str:
    """Path of the first program found, or skip (fail under CI) naming the package."""
    for name in names:
        found = shutil.which(name) or next(
            (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None
        )
        if found:
            return found
    reason = f"{names[0]} is not installed (run scripts/install-test-deps.sh as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
    raise AssertionError("unreachable")


# Debian's Chromium as root, headless, with nothing that calls out of this closed network
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Any) -> Any:
    """A Playwright browser on Debian's Chromium (Playwright's own browser download does not work here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``check`` until it is true; fail the test naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_port(port: int, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


@dataclass
class ServiceProcess:
    """A server process that a test can stop and start again on the same port."""

    argv: list[str]
    port: int
    workdir: Path
    proc: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.workdir / "server.log"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"{self.argv[0]} did not start:\n{self.log.read_text()[-2000:]}") from None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        """Stop for good and remove the temporary folder."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def host(self) -> str:
        return "127.0.0.1"


def start_mosquitto(extra_conf: str = "", port: int | None = None) -> ServiceProcess:
    """Start Debian's mosquitto on a free loopback port with an anonymous listener.

    ``extra_conf`` replaces the default listener block when given (TLS, passwords).
    """
    binary = require_program("mosquitto")
    workdir = Path(tempfile.mkdtemp(prefix="bw-mosquitto-"))
    port = port or free_port()
    conf = workdir / "mosquitto.conf"
    body = extra_conf or f"listener {port} 127.0.0.1\nallow_anonymous true\n"
    conf.write_text(f"persistence false\nlog_dest stdout\n{body}")
    service = ServiceProcess([binary, "-c", str(conf)], port, workdir)
    service.start()
    return service


def start_influxdb() -> ServiceProcess:
    """Start Debian's influxd (1.6.x) with a temporary data directory."""
    binary = require_program("influxd")
    workdir = Path(tempfile.mkdtemp(prefix="bw-influx-"))
    port, bind = free_port(), free_port()
    conf = workdir / "influxdb.conf"
    conf.write_text(f"""
reporting-disabled = true
bind-address = "127.0.0.1:{bind}"
[meta]
  dir = "{workdir}/meta"
[data]
  dir = "{workdir}/data"
  wal-dir = "{workdir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{port}"
  log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
""")
    service = ServiceProcess([binary, "-config", str(conf)], port, workdir)
    service.start()
    return service
