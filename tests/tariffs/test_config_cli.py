"""[tariffs] in the site config, check-config, import-prices and the tax table."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from buurtwatt.config import ConfigError, parse_config
from buurtwatt.tariffs.prices import PriceFileError, parse_price_csv, read_prices
from buurtwatt.tariffs.tax import MissingTaxYear, load_tax_table

SITE = """
[site]
name = "Test"

[store]
type = "sqlite"
path = "t.sqlite"

[tariffs]
prices_file = "prices.csv"

[[tariffs.periods]]
from = "2026-01-01"
import_eur_per_kwh = 0.25
export_eur_per_kwh = 0.07
standing = [{ name = "vastrecht", eur = 6.0, per = "month" }]

[[tariffs.periods]]
from = "2027-01-01"
hourly = true
import_markup_eur_per_kwh = 0.02
"""


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BUURTWATT_LANG": "en"}  # the assertions read the English messages
    return subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_the_tax_table_has_the_known_figures_with_sources():
    table = load_tax_table()
    assert table.electricity(2025).value == Decimal("0.10154")
    assert table.electricity(2026).value == Decimal("0.09160")
    assert table.heffingskorting(2025).value == Decimal("524.95")
    assert table.heffingskorting(2026).value == Decimal("519.80")
    # not from the Belastingdienst table: visible to every caller
    assert not table.electricity(2026).verified and table.electricity(2026).note
    assert table.gas(2020).verified  # checked against the Belastingdienst table
    assert table.btw_pct(date(2022, 7, 1)) == 9 and table.btw_pct(date(2022, 6, 30)) == 21
    assert table.btw_pct(date(2022, 12, 31)) == 9 and table.btw_pct(date(2023, 1, 1)) == 21
    with pytest.raises(MissingTaxYear, match="2027"):
        table.electricity(2027)  # never another year's figure
    # shares reads the same table: 2014 reduction 0.075, 2022 with its BTW change
    pcr = table.pcr_years()
    assert pcr[2014][0] == Decimal("0.075")
    assert pcr[2022][1] == ((date(2022, 1, 1), Decimal(21)), (date(2022, 7, 1), Decimal(9)))


def test_tariffs_section_parses(tmp_path: Path):
    config = parse_config(SITE, "site.toml", tmp_path)
    t = config.tariffs
    assert t.prices_file == tmp_path / "prices.csv"
    assert t.period(date(2026, 5, 1)).import_eur_per_kwh == 0.25
    assert t.period(date(2027, 5, 1)).hourly
    assert t.period(date(2025, 5, 1)) is None
    assert t.net_metering_until == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("change", "path", "line", "words"),
    [
        ('per = "month"', "tariffs.periods[0].standing[0].per", 16, "'day', 'month' or 'year'"),
        ("export_eur_per_kwh = 0.07", "tariffs.periods[0]", 12, "export_eur_per_kwh"),
        (
            "import_markup_eur_per_kwh",
            "tariffs.periods[1].import_markup_eur_per_kwh_x",
            21,
            "onbekende sleutel",
        ),
    ],
)
def test_bad_tariffs_name_key_and_line(tmp_path: Path, change: str, path: str, line: int, words: str):
    replacement = {
        'per = "month"': 'per = "week"',
        "export_eur_per_kwh = 0.07": "",
        "import_markup_eur_per_kwh": "import_markup_eur_per_kwh_x",
    }[change]
    with pytest.raises(ConfigError) as err:
        parse_config(SITE.replace(change, replacement), "site.toml", tmp_path)
    problem = next(p for p in err.value.problems if p.path == path)
    assert problem.line == line, err.value.render()
    assert words in problem.message


def test_price_csv_errors_name_the_line():
    tz = ZoneInfo("Europe/Amsterdam")
    good = "time;eur_per_mwh\n2026-03-01T13:00:00+01:00;85,5\n2026-03-01T14:00:00;90\n"
    prices = parse_price_csv(good, tz)
    assert prices[int(datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp())] == pytest.approx(0.0855)
    assert prices[int(datetime(2026, 3, 1, 13, tzinfo=UTC).timestamp())] == pytest.approx(0.090)
    with pytest.raises(PriceFileError, match="line 3: price 'abc' is not a number"):
        parse_price_csv(good.replace(";90", ";abc"), tz, "p.csv")
    with pytest.raises(PriceFileError, match="line 2: time 'yesterday' is not ISO 8601"):
        parse_price_csv(good.replace("2026-03-01T13:00:00+01:00", "yesterday"), tz, "p.csv")
    with pytest.raises(PriceFileError, match="line 1: the header needs"):
        parse_price_csv("when,price\n", tz, "p.csv")
    # quarter-hour prices are averaged into their hour
    quarters = "time,eur_per_kwh\n" + "".join(
        f"2026-03-01T13:{m:02d}:00+01:00,{p}\n" for m, p in ((0, 0.1), (15, 0.2), (30, 0.3), (45, 0.4))
    )
    assert list(parse_price_csv(quarters, tz).values()) == [pytest.approx(0.25)]


def test_import_prices_and_check_config_cli(tmp_path: Path):
    site = tmp_path / "site.toml"
    site.write_text(SITE)
    ok = run_cli("check-config", str(site))
    assert ok.returncode == 0, ok.stderr
    assert "Tariffs    2 period(s) from 2026-01-01; net metering until 2026-12-31" in ok.stdout
    csv = tmp_path / "day-ahead.csv"
    csv.write_text("time,eur_per_kwh\n2027-01-01T00:00:00+01:00,0.081\n2027-01-01T01:00:00+01:00,0.079\n")
    res = run_cli("import-prices", str(csv), "--config", str(site))
    assert res.returncode == 0, res.stderr
    assert "2 hours of prices from 2027-01-01 00:00 to 2027-01-01 01:00" in res.stdout
    assert len(read_prices(tmp_path / "prices.csv")) == 2
    csv.write_text("time,eur_per_kwh\n2027-01-01T00:00:00+01:00,0.081\n2027-01-01T01:00:00+01:00,x\n")
    bad = run_cli("import-prices", str(csv), "--config", str(site))
    assert bad.returncode == 1
    assert f"{csv}, line 3: price 'x' is not a number" in bad.stderr
    assert len(read_prices(tmp_path / "prices.csv")) == 2  # the stored prices are untouched
