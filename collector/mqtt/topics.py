"""Topic filters and device names taken from topics."""

from __future__ import annotations

import re
from collections.abc import Mapping


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT wildcard match: ``+`` is one level, ``#`` the rest (including none)."""
    want = topic_filter.split("/")
    have = topic.split("/")
    for index, part in enumerate(want):
        if part == "#":
            return True
        if index >= len(have):
            return False
        if part != "+" and part != have[index]:
            return False
    return len(want) == len(have)


def literal_prefix(topic_filter: str) -> str:
    """The levels before the first wildcard: ``zigbee2mqtt/#`` -> ``zigbee2mqtt``."""
    levels: list[str] = []
    for part in topic_filter.split("/"):
        if part in ("+", "#"):
            break
        levels.append(part)
    return "/".join(levels)


_PLACEHOLDER = re.compile(r"\{(\d+|name)\}")
_NOT_ALLOWED = re.compile(r"[^a-z0-9_\-]+")


class NoDeviceName(ValueError):
    pass


def clean_device_name(raw: str) -> str:
    """A name that fits series names (``kitchen/Floor Light`` -> ``kitchen_floor_light``)."""
    name = _NOT_ALLOWED.sub("_", raw.strip().lower()).strip("_-")
    if not name:
        raise NoDeviceName(f"no usable device name in {raw!r}")
    return name if name[0].isalpha() else f"d_{name}"


def clean_channel(raw: str) -> str:
    """A channel suffix (``1``, ``MJ_HT_V1-a4c138``) in the same alphabet as device names."""
    return _NOT_ALLOWED.sub("_", raw.strip().lower()).strip("_-") or "_"


def device_name(template: str, topic: str, found: str, rename: Mapping[str, str]) -> str:
    """The cleaned device name: see :func:`raw_device_name`."""
    return clean_device_name(raw_device_name(template, topic, found, rename))


def raw_device_name(template: str, topic: str, found: str, rename: Mapping[str, str]) -> str:
    """Fill ``{N}`` (topic level N, from 0) and ``{name}`` (what the format found), then rename."""
    levels = topic.split("/")

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "name":
            if not found:
                raise NoDeviceName('this format finds no device name; set device = "name" or "{1}"')
            return found
        index = int(key)
        if index >= len(levels):
            raise NoDeviceName(f"topic {topic!r} has no level {index}")
        return levels[index]

    raw = _PLACEHOLDER.sub(fill, template)
    return rename.get(raw, raw)
