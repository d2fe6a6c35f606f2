"""``buurtwatt modbus scan`` and ``buurtwatt modbus read``: look at a Modbus device by hand.

Exit codes: 0 read fine; 1 it answered but is not what was asked (no 'SunS'
marker, an illegal address in the map); 2 unreachable or silent (within 10 s),
or bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from buurtwatt.i18n import cli_language, t
from buurtwatt.readings import Reading
from collector.modbus.config import ModbusMapConfig, SunSpecConfig, resolve_map
from collector.modbus.link import LinkError
from collector.modbus.mapped import MappedSource
from collector.modbus.polling import DeviceFault
from collector.modbus.registermap import MapError, load_map, plan_reads
from collector.modbus.sunspec import Measured, NotSunSpec, SunSpecSource, channel_name, discover, read_channel

CLI_TIMEOUT_S = 3.0  # with no retries: unreachable or silent devices give up well within 10 s
SERIAL_PREFIXES = ("/dev/", "socket://", "rfc2217://", "COM")


def connection_args(target: str, unit: int, baud: int) -> dict[str, Any]:
    """HOST[:PORT] or a serial port (/dev/ttyUSB0, socket://HOST:PORT for RTU over TCP)."""
    common: dict[str, Any] = {"unit": unit, "timeout_s": CLI_TIMEOUT_S, "retries": 0}
    if target.startswith(SERIAL_PREFIXES):
        return {**common, "serial_port": target, "baud": baud}
    host, sep, port = target.rpartition(":") if target.count(":") == 1 else (target, "", "")
    if sep and not port.isdigit():
        raise ValueError(t("modbus.bad_port", cli_language(), target=repr(target)))
    return {**common, "host": host, "port": int(port) if sep else 502}


def _format(name: str, value: float, unit: str) -> str:
    """One value as the device said it, in its own unit (the collector converts when storing)."""
    return f"  {name:<20} {value:>16.3f} {unit}".rstrip()


def _as_json(measured: dict[str, Measured]) -> dict[str, dict[str, float | str | None]]:
    return {q: {"value": m.value, "unit": m.unit, "wrap": m.wrap} for q, m in measured.items()}


def _readings_json(readings: list[Reading]) -> dict[str, dict[str, float | str | None]]:
    return {r.quantity: {"value": r.value, "unit": r.unit, "wrap": r.wrap} for r in readings}


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def scan(args: argparse.Namespace) -> int:
    lang = cli_language()
    try:
        config = SunSpecConfig(
            type="sunspec", name="scan", **connection_args(args.target, args.unit, args.baud)
        )
    except ValueError as exc:
        return _fail(t("modbus.bad_address", lang, error=exc), 2)
    source = SunSpecSource(config)
    try:
        layout = discover(source.link)
        for i, channel in enumerate(layout.channels):
            channel.name = channel_name(config, i)
        values = [read_channel(source.link, channel) for channel in layout.channels]
    except NotSunSpec as exc:
        return _fail(t("modbus.not_sunspec", lang, where=config.describe(), error=exc), 1)
    except (DeviceFault, LinkError) as exc:
        return _device_failure(config.describe(), exc)
    finally:
        source.close()
    if args.json:
        channels = [
            {
                "device": channel.name,
                "model": channel.inverter.as_dict(),
                "serial": channel.serial,
                "readings": _as_json(measured),
            }
            for channel, measured in zip(layout.channels, values, strict=True)
        ]
        print(json.dumps({"models": [m.as_dict() for m in layout.models], "channels": channels}))
        return 0
    print(t("modbus.scan.base", lang, base=layout.base, where=config.describe()))
    roles = {c.inverter: t("modbus.scan.role_inverter", lang, name=c.name) for c in layout.channels}
    roles |= {c.mppt: t("modbus.scan.role_mppt", lang, name=c.name) for c in layout.channels if c.mppt}
    for m in layout.models:
        print(
            t("modbus.scan.model", lang, id=m.id, address=m.address, length=m.length, role=roles.get(m, ""))
        )
    for channel, measured in zip(layout.channels, values, strict=True):
        info = channel.info
        serial = t("modbus.scan.serial", lang, serial=info["SN"]) if "SN" in info else ""
        print(f"{channel.name}: {info.get('Mn', '?')} {info.get('Md', '')}{serial}")
        for name, m in measured.items():
            print(_format(name, m.value, m.unit))
    return 0


def _device_failure(where: str, exc: DeviceFault | LinkError) -> int:
    """Exit 2 when nothing answers (within the timeout), 1 when the device answered wrongly."""
    lang = cli_language()
    if isinstance(exc, LinkError) and exc.quiet:
        return _fail(t("modbus.unreachable", lang, where=where, error=exc), 2)
    return _fail(t("modbus.failed", lang, where=where, error=exc), 1)


def read(args: argparse.Namespace) -> int:
    lang = cli_language()
    try:
        register_map = load_map(resolve_map(args.map))
    except MapError as exc:
        return _fail(str(exc), 2)
    unit = args.unit if args.unit is not None else (register_map.unit if register_map.unit is not None else 1)
    try:
        config = ModbusMapConfig(
            type="modbus", name="read", map=args.map, **connection_args(args.target, unit, args.baud)
        )
    except ValueError as exc:
        return _fail(t("modbus.bad_address", lang, error=exc), 2)
    source = MappedSource(config, register_map=register_map)
    started = time.time()
    try:
        fields = source.read_fields()
    except (DeviceFault, LinkError) as exc:
        return _device_failure(config.describe(), exc)
    finally:
        source.close()
    readings = source.readings_from(fields, started)
    groups = plan_reads(register_map.fields, config.max_registers_per_read, register_map.max_register_fill)
    if args.json:
        print(
            json.dumps(
                {
                    "groups": [
                        {"register": g.register, "address": g.address, "count": g.count} for g in groups
                    ],
                    "fields": {f.name: v for f, v in fields.items()},
                    "readings": _readings_json(readings),
                }
            )
        )
        return 0
    print(
        t(
            "modbus.read.map",
            lang,
            name=register_map.name,
            where=config.describe(),
            source=register_map.source,
        )
    )
    reads = ", ".join(f"{g.register} {g.address}+{g.count}" for g in groups)
    print(t("modbus.read.reads", lang, n=len(groups), groups=reads))
    for f, value in fields.items():
        shown = t("modbus.read.missing", lang) if value is None else value
        print(f"  {f.name:<28} {f.register:<7} {f.address:>5}  {shown}")
    print(t("modbus.read.readings", lang))
    for r in readings:
        print(_format(r.quantity, r.value, r.unit or ""))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("modbus", help="look at a Modbus device (SunSpec scan, register map read)")
    modbus = parser.add_subparsers(dest="modbus_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)

    p = modbus.add_parser("scan", help="find the SunSpec models of a device and read each series once")
    p.add_argument("target", metavar="HOST[:PORT]", help="Modbus TCP address, or a serial port for RTU")
    p.add_argument("--unit", type=int, default=1, help="unit id (default 1; SMA 126, GoodWe 247)")
    p.add_argument("--baud", type=int, default=9600, help="RTU only")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=scan)

    p = modbus.add_parser("read", help="read a device through a register map once")
    p.add_argument("--map", required=True, help="config/registers/NAME.toml or NAME")
    p.add_argument("target", metavar="HOST[:PORT]", help="Modbus TCP address, or a serial port for RTU")
    p.add_argument("--unit", type=int, default=None, help="unit id (default: the map's)")
    p.add_argument("--baud", type=int, default=9600, help="RTU only")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=read)
