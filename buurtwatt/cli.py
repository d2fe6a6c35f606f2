"""The ``buurtwatt`` command. Each area registers its own subcommands.

Exit codes: 0 ok, 1 the command ran but found a problem (dropped input, not found),
2 bad usage or a bad config.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# Modules with ``register(subparsers)``; each adds its subcommands with ``set_defaults(func=...)``.
COMMAND_MODULES = (
    "buurtwatt.commands.config",
    "buurtwatt.commands.export",
    "buurtwatt.commands.backup",
    "buurtwatt.balance.cli",
    "buurtwatt.shares.cli",
    "buurtwatt.tariffs.cli",
    "collector.p1.cli",
    "collector.modbus.cli",
    "collector.mqtt.cli",
    "collector.cli",
    "dashboard.cli",
    "buurtwatt.demo.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buurtwatt", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):  # a missing dependency: say so
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
