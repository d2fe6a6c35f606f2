"""``buurtwatt collect`` runs the collector; ``buurtwatt status`` shows its health."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import urllib.error
import urllib.request

from buurtwatt.commands.config import load_or_exit
from buurtwatt.i18n import cli_language, t
from buurtwatt.logs import setup_logging
from collector.runtime import Collector


def _collect(args: argparse.Namespace) -> int:
    config = load_or_exit(args.config, writes=True)
    setup_logging(args.log_format or config.collector.log_format, verbose=args.verbose)
    try:
        collector = Collector(config)
    except OSError as exc:
        logging.getLogger("buurtwatt").error("cannot open the store: %s", exc)
        return 2
    try:
        return collector.run(args.seconds)
    except OSError as exc:  # the health port is taken, and the like: say what to change
        logging.getLogger("buurtwatt").error("%s", exc)
        collector.stop()
        return 2


def fetch_health(url: str, timeout: float = 3.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def _ago(ts: float | None, lang: str) -> str:
    if not ts:
        return t("status.never", lang)
    seconds = max(0, int(time.time() - ts))
    if seconds < 120:
        return t("status.seconds_ago", lang, n=seconds)
    return t("status.minutes_ago", lang, n=seconds // 60)


def _status(args: argparse.Namespace) -> int:
    config = load_or_exit(args.config)
    lang = cli_language(config.dashboard.language)
    c = config.collector
    url = f"http://{c.health_host}:{c.health_port}/health"
    try:
        health = fetch_health(url)
    except (urllib.error.URLError, OSError) as exc:
        print(t("status.no_answer", lang, url=url, error=exc), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(health, indent=2))
        return 0
    print(t("status.site", lang, site=health["site"], status=health["status"], committed=health["committed"]))
    col = {key: t(f"status.col.{key}", lang) for key in ("device", "type", "state", "last", "readings")}
    col |= {key: t(f"status.col.{key}", lang) for key in ("dropped", "reconnects")}
    print(
        f"{col['device']:<20} {col['type']:<9} {col['state']:<9} {col['last']:<14} {col['readings']:>9} "
        f"{col['dropped']:>8} {col['reconnects']:>10}"
    )
    for d in health["devices"]:
        for row in [d, *d.get("children", [])]:
            name = row["name"] if row is d else f"  {row['name']}"
            print(
                f"{name:<20} {row['type']:<9} {row['state']:<9} {_ago(row['last_reading'], lang):<14} "
                f"{row['readings']:>9} {sum(row['drops'].values()):>8} {row['reconnects']:>10}"
                + (f"  {row['message']}" if row["message"] else "")
            )
            # every refusal with its reason: a count alone does not say what to fix
            for reason, n in sorted(row["drops"].items()):
                print(" " * 22 + t("status.refused", lang, n=n, reason=reason))
            for event, n in sorted(row.get("events", {}).items()):
                print(" " * 22 + t("status.noted", lang, n=n, event=event))
    store = health["store"]
    state = t("status.store_ok" if store.get("ok", True) else "status.store_problem", lang)
    print(
        t("status.store", lang, kind=store.get("kind", "?"), state=state)
        + (t("status.outbox", lang, n=store["outbox"]) if store.get("outbox") else "")
    )
    writer = store.get("writer") or {}
    if writer:
        print(
            t("status.writer", lang, state=writer.get("state", "?"))
            + (f" ({writer['message']})" if writer.get("message") else "")
        )
        if writer.get("spooled"):
            print(" " * 22 + t("status.spooled", lang, n=writer["spooled"]))
        for reason, n in sorted((writer.get("drops") or {}).items()):
            print(" " * 22 + t("status.lost", lang, n=n, reason=reason))
    return 0 if health["status"] == "ok" else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("collect", help="read every configured device into the store")
    p.add_argument(
        "--config", help="site config (needed: this command writes; or run it where buurtwatt.toml is)"
    )
    p.add_argument("--seconds", type=float, help="stop after N seconds (for tests)")
    p.add_argument("--log-format", choices=("text", "json"), help="default: the config's")
    p.set_defaults(func=_collect)
    s = sub.add_parser("status", help="show the running collector's health")
    s.add_argument("--config", help="site config (default ./buurtwatt.toml, else the demo config)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_status)
