"""Ways to get P1 bytes: serial cable, raw TCP, HomeWizard HTTP(S) polling, a file.

Each transport has ``open()``, ``read() -> bytes`` (waits at most about a second and
returns b"" when nothing came) and ``close()``. A lost link raises
:class:`LinkLost`; a rejected token raises :class:`AccessDenied`. Reconnecting is
the source's job, so a transport object is used for one connection only.
"""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path

import requests
import serial

from collector.p1.specs import SerialSetting

READ_WAIT_S = 0.5


class LinkLost(ConnectionError):
    """The connection is gone; reconnect."""


class AccessDenied(PermissionError):
    """The device refused us (HomeWizard token); a person must fix the config."""


class ReplayFinished(EOFError):
    """The replay file is read to the end."""


class SerialTransport:
    def __init__(self, port: str, setting: SerialSetting) -> None:
        self.port = port
        self.setting = setting
        self.name = f"serial {port} ({setting})"
        self._serial: serial.Serial | None = None

    def open(self) -> None:
        s = self.setting
        self._serial = serial.Serial(
            port=self.port,
            baudrate=s.baudrate,
            bytesize=serial.SEVENBITS if s.bytesize == 7 else serial.EIGHTBITS,
            parity=serial.PARITY_EVEN if s.parity == "E" else serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=READ_WAIT_S,
            xonxoff=False,
            rtscts=False,
        )
        # FTDI and similar drivers default to low latency, which costs CPU for nothing at 1 telegram/s;
        # ptys and some drivers have no such setting, then there is nothing to turn off
        with contextlib.suppress(OSError, ValueError, AttributeError, NotImplementedError):
            self._serial.set_low_latency_mode(False)

    def read(self) -> bytes:
        assert self._serial is not None
        try:
            data = self._serial.read(max(1, self._serial.in_waiting))
            if data and self._serial.in_waiting:
                data += self._serial.read(self._serial.in_waiting)
        except (serial.SerialException, OSError) as exc:
            raise LinkLost(f"serial port lost (unplugged?): {exc}") from None
        return data

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None


class TcpTransport:
    """A raw telegram stream (ser2net, Wi-Fi P1 gateways, ESPHome stream server)."""

    def __init__(self, host: str, port: int, connect_timeout_s: float = 10.0) -> None:
        self.host, self.port = host, port
        self.name = f"tcp://{host}:{port}"
        self.connect_timeout_s = connect_timeout_s
        self._sock: socket.socket | None = None

    def open(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        # TCP keep-alive lets the kernel notice a vanished gateway; the source also reconnects
        # when no bytes arrive for ``silence_s``, which covers links that stay "up" but quiet
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
            if hasattr(socket, option):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
        sock.settimeout(READ_WAIT_S)
        self._sock = sock

    def read(self) -> bytes:
        assert self._sock is not None
        try:
            data = self._sock.recv(65536)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise LinkLost(f"connection lost: {exc}") from None
        if not data:
            raise LinkLost("the gateway closed the connection")
        return data

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class HomeWizardTransport:
    """HomeWizard P1 meter: API v1 ``GET /api/v1/telegram`` or v2 ``GET /api/telegram`` with a token."""

    def __init__(
        self,
        host: str,
        api: str = "v1",
        token: str | None = None,
        verify: bool | str = False,
        poll_s: float = 1.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.api = api
        self.host = host
        if api == "v2":
            self.url = f"https://{host}/api/telegram"
        else:
            self.url = f"http://{host}/api/v1/telegram"
        self.name = f"HomeWizard {self.url}"
        self.token = token
        self.verify = verify
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self._session: requests.Session | None = None
        self._next = 0.0

    def open(self) -> None:
        self._session = requests.Session()
        if self.api == "v2":
            self._session.headers.update({"Authorization": f"Bearer {self.token}", "X-Api-Version": "2"})
            if self.verify is False:
                import urllib3

                # the device's certificate is signed by HomeWizard's own CA; unchecked is the default
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._next = time.monotonic()

    def read(self) -> bytes:
        assert self._session is not None
        wait = self._next - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, READ_WAIT_S))
            return b""
        self._next = max(self._next + self.poll_s, time.monotonic())
        try:
            response = self._session.get(self.url, timeout=self.timeout_s, verify=self.verify)
        except requests.RequestException as exc:
            raise LinkLost(self._why(exc)) from None
        if response.status_code in (401, 403):
            raise AccessDenied(
                f"{self.url} refused the token (HTTP {response.status_code}); "
                "create a new token on the device and update the config"
            )
        if response.status_code == 404 and self.api == "v1":
            raise LinkLost(f"{self.url} not found: is the local API switched on in the HomeWizard app?")
        if response.status_code != 200:
            raise LinkLost(f"{self.url} answered HTTP {response.status_code}")
        data = response.content
        return data if data.endswith(b"\n") else data + b"\r\n"

    def _why(self, exc: requests.RequestException) -> str:
        """One line naming the host and what to do, instead of urllib3's retry internals."""
        host = self.host
        text = repr(exc)
        if "NameResolution" in text or "Name or service not known" in text or "not resolve" in text:
            return f"the name {host!r} is not known on this network: check it, or give the meter's IP address"
        if isinstance(exc, requests.Timeout):
            return f"{host} did not answer within {self.timeout_s:g} s: is the meter on and on this network?"
        if isinstance(exc, requests.exceptions.SSLError):
            return (
                f"TLS to {host} failed: keep verify = false (the meter's own certificate) or fix the CA file"
            )
        if "refused" in text.lower():
            return (
                f"{host} refused the connection: is the local API switched on in the HomeWizard app "
                "(Settings > Meters > your meter > Local API)?"
            )
        return f"cannot reach {host} ({type(exc).__name__}): is the meter on and on this network?"

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


class ReplayTransport:
    """A file of telegrams, read once from start to end."""

    def __init__(self, path: Path, chunk: int = 65536) -> None:
        self.path = path
        self.name = f"replay {path}"
        self.chunk = chunk
        self._file = None

    def open(self) -> None:
        self._file = open(self.path, "rb")  # noqa: SIM115 - kept open across read() calls

    def read(self) -> bytes:
        assert self._file is not None
        data = self._file.read(self.chunk)
        if not data:
            raise ReplayFinished(f"{self.path} fully replayed")
        return data

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
