"""Import an hourly grid CO2 intensity CSV as the series ``grid:co2_g_per_kwh``.

Reads exports of Electricity Maps (``Datetime (UTC)``, ``Carbon intensity gCO₂eq/kWh (...)``)
and the Nationaal Energie Dashboard (``validfrom``, ``emissionfactor`` in kg/kWh), or any CSV
with a time column and a value column named on the command line. 15-minute rows are fine: the
store averages them per hour.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from buurtwatt.readings import Reading
from buurtwatt.series import Series
from buurtwatt.units import convert

INTENSITY_SERIES = Series("grid", "co2_g_per_kwh")
TIME_HINTS = ("datetime", "validfrom", "timestamp", "time", "date", "tijd", "datum")
VALUE_HINTS = ("carbon intensity", "emissionfactor", "emission factor", "co2", "intensity")


class IntensityCsvError(ValueError):
    pass


@dataclass
class IntensityImport:
    readings: list[Reading]
    time_column: str
    value_column: str
    unit: str
    skipped: list[str] = field(default_factory=list)  # "line N: why", first few only
    skipped_count: int = 0


def _pick(headers: list[str], hints: tuple[str, ...], prefer: str | None = None) -> str | None:
    lower = [h.lower() for h in headers]
    for hint in hints:
        found = [h for h, low in zip(headers, lower, strict=True) if hint in low]
        if prefer:
            found = [h for h in found if prefer in h.lower()] or found
        if found:
            return found[0]
    return None


def _unit_of(column: str) -> str:
    low = column.lower()
    return "kg/kWh" if "emissionfactor" in low or "kg" in low else "g/kWh"


def _parse_time(text: str, utc_header: bool, tz: ZoneInfo) -> float:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" UTC", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC") if utc_header else tz)
    return moment.timestamp()


def parse_intensity_csv(
    text: str,
    *,
    tz: ZoneInfo,
    time_column: str | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    prefer: str | None = "life cycle",
) -> IntensityImport:
    """Readings of ``grid:co2_g_per_kwh`` from CSV text. Naive times are local unless the header says UTC."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect)
    headers = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = headers
    tcol = time_column or _pick(headers, TIME_HINTS)
    vcol = value_column or _pick(headers, VALUE_HINTS, prefer)
    if tcol not in headers or vcol not in headers:
        raise IntensityCsvError(
            f"cannot find the time and value columns in {headers}; "
            "name them with --time-column and --value-column"
        )
    unit = unit or _unit_of(vcol)
    utc_header = "utc" in tcol.lower()
    result = IntensityImport([], tcol, vcol, unit)
    for line, row in enumerate(reader, start=2):
        raw_t, raw_v = (row.get(tcol) or "").strip(), (row.get(vcol) or "").strip()
        try:
            if not raw_v:
                raise ValueError("no value")
            ts = _parse_time(raw_t, utc_header, tz)
            value = convert(float(raw_v.replace(",", ".")), unit, "g/kWh")
            if not 0 <= value < 5000:
                raise ValueError(f"{value:g} g/kWh is not a plausible grid intensity")
        except ValueError as exc:
            result.skipped_count += 1
            if len(result.skipped) < 5:
                result.skipped.append(f"line {line}: {exc}")
            continue
        result.readings.append(Reading(INTENSITY_SERIES.device, INTENSITY_SERIES.quantity, ts, value))
    result.readings.sort(key=lambda r: r.ts)
    return result
