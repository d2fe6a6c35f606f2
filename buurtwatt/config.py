"""The site config: one TOML file, validated by typed models.

``load_config`` returns a :class:`SiteConfig` or raises :class:`ConfigError`
holding one message per problem, each naming the key path, the line where it
can be found, and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, IPvAnyNetwork, ValidationError, field_validator, model_validator

from buurtwatt.alerts.config import AlertsConfig
from buurtwatt.backup_config import BackupConfig
from buurtwatt.balance.config import BalanceConfig
from buurtwatt.config_base import DeviceConfig, SecretRef, StrictModel
from buurtwatt.device_types import DEVICE_TYPES
from buurtwatt.i18n import cli_language, t
from buurtwatt.registry import UnknownName
from buurtwatt.shares.config import InstallationConfig, SharesConfig
from buurtwatt.tariffs.config import TariffsConfig
from buurtwatt.whatif.config import WhatifConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "demo.toml"


class Site(StrictModel):
    name: str
    id: str = Field(
        default="",
        pattern=r"^[a-z0-9_\-]*$",
        description="short id used as the 'site' tag; defaults from the name",
    )
    timezone: str = "Europe/Amsterdam"
    latitude: float = Field(default=52.37, ge=-90, le=90)
    longitude: float = Field(default=4.89, ge=-180, le=180)
    night: Literal["gap", "zero"] = "gap"
    started: str | None = Field(default=None, description="local date the building started counting")

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'unknown time zone {value!r}; use e.g. "Europe/Amsterdam"') from None
        return value

    @model_validator(mode="after")
    def _default_id(self) -> Site:
        if not self.id:
            slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "site"
            object.__setattr__(self, "id", slug)
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SqliteStoreConfig(StrictModel):
    type: Literal["sqlite"]
    path: Path = Path("buurtwatt.sqlite")
    raw_retention_days: int = Field(default=35, ge=1)
    minute_retention_days: int = Field(
        default=400, ge=1, description="days of one-minute rollups; 15-minute, hourly and daily ones stay"
    )
    heartbeat_s: float = Field(default=60, gt=0)
    cadence: dict[str, float] = Field(
        default_factory=dict,
        description="minimum seconds between stored raw points, per quantity (e.g. voltage_l1_v = 10)",
    )

    @field_validator("cadence")
    @classmethod
    def _known_quantities(cls, value: dict[str, float]) -> dict[str, float]:
        from buurtwatt.vocabulary import quantity

        for name in value:
            quantity(name)
        return value


class InfluxStoreConfig(StrictModel):
    type: Literal["influxdb"]
    url: str = "http://localhost:8086"
    api: Literal["v1", "v2", "v3"] = "v2"
    org: str = "-"
    bucket: str = "buurtwatt"
    database: str = "buurtwatt"
    retention_policy: str = ""
    token: SecretRef | None = None
    username: str | None = None
    password: SecretRef | None = None
    outbox: Path = Path("outbox.sqlite")
    outbox_max_mb: float = Field(default=1024, gt=0)
    batch_size: int = Field(default=5000, ge=1)
    timeout_s: float = Field(default=10, gt=0)
    heartbeat_s: float = Field(default=60, gt=0)
    cadence: dict[str, float] = Field(default_factory=dict)


StoreConfig = Annotated[SqliteStoreConfig | InfluxStoreConfig, Field(discriminator="type")]
# the store types, read from the models above (tests/store/test_registry.py matches them to the registry)
STORE_TYPES: tuple[str, ...] = tuple(
    get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(StoreConfig)[0])
)


class CollectorConfig(StrictModel):
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=8765, ge=0, le=65535)
    commit_interval_s: float = Field(default=0.5, gt=0, le=1)
    log_format: Literal["text", "json"] = "text"
    max_clock_skew_s: float = Field(
        default=30.0,
        gt=0,
        description="trust a device's own clock only this close to the receive time; further off, "
        "the receive time is used and counted as clock_off",
    )
    counter_reset_after: int = Field(
        default=3,
        ge=1,
        description="readings in a row at a lower (or far higher) level before a counter counts as "
        "reset or swapped; fewer are glitches",
    )
    spool_max_readings: int = Field(
        default=200_000,
        ge=1000,
        description="readings kept in memory while the store cannot write; beyond it the oldest are "
        "dropped and counted as spool_full",
    )


class DashboardConfig(StrictModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8050, ge=0, le=65535)
    language: Literal["nl", "en"] = "nl"
    rotate_seconds: int = Field(default=15, ge=3)
    stale_after_s: int = Field(default=30, ge=5)
    price_eur_per_kwh: float = Field(default=0.30, ge=0)
    gas_price_eur_per_m3: float = Field(default=1.40, ge=0)
    admin_password_hash: SecretRef | None = None
    coach_password_hash: SecretRef | None = None  # the coach role: /coach/spreekuur
    secret_key: SecretRef | None = None
    collector_health_url: str | None = None
    sites: list[str] = Field(default_factory=list, description="extra site ids for the /stad page")
    # how /stad names those sites: { noord = "Buurthuis Noord" }; a site without one shows its id as words
    site_names: dict[str, str] = Field(default_factory=dict)
    # reverse proxies (addresses or networks) whose X-Forwarded-For / X-Forwarded-Proto are believed
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    # sites that may show /scherm in a frame, besides the dashboard itself ("https://buurt.example.nl")
    frame_ancestors: list[str] = Field(default_factory=list)

    @field_validator("frame_ancestors")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?", origin):
                raise ValueError(f"{origin!r} is not an origin such as https://buurt.example.nl")
        return value

    @model_validator(mode="after")
    def _named_sites_are_shown(self) -> DashboardConfig:
        # a name for a site that is not in `sites` is a typo: it would silently never show
        unknown = sorted(set(self.site_names) - set(self.sites))
        if unknown:
            raise ValueError(f"site_names names {', '.join(unknown)}, which is not in sites = {self.sites}")
        return self


class SiteConfig(StrictModel):
    site: Site
    store: StoreConfig
    collector: CollectorConfig = CollectorConfig()
    dashboard: DashboardConfig = DashboardConfig()
    devices: list[DeviceConfig] = Field(default_factory=list)
    balance: BalanceConfig = BalanceConfig()
    shares: SharesConfig = SharesConfig()
    installations: list[InstallationConfig] = Field(default_factory=list)
    alerts: AlertsConfig = AlertsConfig()
    backup: BackupConfig = BackupConfig()
    tariffs: TariffsConfig = TariffsConfig()
    whatif: WhatifConfig = WhatifConfig()
    source_path: Path | None = None

    def device(self, name: str) -> DeviceConfig:
        for device in self.devices:
            if device.name == name:
                return device
        raise KeyError(name)


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = t("config.line", cli_language(), line=self.line) if self.line else ""
        return f"{self.path}{where}: {self.message}"


class ConfigError(Exception):
    def __init__(self, file: Path | str, problems: list[ConfigProblem]) -> None:
        self.file = str(file)
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        lines = [t("config.problems_1" if n == 1 else "config.problems", cli_language(), file=self.file, n=n)]
        lines += [f"  {self.file}: {p}" for p in self.problems]
        return "\n".join(lines)


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _find_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a key path in TOML text (tomllib keeps no positions)."""
    tables: list[tuple[tuple[Any, ...], int]] = []  # (table path, first line)
    counts: dict[tuple[str, ...], int] = {}
    current: tuple[Any, ...] = ()
    header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
    keyline = re.compile(r"^\s*([A-Za-z0-9_\-\"]+)\s*=")
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m:
            names = tuple(p.strip().strip('"') for p in m.group(2).split("."))
            if m.group(1) == "[[":
                idx = counts.get(names, 0)
                counts[names] = idx + 1
                current = (*names[:-1], names[-1], idx)
            else:
                current = names
            tables.append((current, number))
            if tuple(loc[: len(current)]) == current and best is None and len(current) == len(loc):
                best = number
            continue
        k = keyline.match(line)
        if k:
            full = (*current, k.group(1).strip('"'))
            if tuple(loc[: len(full)]) == full:
                return number
    if best:
        return best
    # fall back to the deepest table that contains the path
    for path, number in reversed(tables):
        if tuple(loc[: len(path)]) == path:
            return number
    return None


def _problems_from(exc: ValidationError, text: str, prefix: tuple[Any, ...] = ()) -> list[ConfigProblem]:
    problems = []
    lang = cli_language()  # the config is not read yet: only BUURTWATT_LANG can choose
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        # drop the discriminator tag pydantic inserts for unions
        loc = tuple(p for p in loc if p not in STORE_TYPES)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = t("config.unknown_key", lang)
        elif err["type"] == "missing":
            msg = t("config.missing_key", lang)
        elif err["type"] == "literal_error":
            msg = t("config.found", lang, message=msg, found=repr(err.get("input")))
        problems.append(ConfigProblem(_key_path(loc), msg, _find_line(text, loc)))
    return problems


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    """Relative paths in a config are relative to the config file's folder."""
    store = raw.get("store")
    if isinstance(store, dict):
        for key in ("path", "outbox"):
            if isinstance(store.get(key), str):
                store[key] = str((base / store[key]).resolve())
    for device in raw.get("devices") or []:
        if isinstance(device, dict):
            for key in ("replay", "ca_file"):
                if isinstance(device.get(key), str):
                    device[key] = str((base / device[key]).resolve())
    backup = raw.get("backup")
    if isinstance(backup, dict) and isinstance(backup.get("folder"), str):
        backup["folder"] = str((base / backup["folder"]).resolve())
    tariffs = raw.get("tariffs")
    if isinstance(tariffs, dict):
        for key in ("prices_file", "tax_table"):
            if isinstance(tariffs.get(key), str):
                tariffs[key] = str((base / tariffs[key]).resolve())
    shares = raw.get("shares")
    if isinstance(shares, dict):
        for key, value in list(shares.items()):
            if isinstance(value, str) and key not in ("default_scheme",):
                shares[key] = str((base / value).resolve())


def parse_config(text: str, file: Path | str = "<config>", base: Path | None = None) -> SiteConfig:
    """Validate TOML text. ``base`` is the folder relative paths start from."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            file,
            [
                ConfigProblem(
                    "(file)", t("config.not_toml", cli_language(), error=exc), int(m.group(1)) if m else None
                )
            ],
        ) from None
    _resolve_paths(raw, base or Path.cwd())
    problems: list[ConfigProblem] = []
    devices: list[DeviceConfig] = []
    names: set[str] = set()
    for index, device in enumerate(raw.pop("devices", []) or []):
        loc: tuple[Any, ...] = ("devices", index)
        if not isinstance(device, dict) or "type" not in device:
            problems.append(
                ConfigProblem(
                    _key_path((*loc, "type")), t("config.device_type", cli_language()), _find_line(text, loc)
                )
            )
            continue
        try:
            model = DEVICE_TYPES.get(str(device["type"])).config
            parsed = model.model_validate(device)
        except UnknownName as exc:
            problems.append(
                ConfigProblem(_key_path((*loc, "type")), str(exc), _find_line(text, (*loc, "type")))
            )
            continue
        except ValidationError as exc:
            problems += _problems_from(exc, text, loc)
            continue
        if parsed.name in names:
            problems.append(
                ConfigProblem(
                    _key_path((*loc, "name")),
                    t("config.name_twice", cli_language(), name=repr(parsed.name)),
                    _find_line(text, (*loc, "name")),
                )
            )
        names.add(parsed.name)
        devices.append(parsed)
    try:
        config = SiteConfig.model_validate({**raw, "source_path": str(file)})
    except ValidationError as exc:
        problems += _problems_from(exc, text)
        config = None
    if problems or config is None:
        raise ConfigError(file, problems)
    # devices were validated one by one with their own models
    return config.model_copy(update={"devices": devices})


def load_config(path: Path | str | None = None) -> SiteConfig:
    """Read and validate a config file (default: config/demo.toml)."""
    file = Path(path) if path else DEFAULT_CONFIG
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            file,
            [ConfigProblem("(file)", t("config.cannot_read", cli_language(), error=exc.strerror))],
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(file, [_not_utf8(file, exc)]) from None
    return parse_config(text, file, file.resolve().parent)


def _not_utf8(file: Path, exc: UnicodeDecodeError) -> ConfigProblem:
    """Where the first byte that is not UTF-8 sits, so a volunteer can find it in an editor."""
    data = exc.object if isinstance(exc.object, bytes) else file.read_bytes()
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    return ConfigProblem(
        "(file)",
        t(
            "config.not_utf8",
            cli_language(),
            offset=exc.start,
            line=line,
            column=column,
            byte=f"{data[exc.start]:02x}",
        ),
        line,
    )
