"""One Modbus connection per device: one request at a time, with the pauses devices need.

Many inverters (SolarEdge, Huawei) accept a single Modbus client, so every reader
of a device shares one :class:`ModbusLink`. A lock keeps requests strictly one
after another; ``connect_delay`` is waited after every (re)connect and
``request_delay`` between requests. Failures become :class:`LinkError`
subclasses that say what kind of trouble it was, so sources can tell a
sleeping inverter from a broken setup.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Literal

from pymodbus import FramerType
from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from collector.modbus.config import ModbusDeviceConfig

RegisterKind = Literal["holding", "input"]

# pymodbus logs every failed frame at ERROR level; a sleeping inverter would flood the log.
# Our sources report trouble once per state change instead (see collector/health.py).
_pymodbus_log = logging.getLogger("pymodbus")
if _pymodbus_log.level == logging.NOTSET:
    _pymodbus_log.setLevel(logging.CRITICAL)

# Modbus exception codes that mean "the device (or the one behind a gateway) is not there now".
QUIET_EXCEPTION_CODES = {6: "device busy", 10: "gateway path unavailable", 11: "no answer behind gateway"}


class LinkError(Exception):
    """A read failed. ``quiet`` errors are what a sleeping inverter looks like."""

    quiet = False


class Unreachable(LinkError):
    """No connection: refused, no route, or the serial port cannot be opened."""

    quiet = True


class NoAnswer(LinkError):
    """Connected, but the device did not answer in time."""

    quiet = True


class DeviceException(LinkError):
    """The device answered with a Modbus exception code."""

    def __init__(self, code: int, address: int, count: int) -> None:
        self.code = code
        self.address = address
        name = QUIET_EXCEPTION_CODES.get(code) or {
            1: "illegal function",
            2: "illegal address",
            3: "illegal value",
            4: "device failure",
        }.get(code, "?")
        super().__init__(f"Modbus exception {code} ({name}) reading {count} registers at {address}")

    @property
    def quiet(self) -> bool:  # type: ignore[override]
        return self.code in QUIET_EXCEPTION_CODES


class Garbled(LinkError):
    """The answer made no sense (wrong length, broken frame)."""


class ModbusLink:
    """A shared, serialised Modbus connection to one device (TCP or RTU)."""

    def __init__(self, config: ModbusDeviceConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._last_request = 0.0
        self.requests = 0
        self.connects = 0
        if config.host:
            self._client: ModbusTcpClient | ModbusSerialClient = ModbusTcpClient(
                config.host,
                port=config.port,
                timeout=config.timeout_s,
                retries=config.retries,
                reconnect_delay=0,
            )
        else:
            assert config.serial_port is not None
            self._client = ModbusSerialClient(
                config.serial_port,
                framer=FramerType.RTU,
                baudrate=config.baud,
                parity=config.parity,
                bytesize=config.data_bits,
                stopbits=config.stop_bits,
                timeout=config.timeout_s,
                retries=config.retries,
                reconnect_delay=0,
            )

    @property
    def connected(self) -> bool:
        return bool(self._client.connected)

    def _ensure_connected(self) -> None:
        if self._client.connected:
            return
        if not self._client.connect():
            raise Unreachable(f"cannot connect to {self.config.describe()}")
        self.connects += 1
        if self.config.connect_delay:
            time.sleep(self.config.connect_delay)  # devices like Huawei ignore requests right after connect

    def read(
        self, address: int, count: int, kind: RegisterKind = "holding", unit: int | None = None
    ) -> list[int]:
        """Read ``count`` registers (any number; split into reads of at most max_registers_per_read)."""
        step = self.config.max_registers_per_read
        out: list[int] = []
        for start in range(address, address + count, step):
            out.extend(self._read_once(start, min(step, address + count - start), kind, unit))
        return out

    def _read_once(self, address: int, count: int, kind: RegisterKind, unit: int | None) -> list[int]:
        device_id = self.config.unit if unit is None else unit
        with self._lock:
            try:
                try:
                    response = self._request(address, count, kind, device_id)
                except ConnectionException:
                    # a kept-open connection the device has dropped (restart, or another client took
                    # its only slot): connect again once before calling the device unreachable
                    self._client.close()
                    response = self._request(address, count, kind, device_id)
            except ConnectionException as exc:
                self._client.close()
                raise Unreachable(f"cannot connect to {self.config.describe()}") from exc
            except ModbusIOException as exc:
                # close so a late answer cannot be taken for the next request's
                self._client.close()
                raise NoAnswer(f"no answer from {self.config.describe()}") from exc
            except (ModbusException, OSError, ValueError) as exc:
                self._client.close()
                raise Garbled(f"bad answer from {self.config.describe()}: {exc}") from exc
        if response.isError():
            raise DeviceException(int(getattr(response, "exception_code", 0)), address, count)
        registers = list(getattr(response, "registers", []) or [])
        if len(registers) != count:
            raise Garbled(f"asked {count} registers at {address}, got {len(registers)}")
        return registers

    def _request(self, address: int, count: int, kind: RegisterKind, device_id: int) -> Any:
        self._ensure_connected()
        wait = self._last_request + self.config.request_delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        call = self._client.read_holding_registers if kind == "holding" else self._client.read_input_registers
        try:
            return call(address, count=count, device_id=device_id)
        finally:
            self._last_request = time.monotonic()
            self.requests += 1

    def close(self) -> None:
        with self._lock:
            self._client.close()
