"""What every source implements, and what the collector core gives it.

A source turns device bytes into :class:`~buurtwatt.readings.Reading` objects and
hands them to ``ctx.emit``. It knows nothing about stores, outboxes or rollups.
It runs in its own thread until ``ctx.stopping`` is set, reconnecting by itself
(use :class:`buurtwatt.backoff.Backoff`), and reports through ``ctx.health``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from buurtwatt.readings import Reading
from collector.health import DeviceHealth

Emit = Callable[[Sequence[Reading]], None]
Watch = Callable[[Emit], None]


@dataclass
class SourceContext:
    emit: Emit
    health: DeviceHealth
    stopping: threading.Event = field(default_factory=threading.Event)
    # register a callback for every batch the collector commits, from all devices
    # (the MQTT source republishes them); None outside the collector
    watch: Watch | None = None

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; return False when the collector is stopping."""
        return not self.stopping.wait(seconds)


class Source(Protocol):
    """One configured device. Constructed as ``SourceClass(device_config, site_config)``."""

    def run(self, ctx: SourceContext) -> None:
        """Read the device until ``ctx.stopping`` is set. Never raises for device faults."""


def collect_into(readings: list[Reading]) -> SourceContext:
    """A context that appends emitted readings to a list (CLI tools and tests)."""
    return SourceContext(emit=readings.extend, health=DeviceHealth(name="cli"))


__all__ = ["Emit", "Source", "SourceContext", "Watch", "collect_into"]
