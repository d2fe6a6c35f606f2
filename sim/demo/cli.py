"""``buurtwatt demo``: what ``make demo`` runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from buurtwatt.commands.config import load_or_exit
from buurtwatt.config import DEFAULT_CONFIG
from buurtwatt.logs import setup_logging


def _demo(args: argparse.Namespace) -> int:
    from sim.demo.run import run_demo

    setup_logging("text", verbose=args.verbose)
    path = Path(args.config or DEFAULT_CONFIG)
    config = load_or_exit(str(path))
    return run_demo(config, path, host=args.host, port=args.port, seed=args.seed, reset=args.reset)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run a demo workshop: simulated devices, collector and dashboard")
    p.add_argument("--config", help="demo config (default config/demo.toml)")
    p.add_argument("--host", default="127.0.0.1", help="address the dashboard listens on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="dashboard port (default from the config, 8050)")
    p.add_argument("--seed", type=int, default=42, help="the same seed gives the same demo")
    p.add_argument("--reset", action="store_true", help="throw away the demo's store and start over")
    p.set_defaults(func=_demo)
