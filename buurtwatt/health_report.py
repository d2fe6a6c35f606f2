"""Where the collector's ``/health`` is, and its device tree as rows: shared by the collector's
metrics, the alerts and the admin page, so all three read it the same way."""

from __future__ import annotations

from typing import Any

from buurtwatt.config import SiteConfig


def health_url(config: SiteConfig) -> str | None:
    """``[dashboard] collector_health_url``, else the collector's own health port on this machine."""
    if config.dashboard.collector_health_url:
        return config.dashboard.collector_health_url
    c = config.collector
    if not c.health_port:
        return None
    host = "127.0.0.1" if c.health_host in ("0.0.0.0", "::", "") else c.health_host
    return f"http://{host}:{c.health_port}/health"


def flat_devices(devices: list[Any]) -> list[dict[str, Any]]:
    """Every device with the ones found behind it (plugs behind a broker, a gas meter behind P1)."""
    out: list[dict[str, Any]] = []
    for d in devices:
        if isinstance(d, dict):
            out.append(d)
            out += flat_devices(d.get("children", []))
    return out
