"""The ``[alerts]`` section: which rules, their thresholds, and where messages go."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from buurtwatt.config_base import SecretRef, StrictModel


class EmailChannel(StrictModel):
    """E-mail over SMTP; STARTTLS unless ``starttls = false`` (a relay on the same machine)."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    sender: str = Field(description="From: address")
    to: list[str] = Field(min_length=1)
    username: str | None = None
    password: SecretRef | None = None
    timeout_s: float = Field(default=20, gt=0)
    ca_file: Path | None = Field(default=None, description="CA certificate of a relay with its own")


class PushChannel(StrictModel):
    """An ntfy-compatible HTTP POST: the text is the body, the title a header.

    Also serves Telegram or Signal through a small gateway that accepts the same POST.
    """

    url: str = Field(pattern=r"^https?://")
    token: SecretRef | None = None
    priority: Literal["min", "low", "default", "high", "urgent"] = "default"
    timeout_s: float = Field(default=10, gt=0)


class AlertsConfig(StrictModel):
    enabled: bool = False
    language: Literal["nl", "en"] = "nl"
    check_every_s: float = Field(default=30, ge=0.2, description="how often the rules are checked")
    quiet_minutes: float = Field(default=60, ge=0, description="no message repeated within this time")
    device_silent_minutes: float = Field(default=15, gt=0)
    stale_minutes: float = Field(default=10, gt=0, description="newest data in the store older than this")
    collector_down_minutes: float = Field(default=3, gt=0)
    disk_free_below_pct: float = Field(default=10, ge=0, le=100)
    outbox_backlog_above: int = Field(default=100_000, ge=0, description="readings waiting for InfluxDB")
    refused_per_minute_above: float = Field(default=30, ge=0, description="refused readings, all devices")
    co2_ppm_above: float = Field(default=1200, gt=0)
    co2_minutes: float = Field(default=15, gt=0)
    collector_health_url: str | None = Field(
        default=None, description="default: the dashboard's collector_health_url, else the collector's port"
    )
    email: list[EmailChannel] = Field(default_factory=list)
    push: list[PushChannel] = Field(default_factory=list)
    state_file: str | None = Field(default=None, description="remembers open alerts across restarts")
