"""The [shares] section and the [[installations]] of the collective roof."""

from __future__ import annotations

from pathlib import Path

from buurtwatt.config_base import StrictModel


class SharesConfig(StrictModel):
    participants: Path | None = None
    holdings: Path | None = None


class InstallationConfig(StrictModel):
    name: str
