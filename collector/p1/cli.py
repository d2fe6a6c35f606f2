"""``buurtwatt p1 decode`` and ``buurtwatt p1 listen``: check a telegram file or a live cable."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from buurtwatt.i18n import cli_language, t
from buurtwatt.readings import Reading
from buurtwatt.series import UnknownSeries
from buurtwatt.timeutil import iso_utc
from buurtwatt.units import UnitError, convert
from collector.health import DeviceHealth
from collector.p1.specs import SPEC_CHOICES, describe
from collector.p1.stream import Outcome, TelegramStream

REASONS = (
    "bad_crc",
    "truncated",
    "unknown_spec",
    "unparsable",
    "serial_unconfirmed",
    "unreadable_line",
    "unreadable_value",
)
CHUNK = 1 << 16  # bytes read from a file at a time: memory stays flat whatever the file's size


def reason_label(reason: str, lang: str) -> str:
    """A drop reason in words; an unknown one as it is."""
    return t(f"p1.reason.{reason}", lang) if reason in REASONS else reason


def register(sub: Any) -> None:
    p1 = sub.add_parser("p1", help="P1 smart meter tools", description=__doc__)
    p1_sub = p1.add_subparsers(dest="p1_command", metavar="COMMAND", required=True)
    spec_help = f"DSMR spec (default: auto). {describe()}"

    decode = p1_sub.add_parser("decode", help="decode telegrams from a file, one line per reading")
    decode.add_argument("file", type=Path, metavar="FILE", help="file with one or more telegrams")
    decode.add_argument("--spec", choices=SPEC_CHOICES, default="auto", help=spec_help)
    decode.add_argument("--json", action="store_true", help="one JSON object per reading")
    decode.set_defaults(func=cmd_decode)

    listen = p1_sub.add_parser("listen", help="show live readings from a P1 cable, gateway or HomeWizard")
    where = listen.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...")
    where.add_argument("--tcp", metavar="HOST:PORT", help="raw TCP stream (ser2net, Wi-Fi P1 gateway)")
    where.add_argument("--homewizard", metavar="HOST", help="HomeWizard P1 meter (API v1 unless --api v2)")
    listen.add_argument("--api", choices=("v1", "v2"), default="v1", help="HomeWizard API version")
    listen.add_argument("--token-env", metavar="NAME", help="environment variable holding the API v2 token")
    listen.add_argument("--spec", choices=SPEC_CHOICES, default="auto", help=spec_help)
    listen.add_argument("--seconds", type=float, metavar="N", help="stop after N seconds")
    listen.set_defaults(func=cmd_listen)


def iso(ts: float) -> str:
    return iso_utc(ts, "seconds")


# -- decode ---------------------------------------------------------------------------------


def cmd_decode(args: argparse.Namespace) -> int:
    """Stream the file through the same path as the collector: constant memory, linear time."""
    lang = cli_language()
    try:
        file = open(args.file, "rb")  # noqa: SIM115 - closed below, read in chunks
    except OSError as exc:
        print(t("p1.cannot_read", lang, file=args.file, error=exc.strerror), file=sys.stderr)
        return 2
    # files are history: no receive time on the readings, leading junk is reported
    stream = TelegramStream(spec=args.spec, report_leading=True)
    report = _Report(args, lang)
    now = time.time()
    try:
        with file:
            while chunk := file.read(CHUNK):
                report.outcomes(stream.feed(chunk, now))
        report.outcomes(stream.finish(now))
        return report.close(stream.garbage_bytes)
    except BrokenPipeError:  # `| head` closed the pipe: not an error of the file
        sys.stderr.close()
        return 0
    except OSError as exc:
        print(t("p1.cannot_read", lang, file=args.file, error=exc.strerror), file=sys.stderr)
        return 2


class _Report:
    """Prints readings as they come and a message per problem; remembers only counts."""

    def __init__(self, args: argparse.Namespace, lang: str) -> None:
        self.args = args
        self.lang = lang
        self.telegrams = 0
        self.dropped = 0

    def outcomes(self, outcomes: list[Outcome]) -> None:
        out, name = sys.stdout, self.args.file
        for outcome in outcomes:
            self.telegrams += 1
            where = t(
                "p1.where", self.lang, file=name, n=self.telegrams, offset=outcome.offset, line=outcome.line
            )
            if outcome.bad:
                self.dropped += 1
                label = reason_label(outcome.reason or "", self.lang)
                print(f"{where}: {label}: {outcome.detail}", file=sys.stderr)
            for reason, detail in outcome.partial_drops:
                self.dropped += 1
                print(f"{where}: {reason_label(reason, self.lang)}: {detail}", file=sys.stderr)
            for reading in outcome.readings:
                out.write(_format(reading, self.args.json))

    def close(self, garbage_bytes: int) -> int:
        name = self.args.file
        if garbage_bytes:
            print(t("p1.garbage", self.lang, file=name, n=garbage_bytes), file=sys.stderr)
        if not self.telegrams:
            print(t("p1.no_telegram", self.lang, file=name), file=sys.stderr)
            return 1
        if self.dropped:
            print(
                t("p1.problems", self.lang, file=name, n=self.dropped, telegrams=self.telegrams),
                file=sys.stderr,
            )
        return 1 if self.dropped else 0


@functools.lru_cache(maxsize=8)
def _iso(ts: float) -> str:
    return iso(ts)  # the readings of one telegram share a time: format it once


def _format(reading: Reading, as_json: bool) -> str:
    if as_json:
        row = {"time": _iso(reading.ts), "series": str(reading.series), "value": reading.value}
        if reading.unit:
            row["unit"] = reading.unit
        return json.dumps(row) + "\n"
    unit = f" {reading.unit}" if reading.unit else ""
    return f"{_iso(reading.ts)}  {reading.series!s:<26} {reading.value:g}{unit}\n"


# -- listen ---------------------------------------------------------------------------------


def _listen_config(args: argparse.Namespace, lang: str) -> Any:
    from collector.p1.config import P1Config

    fields: dict[str, Any] = {"type": "p1", "name": "meter", "spec": args.spec, "silence_s": 30}
    if args.port:
        fields["port"] = args.port
    elif args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(t("p1.listen.bad_tcp", lang, value=repr(args.tcp)))
        fields.update(host=host, tcp_port=int(port))
    else:
        fields.update(homewizard=args.homewizard, api=args.api)
        if args.api == "v2":
            if not args.token_env:
                raise ValueError(t("p1.listen.token_env", lang))
            fields["token"] = {"env": args.token_env}
    return P1Config.model_validate(fields)


def _in_vocabulary_units(r: Reading) -> Reading:
    try:
        return replace(r, value=convert(r.value, r.unit, r.series.spec.unit), unit=None)
    except (UnitError, UnknownSeries):
        return r


class _Printer:
    """One line per telegram: power, totals, gas."""

    def __init__(self, health: DeviceHealth, lang: str) -> None:
        self.health = health
        self.lang = lang
        self.telegrams = 0
        self.gas: Reading | None = None
        self.lock = threading.Lock()

    def emit(self, readings: Sequence[Reading]) -> None:
        # the collector's gate converts units; this printer shows vocabulary units too
        readings = [_in_vocabulary_units(r) for r in readings]
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

            gas = (
                t("p1.listen.gas", self.lang, m3=f"{self.gas.value:.3f}", time=iso(self.gas.ts)[11:16])
                if self.gas
                else t("p1.listen.no_gas", self.lang)
            )
            line = t(
                "p1.listen.line",
                self.lang,
                time=iso(ts),
                import_w=v("import_w", ".0f"),
                export_w=v("export_w", ".0f"),
                import_kwh=v("import_kwh", ".3f"),
                export_kwh=v("export_kwh", ".3f"),
                gas=gas,
                crc=self.health.drops.get("bad_crc", 0),
            )
            print(line, flush=True)


def cmd_listen(args: argparse.Namespace) -> int:
    from collector.p1.source import P1Source
    from collector.source import SourceContext

    lang = cli_language()
    try:
        config = _listen_config(args, lang)
    except ValueError as exc:
        print(t("p1.listen.failed", lang, error=exc), file=sys.stderr)
        return 2
    health = DeviceHealth(name="meter", type="p1")
    printer = _Printer(health, lang)
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
    other = {k: n for k, n in health.drops.items() if k != "bad_crc"} or t("p1.listen.none", lang)
    summary = t(
        "p1.listen.summary",
        lang,
        telegrams=printer.telegrams,
        crc=health.drops.get("bad_crc", 0),
        other=other,
        reconnects=health.reconnects,
        state=health.state.value,
    )
    print(summary + (f" ({health.message})" if health.message else ""), file=sys.stderr)
    if source.stream.stats.get("time_from_receive_no_clock"):
        print(t("p1.listen.no_clock", lang), file=sys.stderr)
    return 0 if printer.telegrams else 1
