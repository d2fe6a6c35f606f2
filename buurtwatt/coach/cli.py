"""``buurtwatt coach advice|delete|export|followups|degree-days``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from buurtwatt.coach.advice import SHEET_LANGUAGES, consult, number, payback_text, saving_text, sentence, t
from buurtwatt.coach.data import CoachDataError
from buurtwatt.coach.degreedays import parse_csv
from buurtwatt.coach.household import (
    DWELLINGS,
    HEATING,
    PERIODS,
    Household,
    HouseholdError,
    MeterReading,
    Prices,
    from_bill,
    from_readings,
)
from buurtwatt.coach.visits import coach_db_path, coordinator_export, normal_code, open_book
from buurtwatt.config import SiteConfig
from buurtwatt.i18n import cli_language


def _reading(text: str) -> MeterReading:
    try:
        day, *values = text.split(",")
        numbers = [float(v) for v in values]
        normal, low, returned, gas = (numbers + [0.0, 0.0, 0.0])[:4] if numbers else (None,) * 4
        return MeterReading(date.fromisoformat(day), normal, low, returned, 0.0, gas)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(
            t("coach.cli.bad_reading", cli_language(), text=repr(text))
        ) from None


def _config(args: argparse.Namespace) -> SiteConfig:
    from buurtwatt.commands.config import load_or_exit

    return load_or_exit(args.config)


def _lang(args: argparse.Namespace) -> str:
    # --lang may also be tr (the sheet); without it BUURTWATT_LANG, else Dutch
    return args.lang or cli_language()


def _advice(args: argparse.Namespace) -> int:
    lang = _lang(args)
    try:
        household = Household(args.persons, args.dwelling, args.heating, args.period)
        if args.reading:
            if len(args.reading) != 2:
                print(t("coach.cli.reading_twice", lang), file=sys.stderr)
                return 2
            use = from_readings(*sorted(args.reading, key=lambda r: r.day))
        else:
            use = from_bill(args.kwh_normal, args.kwh_low, args.kwh_returned, args.gas, args.days)
        prices = Prices(args.price_kwh, args.price_kwh_low, args.price_return, args.price_gas)
        result = consult(household, prices, use, args.year or date.today().year, args.advance)
    except (HouseholdError, CoachDataError) as exc:
        print(t("coach.cli.error", lang, error=exc), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(sentence(result.comparison.electricity, lang))
    if result.comparison.gas is not None:
        print(sentence(result.comparison.gas, lang))
    print()
    print(t("coach.cli.heading_measures", lang))
    for a in result.advice:
        if a.kind == "subsidy":
            print(f"- {t(f'coach.measure.{a.key}', lang)}: {t(f'coach.tip.{a.key}', lang)}")
            continue
        print(
            f"- {t(f'coach.measure.{a.key}', lang)}: {saving_text(a, lang)}, € {number(a.eur, lang)}, "
            f"{number(a.kg_co2, lang)} kg CO2; € {number(a.cost_eur, lang)}, {payback_text(a, lang)}"
        )
    return 0


def _delete(args: argparse.Namespace) -> int:
    code = normal_code(args.code)
    with open_book(coach_db_path(_config(args))) as book:
        if book.delete(code):
            print(t("coach.cli.deleted", _lang(args), code=code))
            return 0
    print(t("coach.cli.not_found", _lang(args), code=code), file=sys.stderr)
    return 1


def _export(args: argparse.Namespace) -> int:
    with open_book(coach_db_path(_config(args))) as book:
        print(json.dumps(coordinator_export(book), indent=2))
    return 0


def _followups(args: argparse.Namespace) -> int:
    with open_book(coach_db_path(_config(args))) as book:
        for due, code, coach in book.planned():
            print(f"{due.isoformat()}  {code}  {coach}")
        for coach, n in book.per_coach().items():
            print(f"{coach}: {n}")
    return 0


def _degree_days(args: argparse.Namespace) -> int:
    try:
        rows = parse_csv(Path(args.csv).read_text(encoding="utf-8"))
    except OSError as exc:
        print(t("coach.cli.cannot_read", _lang(args), file=args.csv, error=exc.strerror), file=sys.stderr)
        return 2
    except CoachDataError as exc:
        print(t("coach.cli.bad_file", _lang(args), file=args.csv, error=exc), file=sys.stderr)
        return 2
    with open_book(coach_db_path(_config(args))) as book:
        n = book.import_degree_days(rows, args.source or Path(args.csv).name)
    print(t("coach.cli.imported", _lang(args), n=n))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("coach", help="the energy coach's consultation hour")
    coach = p.add_subparsers(dest="coach_command", metavar="ACTION", required=True)

    def common(q: argparse.ArgumentParser, config: bool = True) -> None:
        q.add_argument("--lang", choices=SHEET_LANGUAGES, help="language (default BUURTWATT_LANG, else nl)")
        if config:
            q.add_argument("--config", help="site config (default config/demo.toml)")

    a = coach.add_parser("advice", help="a household's comparison and measures")
    common(a, config=False)
    a.add_argument("--persons", type=int, required=True)
    a.add_argument("--dwelling", choices=DWELLINGS, default="terraced")
    a.add_argument("--heating", choices=HEATING, default="gas_boiler")
    a.add_argument("--period", choices=PERIODS, default="1975_1991", help="building period")
    a.add_argument("--kwh-normal", type=float, default=0.0, help="kWh normal tariff on the yearly bill")
    a.add_argument("--kwh-low", type=float, default=0.0, help="kWh low tariff on the yearly bill")
    a.add_argument("--kwh-returned", type=float, default=0.0, help="kWh returned to the grid")
    a.add_argument("--gas", type=float, default=0.0, help="m3 gas on the yearly bill")
    a.add_argument("--days", type=int, default=365, help="days the bill covers (scaled to 365)")
    a.add_argument(
        "--reading",
        type=_reading,
        action="append",
        help="DATE,kWh normal,kWh low,kWh returned,m3 gas (twice)",
    )
    a.add_argument("--advance", type=float, help="advance payment in euro per month")
    a.add_argument("--price-kwh", type=float, default=0.30)
    a.add_argument("--price-kwh-low", type=float)
    a.add_argument("--price-return", type=float)
    a.add_argument("--price-gas", type=float, default=1.40)
    a.add_argument("--year", type=int, help="year of the CO2 factors (default this year)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=_advice)

    d = coach.add_parser("delete", help="delete a stored visit by its code")
    common(d)
    d.add_argument("code")
    d.set_defaults(func=_delete)

    e = coach.add_parser("export", help="counts and estimated savings for the coordinator (no personal data)")
    common(e)
    e.set_defaults(func=_export)

    f = coach.add_parser("followups", help="planned follow-ups and visits per coach")
    common(f)
    f.set_defaults(func=_followups)

    g = coach.add_parser(
        "degree-days", help="import monthly degree days from CSV (month,degree_days[,source])"
    )
    common(g)
    g.add_argument("csv")
    g.add_argument("--source", help="source of the figures when the file does not name it")
    g.set_defaults(func=_degree_days)
