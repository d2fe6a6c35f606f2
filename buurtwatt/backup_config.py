"""The ``[backup]`` section: a daily backup made by the collector."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field

from buurtwatt.config_base import StrictModel


class BackupConfig(StrictModel):
    folder: Path | None = Field(default=None, description="where daily backups go; none: no daily backup")
    keep: int = Field(default=7, ge=1, description="how many daily backups to keep")
    at: time = Field(default=time(3, 30), description="local time of the daily backup")
