"""The poll loop both Modbus sources share: timing, night, backoff and health.

A device that does not answer (or answers busy / gateway exception 6, 10, 11,
or reports that it sleeps) between sunset and sunrise is *asleep*: that is
expected, logged once at INFO and shown as asleep, not as a fault. The same
silence in daylight is *offline* and a broken answer is an *error*; both are
logged once per state change by :class:`collector.health.DeviceHealth`.
Silent devices are retried with backoff from the poll interval up to
``backoff_max_s`` (5 minutes by default).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from buurtwatt.backoff import Backoff
from buurtwatt.config import SiteConfig
from buurtwatt.readings import Reading
from buurtwatt.sun import is_night
from collector.health import State
from collector.modbus.config import ModbusDeviceConfig
from collector.modbus.link import DeviceException, LinkError, NoAnswer, Unreachable
from collector.source import SourceContext

# Inverters start some time after sunrise and stop before sunset; silence this close to the
# night still counts as sleep.
TWILIGHT_S = 3600.0

# Series set to 0 at night when the site says night = "zero"; counters are never touched.
NIGHT_ZERO_SERIES = ("power_w", "dc_power_w")


class DeviceFault(Exception):
    """Something a person must look at: wrong layout, no SunSpec, a nonsense answer."""


@dataclass
class Poll:
    readings: list[Reading] = field(default_factory=list)
    asleep: bool = False  # the device answered and says it sleeps (SunSpec state off/sleeping)


class PolledDevice(Protocol):
    name: str

    def poll(self, now: float) -> Poll:
        """Read once. Raises LinkError for transport trouble, DeviceFault for bad content."""

    def forget(self) -> None:
        """Drop cached layout and connection after an error that suggests the device changed."""

    def close(self) -> None: ...


def quiet_reason(exc: LinkError) -> str:
    """A short, stable description (the same on every poll, so health logs it once)."""
    if isinstance(exc, Unreachable):
        return "not reachable"
    if isinstance(exc, NoAnswer):
        return "no answer"
    if isinstance(exc, DeviceException):
        return f"Modbus exception {exc.code}"
    return "no answer"


class NightWatch:
    """Decides whether silence is sleep, from the site's position and time zone."""

    def __init__(self, site: SiteConfig | None, twilight_s: float = TWILIGHT_S) -> None:
        self.site = site
        self.twilight_s = twilight_s

    def is_night(self, ts: float) -> bool:
        if self.site is None:
            return False
        s = self.site.site
        return is_night(s.latitude, s.longitude, ts, s.tz, margin_s=self.twilight_s)

    @property
    def zero_at_night(self) -> bool:
        return self.site is not None and self.site.site.night == "zero"


def night_zeros(device: str, ts: float, present: set[str]) -> list[Reading]:
    return [Reading(device, q, ts, 0.0) for q in NIGHT_ZERO_SERIES if q not in present]


def run_polling(
    ctx: SourceContext, device: PolledDevice, config: ModbusDeviceConfig, site: SiteConfig | None
) -> None:
    """Poll ``device`` every ``config.interval_s`` until ``ctx.stopping``; never raises for device faults."""
    watch = NightWatch(site)
    backoff = Backoff(initial=config.interval_s, maximum=max(config.interval_s, config.backoff_max_s))
    try:
        while not ctx.stopping.is_set():
            started = time.time()
            delay = config.interval_s
            try:
                poll = device.poll(started)
            except LinkError as exc:
                delay = backoff.next()
                if exc.quiet and watch.is_night(started):
                    ctx.health.set_state(State.ASLEEP, f"{quiet_reason(exc)} at night")
                    if watch.zero_at_night:
                        zeros = night_zeros(device.name, started, set())
                        ctx.emit(zeros)
                elif exc.quiet:
                    ctx.health.set_state(State.OFFLINE, quiet_reason(exc))
                else:
                    device.forget()
                    ctx.health.set_state(State.ERROR, str(exc))
            except DeviceFault as exc:
                delay = backoff.next()
                device.forget()
                ctx.health.set_state(State.ERROR, str(exc))
            else:
                backoff.reset()
                readings = poll.readings
                if poll.asleep:
                    ctx.health.set_state(State.ASLEEP, "inverter reports it sleeps")
                    if watch.zero_at_night:
                        readings = readings + night_zeros(
                            device.name, started, {r.quantity for r in readings}
                        )
                else:
                    ctx.health.set_state(State.OK)
                if readings:
                    ctx.emit(readings)  # the gate counts them
            if not ctx.sleep(max(0.0, delay - (time.time() - started))):
                break
    finally:
        device.close()
