"""``buurtwatt check-config``, and which config file a command uses.

A command that writes (``collect``, ``shares confirm``, ``shares links``, ``import-intensity``,
``backup``, ``restore``) needs ``--config FILE`` or a ``buurtwatt.toml`` in the current folder:
writing the demo's store or freezing a year from any folder by accident cannot be undone. A
read-only command without either reads the demo config, and says so on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import BaseModel

from buurtwatt.config import DEFAULT_CONFIG, ConfigError, SiteConfig, load_config
from buurtwatt.i18n import cli_language, t

LOCAL_CONFIG = "buurtwatt.toml"


def config_path(path: str | None, *, writes: bool) -> Path:
    """``--config``, else ``./buurtwatt.toml``, else (read-only commands) the demo config."""
    if path:
        return Path(path)
    local = Path.cwd() / LOCAL_CONFIG
    if local.exists():
        return local
    lang = cli_language()
    if writes:
        print(t("cli.config_needed", lang, local=LOCAL_CONFIG), file=sys.stderr)
        raise SystemExit(2)
    print(t("cli.demo_config_used", lang, path=DEFAULT_CONFIG), file=sys.stderr)
    return DEFAULT_CONFIG


def load_or_exit(path: str | None, *, writes: bool = False) -> SiteConfig:
    """Load a config for a command; on problems print them and exit 2."""
    try:
        return load_config(config_path(path, writes=writes))
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(2) from None


def no_store_yet(config: SiteConfig, lang: str) -> bool:
    """A command that only reads: say so when the SQLite file is not there yet (no traceback)."""
    path = getattr(config.store, "path", None)
    if config.store.type != "sqlite" or path is None or Path(path).exists():
        return False
    print(t("cli.no_store", lang, path=path), file=sys.stderr)
    return True


def _is_port_or_time(name: str, value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return name == "port" or name.endswith(("_port", "_s", "_seconds"))


def defaults_filled(model: BaseModel) -> list[tuple[str, int | float]]:
    """The ports and times ``model`` has because the file did not give them."""
    return [
        (name, value)
        for name in type(model).model_fields
        if name not in model.model_fields_set and _is_port_or_time(name, value := getattr(model, name))
    ]


def _defaults_line(model: BaseModel, lang: str) -> list[str]:
    found = defaults_filled(model)
    if not found:
        return []
    items = ", ".join(t("cli.default_item", lang, name=name, value=value) for name, value in found)
    return [t("cli.defaults", lang, items=items)]


def summary(config: SiteConfig, lang: str) -> str:
    store = config.store
    where = store.path if store.type == "sqlite" else f"{store.url} (InfluxDB {store.api})"
    lines = [
        t("cli.check.site", lang, name=config.site.name, id=config.site.id, tz=config.site.timezone),
        t("cli.check.store", lang, type=store.type, where=where),
        *_defaults_line(store, lang),
        t("cli.check.devices", lang, n=len(config.devices)),
    ]
    for d in config.devices:
        disabled = "" if d.enabled else t("cli.check.disabled", lang)
        lines.append(f"  - {d.name:<16} {d.type}{disabled}")
        lines += ["  " + line for line in _defaults_line(d, lang)]
    lines.append(
        t(
            "cli.check.dashboard",
            lang,
            url=f"http://{config.dashboard.host}:{config.dashboard.port}/",
            language=config.dashboard.language,
        )
    )
    lines += _defaults_line(config.dashboard, lang)
    lines.append(
        t(
            "cli.check.health",
            lang,
            url=f"http://{config.collector.health_host}:{config.collector.health_port}/health",
        )
    )
    lines += _defaults_line(config.collector, lang)
    if config.installations:
        lines.append(
            t("cli.check.installations", lang, names=", ".join(i.name for i in config.installations))
        )
    if config.tariffs.periods:
        tariffs = config.tariffs
        lines.append(
            t(
                "cli.check.tariffs",
                lang,
                n=len(tariffs.periods),
                first=tariffs.periods[0].first,
                until=tariffs.net_metering_until,
            )
            + (
                t("cli.check.hourly_prices", lang, file=tariffs.prices_file)
                if tariffs.uses_hourly_prices
                else ""
            )
        )
    if config.shares.participants:
        lines.append(
            t(
                "cli.check.register",
                lang,
                participants=config.shares.participants,
                holdings=config.shares.holdings,
            )
        )
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    config = load_or_exit(args.file)
    lang = cli_language(config.dashboard.language)
    print(summary(config, lang))
    print(t("cli.check.ok", lang))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check-config", help="check a site config file and summarise it")
    p.add_argument("file", nargs="?", help=f"the TOML file (default ./{LOCAL_CONFIG}, else config/demo.toml)")
    p.set_defaults(func=_check)
