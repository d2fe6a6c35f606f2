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

The session is persistent: the client id stays the same (``buurtwatt-<site>-<name>``)
and the broker keeps QoS 1 messages for ``session_expiry`` seconds while the
collector is away (a restart, an update), so nothing it held is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from buurtwatt.config_base import DeviceConfig, SecretRef, StrictModel
from buurtwatt.units import UnitError, convert
from buurtwatt.vocabulary import quantity as vocabulary_quantity
from collector.mqtt.formats import UnknownFormat, format_names, get_format

# a flood of made-up topics must not create endless series (/health and /metrics grow with them)
MAX_DEVICES = 200
MAX_SERIES = 2000


class Subscription(StrictModel):
    topic: str = Field(description="topic filter with + and # wildcards")
    format: str = Field(description="payload format", json_schema_extra={"enum": format_names()})
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
    qos: Literal[0, 1, 2] = Field(default=1, description="1: the broker keeps messages while we are away")
    max_devices: int = Field(
        default=MAX_DEVICES, ge=1, description="new devices beyond this are refused (counted as device_limit)"
    )
    max_series: int = Field(
        default=MAX_SERIES, ge=1, description="new series beyond this are refused (counted as series_limit)"
    )

    @field_validator("format")
    @classmethod
    def _format_known(cls, value: str) -> str:
        try:
            get_format(value)
        except UnknownFormat as exc:
            raise ValueError(str(exc)) from None
        return value

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
        get_format(self.format).check(self)
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
    client_id: str = Field(
        default="",
        description="default buurtwatt-<site>-<name>; keep it stable, the broker's session hangs on it",
    )
    # 3.1.1 by default: every broker speaks it, also the demo's embedded amqtt (no MQTT 5)
    protocol: Literal["3.1.1", "5"] = Field(default="3.1.1", description="MQTT version spoken to the broker")
    session_expiry: int = Field(
        default=86400,
        ge=0,
        description="seconds the broker keeps our session and QoS 1 messages while we are away "
        "(MQTT 5; with 3.1.1 any value > 0 keeps the session and the broker's "
        "persistent_client_expiration decides); 0 = a clean session every connect, "
        "messages sent meanwhile are lost",
    )
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
