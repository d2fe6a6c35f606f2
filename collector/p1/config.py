"""Config of the ``p1`` device type: one smart meter, reached over one transport."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from buurtwatt.config_base import DEVICE_NAME_PATTERN, DeviceConfig, SecretRef
from collector.p1.specs import SpecName, describe


class P1Config(DeviceConfig):
    """A P1 port. Give exactly one of ``port``, ``host`` (raw TCP), ``homewizard`` or ``replay``.

    Electricity series use ``name`` (default ``meter``), gas series use ``gas_name`` and water
    series (M-Bus water meters, device type 7) use ``water_name``.
    """

    type: Literal["p1"]
    name: str = "meter"
    gas_name: str = Field(default="gas", pattern=DEVICE_NAME_PATTERN)
    water_name: str = Field(default="water", pattern=DEVICE_NAME_PATTERN)

    @property
    def series_devices(self) -> tuple[str, ...]:
        return (self.name, self.gas_name)

    # transports
    port: str | None = Field(default=None, description="serial device, best /dev/serial/by-id/...")
    baud: Literal["auto", 115200, 9600] = "auto"
    parity: Literal["auto", "N", "E"] = "auto"
    bytesize: Literal["auto", 7, 8] = "auto"
    host: str | None = Field(default=None, description="raw TCP stream (ser2net, Wi-Fi P1 gateway)")
    # no default: gateways differ (ser2net often 2001 or 3333, Wi-Fi P1 dongles 23 or 8088), and
    # a guessed port looked like a silent meter
    tcp_port: int | None = Field(default=None, ge=1, le=65535, description="TCP port with host")
    homewizard: str | None = Field(default=None, description="host name or IP of a HomeWizard P1 meter")
    api: Literal["v1", "v2"] = "v1"
    token: SecretRef | None = Field(default=None, description="HomeWizard API v2 token")
    verify: bool | Path = Field(
        default=False,
        description="TLS check for API v2: false (the device has a HomeWizard-signed certificate), "
        "true (system CAs) or a CA bundle file",
    )
    poll_s: float = Field(default=1.0, gt=0, le=3600, description="HomeWizard polling interval")
    replay: Path | None = Field(
        default=None,
        description="file of telegrams to replay; its times are history, so readings carry no receive "
        "time and the meter clock is not checked against this computer's clock",
    )
    replay_interval_s: float = Field(default=0.0, ge=0, description="pause between replayed telegrams")

    # decoding and timing
    spec: SpecName = Field(default="auto", description=f"auto (from the telegram) or {describe()}")
    silence_s: float = Field(
        default=60.0, gt=0, description="reconnect when no byte arrived for this long (half-open links)"
    )
    interval_s: float = Field(
        default=0.0, ge=0, description="store at most one telegram per interval; 0 = every telegram"
    )
    max_clock_skew_s: float | None = Field(
        default=None,
        gt=0,
        description="use the receive time when the meter clock is further off; "
        "default: [collector] max_clock_skew_s",
    )
    probe_s: float = Field(
        default=25.0, gt=0, description="with baud = auto: time to wait for a good telegram per setting"
    )

    @model_validator(mode="after")
    def _one_transport(self) -> P1Config:
        given = [k for k in ("port", "host", "homewizard", "replay") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                'give exactly one of port = "/dev/serial/by-id/...", host = "IP" (raw TCP), '
                f'homewizard = "IP" or replay = "file"; found {given or "none"}'
            )
        if self.host is not None and self.tcp_port is None:
            raise ValueError(
                f'host = "{self.host}" needs tcp_port = the port of the P1 gateway (see its manual or '
                "web page; ser2net often uses 2001 or 3333, Wi-Fi P1 dongles 23 or 8088); there is no "
                "standard port, so buurtwatt does not guess"
            )
        if self.homewizard and self.api == "v2" and self.token is None:
            raise ValueError('HomeWizard API v2 needs token = { env = "NAME" } or { file = "/path" }')
        names = [self.name, self.gas_name, self.water_name]
        if len(set(names)) != len(names):
            raise ValueError(f"name, gas_name and water_name must differ; found {names}")
        return self

    @property
    def transport_kind(self) -> str:
        if self.port:
            return "serial"
        if self.host:
            return "tcp"
        if self.homewizard:
            return "homewizard"
        return "replay"
