"""``buurtwatt p1 decode`` and ``buurtwatt p1 listen``: check a telegram file or a live cable."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from buurtwatt.readings import Reading
from collector.health import DeviceHealth
from collector.p1.stream import TelegramStream

LABELS = {
    "bad_crc": "bad CRC",
    "truncated": "truncated",
    "unknown_spec": "unknown spec",
    "unparsable": "unparsable",
    "serial_unconfirmed": "unconfirmed meter serial",
}
SPEC_CHOICES = ("auto", "v5", "v4", "v2_2", "belgian")


def register(sub: Any) -> None:
    p1 = sub.add_parser("p1", help="P1 smart meter tools", description=__doc__)
    p1_sub = p1.add_subparsers(dest="p1_command", metavar="COMMAND", required=True)

    decode = p1_sub.add_parser("decode", help="decode telegrams from a file, one line per reading")
    decode.add_argument("file", type=Path, metavar="FILE", help="file with one or more telegrams")
    decode.add_argument("--spec", choices=SPEC_CHOICES, default="auto", help="DSMR spec (default: auto)")
    decode.add_argument("--json", action="store_true", help="one JSON object per reading")
    decode.set_defaults(func=cmd_decode)

    listen = p1_sub.add_parser("listen", help="show live readings from a P1 cable, gateway or HomeWizard")
    where = listen.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...")
    where.add_argument("--tcp", metavar="HOST:PORT", help="raw TCP stream (ser2net, Wi-Fi P1 gateway)")
    where.add_argument("--homewizard", metavar="HOST", help="HomeWizard P1 meter (API v1 unless --api v2)")
    listen.add_argument("--api", choices=("v1", "v2"), default="v1", help="HomeWizard API version")
    listen.add_argument("--token-env", metavar="NAME", help="environment variable holding the API v2 token")
    listen.add_argument("--spec", choices=SPEC_CHOICES, default="auto", help="DSMR spec (default: auto)")
    listen.add_argument("--seconds", type=float, metavar="N", help="stop after N seconds")
    listen.set_defaults(func=cmd_listen)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- decode ---------------------------------------------------------------------------------


def cmd_decode(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"buurtwatt p1 decode: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    # files are history: no clock check against today, leading junk is reported
    stream = TelegramStream(spec=args.spec, max_clock_skew_s=None, report_leading=True)
    now = time.time()
    outcomes = stream.feed(data, now) + stream.finish(now)
    try:
        return _print_decoded(args, data, outcomes)
    except BrokenPipeError:  # `| head` closed the pipe: not an error of the file
        sys.stderr.close()
        return 0


def _print_decoded(args: argparse.Namespace, data: bytes, outcomes: list[Any]) -> int:
    dropped = 0
    out = sys.stdout
    for number, outcome in enumerate(outcomes, start=1):
        if outcome.bad:
            dropped += 1
            line = data.count(b"\n", 0, outcome.offset) + 1
            label = LABELS.get(outcome.reason or "", outcome.reason)
            print(
                f"{args.file}: telegram {number} at byte {outcome.offset} (line {line}): "
                f"{label}: {outcome.detail}",
                file=sys.stderr,
            )
        for reason, detail in outcome.partial_drops:
            dropped += 1
            print(
                f"{args.file}: telegram {number} at byte {outcome.offset}: {LABELS.get(reason, reason)}: "
                f"{detail}",
                file=sys.stderr,
            )
        for reading in outcome.readings:
            out.write(_format(reading, args.json))
    if not outcomes:
        print(
            f"{args.file}: no telegram found (a telegram starts with '/' and ends with '!')", file=sys.stderr
        )
        return 1
    return 1 if dropped else 0


def _format(reading: Reading, as_json: bool) -> str:
    if as_json:
        return (
            json.dumps({"time": iso(reading.ts), "series": str(reading.series), "value": reading.value})
            + "\n"
        )
    return f"{iso(reading.ts)}  {reading.series:<26} {reading.value:g}\n"


# -- listen ---------------------------------------------------------------------------------


def _listen_config(args: argparse.Namespace) -> Any:
    from collector.p1.config import P1Config

    fields: dict[str, Any] = {"type": "p1", "name": "meter", "spec": args.spec, "silence_s": 30}
    if args.port:
        fields["port"] = args.port
    elif args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--tcp needs HOST:PORT, e.g. 192.168.1.20:23; found {args.tcp!r}")
        fields.update(host=host, tcp_port=int(port))
    else:
        fields.update(homewizard=args.homewizard, api=args.api)
        if args.api == "v2":
            if not args.token_env:
                raise ValueError(
                    "--api v2 needs --token-env NAME (the token is never given on the command line)"
                )
            fields["token"] = {"env": args.token_env}
    return P1Config.model_validate(fields)


class _Printer:
    """One line per telegram: power, totals, gas."""

    def __init__(self, health: DeviceHealth) -> None:
        self.health = health
        self.telegrams = 0
        self.gas: Reading | None = None
        self.lock = threading.Lock()

    def emit(self, readings: Sequence[Reading]) -> None:
        values = {r.quantity: r for r in readings if r.device == "meter"}
        for r in readings:
            if r.quantity == "gas_m3":
                self.gas = r
        if not values:
            return
        with self.lock:
            self.telegrams += 1
            ts = next(iter(values.values())).ts

            def v(name: str, fmt: str) -> str:
                return format(values[name].value, fmt) if name in values else "-"

            gas = f"gas {self.gas.value:.3f} m3 @ {iso(self.gas.ts)[11:16]}" if self.gas else "no gas"
            print(
                f"{iso(ts)}  import {v('import_w', '.0f')} W  export {v('export_w', '.0f')} W  "
                f"in {v('import_kwh', '.3f')} kWh  out {v('export_kwh', '.3f')} kWh  {gas}  "
                f"CRC errors {self.health.drops.get('bad_crc', 0)}",
                flush=True,
            )


def cmd_listen(args: argparse.Namespace) -> int:
    from collector.p1.source import P1Source
    from collector.source import SourceContext

    try:
        config = _listen_config(args)
    except ValueError as exc:
        print(f"buurtwatt p1 listen: {exc}", file=sys.stderr)
        return 2
    health = DeviceHealth(name="meter", type="p1")
    printer = _Printer(health)
    ctx = SourceContext(emit=printer.emit, health=health)
    source = P1Source(config, None)
    thread = threading.Thread(target=source.run, args=(ctx,), daemon=True, name="p1-listen")
    thread.start()
    deadline = time.monotonic() + args.seconds if args.seconds else None
    try:
        while thread.is_alive() and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    ctx.stopping.set()
    thread.join(5)
    stats = source.stream.stats
    print(
        f"{printer.telegrams} telegrams, {health.drops.get('bad_crc', 0)} CRC errors, "
        f"other drops {({k: n for k, n in health.drops.items() if k != 'bad_crc'}) or 'none'}, "
        f"reconnects {health.reconnects}; state {health.state.value}"
        f"{' (' + health.message + ')' if health.message else ''}",
        file=sys.stderr,
    )
    if stats.get("time_from_receive_no_clock") or stats.get("time_from_receive_clock_off"):
        print(
            "note: some times came from this computer's clock (meter without clock, or clock off)",
            file=sys.stderr,
        )
    return 0 if printer.telegrams else 1
