"""A store filled with a believable workshop: sun, use, grid, gas and a smart plug.

Shared by the browser tests and bench/dashboard.py.
"""

from __future__ import annotations

import math
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

[shares]
participants = "{participants}"
holdings = "{holdings}"
"""

PARTICIPANTS = """participant_id,name,email,postcode,house_number,ean,repay_from_yield,stake_eur
P001,Fatima Geheimnaam,f@example.org,1011AB,1,871234567890123456,false,250
P002,Jan Onbekend,j@example.org,1011AC,2,871234567890123457,true,500
"""
HOLDINGS = """participant_id,installation,shares,start,end
P001,zonnedak,10,2024-01-01,
P002,zonnedak,5,2024-01-01,
"""


def write_config(folder: Path, site: str = "test") -> Path:
    (folder / "participants.csv").write_text(PARTICIPANTS)
    (folder / "holdings.csv").write_text(HOLDINGS)
    path = folder / "site.toml"
    path.write_text(CONFIG.format(site=site, path=folder / "store.sqlite",
                                  participants=folder / "participants.csv", holdings=folder / "holdings.csv"))
    return path


def sun_w(ts: float, peak: float = 6000.0) -> float:
    hour = (ts % 86400) / 3600 + 1  # roughly local time in winter
    return max(0.0, peak * math.sin(math.pi * (hour - 7) / 11)) if 7 <= hour <= 18 else 0.0


def use_w(ts: float) -> float:
    hour = (ts % 86400) / 3600 + 1
    return 600 + (2200 if 8 <= hour <= 17 else 0) + 300 * math.sin(ts / 900)


def readings(start: float, end: float, step: float, scale: float = 1.0) -> list[Reading]:
    """Counters grow with the power; ``scale`` makes a second site clearly different."""
    out: list[Reading] = []
    imp = exp = pv = gas = 0.0
    ts = start
    while ts < end:
        s, u = sun_w(ts) * scale, use_w(ts) * scale
        net = u - s
        imp += max(net, 0) * step / 3.6e6
        exp += max(-net, 0) * step / 3.6e6
        pv += s * step / 3.6e6
        gas += (0.4 if ((ts % 86400) / 3600) < 9 else 0.05) * step / 3600 * scale
        out += [
            Reading("meter", "import_w", ts, max(net, 0)), Reading("meter", "export_w", ts, max(-net, 0)),
            Reading("meter", "import_kwh", ts, round(imp, 3)),
            Reading("meter", "export_kwh", ts, round(exp, 3)),
            Reading("meter", "gas_m3", ts, round(gas, 3)),
            Reading("pv", "power_w", ts, s), Reading("pv", "energy_kwh", ts, round(pv, 3)),
            Reading("plug-koelkast", "power_w", ts, 85.0),
        ]
        ts += step
    return out
