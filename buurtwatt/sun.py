"""Where the sun is: elevation, sunrise and sunset from latitude and longitude.

A small, dependency-free version of the NOAA/Meeus low-precision formulas
(accurate to about a minute for sunrise/sunset and a few tenths of a degree in
elevation between 1950 and 2050), which is ample for "is it night?" decisions
and for a demo solar power curve.

    sun_elevation(lat, lon, ts)                -> degrees above the horizon
    sunrise_sunset(lat, lon, local_date, tz)   -> (sunrise, sunset) aware datetimes, or None
    is_night(lat, lon, ts, tz, margin_s)       -> True between sunset and sunrise
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, tzinfo

# Standard refraction plus the sun's radius: the sun "rises" at -0.833 degrees.
HORIZON_DEG = -0.833
_DEG = math.pi / 180


def _ecliptic(ts: float) -> tuple[float, float]:
    """Declination and right ascension of the sun (radians) at Unix time ``ts``."""
    n = ts / 86400.0 + 2440587.5 - 2451545.0  # days since J2000.0
    mean_long = (280.460 + 0.9856474 * n) % 360
    anomaly = ((357.528 + 0.9856003 * n) % 360) * _DEG
    ecl_long = (mean_long + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly)) * _DEG
    obliquity = (23.439 - 0.0000004 * n) * _DEG
    declination = math.asin(math.sin(obliquity) * math.sin(ecl_long))
    right_ascension = math.atan2(math.cos(obliquity) * math.sin(ecl_long), math.cos(ecl_long))
    return declination, right_ascension


def _hour_angle_deg(lon: float, ts: float) -> float:
    """The sun's hour angle at ``lon`` in degrees, in [-180, 180); 0 at solar noon."""
    n = ts / 86400.0 + 2440587.5 - 2451545.0
    gmst_deg = (280.46061837 + 360.98564736629 * n) % 360
    _, ra = _ecliptic(ts)
    return (gmst_deg + lon - ra / _DEG + 180) % 360 - 180


def sun_elevation(lat: float, lon: float, ts: float) -> float:
    """Elevation of the sun's centre above the horizon in degrees (negative below it)."""
    decl, _ = _ecliptic(ts)
    h = _hour_angle_deg(lon, ts) * _DEG
    phi = lat * _DEG
    s = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(h)
    return math.asin(max(-1.0, min(1.0, s))) / _DEG


def solar_noon(lat: float, lon: float, local_date: date, tz: tzinfo) -> float:
    """Unix time of the sun's highest point on ``local_date`` (latitude is not needed, kept for symmetry)."""
    ts = datetime.combine(local_date, time(12), tz).timestamp()
    for _ in range(3):  # the hour angle moves ~15 deg/h; three steps converge to seconds
        ts -= _hour_angle_deg(lon, ts) / 15.0 * 3600.0
    return ts


def _half_day_hours(lat: float, ts: float) -> float | None:
    """Hours from sunrise to noon at the declination of ``ts``; None when it never crosses."""
    decl, _ = _ecliptic(ts)
    phi = lat * _DEG
    denominator = math.cos(phi) * math.cos(decl)
    if abs(denominator) < 1e-12:
        return None
    cos_h0 = (math.sin(HORIZON_DEG * _DEG) - math.sin(phi) * math.sin(decl)) / denominator
    if not -1.0 <= cos_h0 <= 1.0:
        return None
    return math.acos(cos_h0) / _DEG / 15.0


def sunrise_sunset(lat: float, lon: float, local_date: date, tz: tzinfo) -> tuple[datetime, datetime] | None:
    """Sunrise and sunset on ``local_date`` as aware datetimes in ``tz``.

    None on a polar day or polar night (the sun does not cross the horizon);
    use :func:`sun_elevation` to tell which one it is.
    """
    noon = solar_noon(lat, lon, local_date, tz)
    half = _half_day_hours(lat, noon)
    if half is None:
        return None
    rise, set_ = noon - half * 3600, noon + half * 3600
    # refine each with the declination at that moment (moves the answer by up to a minute)
    rise_half, set_half = _half_day_hours(lat, rise), _half_day_hours(lat, set_)
    if rise_half is not None:
        rise = noon - rise_half * 3600
    if set_half is not None:
        set_ = noon + set_half * 3600
    return datetime.fromtimestamp(rise, tz), datetime.fromtimestamp(set_, tz)


def is_night(lat: float, lon: float, ts: float, tz: tzinfo, margin_s: float = 0.0) -> bool:
    """True between sunset and sunrise at ``ts``.

    ``margin_s`` widens the night on both sides: an inverter needs some light
    before it wakes up and stops a little before sunset.
    """
    local_date = datetime.fromtimestamp(ts, tz).date()
    times = sunrise_sunset(lat, lon, local_date, tz)
    if times is None:  # polar day or night: the elevation at noon tells which
        return sun_elevation(lat, lon, solar_noon(lat, lon, local_date, tz)) < HORIZON_DEG
    rise, set_ = times
    return ts < rise.timestamp() + margin_s or ts > set_.timestamp() - margin_s


def clear_sky_fraction(lat: float, lon: float, ts: float) -> float:
    """A rough 0..1 share of peak PV output under a clear sky (for demos and simulators).

    Uses sin(elevation) with a simple air-mass damping; it is not a PV model.
    """
    elevation = sun_elevation(lat, lon, ts)
    if elevation <= 0:
        return 0.0
    s = math.sin(elevation * _DEG)
    air_mass = 1 / max(s, 0.05)
    # Meinel's clear-sky attenuation, normalised so the sun at the zenith gives 1
    return min(1.0, s * 0.7 ** (air_mass**0.678) / 0.7)


__all__ = ["HORIZON_DEG", "clear_sky_fraction", "is_night", "solar_noon", "sun_elevation", "sunrise_sunset"]
