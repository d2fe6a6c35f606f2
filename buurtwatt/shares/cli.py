"""``buurtwatt shares check|allocate|confirm|links|report|statement``."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from buurtwatt import csvsafe
from buurtwatt.config import SiteConfig
from buurtwatt.i18n import cli_language, t
from buurtwatt.shares.ledger import (
    ProductionSource,
    confirm_year,
    find_installation,
    open_register,
    settle_period,
)
from buurtwatt.shares.register import Register, RegisterError
from buurtwatt.shares.settle import RoundedSettlement, SettlementError
from buurtwatt.shares.tariffs import TariffError

PROBLEMS = (RegisterError, SettlementError, TariffError, FileExistsError, ValueError)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            t("shares.cli.not_a_date", cli_language(), text=repr(text))
        ) from None


def _config(args: argparse.Namespace, writes: bool = False) -> SiteConfig:
    from buurtwatt.commands.config import load_or_exit

    return load_or_exit(args.config, writes=writes)


def _register(config: SiteConfig, args: argparse.Namespace) -> Register:
    return open_register(config, getattr(args, "participants", None), getattr(args, "holdings", None))


@contextmanager
def _source(config: SiteConfig, args: argparse.Namespace) -> Iterator[ProductionSource]:
    if getattr(args, "production", None):
        yield ProductionSource(csv=args.production)
        return
    from buurtwatt.store import open_store

    store = open_store(config, readonly=True)
    try:
        yield ProductionSource(store=store)
    finally:
        store.close()


def _lang(config: SiteConfig) -> str:
    return cli_language(config.dashboard.language)


def _fail(exc: Exception, lang: str) -> int:
    text = exc.render() if isinstance(exc, RegisterError) else t("shares.cli.error", lang, error=exc)
    print(text, file=sys.stderr)
    return 1


def _today(args: argparse.Namespace) -> date:
    return args.today or date.today()


def _check(args: argparse.Namespace) -> int:
    config = _config(args)
    lang = _lang(config)
    try:
        register = _register(config, args)
    except RegisterError as exc:
        return _fail(exc, lang)
    today = _today(args)
    print(t("shares.check.participants", lang, n=len(register.participants)))
    if register.payments:
        print(t("shares.check.payments", lang, n=len(register.payments)))
    if register.organisation:
        print(t("shares.check.organisation", lang, id=register.organisation))
    for inst in config.installations:
        held = register.shares_on(inst.name, today)
        total = sum(held.values())
        print(
            t(
                "shares.check.installation",
                lang,
                name=inst.name,
                scheme=inst.scheme,
                issued=inst.shares_issued,
                held=total,
                holders=len(held),
                day=today,
                unsold=inst.shares_issued - total,
            )
        )
    for warning in register.warnings:
        print(f"  {warning}")
    if register.warnings:
        print(t("shares.check.ok_warnings", lang, n=len(register.warnings)))
    else:
        print(t("shares.check.ok", lang))
    return 0


def _render(rounded: RoundedSettlement, fmt: str, notes: tuple[str, ...], lang: str) -> str:
    if fmt == "json":
        return json.dumps(rounded.to_json(), indent=1)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer, lineterminator="\n")
        writer.writerow(["participant_id", "share_days", "kwh", "eur"])
        for r in rounded.rows:
            writer.writerow([r.participant_id, r.share_days, f"{r.kwh:f}", f"{r.eur:f}"])
        writer.writerow(["(unallocated)", "", f"{rounded.unallocated_kwh:f}", ""])
        writer.writerow(["(total)", "", f"{rounded.total_kwh:f}", ""])
        return buffer.getvalue().rstrip("\n")
    participant, share_days, unallocated, total = (
        t(f"shares.allocate.{key}", lang) for key in ("participant", "share_days", "unallocated", "total")
    )
    lines = [
        t(
            "shares.allocate.period",
            lang,
            installation=rounded.installation,
            start=rounded.start,
            end=rounded.end,
        ),
        f"{participant:<14}{share_days:>12}{'kWh':>16}{'EUR':>12}",
    ]
    lines += [f"{r.participant_id:<14}{r.share_days:>12}{r.kwh:>16f}{r.eur:>12f}" for r in rounded.rows]
    lines.append(f"{unallocated:<14}{'':>12}{rounded.unallocated_kwh:>16f}")
    lines.append(f"{total:<14}{'':>12}{rounded.total_kwh:>16f}")
    if rounded.estimated_days:
        lines.append(t("shares.allocate.estimated", lang, n=rounded.estimated_days))
    lines += [t("shares.cli.note", lang, note=n) for n in notes]
    return "\n".join(lines)


def _allocate(args: argparse.Namespace) -> int:
    config = _config(args)
    lang = _lang(config)
    if args.to < args.from_:
        print(t("shares.allocate.to_before_from", lang, to=args.to, start=args.from_), file=sys.stderr)
        return 2
    try:
        register = _register(config, args)
        inst = find_installation(config, args.installation)
        with _source(config, args) as source:
            settlement = settle_period(config, register, inst, source, args.from_, args.to)
    except PROBLEMS as exc:
        return _fail(exc, lang)
    print(_render(settlement.rounded(args.precision), args.format, settlement.notes, lang))
    if args.format != "table":
        for note in settlement.notes:
            print(t("shares.cli.note", lang, note=note), file=sys.stderr)
    return 0


def _confirm(args: argparse.Namespace) -> int:
    config = _config(args, writes=True)  # freezes a year: never on the demo config by accident
    lang = _lang(config)
    try:
        register = _register(config, args)
        names = [args.installation] if args.installation else [i.name for i in config.installations]
        with _source(config, args) as source:
            for name in names:
                inst = find_installation(config, name)
                path = confirm_year(config, register, inst, source, args.year, _today(args), args.precision)
                print(t("shares.confirm.done", lang, name=inst.name, year=args.year, path=path))
    except PROBLEMS as exc:
        return _fail(exc, lang)
    return 0


def _links(args: argparse.Namespace) -> int:
    from buurtwatt.shares.tokens import TokenStore

    config = _config(args, writes=True)  # writes tokens.json
    lang = _lang(config)
    try:
        register = _register(config, args)
    except RegisterError as exc:
        return _fail(exc, lang)
    path = config.shares.tokens_path
    if path is None:
        print(t("shares.links.no_holdings", lang), file=sys.stderr)
        return 2
    base = (
        args.base_url
        or config.shares.links.base_url
        or f"http://{config.dashboard.host}:{config.dashboard.port}"
    ).rstrip("/")
    tokens = TokenStore(path)
    unknown = [p for p in args.rotate if p not in register.participants]
    if unknown:
        print(t("shares.links.unknown", lang, ids=", ".join(unknown)), file=sys.stderr)
        return 2
    rotate = set(register.participants) if args.rotate_all else set(args.rotate)
    issued = {pid: tokens.issue(pid, _today(args)) for pid in sorted(rotate)}
    issued.update(tokens.issue_missing(register.participants, _today(args)))
    for pid, person in register.participants.items():
        if pid in issued:
            print(f"{pid}\t{person.name}\t{base}/mijn/{issued[pid]}")
        else:
            print(f"{pid}\t{person.name}\t{t('shares.links.given_before', lang, id=pid)}")
    print(t("shares.links.done", lang, n=len(issued), path=path), file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from buurtwatt.shares.report import supplier_reports, supplier_slug

    config = _config(args)
    lang = _lang(config)
    try:
        register = _register(config, args)
        inst = find_installation(config, args.installation)
        if inst.scheme != "postcoderoos":
            print(t("shares.report.sce", lang, name=repr(inst.name)), file=sys.stderr)
            return 2
        start, end = max(date(args.year, 1, 1), inst.delivery_start), date(args.year, 12, 31)
        with _source(config, args) as source:
            settlement = settle_period(config, register, inst, source, start, end)
    except PROBLEMS as exc:
        return _fail(exc, lang)
    reports, warnings = supplier_reports(register, settlement.rounded(args.precision), inst.title, inst.ean)
    args.out.mkdir(parents=True, exist_ok=True)
    for rep in reports:
        path = args.out / f"ledenverklaring-{inst.name}-{args.year}-{supplier_slug(rep.supplier)}.csv"
        path.write_text(rep.csv_text, encoding="utf-8")
        print(t("shares.report.written", lang, path=path, n=rep.rows))
    for warning in warnings:
        print(t("shares.cli.warning", lang, warning=warning), file=sys.stderr)
    return 0


def _statement(args: argparse.Namespace) -> int:
    from buurtwatt.shares.statement import build_statement

    config = _config(args)
    lang = _lang(config)
    try:
        register = _register(config, args)
        ids = sorted(register.participants) if args.all else [args.participant]
        if not args.all and args.participant not in register.participants:
            print(t("shares.statement.unknown", lang, id=repr(args.participant)), file=sys.stderr)
            return 2
        with _source(config, args) as source:
            for pid in ids:
                pdf = build_statement(config, None, pid, args.year, _today(args), register, source)
                assert pdf is not None
                path = (
                    args.out / f"jaaroverzicht-{args.year}-{pid}.pdf"
                    if args.all or args.out.is_dir()
                    else args.out
                )
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pdf)
                print(path)
    except PROBLEMS as exc:
        return _fail(exc, lang)
    return 0


def _common(p: argparse.ArgumentParser, production: bool = True) -> None:
    p.add_argument("--config", help="site config (default ./buurtwatt.toml; confirm and links need one)")
    p.add_argument("--participants", type=Path, help="participants.csv instead of the one in [shares]")
    p.add_argument("--holdings", type=Path, help="holdings.csv instead of the one in [shares]")
    p.add_argument("--today", type=_date, help=argparse.SUPPRESS)  # for tests and replays
    if production:
        p.add_argument("--production", type=Path, help="daily production CSV (date,kwh) instead of the store")


def register(sub: argparse._SubParsersAction) -> None:
    shares = sub.add_parser("shares", help="the collective roof: share register, allocation, statements")
    commands = shares.add_subparsers(dest="shares_command", metavar="COMMAND")
    shares.set_defaults(func=lambda _args: (shares.print_help(), 2)[1])

    p = commands.add_parser("check", help="validate the share register and summarise it")
    _common(p, production=False)
    p.set_defaults(func=_check)

    p = commands.add_parser("allocate", help="split the yield of a period over the participants")
    _common(p)
    p.add_argument("--installation", help="installation name (needed when there are several)")
    p.add_argument("--from", dest="from_", type=_date, required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", type=_date, required=True, help="last day (inclusive), YYYY-MM-DD")
    p.add_argument(
        "--precision",
        type=int,
        default=3,
        choices=range(0, 7),
        metavar="N",
        help="decimals of kWh (default 3)",
    )
    p.add_argument("--format", choices=("json", "csv", "table"), default="table")
    p.set_defaults(func=_allocate)

    p = commands.add_parser("confirm", help="freeze a finished year (never recomputed afterwards)")
    _common(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--installation", help="only this installation (default: all)")
    p.add_argument("--precision", type=int, default=3, choices=range(0, 7), metavar="N")
    p.set_defaults(func=_confirm)

    p = commands.add_parser("links", help="print each participant's personal link (new ones only)")
    _common(p, production=False)
    p.add_argument("--base-url", help="public address of the dashboard")
    p.add_argument("--rotate", action="append", default=[], metavar="ID", help="issue a new link for ID")
    p.add_argument("--rotate-all", action="store_true", help="issue new links for everyone")
    p.set_defaults(func=_links)

    p = commands.add_parser("report", help="supplier CSVs for the ledenverklaring (postcoderoos)")
    _common(p)
    p.add_argument("--installation")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", type=Path, default=Path("."), help="folder for the CSV files")
    p.add_argument("--precision", type=int, default=3, choices=range(0, 7), metavar="N")
    p.set_defaults(func=_report)

    p = commands.add_parser("statement", help="yearly PDF statement in Dutch for a participant")
    _common(p)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--participant", metavar="ID")
    who.add_argument("--all", action="store_true", help="one PDF per participant into --out")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", type=Path, default=Path("."), help="PDF file, or folder")
    p.set_defaults(func=_statement)
