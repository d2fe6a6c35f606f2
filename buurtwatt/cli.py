"""The ``buurtwatt`` command. Each area registers its own subcommands.

Exit codes: 0 ok, 1 the command ran but found a problem (dropped input, not found),
2 bad usage or a bad config.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from buurtwatt import __version__
from buurtwatt.balance import cli as balance_cli
from buurtwatt.commands import backup as backup_cli
from buurtwatt.commands import config as config_cli
from buurtwatt.commands import export as export_cli
from buurtwatt.i18n import cli_language, t
from buurtwatt.registry import Registry
from buurtwatt.shares import cli as shares_cli
from buurtwatt.store.schema_version import StoreVersionError
from buurtwatt.tariffs import cli as tariffs_cli

# ``add(subparsers)`` adds one area's subcommands, each with ``set_defaults(func=...)``
AddCommands = Callable[[argparse._SubParsersAction], None]

# The core's own areas register here; outer layers register theirs from the app root.
COMMANDS: Registry[AddCommands] = Registry("command group")
COMMANDS.register("config", config_cli.register)
COMMANDS.register("export", export_cli.register)
COMMANDS.register("backup", backup_cli.register)
COMMANDS.register("balance", balance_cli.register)
COMMANDS.register("shares", shares_cli.register)
COMMANDS.register("tariffs", tariffs_cli.register)


def build_parser() -> argparse.ArgumentParser:
    lang = cli_language()
    parser = argparse.ArgumentParser(prog="buurtwatt", description=t("cli.description", lang))
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--version", action="version", version=t("cli.version", lang, version=__version__))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        COMMANDS.get(name)(sub)
    return parser


def this_command() -> list[str]:
    """The command line that runs this same ``buurtwatt`` program again, for child processes.

    ``python -m PACKAGE`` gives ``[python, -m, PACKAGE]``; the installed script gives
    ``[python, /path/to/buurtwatt]``. The core never names the package that wires the layers.
    """
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is not None:
        return [sys.executable, "-m", spec.name.removesuffix(".__main__")]
    return [sys.executable, sys.argv[0]]


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
    try:
        return int(args.func(args) or 0)
    except StoreVersionError as exc:  # a store file from a newer release, or one that cannot be upgraded
        print(t("cli.store_version", cli_language(), error=exc), file=sys.stderr)
        return 2
