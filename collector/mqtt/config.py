"""Config of the ``mqtt`` device type: one broker connection and its subscriptions.

Example::

    [[devices]]
    type = "mqtt"
    name = "werkplaats-mqtt"
    broker = "mqtt://192.168.1.10:1883"
    username = "buurtwatt"
    password = { env = "BUURTWATT_MQTT_PASSWORD" }

    [[devices.subscriptions]]
    topic = "tele/+/SENSOR"        # LWT topics are followed as well
    format = "tasmota"
    device = "{1}"                 # second topic segment: tele/<this>/SENSOR

The readings are stored under the device names the subscriptions give
(``kiln:power_w``), not under this connection's own name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from buurtwatt.config_base import DeviceConfig, SecretRef, StrictModel
from buurtwatt.units import UnitError, convert
from buurtwatt.vocabulary import quantity as vocabulary_quantity

Format = Literal["tasmota", "shelly-gen2", "zigbee2mqtt", "esphome", "json", "value"]


class Subscription(StrictModel):
    topic: str = Field(description="topic filter with + and # wildcards")
    format: Format
    device: str = Field(
        default="{name}",
        description='device name: literal, a topic segment like "{1}" (0 = first), or "{name}", '
        "the name the format finds (Tasmota topic, Shelly prefix, Zigbee2MQTT friendly name, ESPHome node)",
    )
    rename: dict[str, str] = Field(
        default_factory=dict, description="found device name -> name to store it under"
    )
    series: dict[str, str] = Field(
        default_factory=dict,
        description="quantity -> where its value is: a dotted JSON path (json, tasmota, zigbee2mqtt, "
        'shelly-gen2 as "switch:0.apower"), an ESPHome object id, or a topic filter (value)',
    )
    quantity: str | None = Field(default=None, description="value format: the quantity of every message")
    units: dict[str, str] = Field(
        default_factory=dict, description="quantity -> unit the device sends when not the usual one"
    )
    stale_after: float = Field(default=900, gt=0, description="seconds of silence before a device is offline")
    retained: Literal["skip", "store"] = Field(
        default="skip",
        description="retained values may be hours old; 'skip' stores only fresh ones",
    )
    qos: Literal[0, 1, 2] = 1

    @field_validator("topic")
    @classmethod
    def _topic_ok(cls, value: str) -> str:
        parts = value.split("/")
        if not value or any(
            ("#" in p and (p != "#" or i != len(parts) - 1)) or ("+" in p and p != "+")
            for i, p in enumerate(parts)
        ):
            raise ValueError(
                f"topic filter {value!r} is not valid: '+' must fill a whole level and "
                '\'#\' must be the last level, e.g. "tele/+/SENSOR" or "zigbee2mqtt/#"'
            )
        return value

    @model_validator(mode="after")
    def _mapping_ok(self) -> Subscription:
        for name in (*self.series, *self.units, *([self.quantity] if self.quantity else [])):
            vocabulary_quantity(name)
        for name, unit in self.units.items():
            target = vocabulary_quantity(name).unit
            try:
                convert(1.0, unit, target)
            except UnitError:
                raise ValueError(f"units.{name}: cannot convert {unit!r} to {target!r}") from None
        if self.format in ("json", "value") and "{name}" in self.device:
            raise ValueError(
                f'format "{self.format}" finds no device name in the topic; '
                'set device = "plug1" or a topic level like "{1}"'
            )
        if self.format == "json" and not self.series:
            raise ValueError(
                'format "json" needs series = { quantity = "dotted.path" }, '
                'e.g. series = { power_w = "ENERGY.Power" }'
            )
        if self.format == "value" and not (self.quantity or self.series):
            raise ValueError(
                'format "value" needs quantity = "power_w" or series = { quantity = "topic/filter" }'
            )
        return self


class PublishConfig(StrictModel):
    """Republish the collector's live readings as ``<prefix>/<site>/<device>/<quantity>``."""

    enabled: bool = False
    prefix: str = "buurtwatt"
    homeassistant_discovery: bool = False
    discovery_prefix: str = "homeassistant"


class MqttConfig(DeviceConfig):
    type: Literal["mqtt"]
    broker: str = Field(description="mqtt://host:1883 or mqtts://host:8883")
    ca_file: Path | None = Field(default=None, description="CA certificate for mqtts (default: system CAs)")
    username: str | None = None
    password: SecretRef | None = None
    client_id: str = Field(default="", description="default buurtwatt-<site>-<name>")
    keepalive: int = Field(default=60, ge=5, le=3600)
    max_message_bytes: int = Field(default=65536, ge=64, description="larger messages are dropped")
    subscriptions: list[Subscription] = Field(min_length=1)
    publish: PublishConfig = PublishConfig()

    @field_validator("broker")
    @classmethod
    def _broker_ok(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"broker {value!r} must look like mqtt://HOST:1883 or mqtts://HOST:8883")
        try:
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            raise ValueError(f"broker {value!r} has a bad port number") from None
        return value

    @model_validator(mode="after")
    def _tls_only_with_mqtts(self) -> MqttConfig:
        if self.ca_file and not self.broker.startswith("mqtts://"):
            raise ValueError("ca_file is only used with an mqtts:// broker")
        if self.password and not self.username:
            raise ValueError("password given without username")
        return self
