"""Compressed responses when Flask-Compress is installed (waitress itself does not compress).

A first visit moves about 6.5 MB of JavaScript (Plotly alone is 3.5 MB); compressed it is
about a quarter of that. The libraries' files never change while the server runs, so each
is compressed once and kept; callback answers are small and compressed each time.
Without the package the dashboard works the same, only with more bytes on the wire.
"""

from __future__ import annotations

import logging
import threading

import flask

log = logging.getLogger(__name__)
STATIC_PREFIX = "/_dash-component-suites/"  # library files: they never change while the server runs
PLOTLY = STATIC_PREFIX + "plotly/package_data/plotly.min.js"  # loaded on demand by the first graph


class StaticCache:
    """Keeps compressed library files; anything else (callback answers) is never cached."""

    def __init__(self) -> None:
        self._items: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._items.get(key)

    def set(self, key: str, value: bytes) -> None:
        if STATIC_PREFIX not in key:
            return
        with self._lock:
            if len(self._items) < 256:  # bounded: a few dozen library files in practice
                self._items[key] = value


def _key(request: flask.Request) -> str:
    return request.path if request.path.startswith(STATIC_PREFIX) else ""


def enabled(server: flask.Flask) -> bool:
    return bool(server.extensions.get("bw_compress"))


def enable(server: flask.Flask) -> bool:
    try:
        from flask_compress import Compress
    except ImportError:
        log.info("flask-compress is not installed: responses go out uncompressed")
        return False
    cache = StaticCache()
    server.config.update(
        COMPRESS_CACHE_BACKEND=lambda: cache,
        COMPRESS_CACHE_KEY=_key,
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_LEVEL=6,
        COMPRESS_ALGORITHM_STREAMING=["deflate"],  # files from assets/ (our CSS)
        COMPRESS_MIMETYPES=[
            "text/html",
            "text/css",
            "application/javascript",
            "text/javascript",
            "application/json",
        ],
    )
    Compress(server)
    server.extensions["bw_compress"] = True
    return True
