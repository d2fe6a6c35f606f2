"""Per-device health: state, counters and one log line per state change."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class State(StrEnum):
    STARTING = "starting"
    OK = "ok"
    ASLEEP = "asleep"  # an inverter at night: expected, not a fault
    OFFLINE = "offline"  # not reachable or silent; the source keeps retrying
    ERROR = "error"  # something a person must fix (bad credentials, wrong port)
    # readings arrive but the gate refuses them (out of range, a counter that went back), or
    # the store cannot take them; shown over ``ok`` while it lasts
    DEGRADED = "degraded"


@dataclass
class DeviceHealth:
    """Health of one device. Thread-safe; sources update it, /health reads it."""

    name: str
    type: str = ""
    state: State = State.STARTING
    message: str = ""
    since: float = field(default_factory=time.time)
    last_reading: float | None = None
    readings: int = 0
    reconnects: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)  # worth knowing, not a loss (time fallbacks)
    children: dict[str, DeviceHealth] = field(default_factory=dict)
    refusing: dict[str, str] = field(default_factory=dict)  # series -> why all its readings are refused
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _last_drop_log: float = 0.0

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"buurtwatt.device.{self.name}")

    def set_state(self, state: State, message: str = "") -> None:
        """Record a state; logs only when the state (or its message) changes."""
        with self._lock:
            if state is self.state and message == self.message:
                return
            self.state, self.message, self.since = state, message, time.time()
        level = logging.WARNING if state in (State.ERROR, State.OFFLINE, State.DEGRADED) else logging.INFO
        self.log.log(level, "%s: %s%s", self.name, state.value, f" ({message})" if message else "")

    def count_readings(self, n: int, ts: float | None = None) -> None:
        with self._lock:
            self.readings += n
            self.last_reading = ts if ts is not None else time.time()

    def count_event(self, name: str, n: int = 1) -> None:
        """Count something worth knowing that lost nothing (a meter clock that is off, a reset)."""
        with self._lock:
            self.events[name] = self.events.get(name, 0) + n

    def set_refusing(self, series: str, reason: str | None) -> None:
        """The gate refuses every reading of ``series`` for ``reason`` (None: it accepts again)."""
        with self._lock:
            if reason is None:
                if self.refusing.pop(series, None) is None:
                    return
            else:
                if self.refusing.get(series) == reason:
                    return
                self.refusing[series] = reason
        if reason is None:
            self.log.info("%s: readings of %s are accepted again", self.name, series)
        else:
            self.log.warning("%s: every reading of %s is refused (%s)", self.name, series, reason)

    def _effective(self) -> tuple[State, str]:
        if self.refusing and self.state in (State.OK, State.STARTING, State.ASLEEP):
            why = ", ".join(f"{series}: {reason}" for series, reason in sorted(self.refusing.items()))
            return State.DEGRADED, f"readings refused ({why})"
        return self.state, self.message

    def count_reconnect(self) -> None:
        with self._lock:
            self.reconnects += 1

    def drop(self, reason: str, n: int = 1, detail: str = "") -> None:
        """Count dropped input; logs at most one line per minute per device."""
        now = time.time()
        with self._lock:
            self.drops[reason] = self.drops.get(reason, 0) + n
            should_log = now - self._last_drop_log >= 60
            if should_log:
                self._last_drop_log = now
        if should_log:
            self.log.warning(
                "%s: dropped input (%s)%s; totals %s",
                self.name,
                reason,
                f": {detail}" if detail else "",
                dict(self.drops),
            )

    def set_events(self, counts: dict[str, int]) -> None:
        """Publish a source's own event counters (e.g. readings timed by the receive clock)."""
        with self._lock:
            self.events.update(counts)

    def child(self, name: str, type: str = "") -> DeviceHealth:
        """Health of a device found behind this one (an MQTT plug, a second gas meter)."""
        with self._lock:
            if name not in self.children:
                self.children[name] = DeviceHealth(name=name, type=type or self.type)
            return self.children[name]

    @property
    def dropped(self) -> int:
        return sum(self.drops.values())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            state, message = self._effective()
            return {
                "name": self.name,
                "type": self.type,
                "state": state.value,
                "message": message,
                "since": self.since,
                "last_reading": self.last_reading,
                "readings": self.readings,
                "reconnects": self.reconnects,
                "drops": dict(self.drops),
                "events": dict(self.events),
                "children": [c.snapshot() for c in self.children.values()],
            }
