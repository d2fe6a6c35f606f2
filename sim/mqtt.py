"""A simulated set of MQTT plugs and room sensors, publishing the payloads real devices send.

Plugs speak Tasmota, Shelly Gen2 (full status and NotifyStatus deltas), Zigbee2MQTT
or ESPHome; room sensors give temperature, humidity and CO2. The demo runs
:func:`workshop` (8 plugs, 3 rooms) and reads it back with :meth:`Simulator.subscriptions`.
Payload builders are plain functions so tests can use the same bytes.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from collector.mqtt.client import Broker, make_client

PlugFormat = Literal["tasmota", "shelly-gen2", "zigbee2mqtt", "esphome"]
Message = tuple[str, bytes, bool]  # topic, payload, retain


# --- payload builders -------------------------------------------------------------------------
def tasmota_energy(
    name: str, power_w: float, total_kwh: float, voltage: float, today_kwh: float, now: float
) -> Message:
    current = power_w / voltage if voltage else 0.0
    payload = {
        "Time": datetime.fromtimestamp(now).strftime("%Y-%m-%dT%H:%M:%S"),
        "ENERGY": {
            "TotalStartTime": "2024-03-01T10:00:00",
            "Total": round(total_kwh, 3),
            "Yesterday": 1.234,
            "Today": round(today_kwh, 3),
            "Period": 0,
            "Power": round(power_w),
            "ApparentPower": round(power_w * 1.02),
            "ReactivePower": round(power_w * 0.2),
            "Factor": 0.98 if power_w > 5 else 0.0,
            "Voltage": round(voltage),
            "Current": round(current, 3),
        },
    }
    return f"tele/{name}/SENSOR", json.dumps(payload, separators=(",", ":")).encode(), False


def tasmota_room(name: str, temperature: float, humidity: float, co2: float, now: float) -> Message:
    payload = {
        "Time": datetime.fromtimestamp(now).strftime("%Y-%m-%dT%H:%M:%S"),
        "SCD30": {
            "CarbonDioxide": round(co2),
            "eCO2": round(co2 * 1.05),
            "Temperature": round(temperature, 1),
            "Humidity": round(humidity, 1),
            "DewPoint": round(temperature - (100 - humidity) / 5, 1),
        },
        "TempUnit": "C",
    }
    return f"tele/{name}/SENSOR", json.dumps(payload, separators=(",", ":")).encode(), False


def shelly_switch_status(power_w: float, total_wh: float, voltage: float, now: float) -> dict[str, Any]:
    minute = int(now // 60 * 60)
    return {
        "id": 0,
        "source": "timer",
        "output": power_w > 0.5,
        "apower": round(power_w, 1),
        "voltage": round(voltage, 1),
        "freq": 50.0,
        "current": round(power_w / voltage, 3),
        "aenergy": {"total": round(total_wh, 3), "by_minute": [12.5, 13.0, 12.8], "minute_ts": minute},
        "ret_aenergy": {"total": 0.0, "by_minute": [0.0, 0.0, 0.0], "minute_ts": minute},
        "temperature": {"tC": 34.2, "tF": 93.6},
    }


def shelly_full(name: str, power_w: float, total_wh: float, voltage: float, now: float) -> Message:
    body = shelly_switch_status(power_w, total_wh, voltage, now)
    return f"shellies/{name}/status/switch:0", json.dumps(body).encode(), False


def shelly_delta(name: str, power_w: float, now: float) -> Message:
    body = {
        "src": name,
        "dst": f"shellies/{name}/events",
        "method": "NotifyStatus",
        "params": {"ts": round(now, 2), "switch:0": {"id": 0, "apower": round(power_w, 1)}},
    }
    return f"shellies/{name}/events/rpc", json.dumps(body).encode(), False


def z2m_plug(name: str, power_w: float, energy_kwh: float, voltage: float) -> Message:
    body = {
        "state": "ON",
        "power": round(power_w, 1),
        "energy": round(energy_kwh, 2),
        "voltage": round(voltage),
        "current": round(power_w / voltage, 2),
        "linkquality": 116,
        "child_lock": "UNLOCK",
        "power_outage_memory": "restore",
    }
    return f"zigbee2mqtt/{name}", json.dumps(body).encode(), False


def z2m_room(name: str, temperature: float, humidity: float, co2: float) -> Message:
    body = {
        "temperature": round(temperature, 2),
        "humidity": round(humidity, 1),
        "co2": round(co2),
        "battery": 97,
        "voltage": 3000,
        "linkquality": 87,
    }
    return f"zigbee2mqtt/{name}", json.dumps(body).encode(), False


def esphome_state(node: str, object_id: str, value: float, decimals: int = 1) -> Message:
    # ESPHome retains its states by default
    return f"esphome/{node}/sensor/{object_id}/state", f"{value:.{decimals}f}".encode(), True


# --- devices ----------------------------------------------------------------------------------
@dataclass
class Plug:
    """A plug with an on/off load: ``idle_w`` when off, ``load_w`` (± 15 %) when on."""

    name: str
    format: PlugFormat
    idle_w: float
    load_w: float
    on_share: float  # share of the time the load is on
    total_kwh: float = 10.0
    power_w: float = 0.0
    on: bool = False

    def step(self, dt: float, rng: random.Random) -> None:
        # switch with a mean on-period of 2 minutes, keeping on_share of the time on
        if rng.random() < dt / 120 * (1 - self.on_share if self.on else self.on_share):
            self.on = not self.on
        spread = rng.uniform(0.85, 1.15)
        self.power_w = self.load_w * spread if self.on else self.idle_w * spread
        self.total_kwh += self.power_w * dt / 3.6e6


@dataclass
class Room:
    name: str
    format: Literal["tasmota", "zigbee2mqtt", "esphome"]
    temperature: float = 20.5
    humidity: float = 48.0
    co2: float = 480.0
    people: int = 0

    def step(self, dt: float, rng: random.Random) -> None:
        if rng.random() < dt / 600:
            self.people = max(0, min(15, self.people + rng.choice((-3, -1, 1, 2, 4))))
        target_co2 = 420 + 55 * self.people
        self.co2 += (target_co2 - self.co2) * min(1.0, dt / 900) + rng.gauss(0, 3)
        self.temperature += (19.5 + 0.15 * self.people - self.temperature) * min(1.0, dt / 1800) + rng.gauss(
            0, 0.02
        )
        self.humidity = min(90.0, max(20.0, self.humidity + rng.gauss(0, 0.2) + 0.01 * self.people))


def workshop() -> tuple[list[Plug], list[Room]]:
    """The demo workshop: sewing machines, kiln, workbench, the coaches' plug, and three rooms."""
    plugs = [
        Plug("sewing-1", "tasmota", 1.5, 90, 0.35),
        Plug("sewing-2", "tasmota", 1.5, 110, 0.25),
        Plug("sewing-3", "shelly-gen2", 1.2, 75, 0.3),
        Plug("kiln", "tasmota", 0.0, 3200, 0.5, total_kwh=812.4),
        Plug("workbench", "shelly-gen2", 4.0, 350, 0.2, total_kwh=96.1),
        Plug("printer", "zigbee2mqtt", 8.0, 180, 0.4),
        Plug("coffee", "zigbee2mqtt", 0.8, 1450, 0.05),
        Plug("coach-plug", "esphome", 0.4, 85, 0.45, total_kwh=2.3),  # a resident's fridge this week
    ]
    rooms = [
        Room("room-hall", "zigbee2mqtt"),
        Room("room-workshop", "esphome", co2=620, people=4),
        Room("room-office", "tasmota", temperature=21.2),
    ]
    return plugs, rooms


@dataclass
class Simulator:
    broker: str
    plugs: list[Plug] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    interval: float = 10.0
    seed: int = 1
    voltage: float = 230.0
    _round: int = 0
    _rng: random.Random = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def demo(cls, broker: str, interval: float = 10.0) -> Simulator:
        plugs, rooms = workshop()
        return cls(broker, plugs, rooms, interval)

    def messages(self, now: float, dt: float | None = None) -> list[Message]:
        """Advance every device by ``dt`` seconds and return the messages they publish."""
        dt = self.interval if dt is None else dt
        volt = self.voltage + 3 * math.sin(now / 600) + self._rng.gauss(0, 0.4)
        out: list[Message] = []
        for plug in self.plugs:
            plug.step(dt, self._rng)
            if plug.format == "tasmota":
                out.append(tasmota_energy(plug.name, plug.power_w, plug.total_kwh, volt, 0.5, now))
            elif plug.format == "shelly-gen2":
                # a full status now and then, NotifyStatus deltas in between
                if self._round % 6 == 0:
                    out.append(shelly_full(plug.name, plug.power_w, plug.total_kwh * 1000, volt, now))
                else:
                    out.append(shelly_delta(plug.name, plug.power_w, now))
            elif plug.format == "zigbee2mqtt":
                out.append(z2m_plug(plug.name, plug.power_w, plug.total_kwh, volt))
            else:
                out += [
                    esphome_state(plug.name, "power", plug.power_w),
                    esphome_state(plug.name, "energy", plug.total_kwh * 1000, 0),
                    esphome_state(plug.name, "voltage", volt),
                ]
        for room in self.rooms:
            room.step(dt, self._rng)
            if room.format == "tasmota":
                out.append(tasmota_room(room.name, room.temperature, room.humidity, room.co2, now))
            elif room.format == "zigbee2mqtt":
                out.append(z2m_room(room.name, room.temperature, room.humidity, room.co2))
            else:
                out += [
                    esphome_state(room.name, "temperature", room.temperature),
                    esphome_state(room.name, "humidity", room.humidity),
                    esphome_state(room.name, "co2", room.co2, 0),
                ]
        self._round += 1
        return out

    def availability(self, online: bool) -> list[Message]:
        """Retained availability messages, as each firmware sends them."""
        out: list[Message] = []
        for dev in [*self.plugs, *self.rooms]:
            if dev.format == "tasmota":
                out.append((f"tele/{dev.name}/LWT", b"Online" if online else b"Offline", True))
            elif dev.format == "shelly-gen2":
                out.append((f"shellies/{dev.name}/online", b"true" if online else b"false", True))
            elif dev.format == "zigbee2mqtt":
                state = json.dumps({"state": "online" if online else "offline"}).encode()
                out.append((f"zigbee2mqtt/{dev.name}/availability", state, True))
            else:
                out.append((f"esphome/{dev.name}/status", b"online" if online else b"offline", True))
        return out

    @staticmethod
    def subscriptions() -> list[dict[str, Any]]:
        """The ``[[devices.subscriptions]]`` that read everything the simulator publishes."""
        return [
            {"topic": "tele/+/SENSOR", "format": "tasmota", "device": "{1}"},
            {"topic": "shellies/+/status/+", "format": "shelly-gen2", "device": "{1}"},
            {"topic": "shellies/+/events/rpc", "format": "shelly-gen2", "device": "{1}"},
            {"topic": "zigbee2mqtt/#", "format": "zigbee2mqtt"},
            {
                "topic": "esphome/+/sensor/+/state",
                "format": "esphome",
                "device": "{1}",
                "series": {"energy_kwh": "energy"},
                "units": {"energy_kwh": "Wh"},
            },
        ]

    # --- publishing ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="mqtt-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)

    def run(self, seconds: float | None = None) -> None:
        """Publish every ``interval`` seconds until :meth:`stop` (or ``seconds``)."""
        broker = Broker.parse(self.broker)
        client = make_client(broker, f"buurtwatt-simulator-{self.seed}")
        client.connect_async(broker.host, broker.port)
        client.loop_start()
        end = time.monotonic() + seconds if seconds else None
        try:
            while not client.is_connected() and not self._stop.wait(0.05):
                pass
            for topic, payload, retain in self.availability(True):
                client.publish(topic, payload, qos=1, retain=retain)
            last = time.time()
            while not self._stop.is_set() and (end is None or time.monotonic() < end):
                now = time.time()
                dt = now - last if self._round else self.interval
                for topic, payload, retain in self.messages(now, dt):
                    client.publish(topic, payload, qos=0, retain=retain)
                last = now
                self._stop.wait(self.interval)
            for topic, payload, retain in self.availability(False):
                info = client.publish(topic, payload, qos=1, retain=retain)
            with contextlib.suppress(RuntimeError, ValueError):  # not connected: nothing to wait for
                info.wait_for_publish(2)
        finally:
            client.disconnect()
            client.loop_stop()
