"""Which series play which part on a site: grid meter, own solar, gas, collective roof, plugs, rooms.

One owner, resolved once per site and passed around: the balance, the dashboard and the
shares all read the same :class:`Roles`.

Where the roles come from, in this order:

1. The ``[balance]`` section says it: ``grid_meter``, ``solar`` and ``gas_meter``. When it
   names a grid meter, it is taken as complete: nothing is guessed beside it.
2. Otherwise each role follows from the quantities a device has stored (the vocabulary,
   never a device type or a name): the device with ``import_kwh`` is the grid meter, the
   one with ``gas_m3`` the gas meter, and devices with ``dc_power_w`` (a panel's DC side,
   which only an inverter reports) are the building's own solar.

The collective roof always comes from the config (``[balance.collective]`` and
``[[installations]]``): it belongs to its participants, so it is never guessed. Plugs are
the remaining devices with ``power_w``; rooms are devices with a room climate quantity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from buurtwatt.series import Series

if TYPE_CHECKING:
    from buurtwatt.config import SiteConfig

ROOM_QUANTITIES = ("temperature_c", "humidity_pct", "co2_ppm")


@dataclass(frozen=True)
class Roles:
    grid: str | None  # the grid meter (import/export counters and power)
    solar: tuple[str, ...]  # the building's own inverters, behind the grid meter
    gas: str | None  # the gas meter
    collective: tuple[Series, ...]  # production counters of the collective roof(s)
    plugs: tuple[str, ...]  # smart plugs: power_w, not a meter, not an inverter
    rooms: tuple[str, ...]  # room sensors: temperature, humidity or CO2 in the air
    declared: bool  # True when [balance] named the roles, False when they were inferred
    notes: tuple[str, ...] = ()  # what was guessed or is ambiguous, in plain English

    def _grid(self, quantity: str) -> Series | None:
        return Series(self.grid, quantity) if self.grid else None

    @property
    def import_kwh(self) -> Series | None:
        return self._grid("import_kwh")

    @property
    def export_kwh(self) -> Series | None:
        return self._grid("export_kwh")

    @property
    def import_w(self) -> Series | None:
        return self._grid("import_w")

    @property
    def export_w(self) -> Series | None:
        return self._grid("export_w")

    @property
    def solar_kwh(self) -> tuple[Series, ...]:
        return tuple(Series(d, "energy_kwh") for d in self.solar)

    @property
    def solar_w(self) -> tuple[Series, ...]:
        return tuple(Series(d, "power_w") for d in self.solar)

    @property
    def gas_m3(self) -> Series | None:
        return Series(self.gas, "gas_m3") if self.gas else None

    def plug_w(self, plug: str) -> Series:
        return Series(plug, "power_w")

    def live_series(self) -> list[Series]:
        """The power series that make "now": grid both ways and the sun."""
        return [s for s in (self.import_w, self.export_w) if s is not None] + list(self.solar_w)

    def to_dict(self) -> dict[str, Any]:
        return {
            "grid_meter": self.grid,
            "solar": list(self.solar),
            "gas_meter": self.gas,
            "collective": [str(s) for s in self.collective],
            "plugs": list(self.plugs),
            "rooms": list(self.rooms),
            "declared": self.declared,
            "notes": list(self.notes),
        }


def collective_series(config: SiteConfig) -> tuple[Series, ...]:
    """Production counters of the collective roofs in the config, each once."""
    names = [inst.production for inst in config.installations]
    if config.balance.collective:
        names += config.balance.collective.production
    return tuple(dict.fromkeys(Series.parse(n) for n in names))


def resolve_roles(config: SiteConfig, stored: Iterable[str | Series] = ()) -> Roles:
    """The roles of a site from its config and, where the config is silent, its stored series."""
    series = sorted({Series.parse(s) for s in stored})
    by_quantity: dict[str, list[str]] = {}
    for s in series:
        by_quantity.setdefault(s.quantity, []).append(s.device)
    collective = collective_series(config)
    roofs = {s.device for s in collective}
    notes: list[str] = []

    def only(quantity: str, role: str, key: str) -> str | None:
        found = [d for d in by_quantity.get(quantity, []) if d not in roofs]
        if len(found) > 1:
            notes.append(
                f"{role}: several devices store {quantity} ({', '.join(found)}); using {found[0]}. "
                f"Name one in [balance] {key}."
            )
        return found[0] if found else None

    b = config.balance
    declared = bool(b.grid_meter)
    if declared:
        grid, solar, gas = b.grid_meter, tuple(b.solar), b.gas_meter
    else:
        grid = only("import_kwh", "grid meter", "grid_meter")
        gas = only("gas_m3", "gas meter", "gas_meter")
        solar = tuple(d for d in by_quantity.get("dc_power_w", []) if d not in roofs and d != grid)
        if grid or solar or gas:
            notes.append(
                "[balance] names no grid meter: roles inferred from the stored quantities "
                f"(grid meter {grid or '-'}, solar {', '.join(solar) or '-'}, gas {gas or '-'})"
            )
    inverters = set(by_quantity.get("dc_power_w", []))
    taken = {grid, *solar, *roofs} | inverters
    plugs = tuple(d for d in dict.fromkeys(by_quantity.get("power_w", [])) if d not in taken)
    rooms = tuple(sorted({d for q in ROOM_QUANTITIES for d in by_quantity.get(q, [])} - taken))
    return Roles(grid, solar, gas, collective, plugs, rooms, declared, tuple(notes))
