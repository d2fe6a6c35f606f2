"""From what is observed to the problems that are open now. Pure: no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from buurtwatt.alerts.config import AlertsConfig
from buurtwatt.health_report import flat_devices

ASLEEP_OR_FINE = ("ok", "asleep", "starting")


@dataclass(frozen=True)
class Problem:
    """One open problem. ``key`` is stable while it lasts; ``kind`` picks the message."""

    key: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Observation:
    """What the runner saw at ``now`` (Unix seconds)."""

    now: float
    health: dict[str, Any] | None  # the collector's /health, None when it did not answer
    collector_down_since: float | None = None  # first failed check of the current outage
    newest_data: float | None = None  # newest reading in the store, any series
    disk_free_pct: float | None = None
    refused_per_minute: float | None = None
    co2_high: dict[str, float] = field(default_factory=dict)  # room -> lowest ppm over the window
    # devices that report rarely by design (an M-Bus gas meter: hourly on DSMR 4), in minutes
    slow_devices: dict[str, float] = field(default_factory=dict)


def device_problems(obs: Observation, cfg: AlertsConfig) -> list[Problem]:
    if obs.health is None:
        return []
    found: list[Problem] = []
    for d in flat_devices(obs.health.get("devices", [])):
        name, state = d.get("name", "?"), d.get("state", "")
        limit = max(cfg.device_silent_minutes, obs.slow_devices.get(name, 0.0)) * 60
        if state == "asleep":
            continue  # an inverter at night is expected, not a fault
        since = d.get("since") or obs.now
        last = d.get("last_reading")
        if state not in ASLEEP_OR_FINE and obs.now - since >= limit:
            found.append(
                Problem(
                    f"device:{name}",
                    "device_error",
                    {
                        "device": name,
                        "state": state,
                        "message": d.get("message", ""),
                        "since_ts": since,
                    },
                )
            )
        elif last is not None and obs.now - last >= limit:
            found.append(Problem(f"device:{name}", "device_silent", {"device": name, "since_ts": last}))
    return found


def problems(obs: Observation, cfg: AlertsConfig) -> list[Problem]:
    """Every open problem in ``obs`` under the thresholds of ``cfg``."""
    found: list[Problem] = []
    if (
        obs.collector_down_since is not None
        and obs.now - obs.collector_down_since >= cfg.collector_down_minutes * 60
    ):
        found.append(Problem("collector", "collector_down", {"since_ts": obs.collector_down_since}))
    found += device_problems(obs, cfg)
    if obs.newest_data is not None and obs.now - obs.newest_data >= cfg.stale_minutes * 60:
        found.append(Problem("stale", "stale", {"since_ts": obs.newest_data}))
    if obs.disk_free_pct is not None and obs.disk_free_pct < cfg.disk_free_below_pct:
        found.append(Problem("disk", "disk_low", {"pct": round(obs.disk_free_pct, 1)}))
    if obs.health is not None:
        depth = (obs.health.get("store", {}).get("outbox") or {}).get("depth")
        if isinstance(depth, int | float) and depth > cfg.outbox_backlog_above:
            found.append(Problem("outbox", "outbox_backlog", {"depth": int(depth)}))
    if obs.refused_per_minute is not None and obs.refused_per_minute > cfg.refused_per_minute_above:
        found.append(Problem("refused", "refused_rate", {"rate": round(obs.refused_per_minute)}))
    for room, ppm in sorted(obs.co2_high.items()):
        found.append(
            Problem(
                f"co2:{room}",
                "co2_high",
                {"room": room, "ppm": round(ppm), "minutes": round(cfg.co2_minutes)},
            )
        )
    return found
