"""The composition root: the one place that imports every layer and wires them together.

The core (``buurtwatt``) owns the registries and imports nothing above it. Importing this
package registers the collector's device types and every area's subcommands, so the
``buurtwatt`` command (``main``) and anything that loads a config with devices know them all.
See docs/architecture.md.
"""

from __future__ import annotations

from buurtwatt.cli import COMMANDS, build_parser, main
from collector import cli as collector_cli
from collector import device_types  # noqa: F401  (registers p1, sunspec, modbus, mqtt)
from collector.modbus import cli as modbus_cli
from collector.mqtt import cli as mqtt_cli
from collector.p1 import cli as p1_cli
from dashboard import cli as dashboard_cli
from sim.demo import cli as demo_cli

# in this order after the core's own groups, as ``buurtwatt --help`` lists them
COMMANDS.register("p1", p1_cli.register)
COMMANDS.register("modbus", modbus_cli.register)
COMMANDS.register("mqtt", mqtt_cli.register)
COMMANDS.register("collect", collector_cli.register)
COMMANDS.register("dashboard", dashboard_cli.register)
COMMANDS.register("demo", demo_cli.register)

__all__ = ["build_parser", "main"]
