"""The core's registries: what outer layers register, and the error for an unknown name."""

from __future__ import annotations

from typing import get_args

import pytest

from buurtwatt.cli import COMMANDS
from buurtwatt.device_types import DEVICE_TYPES
from buurtwatt.registry import Registry, UnknownName


def test_unknown_name_lists_the_known_ones() -> None:
    formats: Registry[int] = Registry("test format")
    formats.register("b", 2)
    formats.register("a", 1)
    assert formats.get("a") == 1
    assert formats.names() == ("b", "a")  # registration order
    with pytest.raises(UnknownName, match=r"unknown test format 'c'; known types: a, b"):
        formats.get("c")


def test_a_name_is_registered_once() -> None:
    formats: Registry[int] = Registry("test format")
    formats.register("a", 1)
    formats.register("a", 1)  # a module imported twice registers the same thing again
    with pytest.raises(ValueError, match="registered twice"):
        formats.register("a", 2)


def test_the_app_root_registers_every_device_type_and_command() -> None:
    # tests/conftest.py imports buurtwatt_app, as the `buurtwatt` command does
    assert sorted(DEVICE_TYPES.names()) == ["modbus", "mqtt", "p1", "sunspec"]
    for name in ("config", "balance", "shares", "p1", "modbus", "mqtt", "collect", "dashboard", "demo"):
        assert name in COMMANDS


def test_each_device_type_is_registered_under_the_name_its_config_accepts() -> None:
    # a mismatch would turn every device of that type into a confusing validation error
    for name in DEVICE_TYPES.names():
        annotation = DEVICE_TYPES.get(name).config.model_fields["type"].annotation
        assert get_args(annotation) == (name,), name
