"""The payload formats: small mappers that register themselves here.

Every module in this package defines one or more :class:`PayloadFormat` and passes
each to :func:`register`, which adds it to :data:`FORMATS` (a
:class:`buurtwatt.registry.Registry`, like the other registries). The package imports
all its modules on first use, so the config's format choices, the CLI's ``--format``
choices and the fuzz test all come from the registry. Adding a format is one module
here plus a sample folder under ``tests/mqtt/data/<format>/<model>/``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from buurtwatt.registry import Registry, UnknownName
from collector.mqtt.mapped import Mapped

if TYPE_CHECKING:  # config.py imports this package to check format names
    from collector.mqtt.config import Subscription

Mapper = Callable[[str, bytes, "Subscription"], Mapped]


def no_extra_topics(topic_filter: str) -> list[str]:
    return []


def no_check(sub: Subscription) -> None:
    return None


@dataclass(frozen=True)
class PayloadFormat:
    name: str
    parse: Mapper
    # extra topic filters to follow for a subscription (LWT next to SENSOR, and so on)
    availability_topics: Callable[[str], list[str]] = no_extra_topics
    merges_partials: bool = False
    # what this format needs in a subscription; raises ValueError with a message for the config
    check: Callable[[Subscription], None] = no_check
    summary: str = ""  # one line for the docs and the CLI help


UnknownFormat = UnknownName  # its message lists the registered formats

FORMATS: Registry[PayloadFormat] = Registry("MQTT format")


def register(fmt: PayloadFormat) -> PayloadFormat:
    """Add a format under its name; a second, different format with that name is an error."""
    FORMATS.register(fmt.name, fmt)
    return fmt


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def format_names() -> list[str]:
    return sorted(FORMATS.names())


def get_format(name: str) -> PayloadFormat:
    return FORMATS.get(name)


_load_all()
