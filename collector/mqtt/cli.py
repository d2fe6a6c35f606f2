"""``buurtwatt mqtt listen``: show what each message on a topic turns into."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from buurtwatt.config_base import SecretRef
from buurtwatt.i18n import cli_language, t
from buurtwatt.readings import Reading
from buurtwatt.timeutil import iso_utc
from buurtwatt.units import convert
from buurtwatt.vocabulary import QUANTITIES
from collector.health import DeviceHealth, State
from collector.mqtt.config import MqttConfig
from collector.mqtt.formats import format_names, get_format
from collector.mqtt.source import MqttSource
from collector.source import SourceContext

HINT_AFTER_S = 10.0  # no reading shown after this long: say why (earlier when --seconds ends first)


class PrintingHealth(DeviceHealth):
    """Health that also prints every dropped message on stderr (the log shows one a minute)."""

    lang = "nl"  # set per run: the language of the printed lines

    def drop(self, reason: str, n: int = 1, detail: str = "") -> None:
        text = t("mqtt.listen.dropped", self.lang, reason=reason) + (f" ({detail})" if detail else "")
        print(text, file=sys.stderr, flush=True)
        with self._lock:
            self.drops[reason] = self.drops.get(reason, 0) + n


def register(sub: Any) -> None:
    mqtt = sub.add_parser("mqtt", help="MQTT sensors and plugs")
    actions = mqtt.add_subparsers(dest="mqtt_command", metavar="ACTION")
    listen = actions.add_parser("listen", help="print the readings each message on a topic gives")
    listen.add_argument("--broker", required=True, help="mqtt://HOST:PORT or mqtts://HOST:PORT")
    listen.add_argument("--topic", required=True, help="topic filter, e.g. tele/+/SENSOR or zigbee2mqtt/#")
    listen.add_argument(
        "--format",
        required=True,
        choices=format_names(),
        help="; ".join(f"{name}: {get_format(name).summary}" for name in format_names()),
    )
    listen.add_argument(
        "--device", help="device name: literal or a topic level like {1} (default: the name the format finds)"
    )
    listen.add_argument(
        "--series",
        action="append",
        default=[],
        metavar="QUANTITY=PATH",
        help="where a quantity is (json: ENERGY.Power; value: a topic filter); repeatable",
    )
    listen.add_argument("--quantity", help="value format: the quantity of every message, e.g. power_w")
    listen.add_argument("--seconds", type=float, help="stop after this many seconds (default: Ctrl-C)")
    listen.add_argument("--json", action="store_true", help="one JSON object per line")
    listen.add_argument(
        "--retained", action="store_true", help="also show retained messages (they may be old)"
    )
    listen.add_argument("--username")
    listen.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
    listen.add_argument("--ca-file", help="CA certificate for mqtts")
    listen.set_defaults(func=listen_command)
    mqtt.set_defaults(func=lambda args: (mqtt.print_help(), 2)[1])


def _config(args: argparse.Namespace) -> MqttConfig:
    series = dict(item.split("=", 1) for item in args.series if "=" in item)
    subscription: dict[str, Any] = {
        "topic": args.topic,
        "format": args.format,
        "series": series,
        "retained": "store" if args.retained else "skip",
    }
    if args.device:
        subscription["device"] = args.device
    if args.quantity:
        subscription["quantity"] = args.quantity
    return MqttConfig.model_validate(
        {
            "type": "mqtt",
            "name": "listen",
            "broker": args.broker,
            "subscriptions": [subscription],
            "username": args.username,
            "ca_file": args.ca_file,
            "password": SecretRef(env=args.password_env) if args.password_env else None,
            "client_id": f"buurtwatt-listen-{int(time.time())}",
            "session_expiry": 0,  # a look at live traffic: nothing for the broker to keep afterwards
        }
    )


def format_reading(reading: Reading, as_json: bool) -> str:
    unit = QUANTITIES[reading.quantity].unit
    value = convert(reading.value, reading.unit, unit)
    when = iso_utc(reading.ts, "milliseconds")
    if as_json:
        return json.dumps({"time": when, "series": str(reading.series), "value": value})
    return f"{when}  {reading.series:<32} {value:g} {unit}".rstrip()


def listen_command(args: argparse.Namespace) -> int:
    lang = cli_language()
    try:
        config = _config(args)
    except ValidationError as exc:
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            print(t("mqtt.listen.failed", lang, error=message), file=sys.stderr)
        return 2

    shown = 0

    def show(readings: Sequence[Reading]) -> None:
        nonlocal shown
        for reading in readings:
            print(format_reading(reading, args.json), flush=True)
            shown += 1

    health = PrintingHealth(name="listen", type="mqtt")
    health.lang = lang
    ctx = SourceContext(emit=show, health=health)
    source = MqttSource(config)
    thread = threading.Thread(target=source.run, args=(ctx,), daemon=True)
    thread.start()
    started = time.monotonic()
    hinted = nothing_read = False

    def hint() -> None:
        # a format that matches nothing gives no line at all: say so instead of staying silent
        nonlocal hinted, nothing_read
        if hinted or shown or health.state is not State.OK:
            return
        hinted = True
        messages = source.intake.messages if source.intake else 0
        key = "mqtt.listen.no_readings" if messages else "mqtt.listen.no_messages"
        nothing_read = bool(messages)
        print(
            t(key, lang, n=messages, topic=args.topic, format=args.format, formats=", ".join(format_names())),
            file=sys.stderr,
            flush=True,
        )

    with contextlib.suppress(KeyboardInterrupt):
        while True:
            elapsed = time.monotonic() - started
            left = None if args.seconds is None else args.seconds - elapsed
            if left is not None and left <= 0:
                break
            if elapsed >= HINT_AFTER_S:
                hint()
            ctx.stopping.wait(min(1.0, left) if left is not None else 1.0)
    hint()
    ctx.stopping.set()
    thread.join(5)
    if health.state is not State.OK:
        print(t("mqtt.listen.state", lang, state=health.state.value, message=health.message), file=sys.stderr)
        return 1
    return 1 if health.dropped or nothing_read else 0
