"""The [balance] section: which devices play which role, and the system boundary."""

from __future__ import annotations

from buurtwatt.config_base import StrictModel


class BalanceConfig(StrictModel):
    grid_meter: str | None = None
