"""SunSpec inverters: find the models from the address alone, then read a few points each poll.

Discovery looks for 'SunS' at 40000, then 0, then 50000, walks the model chain
to the 0xFFFF end marker and splits it into logical devices at every model 1
(a SolarEdge shows its meters after the inverter). The inverter model is chosen
by preference 701 > 111-113 > 101-103; model 160 (MPPT) is read when present.
The layout is cached and found again after an answer that suggests it changed.
Each poll reads the inverter model from its ID register to its last needed point
in one request (values and their scale factors together), chunked only when the
span exceeds ``max_registers_per_read``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
class Layout:
    base: int
    models: list[ModelRef]
    inverter: ModelRef | None = None
    mppt: ModelRef | None = None
    common: ModelRef | None = None
    info: dict[str, str] = field(default_factory=dict)  # Mn, Md, Vr, SN from model 1

    @property
    def serial(self) -> str | None:
        return self.info.get("SN") or None


def split_devices(models: list[ModelRef]) -> list[list[ModelRef]]:
    """Split a chain at every model 1: each part is one logical device."""
    devices: list[list[ModelRef]] = []
    for model in models:
        if model.id == 1 or not devices:
            devices.append([])
        devices[-1].append(model)
    return devices


def choose_inverter(device: list[ModelRef]) -> ModelRef | None:
    by_id = {m.id: m for m in device}
    return next((by_id[i] for i in sm.INVERTER_PREFERENCE if i in by_id), None)


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


def discover(link: ModbusLink, base: int | None = None, device_index: int = 0) -> Layout:
    """Find the layout and pick the ``device_index``-th inverter in the chain."""
    found = find_base(link, base)
    layout = Layout(found, walk_chain(link, found))
    inverters = [d for d in split_devices(layout.models) if choose_inverter(d)]
    if len(inverters) <= device_index:
        ids = ", ".join(str(m.id) for m in layout.models) or "none"
        raise DeviceFault(f"no SunSpec inverter model (101-103, 111-113, 701) found; models: {ids}")
    device = inverters[device_index]
    layout.inverter = choose_inverter(device)
    layout.mppt = next((m for m in device if m.id == sm.MPPT_MODEL), None)
    layout.common = next((m for m in device if m.id == 1), None)
    if layout.common:
        block = link.read(layout.common.address, min(layout.common.length + 2, 66))
        for name, offset, size in sm.COMMON_STRINGS:
            if offset + size <= len(block):
                text = str(decode(block[offset : offset + size], "string"))
                if text:
                    layout.info[name] = text
    return layout


def read_model(link: ModbusLink, model: ModelRef, count: int) -> list[int]:
    """Read ``count`` registers from the model's ID register, checking the header is still there."""
    block = link.read(model.address, min(count, model.length + 2))
    if block[0] != model.id or block[1] != model.length:
        raise LayoutChanged(f"model {model.id} is no longer at {model.address}")
    return block


def read_values(link: ModbusLink, layout: Layout) -> dict[str, float]:
    """Inverter values keyed by series name; missing points are left out."""
    assert layout.inverter is not None
    points = sm.INVERTER_POINTS[layout.inverter.id]
    block = read_model(link, layout.inverter, sm.span(points))
    raw = sm.decode_points(block, points)
    values: dict[str, float] = {}
    if "W" in raw:
        values["power_w"] = raw["W"]
    if "WH" in raw:
        values["energy_kwh"] = raw["WH"] / 1000.0
    if "Hz" in raw:
        values["frequency_hz"] = raw["Hz"]
    temperature = raw.get("TmpCab", raw.get("TmpSnk"))
    if temperature is not None:
        values["temperature_c"] = temperature
    if "St" in raw:
        values["status"] = raw["St"]
    elif "InvSt" in raw:
        values["status"] = raw["InvSt"] + 1  # 701 counts from OFF = 0; store the 101-113 numbering
    if "DCW" in raw:
        values["dc_power_w"] = raw["DCW"]
    elif layout.mppt is not None:
        dc = sm.decode_mppt_dc_power(read_model(link, layout.mppt, layout.mppt.length + 2))
        if dc is not None:
            values["dc_power_w"] = dc
    return {name: round(value, 6) for name, value in values.items()}  # drop float noise of 10**sf


class SunSpecSource:
    """Source for ``type = "sunspec"`` devices."""

    def __init__(self, config: SunSpecConfig, site: SiteConfig | None = None) -> None:
        self.config = config
        self.site = site
        self.name = config.name
        self.link = ModbusLink(config)
        self.layout: Layout | None = None
        self.discoveries = 0
        self._last_energy: float | None = None

    def poll(self, now: float) -> Poll:
        fresh = self.layout is None
        if self.layout is None:
            self.layout = self._discover()
        try:
            values = read_values(self.link, self.layout)
        except (LayoutChanged, DeviceException) as exc:
            if fresh or (isinstance(exc, DeviceException) and exc.code != 2):
                raise
            # the models moved (firmware update, meter added): find them again, once, quietly
            self.layout = self._discover()
            values = read_values(self.link, self.layout)
        energy = values.get("energy_kwh")
        if energy is not None:
            if self._last_energy is not None and energy < self._last_energy:
                del values["energy_kwh"]  # a counter never goes back: a bad read, not data
            else:
                self._last_energy = energy
        serial = self.layout.serial
        readings = [
            Reading(self.name, q, now, v, meter=serial if q == "energy_kwh" else None)
            for q, v in values.items()
        ]
        return Poll(readings, asleep=values.get("status") in sm.ASLEEP_STATES)

    def _discover(self) -> Layout:
        self.layout = None
        layout = discover(self.link, self.config.base_address, self.config.device_index)
        self.discoveries += 1
        return layout

    def forget(self) -> None:
        self.layout = None
        self.link.close()

    def close(self) -> None:
        self.link.close()

    def run(self, ctx: SourceContext) -> None:
        run_polling(ctx, self, self.config, self.site)
