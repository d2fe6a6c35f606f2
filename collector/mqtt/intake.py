"""From received messages to readings and device states, with no network code.

The source feeds every message here from paho's thread and asks for staleness
checks from its own. Receive time is the timestamp: device clocks and formats vary.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from buurtwatt.readings import Reading
from collector.health import DeviceHealth, State
from collector.mqtt.config import Subscription
from collector.mqtt.formats import FORMATS, PayloadFormat
from collector.mqtt.mapped import TOO_LARGE, BadPayload, Mapped, Value
from collector.mqtt.topics import NoDeviceName, device_name, topic_matches

_TOPIC_CACHE_MAX = 20_000  # topic -> route; cleared when full (wildcards can match endless topics)
RETAINED = "retained value, possibly stale"


@dataclass(frozen=True)
class Route:
    topic_filter: str
    sub: Subscription
    format: PayloadFormat


@dataclass
class _Device:
    """What we know of one device found through MQTT (before channel suffixes)."""

    stale_after: float
    last_seen: float
    names: set[str] = field(default_factory=set)  # stored device names: "plug" or "plug-1", "plug-2"
    silent: bool = False


class Intake:
    def __init__(
        self,
        subscriptions: Sequence[Subscription],
        health: DeviceHealth,
        max_message_bytes: int = 65536,
        ignore_prefix: str | None = None,
    ) -> None:
        self.health = health
        # our own republished readings must never come back in as input
        self.ignore_prefix = f"{ignore_prefix}/" if ignore_prefix else None
        self.max_message_bytes = max_message_bytes
        self.routes: list[Route] = []
        for sub in subscriptions:
            fmt = FORMATS[sub.format]
            for topic_filter in (sub.topic, *fmt.availability_topics(sub.topic)):
                self.routes.append(Route(topic_filter, sub, fmt))
        self._cache: dict[str, Route | None] = {}
        self._devices: dict[str, _Device] = {}
        self._groups: dict[tuple[str, str], dict[tuple[str, str], Value]] = {}
        self._retained: dict[str, bytes] = {}
        self._children: dict[str, DeviceHealth] = {}
        self._names: dict[tuple[str, str, str], str] = {}  # (template, topic, found) -> device name
        self._lock = threading.Lock()

    def filters(self) -> list[tuple[str, int]]:
        """(topic filter, qos) to subscribe to, each once."""
        seen: dict[str, int] = {}
        for route in self.routes:
            seen[route.topic_filter] = max(seen.get(route.topic_filter, 0), route.sub.qos)
        return list(seen.items())

    def route(self, topic: str) -> Route | None:
        try:
            return self._cache[topic]
        except KeyError:
            pass
        if self.ignore_prefix and topic.startswith(self.ignore_prefix):
            return None
        # the first subscription that matches wins, so overlapping filters never store a value twice
        found = next((r for r in self.routes if topic_matches(r.topic_filter, topic)), None)
        if len(self._cache) >= _TOPIC_CACHE_MAX:
            self._cache.clear()
        self._cache[topic] = found
        return found

    def drop(self, sub: Subscription, reason: str, detail: str = "") -> None:
        self.health.drop(f"{sub.topic}: {reason}", 1, detail)

    def receive(self, topic: str, payload: bytes, retained: bool, now: float) -> list[Reading]:
        """Readings of one message (often none). Never raises."""
        route = self.route(topic)
        if route is None:
            return []
        sub = route.sub
        if len(payload) > self.max_message_bytes:
            self.drop(sub, TOO_LARGE, f"{len(payload)} bytes on {topic[:80]}")
            return []
        try:
            mapped = route.format.parse(topic, payload, sub)
        except BadPayload as bad:
            self.drop(sub, bad.reason, f"{bad.detail} on {topic[:80]}")
            return []
        except Exception as exc:  # a mapper bug must not stop the collector
            self.drop(sub, "could not read", f"{type(exc).__name__}: {exc} on {topic[:80]}")
            return []
        if not mapped.values and mapped.online is None:
            return []
        key = (sub.device, topic, mapped.device)
        base = self._names.get(key)
        if base is None:
            try:
                base = device_name(sub.device, topic, mapped.device, sub.rename)
            except NoDeviceName as exc:
                self.drop(sub, "no device name", str(exc))
                return []
            if len(self._names) >= _TOPIC_CACHE_MAX:
                self._names.clear()
            self._names[key] = base
        if mapped.online is not None:
            self._availability(base, sub, mapped.online, now)
            return []
        if retained and not self._fresh_retained(sub, topic, payload):
            return []
        if mapped.missing:
            self.drop(sub, "missing path", f"{mapped.missing} on {topic[:80]}")
        values = self._merge(base, mapped) if route.format.merges_partials else mapped.values
        readings = [
            Reading(f"{base}-{v.channel}" if v.channel else base, v.quantity, now, v.value, unit=v.unit)
            for v in values
        ]
        self._seen(base, sub, readings, now)
        return readings

    def _fresh_retained(self, sub: Subscription, topic: str, payload: bytes) -> bool:
        """Retained values may be old; with retained = "store" each one is still stored only once."""
        if sub.retained == "skip":
            self.drop(sub, RETAINED, topic[:80])
            return False
        with self._lock:
            if self._retained.get(topic) == payload:  # redelivered after a reconnect
                return False
            self._retained[topic] = payload
        return True

    def _merge(self, base: str, mapped: Mapped) -> tuple[Value, ...]:
        """Overlay a partial update on the last full state of each component it touches."""
        touched: dict[str, dict[tuple[str, str], Value]] = {}
        with self._lock:
            for value in mapped.values:
                if value.group not in touched:
                    key = (base, value.group)
                    state = self._groups.get(key, {}) if mapped.partial else {}
                    touched[value.group] = self._groups[key] = dict(state)
                touched[value.group][(value.quantity, value.channel)] = value
            return tuple(v for state in touched.values() for v in state.values())

    def _seen(self, base: str, sub: Subscription, readings: list[Reading], now: float) -> None:
        counts: dict[str, int] = {}
        for reading in readings:
            counts[reading.device] = counts.get(reading.device, 0) + 1
        with self._lock:
            device = self._devices.get(base)
            if device is None:
                device = self._devices[base] = _Device(sub.stale_after, now)
            device.last_seen, device.silent = now, False
            if not device.names.issuperset(counts):
                device.names.update(counts)
        for name in counts:
            child = self._children.get(name)
            if child is None:
                child = self._children[name] = self.health.child(name, "mqtt")
            if child.state is not State.OK:
                child.set_state(State.OK)
            # the gate counts the readings in this child (the reading's device)

    def _availability(self, base: str, sub: Subscription, online: bool, now: float) -> None:
        with self._lock:
            device = self._devices.setdefault(base, _Device(sub.stale_after, now, {base}))
            device.last_seen = now
            names = sorted(device.names)
            if not online:
                self._forget(base)
        for name in names:
            if online:
                self.health.child(name, "mqtt").set_state(State.OK, "reports online")
            else:
                self.health.child(name, "mqtt").set_state(State.OFFLINE, "reports offline (last will)")

    def _forget(self, base: str) -> None:
        """No stale state survives an outage: the next partial update starts from nothing."""
        for key in [k for k in self._groups if k[0] == base]:
            del self._groups[key]

    def check_stale(self, now: float) -> None:
        """Mark devices silent past their ``stale_after`` offline; the store shows a gap."""
        went_silent: list[tuple[str, float]] = []
        with self._lock:
            for base, device in self._devices.items():
                if not device.silent and now - device.last_seen > device.stale_after:
                    device.silent = True
                    self._forget(base)
                    went_silent += [(name, device.stale_after) for name in sorted(device.names)]
        for name, stale_after in went_silent:
            self.health.child(name, "mqtt").set_state(
                State.OFFLINE, f"no message for more than {stale_after:g} s (stale_after)"
            )
