"""A P1 meter simulator: DSMR 5 / 4.2 / 2.2 (and Belgian) telegrams from a power profile.

Totals grow with the integrated power, gas is captured every 5 minutes (DSMR 5,
Belgium) or every hour (DSMR 4.2, 2.2). Telegrams can be served over TCP, over a
pty (so the serial code path runs for real) or written to a file, and faults can
be injected: bad CRC, truncated telegram, disconnect, meter replacement.

Run ``python -m sim.p1 --help`` for the stand-alone server.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import socket
import sys
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from collector.p1.framing import crc16

PowerProfile = Callable[[float], float]  # Unix time -> net power in W (import > 0, export < 0)
_TZ = ZoneInfo("Europe/Amsterdam")
VERSIONS = ("5", "4.2", "2.2", "be")


def household(ts: float) -> float:
    """A workshop with a solar roof: base load, an evening bump, solar around noon."""
    local = datetime.fromtimestamp(ts, _TZ)
    hour = local.hour + local.minute / 60 + local.second / 3600
    load = 350 + 900 * math.exp(-((hour - 19) ** 2) / 4) + 150 * math.sin(ts / 97.0)
    sun = max(0.0, math.sin(math.pi * (hour - 7) / 12)) * 3200 if 7 < hour < 19 else 0.0
    return load - sun


def _hex(text: str) -> str:
    return text.encode("ascii").hex().upper()


def meter_time(ts: float, flag: bool = True) -> str:
    """YYMMDDhhmmss local time, with S (summer) or W (winter) as DSMR 4/5 write it."""
    local = datetime.fromtimestamp(ts, _TZ)
    text = local.strftime("%y%m%d%H%M%S")
    if flag:
        text += "S" if local.dst() != timedelta(0) else "W"
    return text


@dataclass
class SimMeter:
    """One simulated meter. Call :meth:`telegram` for the next telegram (time advances)."""

    version: str = "5"
    serial: str = "BWSIM00000000001"
    gas_serial: str | None = "BWGAS00000000001"
    phases: int = 3
    start: float = 1_767_225_600.0  # 2026-01-01 00:00 UTC
    interval: float | None = None
    profile: PowerProfile = household
    gas_m3_per_h: float = 0.35
    gas_channel: int = 1  # > 1 puts empty placeholder channels before it, as some Iskra meters do
    import_t1: float = 12345.678
    import_t2: float = 23456.789
    export_t1: float = 3456.123
    export_t2: float = 4567.234
    gas_m3: float = 4321.000
    failures_short: int = 4
    failures_long: int = 2
    sags: list[int] = field(default_factory=lambda: [1, 0, 0])
    swells: list[int] = field(default_factory=lambda: [0, 2, 0])
    now: float = field(init=False)
    _gas_start: float = field(init=False)

    def __post_init__(self) -> None:
        if self.version not in VERSIONS:
            raise ValueError(f"version must be one of {VERSIONS}")
        if self.interval is None:
            self.interval = 1.0 if self.version in ("5", "be") else 10.0
        self.now = self.start
        self._gas_start = self.start

    # -- state ---------------------------------------------------------------------------
    def tariff(self, ts: float) -> int:
        """1 = low (nights and weekends), 2 = normal; NL numbering."""
        local = datetime.fromtimestamp(ts, _TZ)
        return 1 if local.weekday() >= 5 or local.hour >= 23 or local.hour < 7 else 2

    def advance(self, seconds: float) -> None:
        """Integrate the power profile over ``seconds`` into the totals."""
        steps = max(1, int(seconds // 1))
        dt = seconds / steps
        for i in range(steps):
            t = self.now + (i + 0.5) * dt
            kwh = self.profile(t) * dt / 3_600_000
            low = self.tariff(t) == 1
            if kwh >= 0:
                if low:
                    self.import_t1 += kwh
                else:
                    self.import_t2 += kwh
            elif low:
                self.export_t1 -= kwh
            else:
                self.export_t2 -= kwh
        self.now += seconds

    def gas_at(self, ts: float) -> float:
        return self.gas_m3 + self.gas_m3_per_h * max(0.0, ts - self._gas_start) / 3600

    def gas_capture(self) -> float:
        step = 300 if self.version in ("5", "be") else 3600
        return math.floor(self.now / step) * step

    def replace_meter(self, serial: str, gas_serial: str | None = None) -> None:
        """A new meter: counters restart near zero, and the gas meter too when ``gas_serial`` is given."""
        self.serial = serial
        self.import_t1 = self.import_t2 = self.export_t1 = self.export_t2 = 0.0
        self.failures_short = self.failures_long = 0
        self.sags, self.swells = [0, 0, 0], [0, 0, 0]
        if gas_serial:
            self.gas_serial = gas_serial
            self.gas_m3 = 0.0
            self._gas_start = self.now

    def power_failure(self) -> None:
        self.failures_short += 1

    # -- telegrams -----------------------------------------------------------------------
    def telegram(self) -> bytes:
        """Advance one interval and return the telegram for the new moment."""
        assert self.interval is not None
        self.advance(self.interval)
        return self.render()

    def telegrams(self, n: int) -> list[bytes]:
        return [self.telegram() for _ in range(n)]

    def render(self) -> bytes:
        lines = {"5": self._v5, "4.2": self._v42, "2.2": self._v22, "be": self._be}[self.version]()
        body = ("\r\n".join(lines) + "\r\n!").encode("ascii")
        if self.version == "2.2":
            return body + b"\r\n"
        return body + b"%04X\r\n" % crc16(body)

    def _powers(self) -> tuple[float, float, list[float], list[float], list[float], list[int]]:
        net = self.profile(self.now)
        imp, exp = max(net, 0.0) / 1000, max(-net, 0.0) / 1000
        shares = [1.0] if self.phases == 1 else [0.5, 0.3, 0.2]
        volts = [230.0 + 2.5 * math.sin(self.now / 60 + p) for p in range(len(shares))]
        amps = [int(round(abs(net) * s / v)) for s, v in zip(shares, volts, strict=True)]
        return imp, exp, [imp * s for s in shares], [exp * s for s in shares], volts, amps

    def _electricity(self, kwh: str, kw: str) -> list[str]:
        imp, exp, _, _, _, _ = self._powers()
        t = self.tariff(self.now)
        return [
            f"1-0:1.8.1({self.import_t1:{kwh}}*kWh)",
            f"1-0:1.8.2({self.import_t2:{kwh}}*kWh)",
            f"1-0:2.8.1({self.export_t1:{kwh}}*kWh)",
            f"1-0:2.8.2({self.export_t2:{kwh}}*kWh)",
            f"0-0:96.14.0({t:04d})",
            f"1-0:1.7.0({imp:{kw}}*kW)",
            f"1-0:2.7.0({exp:{kw}}*kW)",
        ]

    def _events(self) -> list[str]:
        codes = ("32", "52", "72")[: self.phases]
        return [
            f"0-0:96.7.21({self.failures_short:05d})",
            f"0-0:96.7.9({self.failures_long:05d})",
            "1-0:99.97.0(1)(0-0:96.7.19)(251012091523S)(0000000240*s)",
            *(f"1-0:{c}.32.0({self.sags[i]:05d})" for i, c in enumerate(codes)),
            *(f"1-0:{c}.36.0({self.swells[i]:05d})" for i, c in enumerate(codes)),
        ]

    def _phases(self, volts_too: bool) -> list[str]:
        _, _, pin, pout, volts, amps = self._powers()
        out = []
        if volts_too:
            out += [f"1-0:{c}.7.0({v:05.1f}*V)" for c, v in zip(("32", "52", "72"), volts, strict=False)]
        out += [f"1-0:{c}.7.0({a:03d}*A)" for c, a in zip(("31", "51", "71"), amps, strict=False)]
        out += [f"1-0:{c}.7.0({p:06.3f}*kW)" for c, p in zip(("21", "41", "61"), pin, strict=False)]
        out += [f"1-0:{c}.7.0({p:06.3f}*kW)" for c, p in zip(("22", "42", "62"), pout, strict=False)]
        return out

    def _mbus(self, reading_code: str = "24.2.1", id_code: str = "96.1.0") -> list[str]:
        if not self.gas_serial:
            return []
        out = []
        for ch in range(1, self.gas_channel):  # empty channels, as seen in the field
            out += [f"0-{ch}:24.1.0(000)", f"0-{ch}:96.1.0()", f"0-{ch}:24.2.1(700101010000W)(00000000)"]
        ch, cap = self.gas_channel, self.gas_capture()
        return out + [
            f"0-{ch}:24.1.0(003)",
            f"0-{ch}:{id_code}({_hex(self.gas_serial)})",
            f"0-{ch}:{reading_code}({meter_time(cap)})({self.gas_at(cap):09.3f}*m3)",
        ]

    def _v5(self) -> list[str]:
        return [
            "/ISK5\\2M550T-1012",
            "",
            "1-3:0.2.8(50)",
            f"0-0:1.0.0({meter_time(self.now)})",
            f"0-0:96.1.1({_hex(self.serial)})",
            *self._electricity("010.3f", "06.3f"),
            *self._events(),
            "0-0:96.13.0()",
            *self._phases(True),
            *self._mbus(),
        ]

    def _v42(self) -> list[str]:
        return [
            "/KFM5KAIFA-METER",
            "",
            "1-3:0.2.8(42)",
            f"0-0:1.0.0({meter_time(self.now)})",
            f"0-0:96.1.1({_hex(self.serial)})",
            *self._electricity("010.3f", "06.3f"),
            *self._events(),
            "0-0:96.13.1()",
            "0-0:96.13.0()",
            *self._phases(False),
            *self._mbus(),
        ]

    def _v22(self) -> list[str]:
        out = [
            "/ISk5\\2ME382-1003",
            "",
            f"0-0:96.1.1({_hex(self.serial)})",
            *self._electricity("09.3f", "07.2f"),
            "0-0:17.0.0(0999.00*kW)",
            "0-0:96.3.10(1)",
            "0-0:96.13.1()",
            "0-0:96.13.0()",
        ]
        if self.gas_serial:
            cap = self.gas_capture()
            out += [
                "0-1:24.1.0(3)",
                f"0-1:96.1.0({_hex(self.gas_serial)})",
                f"0-1:24.3.0({meter_time(cap, flag=False)})(00)(60)(1)(0-1:24.2.1)(m3)",
                f"({self.gas_at(cap):09.3f})",
                "0-1:24.4.0(1)",
            ]
        return out

    def _be(self) -> list[str]:
        imp = self._powers()[0]
        # Belgian tariff numbering is reversed (1 = day); the register layout is NL otherwise
        t = self.tariff(self.now)
        elec = self._electricity("010.3f", "06.3f")
        elec[0:4] = [
            f"1-0:1.8.1({self.import_t2:010.3f}*kWh)",
            f"1-0:1.8.2({self.import_t1:010.3f}*kWh)",
            f"1-0:2.8.1({self.export_t2:010.3f}*kWh)",
            f"1-0:2.8.2({self.export_t1:010.3f}*kWh)",
        ]
        elec[4] = f"0-0:96.14.0({3 - t:04d})"
        stamp = meter_time(self.now)
        return [
            "/FLU5\\253769484_A",
            "",
            "0-0:96.1.4(50217)",
            f"0-0:96.1.1({_hex(self.serial)})",
            f"0-0:1.0.0({stamp})",
            *elec[:5],
            f"1-0:1.4.0({imp:06.3f}*kW)",
            f"1-0:1.6.0({stamp})({imp:06.3f}*kW)",
            "0-0:98.1.0(1)(1-0:1.6.0)(1-0:1.6.0)(251001000000S)(250915184500S)(04.318*kW)",
            *elec[5:],
            *self._phases(True),
            "0-0:96.3.10(1)",
            "0-0:17.0.0(999.9*kW)",
            "1-0:31.4.0(999*A)",
            "0-0:96.13.0()",
            *self._mbus("24.2.3", "96.1.1"),
        ]


# -- faults -------------------------------------------------------------------------------


def corrupt(telegram: bytes) -> bytes:
    """Change one digit of the 1.8.1 register and keep the old CRC: a bad-CRC telegram."""
    at = telegram.index(b"1.8.1(") + 7
    digit = telegram[at : at + 1]
    return telegram[:at] + (b"7" if digit != b"7" else b"3") + telegram[at + 1 :]


def truncate(telegram: bytes, keep: float = 0.5) -> bytes:
    return telegram[: int(len(telegram) * keep)]


def write_file(path: Path, telegrams: Iterable[bytes]) -> Path:
    path.write_bytes(b"".join(telegrams))
    return path


# -- transports ---------------------------------------------------------------------------


class TcpSimulator:
    """A loopback TCP server that sends whatever the test asks, to one client at a time."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.2)
        self.host, self.port = self._server.getsockname()[:2]
        self._client: socket.socket | None = None
        self._connected = threading.Condition()
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="p1-sim-tcp")
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            with self._connected:
                if self._client:
                    self._client.close()
                self._client = conn
                self.connections += 1
                self._connected.notify_all()

    def wait_client(self, timeout: float = 10.0, count: int | None = None) -> None:
        """Wait for a client (or for the ``count``-th connection)."""
        want = count if count is not None else max(1, self.connections)
        with self._connected:
            if not self._connected.wait_for(
                lambda: self._client is not None and self.connections >= want, timeout
            ):
                raise TimeoutError(f"no client connected within {timeout} s")

    def send(self, data: bytes) -> None:
        with self._connected:
            client = self._client
        if client is None:
            raise ConnectionError("no client")
        client.sendall(data)

    def drop_client(self) -> None:
        with self._connected:
            if self._client:
                self._client.close()
            self._client = None

    def close(self) -> None:
        self._stop.set()
        self.drop_client()
        self._server.close()
        self._thread.join(2)


class PtySimulator:
    """A pseudo terminal standing in for a USB P1 cable.

    ``path`` is a symlink (like /dev/serial/by-id/...) to the pty; :meth:`unplug` closes
    the pty and removes the link, :meth:`plug` makes a new pty behind the same link.
    """

    def __init__(self, link: Path) -> None:
        self.path = link
        self._master: int | None = None
        self._slave: int | None = None
        self.plug()

    def plug(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation: bytes as a cable gives them
        if self.path.is_symlink() or self.path.exists():
            self.path.unlink()
        self.path.symlink_to(os.ttyname(self._slave))

    def send(self, data: bytes) -> None:
        assert self._master is not None, "unplugged"
        os.write(self._master, data)

    def unplug(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        if self.path.is_symlink():
            self.path.unlink()

    def close(self) -> None:
        self.unplug()


# -- stand-alone ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.p1", description=__doc__.splitlines()[0])
    parser.add_argument("--version", choices=VERSIONS, default="5", help="DSMR version of the telegrams")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT")
    where.add_argument("--pty", type=Path, metavar="LINK", help="serve on a pty behind this symlink")
    where.add_argument("--file", type=Path, help="write telegrams to this file and exit")
    parser.add_argument("--count", type=int, default=3600, help="number of telegrams")
    parser.add_argument(
        "--realtime", action="store_true", help="start at the current time, pace at the interval"
    )
    parser.add_argument(
        "--bad-crc-every", type=int, default=0, metavar="N", help="corrupt every N-th telegram"
    )
    args = parser.parse_args(argv)
    meter = SimMeter(version=args.version, start=time.time() if args.realtime else SimMeter.start)

    def faults(i: int, telegram: bytes) -> bytes:
        return corrupt(telegram) if args.bad_crc_every and i % args.bad_crc_every == 0 else telegram

    if args.file:
        write_file(args.file, (faults(i + 1, meter.telegram()) for i in range(args.count)))
        print(f"wrote {args.count} DSMR {args.version} telegrams to {args.file}")
        return 0
    sink: TcpSimulator | PtySimulator
    if args.tcp is not None:
        sink = TcpSimulator(port=args.tcp)
        print(f"serving DSMR {args.version} on tcp://{sink.host}:{sink.port}", flush=True)
    else:
        sink = PtySimulator(args.pty)
        print(f"serving DSMR {args.version} on {args.pty}", flush=True)
    try:
        for i in range(args.count):
            with contextlib.suppress(ConnectionError, OSError):  # no client: a real meter sends anyway
                sink.send(faults(i + 1, meter.telegram()))
            time.sleep(meter.interval or 1.0)
    except KeyboardInterrupt:
        pass
    finally:
        sink.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
