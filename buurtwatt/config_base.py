"""Building blocks for config models: strict models and secret references."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    """A config section: unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(StrictModel):
    """Where a secret lives: an environment variable or a file. Never the secret itself."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _one_place(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError('give exactly one of env = "NAME" or file = "/path"')
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def get(self) -> str | None:
        """The secret, or None when the variable or file is not there."""
        if self.env:
            value = os.environ.get(self.env)
            return value.strip() if value else None
        assert self.file is not None
        try:
            return self.file.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def require(self) -> str:
        value = self.get()
        if value is None:
            raise SecretMissing(f"secret not found: set {self.describe()}")
        return value


class SecretMissing(RuntimeError):
    pass


DEVICE_NAME_PATTERN = r"^[a-z][a-z0-9_\-]*$"


class DeviceConfig(StrictModel):
    """Fields every device has. Each device type extends this with its own keys."""

    type: str
    name: str
    enabled: bool = True
    # Plausibility (see docs/schema.md): the most this device can deliver or take. Power above it
    # is refused, and so is a counter step larger than it over the time passed.
    max_power_w: float | None = Field(default=None, gt=0)
    max_flow_m3_h: float | None = Field(default=None, gt=0)

    @property
    def series_devices(self) -> tuple[str, ...]:
        """The device names this device stores series under (a P1 meter adds its gas channel)."""
        return (self.name,)

    @model_validator(mode="after")
    def _name_ok(self) -> DeviceConfig:
        import re

        if not re.match(DEVICE_NAME_PATTERN, self.name):
            raise ValueError(
                f"device name {self.name!r} must be lower case letters, digits, '_' or '-', "
                "starting with a letter (it becomes part of series names like meter:import_kwh)"
            )
        return self
