"""The demo's smart plugs and room sensors, published by the MQTT simulator in four formats."""

from __future__ import annotations

from sim.mqtt import Plug, Room, Simulator

# name -> (format, idle W, load W, share of time on); loads as in sim.demo.model.PLUGS
PLUG_SETUP: dict[str, tuple[str, float, float, float]] = {
    "naaimachine1": ("tasmota", 1.5, 90, 0.35),
    "naaimachine2": ("tasmota", 1.5, 85, 0.25),
    "naaimachine3": ("shelly-gen2", 1.2, 100, 0.3),
    "oven": ("tasmota", 0.0, 3200, 0.3),
    "koffie": ("zigbee2mqtt", 2.0, 1400, 0.05),
    "werkbank": ("shelly-gen2", 0.8, 650, 0.2),
    "soldeer": ("zigbee2mqtt", 1.5, 60, 0.4),
    "coachplug": ("esphome", 0.4, 85, 0.45),
}
ROOM_SETUP: dict[str, str] = {"zaal": "zigbee2mqtt", "atelier": "esphome", "kantoor": "tasmota"}


def demo_mqtt_simulator(
    broker: str, totals: dict[str, float], seed: int, interval: float = 10.0
) -> Simulator:
    """Plugs continue from the energy totals the store holds, so counters never jump."""
    plugs = [
        Plug(
            name,
            fmt,
            idle,
            load,
            share,  # type: ignore[arg-type]
            total_kwh=totals.get(f"{name}:energy_kwh", 0.0),
        )
        for name, (fmt, idle, load, share) in PLUG_SETUP.items()
    ]
    rooms = [Room(name, fmt) for name, fmt in ROOM_SETUP.items()]  # type: ignore[arg-type]
    return Simulator(broker, plugs, rooms, interval=interval, seed=seed)
