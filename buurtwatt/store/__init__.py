"""Stores: the embedded SQLite store (default) and InfluxDB (1.x, 2.x, 3.x); see registry.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buurtwatt.store.base import Resolution, Row, Store, StoreNotWritable
from buurtwatt.store.registry import backend, backends, register_backend

if TYPE_CHECKING:
    from buurtwatt.config import SiteConfig

__all__ = [
    "Resolution",
    "Row",
    "Store",
    "StoreNotWritable",
    "backend",
    "backends",
    "open_store",
    "register_backend",
]


def open_store(config: SiteConfig, readonly: bool = False) -> Store:
    """The store the config names, scoped to the config's site."""
    return backend(config.store.type).opener(config.store, config.site.id, config.site.timezone, readonly)
