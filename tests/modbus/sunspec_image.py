"""Hand-built SunSpec register images served by a real pymodbus server, for layouts the simulator
does not make (two inverter models under one device, two inverters in one chain) and for devices
that change registers between the requests of one poll.

Offsets follow the SunSpec tables in ``collector.modbus.sunspec_models`` (ID at offset 0), so an
image is built from the same point table the reader decodes; a model body is ``offset - 2``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from collector.modbus import sunspec_models as sm
from collector.modbus.registers import encode

SUNS = [0x5375, 0x6E53]
END = [0xFFFF, 0]
BODY_LENGTHS = {101: 50, 102: 50, 103: 50, 701: 153}

# (request number, first register address asked, register count, registers of the image, image start)
OnRequest = Callable[[int, int, int, list[int], int], None]


def common(serial: str, length: int = 66) -> list[int]:
    """Model 1 body: manufacturer, model and serial strings."""
    body = [0] * length
    for (_name, offset, size), text in zip(
        sm.COMMON_STRINGS, ("test", "hand image", "1.0", serial), strict=True
    ):
        body[offset - 2 : offset - 2 + size] = encode(text, "string", length=size)
    return body


def point_words(point: sm.Point, value: float) -> list[int]:
    """Raw registers of one point: ``value`` is the raw (unscaled) number, or a scale factor."""
    number_type = {"acc32": "uint32", "enum16": "uint16", "sunssf": "int16"}.get(point.type, point.type)
    return encode(value, number_type)


def inverter(model_id: int, **raw: float) -> list[int]:
    """An integer inverter (101-103) or DER (701) body; points not given are "not implemented"."""
    points = {p.name: p for p in sm.INVERTER_POINTS[model_id]}
    body = [0x8000] * BODY_LENGTHS[model_id]
    for name, value in raw.items():
        point = points[name]
        body[point.offset - 2 : point.offset - 2 + point.size] = point_words(point, value)
    return body


def mppt(dc_watts: list[int], sf: int = 0) -> list[int]:
    """Model 160 body with one module per entry of ``dc_watts`` (raw, scaled by 10**sf)."""
    body = [0x8000] * (8 + 20 * len(dc_watts))
    body[sm.MPPT_DCW_SF - 2] = encode(sf, "int16")[0]
    body[sm.MPPT_COUNT - 2] = len(dc_watts)
    for i, watts in enumerate(dc_watts):
        body[sm.MPPT_MODULE_START - 2 + sm.MPPT_MODULE_SIZE * i] = i + 1
        body[sm.MPPT_MODULE_START - 2 + sm.MPPT_MODULE_SIZE * i + sm.MPPT_DCW_IN_MODULE] = watts
    return body


def image(*chain: tuple[int, list[int]]) -> tuple[list[int], list[int]]:
    """The register image from 'SunS' to the end marker, and the address of each model (base 40000)."""
    words, addresses, address = list(SUNS), [], 40002
    for model_id, body in chain:
        addresses.append(address)
        words += [model_id, len(body), *body]
        address += 2 + len(body)
    return words + END, addresses


class ImageServer:
    """A pymodbus TCP server on loopback serving ``words`` from address 40000 on its own loop thread."""

    def __init__(self, words: list[int], unit: int = 1, on_request: OnRequest | None = None) -> None:
        self.words, self.unit, self.on_request = words, unit, on_request
        self.requests = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="image-server", daemon=True)
        self._server: ModbusTcpServer | None = None

    async def _action(self, fc: int, start: int, address: int, count: int, regs: list[int], set_values: Any):
        self.requests += 1
        if self.on_request is not None:
            self.on_request(self.requests, address, count, regs, start)
        return None

    async def _serve(self) -> None:
        device = SimDevice(
            id=self.unit,
            simdata=[SimData(address=40000, values=self.words, datatype=DataType.UINT16)],
            action=self._action,
        )
        self._server = ModbusTcpServer(device, address=("127.0.0.1", 0))
        await self._server.serve_forever(background=True)
        self.port = self._server.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def _shutdown(self) -> None:
        assert self._server is not None
        for handler in list(self._server.active_connections.values()):
            handler.close()
        await self._server.shutdown()

    def start(self) -> ImageServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()


@pytest.fixture(name="image_server")
def serve_images() -> Iterator[Callable[..., ImageServer]]:
    """``image_server(words, on_request=...)`` starts a server; all are stopped after the test."""
    started: list[ImageServer] = []

    def make(words: list[int], **kwargs: Any) -> ImageServer:
        server = ImageServer(words, **kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
