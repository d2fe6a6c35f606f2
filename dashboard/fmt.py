"""Numbers, units, money and times formatted per language with Babel.

Units scale by themselves (W/kW/MW, kWh/MWh) so a screen never shows
"3200 W" next to "0,8 kW". Power always says W, energy always says kWh.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from buurtwatt.timeutil import zone
from dashboard.i18n import locale

DASH = "–"
# words in front of a device id that say what kind of device it is, not what it is for
DEVICE_PREFIXES = {"plug", "stekker", "shelly", "tasmota", "sensor", "room", "kamer"}


def number(value: float | None, lang: str, decimals: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(value, decimals) + 0.0, format=pattern, locale=locale(lang))


def _scaled(value: float | None, lang: str, steps: tuple[tuple[float, str, int], ...]) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    size = abs(value)
    for limit, unit, decimals in steps:
        if size < limit:
            factor = {"W": 1, "kW": 1e-3, "MW": 1e-6, "Wh": 1e3, "kWh": 1, "MWh": 1e-3, "GWh": 1e-6}[unit]
            return f"{number(value * factor, lang, decimals)}\u00a0{unit}"
    raise AssertionError("unreachable: the last step has an infinite limit")


def power(watts: float | None, lang: str) -> str:
    """Power now: '0,4 W' (a plug on standby), '850 W', '3,2 kW', '1,25 MW'. Exactly zero is '0 W'."""
    if watts == 0:
        return "0\u00a0W"
    return _scaled(
        watts,
        lang,
        ((9.95, "W", 1), (999.5, "W", 0), (99_950, "kW", 1), (999_500, "kW", 0), (math.inf, "MW", 2)),
    )


def energy(kwh: float | None, lang: str) -> str:
    """Energy over a time: '0,35 kWh', '12,4 kWh', '1.234 kWh', '12,3 MWh'."""
    return _scaled(
        kwh,
        lang,
        (
            (9.995, "kWh", 2),
            (99.95, "kWh", 1),
            (9_999.5, "kWh", 0),
            (9_999_500, "MWh", 1),
            (math.inf, "GWh", 1),
        ),
    )


ENERGY_UNITS = {"kWh": 1.0, "MWh": 1e-3, "GWh": 1e-6}


def energy_unit(values: list[float | None]) -> str:
    """The one unit for figures shown side by side: the one the largest of them needs, so a
    row never reads "850 kWh" next to "1,2 MWh"."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    largest = max(finite, default=0.0)
    return "kWh" if largest < 9_999.5 else "MWh" if largest < 9_999_500 else "GWh"


def energy_in(kwh: float | None, unit: str, lang: str) -> str:
    """Energy in a given unit (from :func:`energy_unit`), with as many decimals as it needs."""
    if kwh is None or not math.isfinite(kwh):
        return DASH
    value = kwh * ENERGY_UNITS[unit]
    size = abs(value)
    decimals = 2 if size < 9.995 else 1 if size < 99.95 else 0
    return f"{number(value, lang, decimals)}\u00a0{unit}"


def money(eur: float | None, lang: str, decimals: int = 2) -> str:
    if eur is None or not math.isfinite(eur):
        return DASH
    fmt = "¤\u00a0#,##0" + ("." + "0" * decimals if decimals else "")
    return format_currency(eur, "EUR", format=fmt, locale=locale(lang), currency_digits=False)


def kg(value: float | None, lang: str) -> str:
    """CO2 mass in kg; small amounts get one decimal."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{number(value, lang, 1 if abs(value) < 10 else 0)}\u00a0kg"


def ppm(value: float | None, lang: str) -> str:
    """CO2 in the air: '850 ppm'."""
    return DASH if value is None or not math.isfinite(value) else f"{number(value, lang)}\u00a0ppm"


def celsius(value: float | None, lang: str) -> str:
    return DASH if value is None or not math.isfinite(value) else f"{number(value, lang, 1)}\u00a0°C"


def humidity(value: float | None, lang: str) -> str:
    return DASH if value is None or not math.isfinite(value) else f"{number(value, lang)}\u00a0%"


def _as_words(words: list[str]) -> str:
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def device_label(name: str) -> str:
    """A device id as words for a screen: 'plug-koelkast' -> 'Koelkast', 'zaal_sensor' -> 'Zaal sensor'."""
    words = re.split(r"[-_]+", name)
    if len(words) > 1 and words[0].lower() in DEVICE_PREFIXES:
        words = words[1:]
    return _as_words(words)


def site_label(site_id: str, names: dict[str, str]) -> str:
    """A site as people call it: its name from ``[dashboard] site_names``, else its id as words
    ('buurthuis-noord' -> 'Buurthuis noord')."""
    return names.get(site_id) or _as_words(re.split(r"[-_]+", site_id))


def gas(m3: float | None, lang: str) -> str:
    if m3 is None or not math.isfinite(m3):
        return DASH
    return f"{number(m3, lang, 1 if abs(m3) < 100 else 0)}\u00a0m³"


def percent(fraction: float | None, lang: str) -> str:
    if fraction is None or not math.isfinite(fraction):
        return DASH
    return format_percent(fraction, format="#,##0\u00a0%", locale=locale(lang))


def clock(ts: float, tz: str, lang: str) -> str:
    return format_time(datetime.fromtimestamp(ts, zone(tz)), format="HH:mm", locale=locale(lang))


def day(ts: float, tz: str, lang: str, style: str = "long") -> str:
    return format_date(datetime.fromtimestamp(ts, zone(tz)).date(), format=style, locale=locale(lang))


def moment(ts: float, tz: str, lang: str) -> str:
    return format_datetime(datetime.fromtimestamp(ts, zone(tz)), format="d MMM HH:mm", locale=locale(lang))


def month_name(ts: float, tz: str, lang: str) -> str:
    return format_date(datetime.fromtimestamp(ts, zone(tz)).date(), format="LLL yyyy", locale=locale(lang))


def short_month(day: date, lang: str) -> str:
    """'jan', 'feb': month bars on a phone."""
    return format_date(day, format="LLL", locale=locale(lang)).rstrip(".")


def month_year(day: date, lang: str) -> str:
    """'oktober 2028'."""
    return format_date(day, format="LLLL yyyy", locale=locale(lang))


def day_of(day: date, lang: str) -> str:
    """A local date: '25 nov. 2026'."""
    return format_date(day, format="medium", locale=locale(lang))
