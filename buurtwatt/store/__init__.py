"""Stores: the embedded SQLite store (default) and InfluxDB (1.x, 2.x, 3.x)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buurtwatt.store.base import Resolution, Row, Store

if TYPE_CHECKING:
    from buurtwatt.config import SiteConfig

__all__ = ["Resolution", "Row", "Store", "open_store"]


def open_store(config: SiteConfig, readonly: bool = False) -> Store:
    """The store the config names, scoped to the config's site."""
    store = config.store
    site = config.site
    if store.type == "sqlite":
        from buurtwatt.store.sqlite import SqliteStore

        return SqliteStore(
            store.path,
            site=site.id,
            tz=site.timezone,
            heartbeat_s=store.heartbeat_s,
            cadence=store.cadence,
            raw_retention_days=store.raw_retention_days,
            readonly=readonly,
        )
    from buurtwatt.store.influx import InfluxStore

    return InfluxStore(store, site=site.id, tz=site.timezone, readonly=readonly)
