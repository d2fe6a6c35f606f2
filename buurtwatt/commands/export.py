"""``buurtwatt export``: series out of the store as CSV or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from buurtwatt.commands.config import load_or_exit, no_store_yet
from buurtwatt.csvout import write_csv
from buurtwatt.i18n import cli_language, t
from buurtwatt.series import Series, known_series
from buurtwatt.store import Resolution, Store, open_store
from buurtwatt.store.base import Row
from buurtwatt.timeutil import iso_utc, parse_when
from buurtwatt.vocabulary import UnknownSeries

STATS = ("mean", "min", "max")


def export_rows(
    store: Store, series: list[str], start: float, end: float, resolution: Resolution, stat: str = "mean"
) -> Iterator[tuple[str, str, float]]:
    """(time ISO UTC, series, value): counter increases, or the chosen gauge statistic."""
    for name in series:
        q = Series.parse(name).spec
        for row in store.read(name, start, end, resolution):
            value = _pick(row, stat, counter=q.is_counter, raw=resolution is Resolution.RAW)
            if value is not None:
                yield iso_utc(row.ts), name, value


def _pick(row: Row, stat: str, counter: bool, raw: bool) -> float | None:
    if raw or counter or stat == "mean":
        return row.value
    return row.min if stat == "min" else row.max


def _export(args: argparse.Namespace) -> int:
    config = load_or_exit(args.config)
    lang = cli_language(config.dashboard.language)
    tz = config.site.timezone
    try:
        for name in args.series:
            known_series(name)
        start, end = parse_when(args.from_, tz), parse_when(args.to, tz)
        resolution = Resolution.parse(args.resolution)
    except (UnknownSeries, ValueError) as exc:
        print(t("export.error", lang, error=exc), file=sys.stderr)
        return 2
    if end <= start:
        print(t("export.to_before_from", lang), file=sys.stderr)
        return 2
    if no_store_yet(config, lang):
        return 1
    store = open_store(config, readonly=True)
    rows = export_rows(store, args.series, start, end, resolution, args.stat)
    out = sys.stdout
    if args.format == "csv" or args.excel_nl:
        write_csv(out, ("time", "series", "value"), rows, excel_nl=args.excel_nl)
    else:
        json.dump([{"time": ts, "series": s, "value": v} for ts, s, v in rows], out)
        out.write("\n")
    store.close()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export series as CSV or JSON")
    p.add_argument("--config", help="site config (default ./buurtwatt.toml, else the demo config)")
    p.add_argument("--series", action="append", required=True, help="DEVICE:QUANTITY, repeatable")
    p.add_argument("--from", dest="from_", required=True, help="local date or ISO time")
    p.add_argument("--to", required=True, help="local date or ISO time (exclusive)")
    p.add_argument("--resolution", default="1h", help="raw, 1m, 15m, 1h, 1d or 1mo")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument(
        "--excel-nl",
        action="store_true",
        help="CSV for Dutch Excel: semicolons and decimal commas (262,649 instead of 262.649)",
    )
    p.add_argument("--stat", choices=STATS, default="mean", help="for gauges at a resolution")
    p.set_defaults(func=_export)
