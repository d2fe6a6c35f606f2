"""Queries the pages need, against the Store protocol only (read-only).

Power now comes from ``latest``; energy over a period from counter increases at a
rollup resolution, so years of data stay cheap to show.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import astuple, dataclass

from buurtwatt.store.base import Resolution, Store
from dashboard.roles import Roles


@dataclass(frozen=True)
class Live:
    ts: float | None  # newest reading of any live series
    solar_w: float | None
    import_w: float | None
    export_w: float | None

    @property
    def use_w(self) -> float | None:
        """What the building uses now: sun + grid import - grid export."""
        if self.import_w is None and self.solar_w is None:
            return None
        return max(0.0, (self.solar_w or 0) + (self.import_w or 0) - (self.export_w or 0))

    @property
    def net_grid_w(self) -> float | None:
        """Positive: we take from the grid; negative: we give to the grid."""
        if self.import_w is None and self.export_w is None:
            return None
        return (self.import_w or 0) - (self.export_w or 0)

    def age(self, now: float | None = None) -> float | None:
        return None if self.ts is None else (now or time.time()) - self.ts


def live_now(store: Store, roles: Roles) -> Live:
    rows = store.latest(roles.live_series())
    newest = max((r.ts for r in rows.values()), default=None)

    def value(series: str) -> float | None:
        row = rows.get(series)
        return None if row is None or row.value is None else row.value

    solar = [value(s) for s in roles.solar_w]
    solar_w = sum(v for v in solar if v is not None) if any(v is not None for v in solar) else None
    return Live(newest, solar_w, value(roles.import_w), value(roles.export_w))


@dataclass(frozen=True)
class EnergyTotals:
    import_kwh: float
    export_kwh: float
    solar_kwh: float
    gas_m3: float | None

    @property
    def use_kwh(self) -> float:
        return max(0.0, self.solar_kwh + self.import_kwh - self.export_kwh)

    @property
    def self_used_kwh(self) -> float:
        """Solar used in the building itself."""
        return max(0.0, self.solar_kwh - self.export_kwh)

    @property
    def self_sufficiency(self) -> float | None:
        """Share of the use that did not come from the grid."""
        return None if self.use_kwh <= 0 else max(0.0, 1 - self.import_kwh / self.use_kwh)

    @property
    def net_kwh(self) -> float:
        """Positive: we took more from the grid than we gave."""
        return self.import_kwh - self.export_kwh

    def __add__(self, other: EnergyTotals) -> EnergyTotals:
        gas = None
        if self.gas_m3 is not None or other.gas_m3 is not None:
            gas = (self.gas_m3 or 0) + (other.gas_m3 or 0)
        return EnergyTotals(
            self.import_kwh + other.import_kwh,
            self.export_kwh + other.export_kwh,
            self.solar_kwh + other.solar_kwh,
            gas,
        )


@dataclass(frozen=True)
class SiteDay:
    """One building's day for the /stad page."""

    solar_kwh: float
    use_kwh: float
    import_kwh: float
    export_kwh: float
    net_kg: float  # avoided - emitted; above zero is good

    def __add__(self, other: SiteDay) -> SiteDay:
        return SiteDay(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


KEYS = ("import_kwh", "export_kwh", "solar_kwh", "use_kwh", "gas_m3")


def history(
    store: Store, roles: Roles, start: float, end: float, resolution: Resolution
) -> dict[str, list[tuple[float, float]]]:
    """Energy per bucket: import, export, solar, use and gas, each as (bucket start, amount)."""

    def increases(series: list[str]) -> dict[float, float]:
        out: dict[float, float] = defaultdict(float)
        for s in series:
            for row in store.read(s, start, end, resolution):
                if row.value is not None:
                    out[row.ts] += row.value
        return out

    imp = increases([roles.import_kwh])
    exp = increases([roles.export_kwh])
    sol = increases(roles.solar_kwh)
    gas = increases([roles.gas]) if roles.gas else {}
    stamps = sorted(set(imp) | set(exp) | set(sol))
    use = {ts: max(0.0, sol.get(ts, 0) + imp.get(ts, 0) - exp.get(ts, 0)) for ts in stamps}
    return {
        "import_kwh": sorted(imp.items()),
        "export_kwh": sorted(exp.items()),
        "solar_kwh": sorted(sol.items()),
        "use_kwh": sorted(use.items()),
        "gas_m3": sorted(gas.items()),
    }


def totals_from_history(series: dict[str, list[tuple[float, float]]], has_gas: bool) -> EnergyTotals:
    def total(key: str) -> float:
        return sum(v for _, v in series.get(key, []))

    return EnergyTotals(
        total("import_kwh"), total("export_kwh"), total("solar_kwh"), total("gas_m3") if has_gas else None
    )


def energy_totals(store: Store, roles: Roles, start: float, end: float) -> EnergyTotals:
    """Energy between two local midnights (or now), summed from day buckets."""
    return totals_from_history(history(store, roles, start, end, Resolution.DAY), roles.gas is not None)


def plug_power(store: Store, plug: str) -> tuple[float | None, float | None]:
    """(watts, timestamp) of a smart plug now."""
    row = store.latest([f"{plug}:power_w"]).get(f"{plug}:power_w")
    return (None, None) if row is None else (row.value, row.ts)
