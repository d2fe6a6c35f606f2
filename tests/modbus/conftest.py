"""Simulators on loopback, stopped after each test, and helpers for night/day sites."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from buurtwatt.config import SiteConfig
from buurtwatt.sun import sun_elevation
from sim.modbus import MappedSimulator, SunSpecSimulator


def _started(cls: type) -> Iterator[Callable[..., Any]]:
    """A factory fixture body: make simulators of ``cls``, stop them all afterwards."""
    started: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> Any:
        sim = cls(*args, **kwargs)
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def sunspec_sim() -> Iterator[Callable[..., SunSpecSimulator]]:
    yield from _started(SunSpecSimulator)


@pytest.fixture
def mapped_sim() -> Iterator[Callable[..., MappedSimulator]]:
    yield from _started(MappedSimulator)


def site_where(now: float, night: bool, night_mode: str = "gap") -> SiteConfig:
    """A site on the equator where it is now deep night (or midday), in a matching time zone."""
    pick = min if night else max
    lon = pick(range(-179, 180, 3), key=lambda lon: sun_elevation(0.0, lon, now))
    offset = max(-12, min(12, round(lon / 15)))
    zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"
    return SiteConfig.model_validate(
        {
            "site": {
                "name": "test",
                "latitude": 0.0,
                "longitude": float(lon),
                "timezone": zone,
                "night": night_mode,
            },
            "store": {"type": "sqlite"},
        }
    )
