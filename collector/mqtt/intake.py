"""From received messages to readings and device states, with no network code.

The source feeds every message here from paho's thread and asks for staleness
checks from its own. Receive time is the timestamp: device clocks and formats vary.
Readings leave in the unit the device sent; the collector core converts, checks
and counts them. What only this layer sees is counted here with ``health.drop``:
unreadable payloads and fields, device names that collide, and devices or series
over a subscription's limit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from buurtwatt.readings import Reading
from buurtwatt.series import Series
from collector.health import DeviceHealth, State
from collector.mqtt.config import Subscription
from collector.mqtt.formats import PayloadFormat, get_format
from collector.mqtt.mapped import TOO_LARGE, BadPayload, Mapped, Value
from collector.mqtt.topics import (
    NoDeviceName,
    clean_channel,
    clean_device_name,
    raw_device_name,
    topic_matches,
)

_TOPIC_CACHE_MAX = 20_000  # topic -> route; cleared when full (wildcards can match endless topics)
RETAINED = "retained value, possibly stale"
DEVICE_LIMIT = "device_limit"
SERIES_LIMIT = "series_limit"
NAME_COLLISION = "name_collision"
_CHANNEL = "\x00"  # between a raw device name and its channel in a name's owner


@dataclass(frozen=True)
class Route:
    topic_filter: str
    sub: Subscription
    format: PayloadFormat
    index: int  # of the subscription: limits are per subscription


@dataclass
class _Device:
    """What we know of one device found through MQTT (before channel suffixes)."""

    stale_after: float
    last_seen: float
    names: set[str] = field(default_factory=set)  # stored device names: "plug" or "plug-1", "plug-2"
    silent: bool = False


@dataclass
class _Admitted:
    """Devices and series one subscription has let in so far."""

    devices: set[str] = field(default_factory=set)
    series: set[Series] = field(default_factory=set)
    logged: set[str] = field(default_factory=set)  # limits already written to the log


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
        for index, sub in enumerate(subscriptions):
            fmt = get_format(sub.format)
            for topic_filter in (sub.topic, *fmt.availability_topics(sub.topic)):
                self.routes.append(Route(topic_filter, sub, fmt, index))
        self._admitted = [_Admitted() for _ in subscriptions]
        self._cache: dict[str, Route | None] = {}
        self._devices: dict[str, _Device] = {}
        self._groups: dict[tuple[str, str], dict[tuple[str, str], Value]] = {}
        self._retained: dict[str, bytes] = {}
        self._children: dict[str, DeviceHealth] = {}
        self._names: dict[tuple[str, str, str], tuple[str, str]] = {}  # (template, topic, found) -> raw, base
        self._owners: dict[str, str] = {}  # stored device name -> the raw name that has it
        self._collisions_logged: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.messages = 0  # messages on a subscribed topic; `mqtt listen` compares it with its output

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

    def drop(self, sub: Subscription, reason: str, detail: str = "", n: int = 1) -> None:
        self.health.drop(f"{sub.topic}: {reason}", n, detail)

    def receive(self, topic: str, payload: bytes, retained: bool, now: float) -> list[Reading]:
        """Readings of one message (often none). Never raises."""
        route = self.route(topic)
        if route is None:
            return []
        self.messages += 1
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
        for bad in mapped.bad:  # one field each; the values beside them are still used
            self.drop(sub, bad.reason, f"{bad.detail} on {topic[:80]}")
        if not mapped.values and mapped.online is None:
            return []
        named = self._name(sub, topic, mapped.device)
        if named is None:
            return []
        raw, base = named
        if mapped.online is not None:
            if self._admit(route, raw, {base: raw}):
                self._availability(base, sub, mapped.online, now)
            return []
        names = {v.channel: self._stored_name(base, v.channel) for v in mapped.values}
        if not self._admit(route, raw, {names[c]: f"{raw}{_CHANNEL}{c}" if c else raw for c in names}):
            return []
        if retained and not self._fresh_retained(sub, topic, payload):
            return []
        if mapped.missing:
            self.drop(sub, "missing path", f"{mapped.missing} on {topic[:80]}")
        values = self._merge(base, mapped) if route.format.merges_partials else mapped.values
        readings = [
            Reading(
                names.get(v.channel) or self._stored_name(base, v.channel),
                v.quantity,
                now,
                v.value,
                unit=v.unit,
            )
            for v in values
        ]
        readings = self._within_series_limit(route, readings)
        if readings:
            self._seen(base, sub, readings, now)
        return readings

    @staticmethod
    def _stored_name(base: str, channel: str) -> str:
        return f"{base}-{clean_channel(channel)}" if channel else base

    def _name(self, sub: Subscription, topic: str, found: str) -> tuple[str, str] | None:
        """(raw name, cleaned base name) of the device a message is about; None is counted."""
        key = (sub.device, topic, found)
        named = self._names.get(key)
        if named is None:
            try:
                raw = raw_device_name(sub.device, topic, found, sub.rename)
                named = (raw, clean_device_name(raw))
            except NoDeviceName as exc:
                self.drop(sub, "no device name", str(exc))
                return None
            if len(self._names) >= _TOPIC_CACHE_MAX:
                self._names.clear()
            self._names[key] = named
        return named

    def _admit(self, route: Route, raw: str, names: dict[str, str]) -> bool:
        """Whether a message's devices may be stored: names free and within the subscription's limit.

        ``names`` maps each stored device name to what it stands for (raw name and channel):
        plugs ``Oven`` and ``oven`` both clean to ``oven``, and merging them would add one
        plug's energy counter to the other's.
        """
        sub = route.sub
        admitted = self._admitted[route.index]
        with self._lock:
            for name, identity in names.items():
                owner = self._owners.get(name)
                if owner is not None and owner != identity:
                    self._collision(sub, name, owner, identity)
                    return False
            new = [name for name in names if name not in admitted.devices]
            if new and len(admitted.devices) + len(new) > sub.max_devices:
                self._over_limit(sub, admitted, DEVICE_LIMIT, sub.max_devices, "max_devices", new[0])
                return False
            for name, identity in names.items():
                self._owners.setdefault(name, identity)
            admitted.devices.update(new)
        return True

    def _collision(self, sub: Subscription, name: str, owner: str, identity: str) -> None:
        first, second = owner.partition(_CHANNEL)[0], identity.partition(_CHANNEL)[0]
        self.drop(sub, NAME_COLLISION, f"{second!r} and {first!r} both give {name!r}")
        if (name, identity) in self._collisions_logged or len(self._collisions_logged) >= _TOPIC_CACHE_MAX:
            return  # logged once per pair; a flood of spellings is still counted, not logged
        self._collisions_logged.add((name, identity))
        self.health.log.warning(
            "%s: devices %r and %r both become %r after cleaning; %r keeps it and %r is refused. "
            'Give one of them its own name with rename = { "%s" = "%s-2" }',
            self.health.name,
            first,
            second,
            name,
            first,
            second,
            second,
            name,
        )

    def _within_series_limit(self, route: Route, readings: list[Reading]) -> list[Reading]:
        sub = route.sub
        admitted = self._admitted[route.index]
        with self._lock:
            new = {r.series for r in readings} - admitted.series
            if not new:
                return readings
            room = sub.max_series - len(admitted.series)
            if len(new) <= room:
                admitted.series |= new
                return readings
            self._over_limit(sub, admitted, SERIES_LIMIT, sub.max_series, "max_series", str(min(new)))
            admitted.series |= set(sorted(new)[: max(room, 0)])
            return [r for r in readings if r.series in admitted.series]

    def _over_limit(
        self, sub: Subscription, admitted: _Admitted, reason: str, limit: int, key: str, what: str
    ) -> None:
        """Counted on every refusal; written to the log once per subscription and limit."""
        self.drop(sub, reason, what)
        if reason not in admitted.logged:
            admitted.logged.add(reason)
            self.health.log.warning(
                "%s: subscription %r reached its limit of %d (%s); new ones such as %r are refused "
                "and counted as %s. Raise %s in the config if these are real devices.",
                self.health.name,
                sub.topic,
                limit,
                "devices" if reason == DEVICE_LIMIT else "series",
                what,
                reason,
                key,
            )

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
        names = dict.fromkeys(reading.device for reading in readings)  # the core counts the readings
        with self._lock:
            device = self._devices.get(base)
            if device is None:
                device = self._devices[base] = _Device(sub.stale_after, now)
            device.last_seen, device.silent = now, False
            if not device.names.issuperset(names):
                device.names.update(names)
        for name in names:
            child = self._children.get(name)
            if child is None:
                child = self._children[name] = self.health.child(name, "mqtt")
            if child.state is not State.OK:
                child.set_state(State.OK)

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
