"""Config models for the ``sunspec`` and ``modbus`` device types.

Both talk Modbus TCP (``host``/``port``) or Modbus RTU (``serial_port`` with
``baud``/``parity``). A ``serial_port`` may also be a pyserial URL such as
``socket://192.168.1.20:4001`` for an RS485-to-Ethernet gateway in transparent mode.
Times are in seconds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from buurtwatt.config_base import DEVICE_NAME_PATTERN, DeviceConfig

REGISTER_MAPS = Path(__file__).resolve().parents[2] / "config" / "registers"


class ModbusDeviceConfig(DeviceConfig):
    """Connection and polling settings shared by both Modbus device types."""

    host: str | None = Field(default=None, description="Modbus TCP address (IP or host name)")
    port: int = Field(default=502, ge=1, le=65535)
    serial_port: str | None = Field(default=None, description="RTU: /dev/ttyUSB0 or socket://HOST:PORT")
    baud: int = Field(default=9600, gt=0)
    parity: Literal["N", "E", "O"] = "N"
    data_bits: Literal[7, 8] = 8
    stop_bits: Literal[1, 2] = 1
    unit: int = Field(default=1, ge=0, le=255, description="Modbus unit id (slave id)")
    interval_s: float = Field(default=5.0, gt=0, description="seconds between polls")
    timeout_s: float = Field(default=3.0, gt=0, le=60)
    retries: int = Field(default=0, ge=0, le=5)
    connect_delay: float = Field(
        default=0.0, ge=0, le=30, description="seconds of quiet after connecting (Huawei needs about 1)"
    )
    request_delay: float = Field(
        default=0.0, ge=0, le=5, description="minimum seconds between two requests (Huawei: 0.05)"
    )
    max_registers_per_read: int = Field(default=125, ge=1, le=125)
    backoff_max_s: float = Field(
        default=300.0, gt=0, description="longest wait between retries of a silent device"
    )

    @model_validator(mode="after")
    def _one_transport(self) -> ModbusDeviceConfig:
        if (self.host is None) == (self.serial_port is None):
            raise ValueError(
                'give either host = "192.168.1.50" (Modbus TCP) '
                'or serial_port = "/dev/ttyUSB0" (Modbus RTU), not both'
            )
        return self

    def describe(self) -> str:
        where = f"{self.host}:{self.port}" if self.host else f"{self.serial_port} ({self.baud} baud)"
        return f"{where} unit {self.unit}"


class SunSpecConfig(ModbusDeviceConfig):
    """A SunSpec inverter: the address alone is enough, models are discovered."""

    type: Literal["sunspec"]
    base_address: int | None = Field(
        default=None, ge=0, le=65533, description="where 'SunS' sits; default: try 40000, 0, 50000"
    )
    device_index: int | None = Field(
        default=None,
        ge=0,
        description="read only this inverter of the chain (0 = the first); default: every inverter",
    )
    channels: list[str] = Field(
        default_factory=list,
        description="device names for the inverters found, in chain order; "
        "default: NAME for the first, NAME-2, NAME-3, ... for the others",
    )

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not re.match(DEVICE_NAME_PATTERN, name):
                raise ValueError(
                    f"channel name {name!r} must be lower case letters, digits, '_' or '-', "
                    "starting with a letter"
                )
        if len(set(names)) != len(names):
            raise ValueError("channel names must differ from each other")
        return names


class ModbusMapConfig(ModbusDeviceConfig):
    """A device read through a register map in config/registers/."""

    type: Literal["modbus"]
    map: str = Field(description="map name in config/registers (e.g. huawei_sun2000) or a path to a .toml")

    def map_path(self) -> Path:
        return resolve_map(self.map)


def resolve_map(name: str) -> Path:
    """``huawei_sun2000`` -> config/registers/huawei_sun2000.toml; a path is used as given."""
    if name.endswith(".toml") or "/" in name:
        return Path(name)
    return REGISTER_MAPS / f"{name}.toml"
