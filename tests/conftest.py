"""Shared fixtures: real brokers and databases, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# as the `buurtwatt` command does: every device type and command registered with the core
import buurtwatt_app  # noqa: F401
from tests.services import ServiceProcess, start_influxdb, start_mosquitto


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[ServiceProcess]:
    service = start_mosquitto()
    yield service
    service.close()


@pytest.fixture(scope="session")
def influxdb() -> Iterator[ServiceProcess]:
    service = start_influxdb()
    yield service
    service.close()
