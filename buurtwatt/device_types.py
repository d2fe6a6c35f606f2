"""Which device types exist: type name -> config model and source class.

Kept as import paths so the core can validate a config without importing
every protocol library, and so adding a device type is one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

DEVICE_TYPES: dict[str, tuple[str, str]] = {
    # type: (config model, source class)
    "p1": ("collector.p1.config:P1Config", "collector.p1.source:P1Source"),
    "sunspec": ("collector.modbus.config:SunSpecConfig", "collector.modbus.sunspec:SunSpecSource"),
    "modbus": ("collector.modbus.config:ModbusMapConfig", "collector.modbus.mapped:MappedSource"),
    "mqtt": ("collector.mqtt.config:MqttConfig", "collector.mqtt.source:MqttSource"),
}


class UnknownDeviceType(ValueError):
    pass


def _load(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def config_model(type_name: str) -> Any:
    try:
        return _load(DEVICE_TYPES[type_name][0])
    except KeyError:
        raise UnknownDeviceType(
            f"unknown device type {type_name!r}; known types: {', '.join(sorted(DEVICE_TYPES))}"
        ) from None


def source_class(type_name: str) -> Any:
    return _load(DEVICE_TYPES[type_name][1])
