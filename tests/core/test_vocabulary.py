"""The vocabulary is the one source of truth, and docs/schema.md shows it as it is."""

from pathlib import Path

import pytest

from buurtwatt.series import Series, known_series
from buurtwatt.units import UnitError, convert
from buurtwatt.vocabulary import QUANTITIES, Kind, UnknownSeries, markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def test_schema_doc_matches_the_table() -> None:
    text = DOC.read_text()
    block = text.split("<!-- vocabulary:start -->\n")[1].split("\n<!-- vocabulary:end -->")[0]
    assert block == markdown_table(), "regenerate the table in docs/schema.md from markdown_table()"


def test_fixed_names_from_the_foundation_issue() -> None:
    p1 = [
        "import_kwh",
        "export_kwh",
        "import_t1_kwh",
        "import_t2_kwh",
        "export_t1_kwh",
        "export_t2_kwh",
        "import_w",
        "export_w",
        "tariff",
        "power_failures",
        "gas_m3",
    ]
    p1 += [
        f"{k}_l{n}_{u}"
        for n in (1, 2, 3)
        for k, u in (("voltage", "v"), ("current", "a"), ("import", "w"), ("export", "w"))
    ]
    other = [
        "power_w",
        "energy_kwh",
        "dc_power_w",
        "frequency_hz",
        "temperature_c",
        "status",
        "humidity_pct",
        "co2_ppm",
        "illuminance_lx",
        "voltage_v",
        "current_a",
    ]
    for name in p1 + other:
        assert name in QUANTITIES, name
    assert QUANTITIES["import_kwh"].kind is Kind.COUNTER
    assert QUANTITIES["gas_m3"].kind is Kind.COUNTER
    assert QUANTITIES["power_w"].kind is Kind.GAUGE


def test_series_parse() -> None:
    series = Series.parse("meter:import_kwh")
    assert series.device == "meter" and series.spec.unit == "kWh" and str(series) == "meter:import_kwh"
    with pytest.raises(UnknownSeries, match="DEVICE:QUANTITY"):
        Series.parse("import_kwh")
    with pytest.raises(UnknownSeries, match="known quantities"):
        known_series("meter:import_kw")


def test_unit_conversion() -> None:
    assert convert(1500, "Wh", "kWh") == 1.5
    assert convert(2.5, "kW", "W") == 2500
    assert convert(3, None, "W") == 3
    with pytest.raises(UnitError):
        convert(1, "W", "kWh")
