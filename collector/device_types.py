"""The device types the collector reads, registered with the core.

A new device type is one source package, one line here, one example config and one test folder.
Importing this module registers them; the app root and the collector runtime do.
"""

from __future__ import annotations

from buurtwatt.device_types import DEVICE_TYPES, DeviceType
from collector.modbus.config import ModbusMapConfig, SunSpecConfig
from collector.modbus.mapped import MappedSource
from collector.modbus.sunspec import SunSpecSource
from collector.mqtt.config import MqttConfig
from collector.mqtt.source import MqttSource
from collector.p1.config import P1Config
from collector.p1.source import P1Source

DEVICE_TYPES.register("p1", DeviceType(config=P1Config, source=P1Source))
DEVICE_TYPES.register("sunspec", DeviceType(config=SunSpecConfig, source=SunSpecSource))
DEVICE_TYPES.register("modbus", DeviceType(config=ModbusMapConfig, source=MappedSource))
DEVICE_TYPES.register("mqtt", DeviceType(config=MqttConfig, source=MqttSource))
