"""Hourly increases of the series the balance needs, as plain arrays (no I/O).

Hour ``i`` starts at ``start + 3600 * i`` (UTC). Each series keeps its values
and, separately, whether the hour had samples at all: a missing hour is a gap,
never a zero. A negative increase (a counter that went back, e.g. an unannounced
meter replacement) is also treated as a gap and reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from buurtwatt.series import SEPARATOR, Series
from buurtwatt.timeutil import HOUR

Role = Literal["import", "export", "production", "gas", "collective", "intensity"]

# How completeness is judged. "hour": every completed hour must have samples (grid and gas meters).
# "day": at least one sample per local day (inverters that sleep at night, site.night = "gap").
# "none": optional, a fallback exists (hourly grid intensity).
Check = Literal["hour", "day", "none"]


@dataclass(frozen=True)
class SeriesHours:
    series: str
    role: Role
    values: np.ndarray  # float, 0 where there is no usable value
    present: np.ndarray  # bool: the hour had samples and a usable value
    check: Check = "hour"
    went_back: np.ndarray | None = None  # bool: negative increase (counter went back), left out

    @classmethod
    def from_values(
        cls, series: str, role: Role, values: Sequence[float | None] | np.ndarray, check: Check = "hour"
    ) -> SeriesHours:
        """``None`` or NaN marks an hour without samples."""
        if isinstance(values, np.ndarray):
            raw = values.astype(float, copy=False)
        else:
            raw = np.array([np.nan if v is None else v for v in values], dtype=float)
        present = ~np.isnan(raw)
        back = None
        if role != "intensity":
            back = present & (raw < 0)
            present &= ~back
        return cls(
            series,
            role,
            np.where(present, raw, 0.0),
            present,
            check,
            back if back is not None and back.any() else None,
        )


@dataclass(frozen=True)
class HourlyData:
    start: float
    hours: int
    series: tuple[SeriesHours, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.start % HOUR:
            raise ValueError("hourly data must start on a whole hour")
        for s in self.series:
            if len(s.values) != self.hours or len(s.present) != self.hours:
                raise ValueError(f"{s.series}: {len(s.values)} values for {self.hours} hours")

    @property
    def end(self) -> float:
        return self.start + self.hours * HOUR

    def role(self, role: Role) -> list[SeriesHours]:
        return [s for s in self.series if s.role == role]

    def total(self, role: Role) -> np.ndarray:
        """Sum over every series of a role, per hour (0 where missing)."""
        parts = self.role(role)
        if not parts:
            return np.zeros(self.hours)
        out = parts[0].values.copy()
        for s in parts[1:]:
            out += s.values
        return out

    @classmethod
    def from_lists(
        cls,
        start: float,
        *,
        import_kwh: Sequence[float | None] | None = None,
        export_kwh: Sequence[float | None] | None = None,
        production_kwh: Mapping[str, Sequence[float | None]] | None = None,
        gas_m3: Sequence[float | None] | None = None,
        collective_kwh: Mapping[str, Sequence[float | None]] | None = None,
        intensity_g_per_kwh: Sequence[float | None] | None = None,
        grid_meter: str = "meter",
        gas_meter: str | None = None,
        production_check: Check = "day",
    ) -> HourlyData:
        """Build hourly data from plain lists (tests, demos). All lists have the same length."""
        items: list[SeriesHours] = []

        def counter(name: str) -> str:
            """A device name means its energy counter; a full series name is kept."""
            return str(Series.parse(name) if SEPARATOR in name else Series(name, "energy_kwh"))

        if import_kwh is not None:
            items.append(SeriesHours.from_values(str(Series(grid_meter, "import_kwh")), "import", import_kwh))
        if export_kwh is not None:
            items.append(SeriesHours.from_values(str(Series(grid_meter, "export_kwh")), "export", export_kwh))
        for name, values in (production_kwh or {}).items():
            items.append(SeriesHours.from_values(counter(name), "production", values, production_check))
        if gas_m3 is not None:
            gas = Series(gas_meter or grid_meter, "gas_m3")
            items.append(SeriesHours.from_values(str(gas), "gas", gas_m3))
        for name, values in (collective_kwh or {}).items():
            items.append(SeriesHours.from_values(counter(name), "collective", values, production_check))
        if intensity_g_per_kwh is not None:
            intensity = str(Series("grid", "co2_g_per_kwh"))
            items.append(SeriesHours.from_values(intensity, "intensity", intensity_g_per_kwh, "none"))
        lengths = {len(s.values) for s in items}
        if len(lengths) > 1:
            raise ValueError(f"all lists must have the same length, got {sorted(lengths)}")
        return cls(float(start), lengths.pop() if lengths else 0, tuple(items))
