"""Every InfluxQL query in docs/grafana.md and in the provisioned Grafana dashboard runs against a
real InfluxDB (Debian's 1.6.7) holding data that the InfluxDB store wrote, and returns data.

InfluxDB 2.7 and 3 Core are not available here; InfluxQL is the language all three answer.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtwatt.config import InfluxStoreConfig, load_config
from buurtwatt.readings import Reading
from buurtwatt.store.influx import InfluxStore
from tests.services import ServiceProcess

pytestmark = pytest.mark.influx
ROOT = Path(__file__).resolve().parents[2]
SITE = "voorbeeld"  # the site id the docs use
GRAFANA_VARIABLES = {
    "$timeFilter": "time > now() - 2d",
    "$__interval": "5m",
    "$site": SITE,
    "$co2_kg_per_kwh": "0.268",
    "$co2_kg_per_m3_gas": "2.134",
}


def doc_queries() -> list[str]:
    text = (ROOT / "docs" / "grafana.md").read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"```sql\n(.*?)```", text, re.S)]


def dashboard_queries() -> list[str]:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "dashboards" / "buurtwatt.json").read_text())
    queries = [t["query"] for p in dashboard["panels"] for t in p["targets"]]
    return queries + [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]


def fill_in(query: str) -> str:
    for name in sorted(GRAFANA_VARIABLES, key=len, reverse=True):
        query = query.replace(name, GRAFANA_VARIABLES[name])
    assert "$" not in query.replace("$/", ""), f"unfilled Grafana variable in {query}"
    return query


@pytest.fixture(scope="module")
def database(influxdb: ServiceProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Three hours of a building (meter, gas, two inverters, grid intensity) up to now."""
    name = f"g{uuid.uuid4().hex[:10]}"
    config = InfluxStoreConfig(
        type="influxdb",
        url=f"http://127.0.0.1:{influxdb.port}",
        api="v1",
        database=name,
        outbox=tmp_path_factory.mktemp("outbox") / "outbox.sqlite",
    )
    store = InfluxStore(config, site=SITE, tz="Europe/Amsterdam")
    now = int(time.time()) // 60 * 60
    try:
        for i in range(180):
            ts = now - (180 - i) * 60
            store.write(
                [
                    Reading("meter", "import_kwh", ts, 1000 + i * 0.02),
                    Reading("meter", "export_kwh", ts, 500 + i * 0.01),
                    Reading("meter", "import_w", ts, 1200.0 + i),
                    Reading("meter", "export_w", ts, 0.0),
                    Reading("gas", "gas_m3", ts, 300 + i * 0.001),
                    Reading("zon", "power_w", ts, 2000.0),
                    Reading("zon", "energy_kwh", ts, 40 + i * 0.03),
                    Reading("dak", "power_w", ts, 4000.0),
                    Reading("dak", "energy_kwh", ts, 80 + i * 0.06),
                    Reading("grid", "co2_g_per_kwh", ts, 300.0),
                ]
            )
        assert store.flush(30), "the store did not deliver its outbox to InfluxDB"
    finally:
        store.close()
    yield name


def run(influxdb: ServiceProcess, database: str, query: str) -> list[dict]:
    params = urllib.parse.urlencode({"db": database, "q": query, "epoch": "ms"})
    with urllib.request.urlopen(f"http://127.0.0.1:{influxdb.port}/query?{params}", timeout=10) as response:
        (result,) = json.loads(response.read())["results"]
    assert "error" not in result, f"{query}\n-> {result['error']}"
    return result.get("series", [])


def test_docs_have_the_promised_examples() -> None:
    queries = " ".join(doc_queries())
    needles = (
        '"import_w',
        '"import_kwh_inc" AS "import"',
        '"buurtwatt_1d"',
        "* 0.268",
        '"gas_m3_inc" * 2.134',
    )
    for needle in needles:
        assert needle in queries, needle


@pytest.mark.parametrize("query", doc_queries(), ids=lambda q: q[:60])
def test_doc_query_runs_and_finds_data(influxdb: ServiceProcess, database: str, query: str) -> None:
    series = run(influxdb, database, fill_in(query))
    assert any(v is not None for s in series for row in s["values"] for v in row[1:]), query


@pytest.mark.parametrize("query", dashboard_queries(), ids=lambda q: q[:60])
def test_dashboard_query_runs_and_finds_data(influxdb: ServiceProcess, database: str, query: str) -> None:
    series = run(influxdb, database, fill_in(query))
    assert any(v is not None for s in series for row in s["values"] for v in row[1:]), query


def test_daily_energy_is_the_meter_increase(influxdb: ServiceProcess, database: str) -> None:
    (daily,) = [q for q in doc_queries() if '"import_kwh_inc" AS "import", "export_kwh_inc"' in q]
    series = run(influxdb, database, fill_in(daily))
    total = sum(row[1] for s in series for row in s["values"] if row[1] is not None)
    assert total == pytest.approx(179 * 0.02, abs=1e-6)  # 180 readings, 179 steps of 0.02 kWh


def test_install_guide_config_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "install-raspberry-pi.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", text, re.S)
    (tmp_path / "site.toml").write_text(block, encoding="utf-8")
    config = load_config(tmp_path / "site.toml")
    assert config.store.type == "sqlite"
    assert [d.type for d in config.devices] == ["p1"]
    assert config.devices[0].port.startswith("/dev/serial/by-id/")
