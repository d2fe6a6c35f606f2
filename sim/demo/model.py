"""The demo workshop as a deterministic model: what every device would measure at a moment.

Solar: clear-sky irradiance from the sun's elevation (the Haurwitz model,
GHI = 1098 * sin(e) * exp(-0.057 / sin(e)) W/m2) times a day-to-day weather
factor from a seeded random walk, times the peak power and a performance ratio
of 0.8. Panels are treated as horizontal: simple, and good enough to look real.

Building: a base load at night; opening hours Tuesday to Saturday 9:00-17:00
with machines running when workshops run (sewing on Tuesday and Thursday, the
kiln on Wednesday, repair café on Saturday); gas heating that follows the cold.

Everything is a pure function of (time, seed), so history and live agree and a
seed gives the same demo every time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from buurtwatt.sun import sun_elevation
from buurtwatt.timeutil import zone

LAT, LON = 52.0570, 4.2870  # Moerwijk, Den Haag
OWN_KWP = 30.0
ROOF_KWP = 60.0
PERFORMANCE_RATIO = 0.8
TZ = "Europe/Amsterdam"

# plug name -> (label, watts when running)
PLUGS: dict[str, tuple[str, float]] = {
    "naaimachine1": ("Naaimachine 1", 90.0),
    "naaimachine2": ("Naaimachine 2", 85.0),
    "naaimachine3": ("Naaimachine 3", 100.0),
    "oven": ("Keramiekoven", 3200.0),
    "koffie": ("Koffiemachine", 1400.0),
    "werkbank": ("Werkbank", 650.0),
    "soldeer": ("Soldeerstation", 60.0),
    "coachplug": ("Meetstekker coaches", 0.0),  # measures a resident's appliance
}
SENSORS = ("zaal", "atelier", "kantoor")


@dataclass(frozen=True, slots=True)
class Moment:
    own_pv_w: float
    roof_pv_w: float
    building_w: float  # electricity the building uses (plugs included)
    gas_m3_per_h: float
    plugs: dict[str, float]
    outdoor_c: float

    @property
    def net_grid_w(self) -> float:
        """Positive: taken from the grid; negative: delivered."""
        return self.building_w - self.own_pv_w


@lru_cache(maxsize=4096)
def _day_weather(ordinal: int, seed: int) -> tuple[float, float]:
    """(cloud factor 0.1..1, outdoor temperature offset) for a local day, reproducible."""
    rng = random.Random(seed * 1_000_003 + ordinal)
    # weather comes in spells: mix today's draw with yesterday's
    prev = random.Random(seed * 1_000_003 + ordinal - 1)
    clouds = 0.55 * rng.random() + 0.45 * prev.random()
    factor = 0.12 + 0.88 * (1 - clouds) ** 0.8
    return factor, rng.gauss(0, 3)


def irradiance(ts: float, seed: int, local: datetime | None = None) -> float:
    """Global horizontal irradiance in W/m2 with the day's weather."""
    elevation = sun_elevation(LAT, LON, ts)
    if elevation <= 0:
        return 0.0
    s = math.sin(math.radians(elevation))
    clear = 1098 * s * math.exp(-0.057 / s)
    local = local or datetime.fromtimestamp(ts, zone(TZ))
    factor, _ = _day_weather(local.toordinal(), seed)
    # passing clouds within the day, smooth and deterministic
    flicker = 0.85 + 0.15 * math.sin(ts / 900 + seed) * math.sin(ts / 2300)
    return clear * factor * flicker


def outdoor_temperature(ts: float, seed: int, local: datetime | None = None) -> float:
    local = local or datetime.fromtimestamp(ts, zone(TZ))
    day_of_year = local.timetuple().tm_yday
    seasonal = 10.5 - 7.5 * math.cos((day_of_year - 20) / 365 * 2 * math.pi)
    daily = 3 * math.sin((local.hour + local.minute / 60 - 9) / 24 * 2 * math.pi)
    _, offset = _day_weather(local.toordinal(), seed)
    return seasonal + daily + offset


def _open(local: datetime) -> bool:
    return 1 <= local.weekday() <= 5 and 9 <= local.hour < 17


def plug_powers(ts: float, seed: int, local: datetime | None = None) -> dict[str, float]:
    local = local or datetime.fromtimestamp(ts, zone(TZ))
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    is_open = _open(local)
    slot = int(ts // 600)  # machines switch on and off in 10-minute slots
    rng = random.Random(seed * 7919 + slot)
    powers = dict.fromkeys(PLUGS, 0.0)
    if is_open:
        if weekday in (1, 3):  # sewing workshops
            for name in ("naaimachine1", "naaimachine2", "naaimachine3"):
                if rng.random() < 0.6:
                    powers[name] = PLUGS[name][1] * (0.7 + 0.3 * rng.random())
        if weekday == 2 and 10 * 60 <= minute < 15 * 60:  # the kiln fires on Wednesday
            powers["oven"] = PLUGS["oven"][1] * (0.8 if (ts // 120) % 3 else 1.0)
        if minute % 60 < 4 and rng.random() < 0.7:  # a pot of coffee
            powers["koffie"] = PLUGS["koffie"][1]
        if weekday in (4, 5) and rng.random() < 0.5:  # bike repair and repair café
            powers["werkbank"] = PLUGS["werkbank"][1] * rng.random()
            powers["soldeer"] = PLUGS["soldeer"][1] * (0.3 + 0.7 * rng.random())
        if weekday == 5 and rng.random() < 0.4:  # a resident brings an appliance
            powers["coachplug"] = rng.choice((35.0, 120.0, 800.0, 1800.0))
    standby = {"koffie": 2.0, "soldeer": 1.5, "werkbank": 0.8}
    return {k: round(v if v > 0 else standby.get(k, 0.0), 1) for k, v in powers.items()}


def moment(ts: float, seed: int = 42) -> Moment:
    local = datetime.fromtimestamp(ts, zone(TZ))
    is_open = _open(local)
    plugs = plug_powers(ts, seed, local)
    ghi = irradiance(ts, seed, local)
    lights = 900.0 if is_open and ghi < 250 else (250.0 if is_open else 0.0)
    base = 320.0 + 40 * math.sin(ts / 1300)  # fridges, router, ventilation
    building = base + lights + sum(plugs.values()) + (450.0 if is_open else 0.0)
    outdoor = outdoor_temperature(ts, seed, local)
    setpoint = 19.0 if is_open else 14.0
    gas = max(0.0, (setpoint - outdoor) * 0.03)  # m3/h: 600 m2, insulated, with a hybrid heat pump
    return Moment(
        own_pv_w=round(OWN_KWP * ghi * PERFORMANCE_RATIO, 1),
        roof_pv_w=round(ROOF_KWP * ghi * PERFORMANCE_RATIO * 0.97, 1),
        building_w=round(building, 1),
        gas_m3_per_h=round(gas, 3),
        plugs=plugs,
        outdoor_c=outdoor,
    )


def room(ts: float, name: str, seed: int = 42) -> dict[str, float]:
    """Temperature, humidity and CO2 of a room sensor."""
    local = datetime.fromtimestamp(ts, zone(TZ))
    is_open = _open(local)
    offset = SENSORS.index(name) * 0.7 if name in SENSORS else 0.0
    temp = (20.0 if is_open else 16.0) + offset + 0.5 * math.sin(ts / 1700)
    people = 12 if is_open else 0
    co2 = 420 + people * 45 * (1 + 0.3 * math.sin(ts / 1100 + offset)) + (60 if name == "atelier" else 0)
    humidity = 48 + 8 * math.sin(ts / 86400 * 2 * math.pi + offset) + (5 if is_open else 0)
    return {"temperature_c": round(temp, 1), "humidity_pct": round(humidity, 1), "co2_ppm": round(co2)}
