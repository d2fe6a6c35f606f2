"""Sun position against published times (timeanddate.com, Amsterdam)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from buurtwatt.sun import is_night, sun_elevation, sunrise_sunset

AMS = ZoneInfo("Europe/Amsterdam")


def _minutes(dt: datetime) -> int:
    return dt.hour * 60 + dt.minute


def test_amsterdam_midsummer_and_midwinter() -> None:
    rise, set_ = sunrise_sunset(52.37, 4.89, date(2026, 6, 21), AMS)
    assert abs(_minutes(rise) - (5 * 60 + 18)) <= 3
    assert abs(_minutes(set_) - (22 * 60 + 6)) <= 3
    rise, set_ = sunrise_sunset(52.37, 4.89, date(2026, 12, 21), AMS)
    assert abs(_minutes(rise) - (8 * 60 + 48)) <= 3
    assert abs(_minutes(set_) - (16 * 60 + 29)) <= 3


def test_polar_day_and_night_have_no_sunrise() -> None:
    assert sunrise_sunset(78.2, 15.6, date(2026, 6, 21), ZoneInfo("Arctic/Longyearbyen")) is None
    tz = ZoneInfo("Arctic/Longyearbyen")
    noon_summer = datetime(2026, 6, 21, 12, tzinfo=tz).timestamp()
    noon_winter = datetime(2026, 12, 21, 12, tzinfo=tz).timestamp()
    assert not is_night(78.2, 15.6, noon_summer, tz)
    assert is_night(78.2, 15.6, noon_winter, tz)


def test_elevation_and_night_agree() -> None:
    noon = datetime(2026, 6, 21, 13, 40, tzinfo=AMS).timestamp()
    midnight = datetime(2026, 6, 22, 1, 40, tzinfo=AMS).timestamp()
    assert 60 < sun_elevation(52.37, 4.89, noon) < 62  # 90 - 52.37 + 23.44
    assert sun_elevation(52.37, 4.89, midnight) < -10
    assert not is_night(52.37, 4.89, noon, AMS, margin_s=3600)
    assert is_night(52.37, 4.89, midnight, AMS)
