"""Local calendar maths: days and months start at local midnight (23- and 25-hour days exist)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

AMSTERDAM = "Europe/Amsterdam"


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_midnight(day: date, tz: str = AMSTERDAM) -> float:
    """Unix time of local midnight at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).timestamp()


def local_date(ts: float, tz: str = AMSTERDAM) -> date:
    return datetime.fromtimestamp(ts, zone(tz)).date()


def day_start(ts: float, tz: str = AMSTERDAM) -> float:
    """Unix time of the local midnight on or before ``ts``."""
    return local_midnight(local_date(ts, tz), tz)


def month_start(ts: float, tz: str = AMSTERDAM) -> float:
    return local_midnight(local_date(ts, tz).replace(day=1), tz)


def day_range(first: date, last_exclusive: date, tz: str = AMSTERDAM) -> tuple[float, float]:
    return local_midnight(first, tz), local_midnight(last_exclusive, tz)


def days(first: date, last_exclusive: date) -> list[date]:
    return [first + timedelta(n) for n in range((last_exclusive - first).days)]


def parse_when(text: str, tz: str = AMSTERDAM) -> float:
    """A local date (``2025-01-31``: its local midnight) or an ISO time (naive = local)."""
    if len(text) == 10:
        return local_midnight(date.fromisoformat(text), tz)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return moment.timestamp()


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
