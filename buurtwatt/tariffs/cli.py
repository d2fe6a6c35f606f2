"""``buurtwatt import-prices CSV --config FILE``: store hourly day-ahead prices for [tariffs]."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from buurtwatt.commands.config import load_or_exit
from buurtwatt.i18n import cli_language, t
from buurtwatt.tariffs.prices import PriceFileError, import_prices


def _import(args: argparse.Namespace) -> int:
    config = load_or_exit(args.config, writes=True)
    lang = cli_language(config.dashboard.language)
    target = config.tariffs.prices_file
    try:
        count, first, last = import_prices(Path(args.csv), target, config.site.tz)
    except PriceFileError as exc:
        print(t("prices.failed", lang, error=exc), file=sys.stderr)
        return 1

    def when(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).astimezone(config.site.tz).strftime("%Y-%m-%d %H:%M")

    print(t("prices.stored", lang, n=count, first=when(first), last=when(last), target=target))
    if not config.tariffs.uses_hourly_prices:
        print(t("prices.unused", lang))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import-prices", help="store hourly day-ahead prices from a CSV for [tariffs]")
    p.add_argument("csv", help="CSV with a time column and eur_per_kwh or eur_per_mwh")
    p.add_argument(
        "--config", help="the site config (needed: this command writes; or run it where buurtwatt.toml is)"
    )
    p.set_defaults(func=_import)
