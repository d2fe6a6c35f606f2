"""``buurtwatt check-config``: validate a site config and summarise it on one screen."""

from __future__ import annotations

import argparse
import sys

from buurtwatt.config import ConfigError, SiteConfig, load_config


def load_or_exit(path: str | None) -> SiteConfig:
    """Load a config for a command; on problems print them and exit 2."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(2) from None


def summary(config: SiteConfig) -> str:
    store = config.store
    where = store.path if store.type == "sqlite" else f"{store.url} (InfluxDB {store.api})"
    lines = [
        f"Site       {config.site.name} (id {config.site.id}, {config.site.timezone})",
        f"Store      {store.type}: {where}",
        f"Devices    {len(config.devices)}",
    ]
    lines += [f"  - {d.name:<16} {d.type}{'' if d.enabled else ' (disabled)'}" for d in config.devices]
    lines.append(
        f"Dashboard  http://{config.dashboard.host}:{config.dashboard.port}/ "
        f"(language {config.dashboard.language})"
    )
    lines.append(f"Health     http://{config.collector.health_host}:{config.collector.health_port}/health")
    if config.installations:
        lines.append(f"Installations {', '.join(i.name for i in config.installations)}")
    if config.tariffs.periods:
        t = config.tariffs
        lines.append(
            f"Tariffs    {len(t.periods)} period(s) from {t.periods[0].first}; "
            f"net metering until {t.net_metering_until}"
            + (f"; hourly prices from {t.prices_file}" if t.uses_hourly_prices else "")
        )
    if config.shares.participants:
        lines.append(f"Register   {config.shares.participants}, {config.shares.holdings}")
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    config = load_or_exit(args.file)
    print(summary(config))
    print("OK: the config is valid.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check-config", help="check a site config file and summarise it")
    p.add_argument("file", nargs="?", help="the TOML file (default config/demo.toml)")
    p.set_defaults(func=_check)
