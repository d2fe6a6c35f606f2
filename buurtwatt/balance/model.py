"""The typed results of the balance: energy, CO2 and data coverage per period."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from buurtwatt.balance.factors import Factor
from buurtwatt.i18n import t
from buurtwatt.timeutil import Period


@dataclass(frozen=True, slots=True)
class EnergyBalance:
    """Energy of one period, kWh unless the name says otherwise.

    ``consumption = import + self_consumed`` with ``self_consumed = max(production - export, 0)``,
    which is ``import + production - export`` whenever the data are consistent.
    ``generation`` (renewable, attributed to the building) and ``demand`` follow the boundary.
    """

    import_kwh: float
    export_kwh: float
    production_kwh: float
    consumption_kwh: float
    self_consumed_kwh: float
    self_sufficiency: float | None  # self_consumed / consumption; None when nothing was used
    self_consumption_ratio: float | None  # self_consumed / production; None without production
    gas_m3: float
    gas_kwh: float
    collective_production_kwh: float  # the whole collective installation
    collective_share_kwh: float  # the building's part, 0 when outside the boundary
    generation_kwh: float
    demand_kwh: float
    surplus_kwh: float  # generation - demand
    energy_positive: bool

    @property
    def grid_net_kwh(self) -> float:
        """Positive: the building took more from the grid than it gave."""
        return self.import_kwh - self.export_kwh


@dataclass(frozen=True, slots=True)
class FactorUse:
    """A yearly factor and the number of hours of the period it was applied to."""

    role: str  # "grid", "avoided" or "gas"
    factor: Factor
    hours: int


@dataclass(frozen=True, slots=True)
class Co2Balance:
    """CO2 of one period in kg CO2-eq. ``net = avoided - emitted``; positive is good."""

    emitted_kg: float
    emitted_electricity_kg: float
    emitted_gas_kg: float
    avoided_kg: float
    avoided_export_kg: float
    avoided_collective_kg: float
    net_kg: float
    co2_positive: bool
    factors: tuple[FactorUse, ...]
    hourly_intensity_hours: int  # hours that used grid:co2_g_per_kwh instead of the yearly factor


@dataclass(frozen=True, slots=True)
class SeriesCoverage:
    series: str
    unit: str  # "hour" or "day": what must have samples
    expected: int
    present: int
    went_back: int = 0  # hours with a negative increase (counter went back), left out

    @property
    def missing(self) -> int:
        return self.expected - self.present


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a period the data cover. Future hours are not expected."""

    hours: int  # length of the period
    expected_hours: int  # completed hours (the rest lies in the future)
    series: tuple[SeriesCoverage, ...]

    @property
    def in_progress(self) -> bool:
        return self.expected_hours < self.hours

    @property
    def partial(self) -> bool:
        """Some expected data are missing: the figures are too low, not zero."""
        return any(s.missing > 0 or s.went_back > 0 for s in self.series)

    @property
    def fraction(self) -> float:
        """The worst series' share of expected hours or days that have data."""
        shares = [s.present / s.expected for s in self.series if s.expected]
        return min(shares) if shares else 1.0

    def problems(self, lang: str = "en") -> list[str]:
        """What is missing, in words (English in the JSON; the terminal asks for its language)."""
        out = []
        for s in self.series:
            if s.missing > 0:
                unit = t(f"balance.unit.{s.unit}", lang)
                out.append(
                    t(
                        "balance.problem.missing",
                        lang,
                        series=s.series,
                        missing=s.missing,
                        expected=s.expected,
                        unit=unit,
                    )
                )
            if s.went_back > 0:
                out.append(t("balance.problem.went_back", lang, series=s.series, n=s.went_back))
        return out


@dataclass(frozen=True, slots=True)
class PeriodBalance:
    period: Period
    energy: EnergyBalance
    co2: Co2Balance
    coverage: Coverage

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "start": self.period.start,
            "end": self.period.end,
            "energy": asdict(self.energy),
            "co2": {k: v for k, v in asdict(self.co2).items() if k != "factors"}
            | {"factors": [_factor_dict(u) for u in self.co2.factors]},
            "coverage": {
                "hours": self.coverage.hours,
                "expected_hours": self.coverage.expected_hours,
                "in_progress": self.coverage.in_progress,
                "partial": self.coverage.partial,
                "fraction": self.coverage.fraction,
                "problems": self.coverage.problems(),
                "series": [asdict(s) for s in self.coverage.series],
            },
        }


def _factor_dict(use: FactorUse) -> dict[str, Any]:
    return {"role": use.role, "hours": use.hours, **asdict(use.factor)}


@dataclass(frozen=True, slots=True)
class LivePower:
    """Power now, W, with the same definitions as the energy balance (see ``compute``)."""

    ts: float | None  # newest reading of any live series
    import_w: float | None
    export_w: float | None
    production_w: float | None  # own solar
    consumption_w: float | None  # import + max(production - export, 0)

    @property
    def net_grid_w(self) -> float | None:
        """Positive: the building takes from the grid; negative: it gives to the grid."""
        if self.import_w is None and self.export_w is None:
            return None
        return (self.import_w or 0.0) - (self.export_w or 0.0)

    def age(self, now: float) -> float | None:
        return None if self.ts is None else now - self.ts


@dataclass(frozen=True, slots=True)
class EnergyBucket:
    """Energy of one bucket of a chart (15 minutes, an hour, a day, a month), kWh and m3."""

    start: float
    import_kwh: float
    export_kwh: float
    production_kwh: float
    consumption_kwh: float  # import + max(production - export, 0) within the bucket
    gas_m3: float
