"""``buurtwatt balance`` and ``buurtwatt import-intensity``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from buurtwatt.balance.factors import FactorError
from buurtwatt.i18n import cli_language, t
from buurtwatt.timeutil import BY_CHOICES, local_date


def _day(text: str, config, today: date, lang: str) -> date:  # noqa: ANN001
    if text == "today":
        return today
    if text == "start":
        if not config.site.started:
            raise SystemExit(t("balance.cli.start_needs_started", lang))
        return date.fromisoformat(config.site.started)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SystemExit(t("balance.cli.not_a_date", lang, text=repr(text))) from None


def _balance(args: argparse.Namespace) -> int:
    from buurtwatt.balance.api import balance_for, factors_for
    from buurtwatt.balance.render import render
    from buurtwatt.commands.config import load_or_exit, no_store_yet
    from buurtwatt.store import open_store

    config = load_or_exit(args.config)
    lang = cli_language(config.dashboard.language)
    now = time.time()
    today = local_date(now, config.site.tz)
    start = _day(args.date_from, config, today, lang)
    end = _day(args.date_to, config, today, lang) + timedelta(days=1)  # --to is included
    if end <= start:
        print(t("balance.cli.to_before_from", lang), file=sys.stderr)
        return 2
    try:
        factors = factors_for(config)
    except FactorError as exc:
        print(exc, file=sys.stderr)
        return 2
    if no_store_yet(config, lang):
        return 1
    store = open_store(config, readonly=True)
    try:
        report = balance_for(store, config, start, end, args.by, now=now, factors=factors, exact=args.exact)
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(render(report, factors, lang))
    return 1 if report.total.coverage.partial else 0


def _import_intensity(args: argparse.Namespace) -> int:
    from buurtwatt.balance.api import resolve_path
    from buurtwatt.balance.intensity import IntensityCsvError, parse_intensity_csv
    from buurtwatt.commands.config import load_or_exit
    from buurtwatt.store import open_store

    config = load_or_exit(args.config, writes=True)
    lang = cli_language(config.dashboard.language)
    path = Path(args.csv) if args.csv else resolve_path(config, config.balance.grid_intensity_csv)
    if path is None:
        print(t("balance.cli.no_csv", lang), file=sys.stderr)
        return 2
    try:
        parsed = parse_intensity_csv(
            path.read_text(encoding="utf-8-sig"),
            tz=config.site.tz,
            time_column=args.time_column,
            value_column=args.value_column,
            unit=args.unit,
        )
    except (OSError, IntensityCsvError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    print(
        t(
            "balance.cli.parsed",
            lang,
            path=path,
            n=len(parsed.readings),
            column=repr(parsed.value_column),
            unit=parsed.unit,
            time_column=repr(parsed.time_column),
            skipped=parsed.skipped_count,
        )
    )
    for why in parsed.skipped:
        print(t("balance.cli.skipped", lang, why=why))
    if args.dry_run or not parsed.readings:
        return 1 if not parsed.readings else 0
    store = open_store(config)
    try:
        result = store.write(parsed.readings)
    finally:
        store.close()
    duplicates = getattr(result, "duplicates", 0)
    print(
        t("balance.cli.stored", lang)
        + (t("balance.cli.duplicates", lang, n=duplicates) if duplicates else "")
    )
    if config.balance.grid_intensity != "hourly":
        print(t("balance.cli.not_hourly", lang))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("balance", help="energy and CO2 balance: energy-positive and CO2-positive per period")
    p.add_argument("--config", help="site config (default ./buurtwatt.toml, else the demo config)")
    p.add_argument("--from", dest="date_from", required=True, help="first local date, YYYY-MM-DD or 'start'")
    p.add_argument("--to", dest="date_to", required=True, help="last local date (included) or 'today'")
    p.add_argument(
        "--by", choices=BY_CHOICES, default="total", help="split into periods (default: one total)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--exact", action="store_true", help="always read hour by hour (slower)")
    p.set_defaults(func=_balance)

    q = sub.add_parser("import-intensity", help="load an hourly grid CO2 intensity CSV as grid:co2_g_per_kwh")
    q.add_argument("csv", nargs="?", help="the CSV (default balance.grid_intensity_csv)")
    q.add_argument(
        "--config", help="site config (needed: this command writes; or run it where buurtwatt.toml is)"
    )
    q.add_argument("--time-column", help="name of the time column (found automatically otherwise)")
    q.add_argument("--value-column", help="name of the intensity column (found automatically otherwise)")
    q.add_argument(
        "--unit", choices=("g/kWh", "kg/kWh"), help="unit of the values (from the header otherwise)"
    )
    q.add_argument("--dry-run", action="store_true", help="read and check the CSV, store nothing")
    q.set_defaults(func=_import_intensity)
