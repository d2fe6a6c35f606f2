"""Republish live readings as ``<prefix>/<site>/<device>/<quantity>``, optionally with
Home Assistant discovery configs, so a Home Assistant in the building finds them by itself.

Values are plain numbers in vocabulary units. Discovery configs are retained and sent
once per series per connection; availability is ``<prefix>/<site>/status`` online/offline.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Sequence
from typing import Any

from paho.mqtt.client import Client

from buurtwatt.readings import Reading
from buurtwatt.units import convert
from buurtwatt.vocabulary import QUANTITIES
from collector.mqtt.config import PublishConfig

# quantity -> Home Assistant device_class (sensor); quantities not listed get none
DEVICE_CLASS = {
    "power_w": "power",
    "import_w": "power",
    "export_w": "power",
    "dc_power_w": "power",
    **{
        q: "energy"
        for q in (
            "energy_kwh",
            "import_kwh",
            "export_kwh",
            "import_t1_kwh",
            "import_t2_kwh",
            "export_t1_kwh",
            "export_t2_kwh",
        )
    },
    "gas_m3": "gas",
    "temperature_c": "temperature",
    "humidity_pct": "humidity",
    "co2_ppm": "carbon_dioxide",
    "voltage_v": "voltage",
    "current_a": "current",
    "frequency_hz": "frequency",
    "illuminance_lx": "illuminance",
    **{f"voltage_l{p}_v": "voltage" for p in (1, 2, 3)},
    **{f"current_l{p}_a": "current" for p in (1, 2, 3)},
    **{f"{d}_l{p}_w": "power" for p in (1, 2, 3) for d in ("import", "export")},
}
HA_UNITS = {"m3": "m³"}


class ReadingPublisher:
    def __init__(self, client: Client, site_id: str, config: PublishConfig) -> None:
        self.client = client
        self.site_id = site_id
        self.config = config
        self._announced: set[str] = set()
        self._lock = threading.Lock()

    @property
    def status_topic(self) -> str:
        return f"{self.config.prefix}/{self.site_id}/status"

    def topic(self, reading: Reading) -> str:
        return f"{self.config.prefix}/{self.site_id}/{reading.device}/{reading.quantity}"

    def prepare(self) -> None:
        """Call before connecting: the broker tells Home Assistant when the collector is gone."""
        self.client.will_set(self.status_topic, "offline", qos=1, retain=True)

    def connected(self) -> None:
        """Call from on_connect: announce availability and resend discovery on the new connection."""
        self.client.publish(self.status_topic, "online", qos=1, retain=True)
        with self._lock:
            self._announced.clear()

    def stopping(self) -> None:
        """Call before a clean disconnect, which does not trigger the will."""
        info = self.client.publish(self.status_topic, "offline", qos=1, retain=True)
        with contextlib.suppress(RuntimeError, ValueError):  # not connected: the will covers it
            info.wait_for_publish(2)

    def discovery(self, reading: Reading) -> tuple[str, dict[str, Any]]:
        """The Home Assistant discovery topic and config for one series."""
        q = QUANTITIES[reading.quantity]
        object_id = f"buurtwatt_{self.site_id}_{reading.device}_{reading.quantity}".replace("-", "_")
        body: dict[str, Any] = {
            "name": reading.quantity.replace("_", " "),
            "unique_id": object_id,
            "state_topic": self.topic(reading),
            "availability_topic": self.status_topic,
            "state_class": "total_increasing" if q.is_counter else "measurement",
            "device": {
                "identifiers": [f"buurtwatt_{self.site_id}_{reading.device}"],
                "name": reading.device,
                "manufacturer": "buurtwatt",
                "via_device": f"buurtwatt_{self.site_id}",
            },
        }
        if q.unit:
            body["unit_of_measurement"] = HA_UNITS.get(q.unit, q.unit)
        if reading.quantity in DEVICE_CLASS:
            body["device_class"] = DEVICE_CLASS[reading.quantity]
        return f"{self.config.discovery_prefix}/sensor/{object_id}/config", body

    def publish(self, readings: Sequence[Reading]) -> None:
        for reading in readings:
            q = QUANTITIES.get(reading.quantity)
            if q is None:
                continue
            if self.config.homeassistant_discovery:
                with self._lock:
                    new = reading.series not in self._announced
                    self._announced.add(reading.series)
                if new:
                    topic, body = self.discovery(reading)
                    self.client.publish(topic, json.dumps(body), qos=1, retain=True)
            value = convert(reading.value, reading.unit, q.unit)
            self.client.publish(self.topic(reading), f"{value:.6g}", qos=0)
