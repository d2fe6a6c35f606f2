"""Modbus inverter simulators for tests, benchmarks and the demo (pymodbus SimDevice/SimData).

:class:`SunSpecSimulator` serves a SunSpec image: model 1 plus 103, 113 or 701,
plus 160 (MPPT), ending in 0xFFFF. The layout is configurable: base address,
common block length (SolarEdge uses 65), and a meter (model 1 + 203) after the
inverter. Values follow a power profile (clear sky at the given position by
default) and the lifetime energy counter is the integral of that power. It can
sleep in the ways real inverters do (connection closed, silence, exception 11,
busy, or answering with state "sleeping"), wake up again, follow the sun, and
return "not implemented" sentinels for chosen points.

:class:`MappedSimulator` serves the image described by a register map
(config/registers/*.toml), e.g. a Huawei-like inverter; ``single_client=True``
drops the previous connection when a new one arrives, as Huawei and SolarEdge do.

Each simulator runs its server on its own event loop thread: ``start()`` /
``stop()``, or use it as a context manager. Run one from a shell with
``python -m sim.modbus --layout solaredge --port 1502``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pymodbus import FramerType
from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from buurtwatt.sun import clear_sky_fraction, sun_elevation
from collector.modbus import sunspec_models as sm
from collector.modbus.registermap import MapField, RegisterMap, load_map
from collector.modbus.registers import encode

# pymodbus logs every exception answer with a traceback; a sleeping simulator would flood test output
if logging.getLogger("pymodbus").level == logging.NOTSET:
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

SleepMode = Literal["awake", "closed", "silent", "exception", "busy", "status"]
Layout = Literal["int", "float", "der", "solaredge"]
INVERTER_FOR_LAYOUT = {"int": 103, "float": 113, "der": 701, "solaredge": 103}
MODEL_LENGTHS = {1: 66, 101: 50, 102: 50, 103: 50, 111: 60, 112: 60, 113: 60, 701: 153, 203: 105}
NAN32 = [0x7FC0, 0x0000]
SENTINEL_RAW = {
    "int16": [0x8000],
    "sunssf": [0x8000],
    "uint16": [0xFFFF],
    "enum16": [0xFFFF],
    "acc32": [0, 0],
    "uint32": [0xFFFF, 0xFFFF],
    "uint64": [0xFFFF] * 4,
    "float32": NAN32,
}


def solar_profile(peak_w: float, latitude: float, longitude: float) -> Callable[[float], float]:
    """Clear-sky power of a roof with ``peak_w`` at the given position."""
    return lambda ts: peak_w * clear_sky_fraction(latitude, longitude, ts)


class _SimServer:
    """A pymodbus TCP server on a private event loop thread, with connection bookkeeping."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        framer: FramerType = FramerType.SOCKET,
        single_client: bool = False,
    ) -> None:
        self.host, self.port, self.framer = host, port, framer
        self.single_client = single_client
        self.connections = 0  # connections accepted since start
        self.requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: ModbusTcpServer | None = None

    # subclasses give the device
    def _device(self) -> SimDevice:
        raise NotImplementedError

    def _on_connect(self, connected: bool) -> None:
        if not connected or self._server is None:
            return
        self.connections += 1
        if self.single_client:
            # like Huawei and SolarEdge: the newest client wins, the older ones are dropped
            handlers = list(self._server.active_connections.values())
            for handler in handlers[:-1]:
                handler.close()

    async def _serve(self) -> None:
        self._server = ModbusTcpServer(
            self._device(), address=(self.host, self.port), framer=self.framer, trace_connect=self._on_connect
        )
        await self._server.serve_forever(background=True)
        self.port = self._server.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def _shutdown(self) -> None:
        if self._server is not None:
            for handler in list(self._server.active_connections.values()):
                handler.close()
            await self._server.shutdown()
            self._server = None

    def _call(self, coro: Any, timeout: float = 10) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> _SimServer:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="modbus-sim", daemon=True)
        self._thread.start()
        self._call(self._serve())
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        try:
            self._call(self._shutdown())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            assert self._thread is not None
            self._thread.join(5)
            self._loop.close()
            self._loop = None

    def close_listener(self) -> None:
        """Stop answering: the port refuses connections (an inverter without power)."""
        self._call(self._shutdown())

    def open_listener(self) -> None:
        if self._server is None:
            self._call(self._serve())

    def __enter__(self) -> _SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SunSpecSimulator(_SimServer):
    """A SunSpec inverter on loopback (see module docstring)."""

    def __init__(
        self,
        layout: Layout = "int",
        *,
        base: int = 40000,
        unit: int = 1,
        port: int = 0,
        host: str = "127.0.0.1",
        framer: FramerType = FramerType.SOCKET,
        inverter_models: tuple[int, ...] | None = None,
        common_length: int | None = None,
        meter: bool | None = None,
        mppt_modules: int = 2,
        profile: Callable[[float], float] | None = None,
        peak_w: float = 5000.0,
        latitude: float = 52.37,
        longitude: float = 4.89,
        energy_wh: float = 12_345_678.0,
        w_sf: int = 0,
        wh_sf: int = 0,
        hz_sf: int = -2,
        tmp_sf: int = -1,
        dcw_sf: int = 0,
        serial: str = "SIM-0001",
        single_client: bool = False,
        follow_sun: bool = False,
        night_mode: SleepMode = "closed",
        silent_s: float = 10.0,
    ) -> None:
        super().__init__(port, host, framer, single_client)
        self.layout = layout
        self.base, self.unit = base, unit
        self.inverter_models = inverter_models or (INVERTER_FOR_LAYOUT[layout],)
        self.common_length = common_length or (65 if layout == "solaredge" else 66)
        self.meter = layout == "solaredge" if meter is None else meter
        self.mppt_modules = mppt_modules
        self.profile = profile or solar_profile(peak_w, latitude, longitude)
        self.latitude, self.longitude = latitude, longitude
        self.sf = {
            "W_SF": w_sf,
            "WH_SF": wh_sf,
            "TotWh_SF": wh_sf,
            "Hz_SF": hz_sf,
            "Tmp_SF": tmp_sf,
            "DCW_SF": dcw_sf,
        }
        self.serial = serial
        self.follow_sun = follow_sun
        self.night_mode: SleepMode = night_mode
        self.silent_s = silent_s
        self.mode: SleepMode = "awake"
        self.sentinels: set[str] = set()
        self.energy_wh = energy_wh
        self._lock = threading.Lock()
        self._last_ts: float | None = None
        self._last_w = 0.0
        self.models: list[tuple[int, int, int]] = []  # (id, address, length) as served
        self.image = self._build_image()

    # --- the image -------------------------------------------------------------------------
    def _common(self, length: int, serial: str, name: str) -> list[int]:
        body = [0] * length
        for (_point, offset, size), text in zip(
            sm.COMMON_STRINGS, ("buurtwatt", name, "1.0", serial), strict=True
        ):
            if offset - 2 + size <= length:
                body[offset - 2 : offset - 2 + size] = encode(text, "string", length=size)
        if length >= 65:
            body[64] = self.unit
        return body

    def _build_image(self) -> list[int]:
        image = [0x5375, 0x6E53]
        common = self._common(self.common_length, self.serial, "sim inverter")
        chain: list[tuple[int, list[int]]] = [(1, common)]
        for model in self.inverter_models:
            fill = NAN32 * 30 if model in (111, 112, 113) else [0x8000] * MODEL_LENGTHS[model]
            chain.append((model, fill[: MODEL_LENGTHS[model]]))
        if self.mppt_modules:
            body = [0x8000] * (8 + 20 * self.mppt_modules)  # body index = model offset - 2
            body[4:6] = [0, 0]  # Evt
            body[sm.MPPT_COUNT - 2] = self.mppt_modules
            body[sm.MPPT_DCW_SF - 2] = encode(self.sf["DCW_SF"], "int16")[0]
            for i in range(self.mppt_modules):
                body[sm.MPPT_MODULE_START - 2 + sm.MPPT_MODULE_SIZE * i] = i + 1
            chain.append((sm.MPPT_MODEL, body))
        if self.meter:
            chain.append((1, self._common(self.common_length, self.serial + "-M", "sim meter")))
            chain.append((203, [0x8000] * MODEL_LENGTHS[203]))
        address = self.base + 2
        for model_id, body in chain:
            self.models.append((model_id, address, len(body)))
            image += [model_id, len(body)] + body
            address += 2 + len(body)
        return image + [0xFFFF, 0]

    def _device(self) -> SimDevice:
        return SimDevice(
            id=self.unit,
            simdata=[SimData(address=self.base, values=self.image, datatype=DataType.UINT16)],
            action=self._action,
        )

    # --- live values -----------------------------------------------------------------------
    def set_power(self, watts: float) -> None:
        """From now on a constant power (the energy counter keeps integrating)."""
        self._advance(time.time())
        self.profile = lambda ts: watts

    def power_at(self, ts: float) -> float:
        if self.mode != "awake":
            return 0.0
        return max(0.0, float(self.profile(ts)))

    def _advance(self, now: float) -> float:
        with self._lock:
            watts = self.power_at(now)
            if self._last_ts is not None and now > self._last_ts:
                self.energy_wh += (watts + self._last_w) / 2 * (now - self._last_ts) / 3600.0
            self._last_ts, self._last_w = now, watts
            return watts

    def _put(self, regs: list[int], start: int, address: int, words: list[int]) -> None:
        regs[address - start : address - start + len(words)] = words

    def _point_words(self, point: sm.Point, value: float) -> list[int]:
        if point.name in self.sentinels:
            return SENTINEL_RAW.get(point.type, [0x8000] * point.size)
        if point.type == "sunssf":
            return encode(self.sf.get(point.name, 0), "int16")
        if point.type == "float32":
            return encode(value, "float32")
        scaled = value / 10.0 ** self.sf.get(point.sf or "", 0)
        number_type = {"acc32": "uint32", "enum16": "uint16"}.get(point.type, point.type)
        if number_type in ("uint32", "uint64"):
            scaled = scaled % (2 ** (16 * point.size))
        elif number_type == "int16":
            scaled = max(-32767, min(32767, scaled))  # a scale factor too fine for the value saturates
        elif number_type == "uint16":
            scaled = max(0, min(65534, scaled))
        return encode(scaled, number_type)

    def _refresh(self, regs: list[int], start: int, now: float) -> None:
        watts = self._advance(now)
        asleep = self._mode_now(now) == "status"
        state = 2 if asleep else 4
        values = {
            "W": watts,
            "WH": self.energy_wh,
            "Hz": 50.01,
            "DCW": watts * 1.03 if watts else 0.0,
            "TmpCab": 31.5 + watts / 500,
            "TmpSnk": 35.0 + watts / 400,
            "St": state,
            "InvSt": state - 1,
        }
        for model_id, address, _ in self.models:
            if model_id in sm.INVERTER_POINTS:
                for point in sm.INVERTER_POINTS[model_id]:
                    words = self._point_words(point, values.get(point.name, 0))
                    self._put(regs, start, address + point.offset, words)
            elif model_id == sm.MPPT_MODEL:
                share = values["DCW"] / max(1, self.mppt_modules) / 10.0 ** self.sf["DCW_SF"]
                for i in range(self.mppt_modules):
                    at = address + sm.MPPT_MODULE_START + i * sm.MPPT_MODULE_SIZE + sm.MPPT_DCW_IN_MODULE
                    self._put(regs, start, at, [0xFFFF] if "MPPT" in self.sentinels else [int(round(share))])

    def _mode_now(self, now: float) -> SleepMode:
        """The sleep mode in force: the set one, or the night mode when following the sun."""
        if self.mode == "awake" and self.follow_sun and self._dark(now):
            return self.night_mode
        return self.mode

    def _dark(self, now: float) -> bool:
        return sun_elevation(self.latitude, self.longitude, now) < 0

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: Any,
    ) -> ExcCodes | None:
        self.requests += 1
        now = time.time()
        mode = self._mode_now(now)
        if mode == "silent":
            await asyncio.sleep(self.silent_s)
            return ExcCodes.DEVICE_BUSY
        if mode == "exception":
            return ExcCodes.GATEWAY_NO_RESPONSE
        if mode == "busy":
            return ExcCodes.DEVICE_BUSY
        if set_values is None:
            self._refresh(registers, start_address, now)
        return None

    # --- sleeping --------------------------------------------------------------------------
    def sleep(self, mode: SleepMode = "closed") -> None:
        """Go to sleep: closed (refuse connections), silent, exception (11), busy (6) or status (St=2)."""
        self._advance(time.time())
        self.mode = mode
        if mode == "closed":
            self.close_listener()

    def wake(self) -> None:
        self._advance(time.time())
        self.mode = "awake"
        self.open_listener()


class MappedSimulator(_SimServer):
    """A vendor-map device (Huawei-like by default) serving values through a register map."""

    def __init__(
        self,
        register_map: RegisterMap | Path | str,
        values: dict[str, float | str] | None = None,
        *,
        unit: int = 1,
        port: int = 0,
        host: str = "127.0.0.1",
        single_client: bool = False,
        framer: FramerType = FramerType.SOCKET,
    ) -> None:
        super().__init__(port, host, framer, single_client)
        if not isinstance(register_map, RegisterMap):
            register_map = load_map(Path(register_map))
        self.register_map = register_map
        self.unit = unit
        self.values: dict[str, float | str] = dict(values or {})
        self.mode: SleepMode = "awake"

    def raw_words(self, f: MapField, value: float | str) -> list[int]:
        """The registers a device would hold for ``value`` in field ``f`` (inverse of the map)."""
        if f.type == "string":
            return encode(str(value), "string", f.byte_order, f.length)
        number = float(value)
        if f.values is not None:
            code = next((k for k, v in f.values.items() if v == number), 0)
            return encode(code, f.type, f.byte_order)
        number = -number if f.invert else number
        raw = (number - f.offset) / f.scale
        return encode(raw if f.type.startswith("float") else math.floor(raw + 0.5), f.type, f.byte_order)

    def _image(self) -> list[SimData]:
        # one contiguous block per cluster of fields, so grouped reads across holes work
        cells: dict[int, int] = {}
        for f in self.register_map.fields:
            value = self.values.get(f.name, self.values.get(f.series or "", 0))
            for i, word in enumerate(self.raw_words(f, value)):
                cells[f.address + i] = word
        blocks: list[SimData] = []
        addresses = sorted(cells)
        run: list[int] = []
        for a in addresses:
            if run and a - run[-1] > 32:
                blocks.append(self._block(run, cells))
                run = []
            run.append(a)
        if run:
            blocks.append(self._block(run, cells))
        return blocks

    @staticmethod
    def _block(run: list[int], cells: dict[int, int]) -> SimData:
        start, end = run[0], run[-1]
        return SimData(
            address=start, values=[cells.get(a, 0) for a in range(start, end + 1)], datatype=DataType.UINT16
        )

    def _device(self) -> SimDevice:
        return SimDevice(id=self.unit, simdata=self._image(), action=self._action)

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: Any,
    ) -> ExcCodes | None:
        self.requests += 1
        if self.mode == "exception":
            return ExcCodes.GATEWAY_NO_RESPONSE
        if set_values is None:
            for f in self.register_map.fields:
                if f.address < address + count and f.end > address:
                    value = self.values.get(f.name, self.values.get(f.series or "", 0))
                    words = self.raw_words(f, value)
                    registers[f.address - start_address : f.address - start_address + len(words)] = words
        return None

    def set(self, **values: float | str) -> None:
        """Change values by field name or series name (served from the next request on)."""
        self.values.update(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.modbus", description="Serve a simulated Modbus inverter on TCP."
    )
    parser.add_argument("--layout", choices=["int", "float", "der", "solaredge"], default="int")
    parser.add_argument("--map", help="serve a register map (config/registers/NAME.toml) instead")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1502)
    parser.add_argument("--unit", type=int, default=1)
    parser.add_argument("--base", type=int, default=40000)
    parser.add_argument("--peak-w", type=float, default=5000.0)
    parser.add_argument("--follow-sun", action="store_true", help="answer exception 11 while the sun is down")
    args = parser.parse_args(argv)
    sim: _SimServer
    if args.map:
        sim = MappedSimulator(
            args.map,
            {
                "power_w": args.peak_w / 2,
                "energy_kwh": 1234.5,
                "status": 4,
                "frequency_hz": 50.0,
                "temperature_c": 35.0,
            },
            unit=args.unit,
            port=args.port,
            host=args.host,
            single_client=True,
        )
    else:
        sim = SunSpecSimulator(
            args.layout,
            base=args.base,
            unit=args.unit,
            port=args.port,
            host=args.host,
            peak_w=args.peak_w,
            follow_sun=args.follow_sun,
            night_mode="exception",
        )
    sim.start()
    print(f"serving on {args.host}:{sim.port} unit {args.unit}; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
