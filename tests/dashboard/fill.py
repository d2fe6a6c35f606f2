"""A store filled with a believable workshop: sun, use, grid, gas, two smart plugs and a room sensor.

Shared by the browser tests and bench/dashboard.py.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from buurtwatt.readings import Reading

CONFIG = """
[site]
name = "Werkplaats De Test"
id = "{site}"
timezone = "Europe/Amsterdam"

[store]
type = "sqlite"
path = "{path}"

[dashboard]
rotate_seconds = 3
stale_after_s = 5
admin_password_hash = {{ env = "BW_TEST_ADMIN_HASH" }}
sites = ["noord"]

[balance]
grid_meter = "meter"
solar = ["pv"]
gas_meter = "meter"

[tariffs]
[[tariffs.periods]]
from = "2024-01-01"
import_eur_per_kwh = 0.11
export_eur_per_kwh = 0.05
gas_eur_per_m3 = 0.55
standing = [{{ name = "vastrecht", eur = 6.0, per = "month" }}]

[whatif]
own_kwp = 6.0

# no collector runs beside the test dashboard: the "collector down" alert opens at once (no channels)
[alerts]
enabled = true
check_every_s = 0.5
collector_down_minutes = 0.01
collector_health_url = "http://127.0.0.1:9/health"
disk_free_below_pct = 0
stale_minutes = 100000

[balance.collective]
installation = "moerwijk-dak"
production = ["dak:energy_kwh"]
shares_total = 220

# as config/shares/example.toml, with the example register copied next to this file
[shares]
participants = "{participants}"
holdings = "{holdings}"

[[installations]]
name = "moerwijk-dak"
label = "Zonnedak Moerwijk"
scheme = "postcoderoos"
production = "dak:energy_kwh"
shares_issued = 220
delivery_start = 2020-06-15
pc4 = "2532"
rose = ["2531", "2533", "2534", "2541", "2542"]
count_unsold = true
"""

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "shares"
STARTED_LINE = 'timezone = "Europe/Amsterdam"\n'


def write_config(
    folder: Path, site: str = "test", started: str | None = None, health_port: int | None = None
) -> Path:
    """The site config, with the example share register copied into ``folder``."""
    shutil.copy(EXAMPLES / "participants.example.csv", folder / "participants.csv")
    shutil.copy(EXAMPLES / "holdings.example.csv", folder / "holdings.csv")
    text = CONFIG.format(
        site=site,
        path=folder / "store.sqlite",
        participants=folder / "participants.csv",
        holdings=folder / "holdings.csv",
    )
    if started:
        text = text.replace(STARTED_LINE, f'{STARTED_LINE}started = "{started}"\n', 1)
    if health_port is not None:  # where /beheer finds the collector's /health
        text += f"\n[collector]\nhealth_port = {health_port}\n"
    path = folder / "site.toml"
    path.write_text(text)
    return path


def sun_w(ts: float, peak: float = 6000.0) -> float:
    hour = (ts % 86400) / 3600 + 1  # roughly local time in winter
    return max(0.0, peak * math.sin(math.pi * (hour - 7) / 11)) if 7 <= hour <= 18 else 0.0


def use_w(ts: float) -> float:
    hour = (ts % 86400) / 3600 + 1
    return 600 + (2200 if 8 <= hour <= 17 else 0) + 300 * math.sin(ts / 900)


def room_co2_ppm(ts: float) -> float:
    """People in the workshop by day: the air needs a window open now and then."""
    hour = (ts % 86400) / 3600 + 1
    return 950.0 if 9 <= hour <= 17 else 520.0


def readings(start: float, end: float, step: float, scale: float = 1.0) -> list[Reading]:
    """Counters grow with the power; ``scale`` makes a second site clearly different."""
    out: list[Reading] = []
    imp = exp = pv = gas = roof = 0.0
    ts = start
    while ts < end:
        s, u = sun_w(ts) * scale, use_w(ts) * scale
        net = u - s
        imp += max(net, 0) * step / 3.6e6
        exp += max(-net, 0) * step / 3.6e6
        pv += s * step / 3.6e6
        roof += sun_w(ts, 60_000.0) * step / 3.6e6  # the collective 60 kWp roof
        gas += (0.4 if ((ts % 86400) / 3600) < 9 else 0.05) * step / 3600 * scale
        out += [
            Reading("meter", "import_w", ts, max(net, 0)),
            Reading("meter", "export_w", ts, max(-net, 0)),
            Reading("meter", "import_kwh", ts, round(imp, 3)),
            Reading("meter", "export_kwh", ts, round(exp, 3)),
            Reading("meter", "gas_m3", ts, round(gas, 3)),
            Reading("pv", "power_w", ts, s),
            Reading("pv", "energy_kwh", ts, round(pv, 3)),
            Reading("plug-koelkast", "power_w", ts, 85.0),
            Reading("plug-tv", "power_w", ts, 0.4),  # on standby: shown as 0,4 W, never "0 W"
            Reading("zaal", "co2_ppm", ts, room_co2_ppm(ts)),
            Reading("zaal", "temperature_c", ts, 20.5),
            Reading("zaal", "humidity_pct", ts, 48.0),
            Reading("dak", "power_w", ts, sun_w(ts, 60_000.0)),
            Reading("dak", "energy_kwh", ts, round(roof, 3)),
        ]
        ts += step
    return out
