"""What every page and callback needs: the config, the store and short-lived caches.

It hangs on the Flask app, so callbacks reach it through ``flask.current_app``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import flask

from buurtwatt.balance import site_roles
from buurtwatt.config import SiteConfig
from buurtwatt.roles import Roles
from buurtwatt.store.base import Store

T = TypeVar("T")
EXTENSION = "buurtwatt"


@dataclass
class DashContext:
    config: SiteConfig
    store: Store
    started: float = field(default_factory=time.time)
    site_stores: dict[str, Store] = field(default_factory=dict)  # other sites for /stad
    _cache: dict[Any, tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tz(self) -> str:
        return self.config.site.timezone

    def cached(self, key: Any, ttl: float, compute: Callable[[], T]) -> T:
        """``compute()`` at most once per ``ttl`` seconds per key (several screens share it)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < ttl:
                return hit[1]
        value = compute()
        with self._lock:
            if len(self._cache) > 512:  # bounded: keys include periods and languages
                self._cache.clear()
            self._cache[key] = (now, value)
        return value

    def roles(self, store: Store | None = None) -> Roles:
        """The site's roles (buurtwatt.roles), resolved once a minute: new devices show up."""
        store = store or self.store
        return self.cached(("roles", store.site), 60, lambda: site_roles(self.config, store))


def current() -> DashContext:
    return flask.current_app.extensions[EXTENSION]
