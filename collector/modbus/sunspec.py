"""SunSpec inverters: find the models from the address alone, then read a few points each poll.

Discovery looks for 'SunS' at 40000, then 0, then 50000, walks the model chain
to the 0xFFFF end marker and splits it into logical devices at every model 1
(a SolarEdge shows its meters after the inverter). Every inverter in the chain
is read as its own device (a channel): a second model-1 block with its own inverter
model, or a second inverter model of the same family under one model 1 (a dual
inverter). Within a device, models of different families are one inverter in
several forms, preferred 701 > 111-113 > 101-103; a model 160 (MPPT) belongs to the
inverter model before it. The layout is cached and found again after an answer
that suggests it changed.

Each poll reads an inverter model from its ID register to its last needed point
in one request (values and their scale factors together). When that span exceeds
``max_registers_per_read``, requests never split a point, and scale factors are
read before and after the values and must agree.

Values leave here as the inverter said them: W, Wh, Hz, degrees C, with the wrap of
an acc32 energy counter. The collector's gate converts and checks them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import NamedTuple

from buurtwatt.config import SiteConfig
from buurtwatt.readings import Reading
from collector.modbus import sunspec_models as sm
from collector.modbus.config import SunSpecConfig
from collector.modbus.link import DeviceException, ModbusLink
from collector.modbus.polling import DeviceFault, Poll, run_polling
from collector.modbus.registers import decode
from collector.source import SourceContext

SUNS = [0x5375, 0x6E53]
BASE_ADDRESSES = (40000, 0, 50000)
END_MARKER = 0xFFFF
MAX_MODELS = 64  # safety stop for a chain that never ends

log = logging.getLogger(__name__)


class NotSunSpec(DeviceFault):
    """No 'SunS' marker at any base address."""


class LayoutChanged(DeviceFault):
    """A model is no longer where discovery found it."""


@dataclass(frozen=True)
class ModelRef:
    id: int
    address: int  # address of the model's ID register
    length: int  # L: registers after the two-register header

    def as_dict(self) -> dict[str, int]:
        return {"id": self.id, "address": self.address, "length": self.length}


@dataclass
class Channel:
    """One inverter in the chain: its inverter model, its MPPT model and its common block."""

    inverter: ModelRef
    mppt: ModelRef | None = None
    common: ModelRef | None = None
    info: dict[str, str] = field(default_factory=dict)  # Mn, Md, Vr, SN from model 1
    name: str = ""  # the device name its readings carry; set by the source

    @property
    def serial(self) -> str | None:
        return self.info.get("SN") or None


@dataclass
class Layout:
    base: int
    models: list[ModelRef]
    channels: list[Channel] = field(default_factory=list)

    # the first channel, for callers that read one inverter
    @property
    def inverter(self) -> ModelRef | None:
        return self.channels[0].inverter if self.channels else None

    @property
    def mppt(self) -> ModelRef | None:
        return self.channels[0].mppt if self.channels else None

    @property
    def info(self) -> dict[str, str]:
        return self.channels[0].info if self.channels else {}

    @property
    def serial(self) -> str | None:
        return self.channels[0].serial if self.channels else None


class Measured(NamedTuple):
    """One value as the inverter said it, with its unit and, for a 16/32-bit counter, its wrap."""

    value: float
    unit: str
    wrap: float | None = None


def split_devices(models: list[ModelRef]) -> list[list[ModelRef]]:
    """Split a chain at every model 1: each part is one logical device."""
    devices: list[list[ModelRef]] = []
    for model in models:
        if model.id == 1 or not devices:
            devices.append([])
        devices[-1].append(model)
    return devices


def inverter_models(device: list[ModelRef]) -> list[ModelRef]:
    """The inverter models of one logical device that are each an inverter of their own.

    Models of different families (701, 111-113, 101-103) are the same inverter shown in another
    form, so only the preferred family counts; models of that family are separate inverters
    (e.g. two 103 blocks of a dual inverter, or a 101 and a 103).
    """
    for family in sm.INVERTER_FAMILIES:
        found = [m for m in device if m.id in family]
        if found:
            return found
    return []


def channels_of(device: list[ModelRef]) -> list[Channel]:
    """One channel per inverter model; a model 160 belongs to the inverter model before it."""
    inverters = inverter_models(device)
    common = next((m for m in device if m.id == 1), None)
    channels = [Channel(m, common=common) for m in inverters]
    for mppt in (m for m in device if m.id == sm.MPPT_MODEL):
        before = [c for c in channels if c.inverter.address < mppt.address] or channels[:1]
        if before and before[-1].mppt is None:
            before[-1].mppt = mppt
    return channels


def find_base(link: ModbusLink, base: int | None = None) -> int:
    """The address holding 'SunS'. Silence propagates (the device is asleep or gone)."""
    for address in [base] if base is not None else BASE_ADDRESSES:
        try:
            if link.read(address, 2) == SUNS:
                return address
        except DeviceException as exc:
            if exc.quiet:
                raise
            continue  # illegal address here: try the next base
    tried = ", ".join(str(a) for a in ([base] if base is not None else BASE_ADDRESSES))
    raise NotSunSpec(f"no SunSpec marker 'SunS' at {tried}")


def walk_chain(link: ModbusLink, base: int) -> list[ModelRef]:
    """(ID, L) pairs from base+2 to the end marker."""
    models: list[ModelRef] = []
    address = base + 2
    for _ in range(MAX_MODELS):
        try:
            model_id, length = link.read(address, 2)
        except DeviceException as exc:
            if exc.quiet:
                raise
            break  # some devices end the chain without a marker
        if model_id == END_MARKER or model_id == 0:
            break
        models.append(ModelRef(model_id, address, length))
        address += 2 + length
        if address > 0xFFFF - 2:
            break
    return models


def read_common(link: ModbusLink, common: ModelRef) -> dict[str, str]:
    block = link.read(common.address, min(common.length + 2, 66))
    info: dict[str, str] = {}
    for name, offset, size in sm.COMMON_STRINGS:
        if offset + size <= len(block):
            text = str(decode(block[offset : offset + size], "string"))
            if text:
                info[name] = text
    return info


def discover(link: ModbusLink, base: int | None = None, device_index: int | None = None) -> Layout:
    """Find the layout: every inverter in the chain, or only the ``device_index``-th one."""
    found = find_base(link, base)
    layout = Layout(found, walk_chain(link, found))
    channels = [c for device in split_devices(layout.models) for c in channels_of(device)]
    if not channels or (device_index is not None and device_index >= len(channels)):
        ids = ", ".join(str(m.id) for m in layout.models) or "none"
        wanted = f" (device_index {device_index}, found {len(channels)})" if channels else ""
        raise DeviceFault(f"no SunSpec inverter model (101-103, 111-113, 701) found{wanted}; models: {ids}")
    if device_index is not None:
        channels = [channels[device_index]]
    infos: dict[int, dict[str, str]] = {}
    for channel in channels:
        if channel.common is not None:
            if channel.common.address not in infos:
                infos[channel.common.address] = read_common(link, channel.common)
            channel.info = infos[channel.common.address]
    layout.channels = channels
    return layout


def plan_requests(points: tuple[sm.Point, ...], max_count: int) -> list[tuple[int, int]]:
    """(offset, count) requests covering the model header and every point, each point whole.

    A 32-bit register split over two requests would pair the high word of one moment with the
    low word of another: an accumulator rolling its low word between them jumps by 65,536 units.
    """
    spans = sorted([(0, 2)] + [(p.offset, p.offset + p.size) for p in points])
    requests: list[tuple[int, int]] = []
    start, end = spans[0]
    for a, b in spans[1:]:
        if max(end, b) - start <= max_count:
            end = max(end, b)
            continue
        requests.append((start, end - start))
        start, end = a, b
    requests.append((start, end - start))
    return requests


def read_points(link: ModbusLink, model: ModelRef, points: tuple[sm.Point, ...]) -> list[int]:
    """The registers of ``points``, from the model's ID register; unread registers are 0.

    One request when the span fits (values and scale factors from one answer). When it does
    not, the requests holding scale factors are read before and after the others; a scale
    factor that changed in between is set to "not implemented", so its values are left out of
    this poll instead of being scaled by the wrong power of ten.
    """
    count = min(sm.span(points), model.length + 2)
    points = tuple(p for p in points if p.offset + p.size <= count)
    requests = plan_requests(points, link.config.max_registers_per_read)
    block = [0] * count
    sf_offsets = [p.offset for p in points if p.type == "sunssf"]
    with_sf = [r for r in requests if any(r[0] <= o < r[0] + r[1] for o in sf_offsets)]
    order = with_sf + [r for r in requests if r not in with_sf] if len(requests) > 1 else requests
    for offset, n in order:
        block[offset : offset + n] = link.read(model.address + offset, n)
    if block[0] != model.id or block[1] != model.length:
        raise LayoutChanged(f"model {model.id} is no longer at {model.address}")
    if len(requests) > 1:
        for offset, n in with_sf:
            again = link.read(model.address + offset, n)
            for o in sf_offsets:
                if offset <= o < offset + n and again[o - offset] != block[o]:
                    log.info(
                        "model %d at %d: a scale factor changed during the read", model.id, model.address
                    )
                    block[o] = sm.SF_NOT_IMPLEMENTED
    return block


def read_channel(link: ModbusLink, channel: Channel) -> dict[str, Measured]:
    """One inverter's values keyed by quantity, in the inverter's own units; missing points are left out."""
    points = sm.INVERTER_POINTS[channel.inverter.id]
    raw = sm.decode_points(read_points(link, channel.inverter, points), points)
    values: dict[str, Measured] = {}
    if "W" in raw:
        values["power_w"] = Measured(raw["W"].value, "W")
    if "WH" in raw:
        values["energy_kwh"] = Measured(raw["WH"].value, "Wh", raw["WH"].wrap)  # SunSpec counts Wh
    if "Hz" in raw:
        values["frequency_hz"] = Measured(raw["Hz"].value, "Hz")
    temperature = raw.get("TmpCab", raw.get("TmpSnk"))
    if temperature is not None:
        values["device_temperature_c"] = Measured(temperature.value, "°C")  # inside the inverter
    if "St" in raw:
        values["status"] = Measured(raw["St"].value, "")
    elif "InvSt" in raw:
        values["status"] = Measured(raw["InvSt"].value + 1, "")  # 701 counts from OFF = 0: store 101-113's
    if "DCW" in raw:
        values["dc_power_w"] = Measured(raw["DCW"].value, "W")
    elif channel.mppt is not None:
        mppt_points = sm.mppt_points(channel.mppt.length)
        dc = sm.decode_mppt_dc_power(read_points(link, channel.mppt, mppt_points))
        if dc is not None:
            values["dc_power_w"] = Measured(dc, "W")
    # drop the float noise of 10**sf
    return {q: m._replace(value=round(m.value, 6)) for q, m in values.items()}


def channel_name(config: SunSpecConfig, index: int) -> str:
    """The configured name of the ``index``-th inverter, else ``<device>``, ``<device>-2``, ..."""
    if index < len(config.channels):
        return config.channels[index]
    return config.name if index == 0 else f"{config.name}-{index + 1}"


def describe(layout: Layout) -> str:
    models = ", ".join(str(m.id) for m in layout.models)
    inverters = "; ".join(
        f"{c.name or '?'} = model {c.inverter.id} at {c.inverter.address}"
        + (f" + model 160 at {c.mppt.address}" if c.mppt else "")
        for c in layout.channels
    )
    return f"SunSpec at {layout.base}, models {models}; inverters: {inverters}"


class SunSpecSource:
    """Source for ``type = "sunspec"`` devices: every inverter in the chain is its own device."""

    def __init__(self, config: SunSpecConfig, site: SiteConfig | None = None) -> None:
        self.config = config
        self.site = site
        self.name = config.name
        self.link = ModbusLink(config)
        self.layout: Layout | None = None
        self.discoveries = 0
        self._described = ""
        # the names readings go out under; known before discovery only when configured
        self._names = [channel_name(config, i) for i in range(max(1, len(config.channels)))]

    @property
    def channel_names(self) -> list[str]:
        """Device names of the inverters read (for night zeros while the device is silent)."""
        return list(self._names)

    def poll(self, now: float) -> Poll:
        fresh = self.layout is None
        if self.layout is None:
            self.layout = self._discover()
        try:
            values = [read_channel(self.link, c) for c in self.layout.channels]
        except (LayoutChanged, DeviceException) as exc:
            if fresh or (isinstance(exc, DeviceException) and exc.code != 2):
                raise
            # the models moved (firmware update, meter added): find them again, once, quietly
            self.layout = self._discover()
            values = [read_channel(self.link, c) for c in self.layout.channels]
        readings: list[Reading] = []
        states: list[float] = []
        for channel, measured in zip(self.layout.channels, values, strict=True):
            readings += [
                Reading(
                    channel.name,
                    q,
                    now,
                    m.value,
                    meter=channel.serial if q == "energy_kwh" else None,
                    unit=m.unit,
                    wrap=m.wrap,
                )
                for q, m in measured.items()
            ]
            if "status" in measured:
                states.append(measured["status"].value)
        # asleep only when every inverter that tells its state says it sleeps
        return Poll(readings, asleep=bool(states) and all(s in sm.ASLEEP_STATES for s in states))

    def _discover(self) -> Layout:
        self.layout = None
        layout = discover(self.link, self.config.base_address, self.config.device_index)
        for i, channel in enumerate(layout.channels):
            channel.name = channel_name(self.config, i)
        self._names = [c.name for c in layout.channels]
        self.discoveries += 1
        text = describe(layout)
        if text != self._described:
            log.info("%s (%s): %s", self.name, self.config.describe(), text)
            self._described = text
        return layout

    def forget(self) -> None:
        self.layout = None
        self.link.close()

    def close(self) -> None:
        self.link.close()

    def run(self, ctx: SourceContext) -> None:
        run_polling(ctx, self, self.config, self.site)
