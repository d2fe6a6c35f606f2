"""Which device types exist: type name -> config model and source class.

The core validates ``[[devices]]`` against these config models; the sources that read the
devices live in an outer layer, which registers each type here when it is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurtwatt.config_base import DeviceConfig
from buurtwatt.registry import Registry


@dataclass(frozen=True)
class DeviceType:
    config: type[DeviceConfig]
    # built as ``source(device_config, site_config)``; its ``run(ctx)`` reads the device
    source: type


DEVICE_TYPES: Registry[DeviceType] = Registry("device type")
