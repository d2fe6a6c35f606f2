"""What a payload mapper returns, and the helpers every mapper shares.

A mapper is a pure function ``(topic, payload, subscription) -> Mapped``. It
raises :class:`BadPayload` for a message it cannot use at all; one unusable field
(``"Total": "n/a"``) only drops that field: it goes into ``Mapped.bad`` and the
values beside it are kept. The intake counts both per subscription. Receive time,
device naming, merging and health are the intake's job.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class BadPayload(ValueError):
    """A message we must drop. ``reason`` is a short fixed category, used as a counter name."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


INVALID_JSON = "invalid JSON"
NOT_AN_OBJECT = "not a JSON object"
MISSING_PATH = "missing path"
NOT_A_NUMBER = "not a number"
TOO_LARGE = "message too large"
BAD_TOPIC = "unexpected topic"


@dataclass(frozen=True, slots=True)
class Value:
    """One value found in a message, in the unit the device sent."""

    quantity: str
    value: float
    unit: str | None = None
    channel: str = ""  # appended to the device name as "<device>-<channel>" (multi-channel devices)
    group: str = ""  # Shelly component ("switch:0"); partial updates merge per group


@dataclass(frozen=True, slots=True)
class Mapped:
    device: str = ""  # the name the format finds in the topic (before the subscription's template)
    values: tuple[Value, ...] = ()
    online: bool | None = None  # set by availability messages (LWT, /online, /status, /availability)
    partial: bool = False  # a delta: merge into the last known state of its groups
    missing: str = ""  # some configured paths were absent: the values found are still used
    ignored: str = ""  # why a message carries nothing for us (not an error)
    bad: tuple[BadPayload, ...] = ()  # fields dropped one by one; the other values are kept


@dataclass
class Found:
    """Values collected field by field: a bad field is set aside, never the whole message."""

    values: list[Value] = field(default_factory=list)
    bad: list[BadPayload] = field(default_factory=list)

    def add(
        self, quantity: str, raw: Any, where: str, unit: str | None = None, channel: str = "", group: str = ""
    ) -> None:
        try:
            self.values.append(Value(quantity, number(raw, where), unit, channel, group))
        except BadPayload as bad:
            self.bad.append(bad)

    def extend(self, other: Found) -> None:
        self.values += other.values
        self.bad += other.bad


def load_json(payload: bytes) -> Any:
    try:
        return json.loads(payload.decode())  # decoding first skips json's encoding detection
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadPayload(INVALID_JSON, str(exc)[:80]) from None


def load_object(payload: bytes) -> dict[str, Any]:
    data = load_json(payload)
    if not isinstance(data, dict):
        raise BadPayload(NOT_AN_OBJECT, type(data).__name__)
    return data


def number(raw: Any, where: str) -> float:
    """A finite float from a JSON number or numeric string; booleans are not numbers."""
    if type(raw) is float:  # the common case, first
        if math.isfinite(raw):
            return raw
        raise BadPayload(NOT_A_NUMBER, f"{where} = {raw!r}")
    if isinstance(raw, bool) or raw is None:
        raise BadPayload(NOT_A_NUMBER, f"{where} = {raw!r}")
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:  # a JSON integer with hundreds of digits
            raise BadPayload(NOT_A_NUMBER, f"{where} is too large") from None
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise BadPayload(NOT_A_NUMBER, f"{where} = {raw[:40]!r}") from None
    else:
        raise BadPayload(NOT_A_NUMBER, f"{where} is a {type(raw).__name__}")
    if not math.isfinite(value):
        raise BadPayload(NOT_A_NUMBER, f"{where} = {raw!r}")
    return value


_MISSING = object()


def lookup(data: Any, path: str) -> Any:
    """Follow a dotted path (``ENERGY.Total``, ``values.0``); a missing step gives ``_MISSING``."""
    node = data
    for step in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(step, _MISSING)
        elif isinstance(node, list) and step.lstrip("-").isdigit():
            index = int(step)
            node = node[index] if -len(node) <= index < len(node) else _MISSING
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def is_missing(value: Any) -> bool:
    return value is _MISSING


def values_at_paths(
    data: Any, series: Mapping[str, str], units: Mapping[str, str], group: str = ""
) -> tuple[Found, list[str]]:
    """Values at the configured paths (bad ones set aside), and the paths that were missing."""
    found = Found()
    missing: list[str] = []
    for quantity, path in series.items():
        raw = lookup(data, path)
        if is_missing(raw):
            missing.append(path)
            continue
        found.add(quantity, raw, path, units.get(quantity), group=group)
    return found, missing


def text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise BadPayload(NOT_A_NUMBER, "payload is not UTF-8 text") from None


def online_word(word: str) -> bool | None:
    """Availability words the formats use: Online/Offline, online/offline, true/false."""
    lowered = word.strip().strip('"').lower()
    if lowered in ("online", "true", "1"):
        return True
    if lowered in ("offline", "false", "0"):
        return False
    return None


def known_values(
    block: Mapping[str, Any],
    keys: Mapping[str, tuple[str, str | None]],
    where: str,
    group: str = "",
    channel: str = "",
) -> Found:
    """Values of the known keys of a block (``{"apower": ("power_w", None)}``); null means absent."""
    found = Found()
    for key, (quantity, unit) in keys.items():
        raw = block.get(key)
        if raw is not None:
            found.add(quantity, raw, f"{where}.{key}" if where else key, unit, channel, group)
    return found


def with_overrides(defaults: Found, overrides: Found) -> Found:
    """Configured series replace what the format would pick for the same quantity."""
    if not overrides.values and not overrides.bad:
        return defaults
    replaced = {v.quantity for v in overrides.values}
    kept = [v for v in defaults.values if v.quantity not in replaced]
    return Found([*kept, *overrides.values], [*defaults.bad, *overrides.bad])
