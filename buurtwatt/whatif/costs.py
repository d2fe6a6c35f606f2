"""What a what-if year costs, under the netting rules of a chosen year.

The hours keep their own dates, so prices and taxes are those of the hours' own days; only the
rule changes: a chosen year up to 2026 nets import and export (salderingsregeling), a chosen
year from 2027 settles them separately. That is how a coach shows "this is what it costs once
net metering is gone".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np

from buurtwatt.tariffs.config import TariffsConfig
from buurtwatt.tariffs.costs import CostReport, HourlyEnergy, compute_costs
from buurtwatt.tariffs.tax import TaxTable


def rules_of_year(tariffs: TariffsConfig, year: int) -> TariffsConfig:
    """The tariffs with net metering on for every day (year <= end of netting) or for none."""
    netted = year <= tariffs.net_metering_until.year
    until = date.max if netted else date.min
    return tariffs.model_copy(update={"net_metering_until": until})


def _hours(values: np.ndarray | None) -> list[float | None] | None:
    if values is None:
        return None
    return [None if np.isnan(v) else float(v) for v in values]


def costs_under(
    start: float,
    import_kwh: np.ndarray,
    export_kwh: np.ndarray,
    gas_m3: np.ndarray | None,
    tariffs: TariffsConfig,
    table: TaxTable,
    tz: ZoneInfo,
    year: int,
    day_ahead: Mapping[int, float] | None = None,
) -> CostReport:
    energy = HourlyEnergy(start, _hours(import_kwh) or [], _hours(export_kwh) or [], _hours(gas_m3))
    return compute_costs(energy, rules_of_year(tariffs, year), table, tz, day_ahead)
