"""Which series play which part: the grid meter, the solar inverters, gas, smart plugs.

The balance config names the roles when it can; otherwise they are inferred from the
device types in the config, and last from the stored series names, so a fresh site
shows something sensible without extra settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from buurtwatt.config import SiteConfig

_SOLAR_TYPES = {"sunspec", "modbus"}
_SOLAR_HINTS = ("pv", "solar", "zon", "inverter", "omvormer", "dak", "roof")


@dataclass(frozen=True)
class Roles:
    grid: str  # device name of the grid meter
    solar: tuple[str, ...]  # inverter device names
    gas: str | None  # gas series, DEVICE:gas_m3
    plugs: tuple[str, ...]  # devices with power_w that are not solar

    @property
    def import_kwh(self) -> str:
        return f"{self.grid}:import_kwh"

    @property
    def export_kwh(self) -> str:
        return f"{self.grid}:export_kwh"

    @property
    def import_w(self) -> str:
        return f"{self.grid}:import_w"

    @property
    def export_w(self) -> str:
        return f"{self.grid}:export_w"

    @property
    def solar_w(self) -> list[str]:
        return [f"{d}:power_w" for d in self.solar]

    @property
    def solar_kwh(self) -> list[str]:
        return [f"{d}:energy_kwh" for d in self.solar]

    def live_series(self) -> list[str]:
        return [self.import_w, self.export_w, *self.solar_w]


def _role(config: SiteConfig, name: str) -> object:
    return getattr(config.balance, name, None)


def collective_devices(config: SiteConfig) -> set[str]:
    """Devices of the collective roof: they belong to its participants, not to the building."""
    series = [inst.production for inst in config.installations]
    if config.balance.collective:
        series += config.balance.collective.production
    return {s.partition(":")[0] for s in series}


def roles_for(config: SiteConfig, series: Iterable[str]) -> Roles:
    names = list(series)
    devices = {s.partition(":")[0] for s in names}
    by_quantity: dict[str, list[str]] = {}
    for s in names:
        device, _, q = s.partition(":")
        by_quantity.setdefault(q, []).append(device)

    grid = _role(config, "grid_meter")
    if not grid:
        p1 = [d.name for d in config.devices if d.type == "p1"]
        grid = p1[0] if p1 else next(iter(sorted(by_quantity.get("import_kwh", []))), "meter")

    solar = _role(config, "solar") or _role(config, "solar_devices")
    if isinstance(solar, str):
        solar = [solar]
    if not solar:
        solar = [d.name for d in config.devices if d.type in _SOLAR_TYPES]
    if not solar:
        powered = set(by_quantity.get("power_w", [])) | set(by_quantity.get("energy_kwh", []))
        solar = [d for d in powered if any(h in d.lower() for h in _SOLAR_HINTS)]
    solar_names = tuple(sorted(str(s).partition(":")[0] for s in solar))

    gas = _role(config, "gas_meter") or _role(config, "gas")
    if isinstance(gas, str) and ":" not in gas:
        gas = f"{gas}:gas_m3"
    if not gas:
        gas = next((f"{d}:gas_m3" for d in sorted(by_quantity.get("gas_m3", []))), None)

    roofs = collective_devices(config)
    plugs = tuple(
        sorted(
            d
            for d in set(by_quantity.get("power_w", [])) & devices
            if d not in solar_names and d != grid and d not in roofs
        )
    )
    return Roles(str(grid), solar_names, gas if isinstance(gas, str) else None, plugs)
