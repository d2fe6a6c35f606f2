"""Register maps as data: load a TOML map, plan grouped reads, decode fields.

The keys follow Telegraf's ``[[inputs.modbus]]`` vocabulary so users recognise
them: ``register`` (holding | input), ``address`` (0-based), ``type`` (INT16,
UINT16, INT32, UINT32, INT64, UINT64, FLOAT32, STRING; Telegraf's FLOAT32-IEEE
spelling is accepted), ``byte_order`` (ABCD, DCBA, BADC, CDAB), ``scale`` and
``length`` (strings). buurtwatt adds ``series`` (the vocabulary quantity the
field feeds), ``offset``, ``invert``, ``unit`` and ``values`` (a lookup that
turns vendor status codes into SunSpec states). See config/registers/_template.toml.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buurtwatt.units import UnitError, convert
from buurtwatt.vocabulary import QUANTITIES
from collector.modbus.registers import BYTE_ORDERS, NUMBER_TYPES, decode, is_generic_sentinel, register_count

TYPE_ALIASES = {"float32-ieee": "float32", "float64-ieee": "float64"}
WORKAROUNDS = {"pause_after_connect": "connect_delay", "pause_between_requests": "request_delay"}


class MapError(ValueError):
    """A register map that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, eq=False)  # identity hash: fields are dict keys
class MapField:
    name: str
    series: str | None  # None for information only (e.g. a model name string)
    register: str
    address: int
    type: str
    byte_order: str = "ABCD"
    scale: float = 1.0
    offset: float = 0.0
    invert: bool = False
    length: int = 0
    unit: str | None = None
    values: dict[int, float] | None = None

    @property
    def count(self) -> int:
        return register_count(self.type, self.length)

    @property
    def end(self) -> int:
        return self.address + self.count


@dataclass(frozen=True)
class RegisterMap:
    name: str
    source: str
    path: Path
    fields: tuple[MapField, ...]
    unit: int | None = None
    port: int | None = None
    max_register_fill: int = 0
    workarounds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadGroup:
    register: str
    address: int
    count: int
    fields: tuple[MapField, ...]


def _field(raw: dict[str, Any], where: str, default_order: str) -> MapField:
    known = {
        "name",
        "series",
        "register",
        "address",
        "type",
        "byte_order",
        "scale",
        "offset",
        "invert",
        "length",
        "unit",
        "values",
    }
    unknown = set(raw) - known
    if unknown:
        raise MapError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(known))}"
        )
    type_ = str(raw.get("type", "")).lower()
    type_ = TYPE_ALIASES.get(type_, type_)
    if type_ != "string" and type_ not in NUMBER_TYPES:
        raise MapError(
            f"{where}: type {raw.get('type')!r} is not one of "
            "INT16, UINT16, INT32, UINT32, INT64, UINT64, FLOAT32, FLOAT64, STRING"
        )
    register = str(raw.get("register", "holding")).lower()
    if register not in ("holding", "input"):
        raise MapError(f'{where}: register must be "holding" or "input", not {register!r}')
    order = str(raw.get("byte_order", default_order)).upper()
    if order not in BYTE_ORDERS:
        raise MapError(f"{where}: byte_order must be one of {', '.join(BYTE_ORDERS)}")
    series = raw.get("series")
    if series is not None and series not in QUANTITIES:
        raise MapError(f"{where}: series {series!r} is not a known quantity (e.g. power_w, energy_kwh)")
    unit = raw.get("unit")
    if unit is not None and series is not None:
        # checked here so a typo stops the collector at start, naming the file and field;
        # the conversion itself happens once, in the collector's gate
        try:
            convert(1.0, str(unit), QUANTITIES[series].unit)
        except UnitError:
            raise MapError(
                f"{where}: unit {unit!r} cannot be converted to {QUANTITIES[series].unit!r} ({series})"
            ) from None
    if series is None and type_ != "string":
        raise MapError(f'{where}: a number field needs series = "..." (e.g. power_w)')
    if type_ == "string" and int(raw.get("length", 0)) <= 0:
        raise MapError(f"{where}: a STRING needs length = number of registers")
    if not isinstance(raw.get("address"), int) or not 0 <= raw["address"] <= 65535:
        raise MapError(f"{where}: address must be a whole number 0..65535 (0-based register address)")
    values = raw.get("values")
    return MapField(
        name=str(raw.get("name", series or "")),
        series=series,
        register=register,
        address=raw["address"],
        type=type_,
        byte_order=order,
        scale=float(raw.get("scale", 1.0)),
        offset=float(raw.get("offset", 0.0)),
        invert=bool(raw.get("invert", False)),
        length=int(raw.get("length", 0)),
        unit=str(unit) if unit is not None else None,
        values={int(k, 0): float(v) for k, v in values.items()} if values else None,
    )


def load_map(path: Path) -> RegisterMap:
    """Read and check a map file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MapError(f"cannot read register map {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MapError(f"{path}: not valid TOML: {exc}") from None
    meta = data.get("map", {})
    if not meta.get("source"):
        raise MapError(f'{path}: [map] needs source = "the document this map was written from"')
    order = str(meta.get("byte_order", "ABCD")).upper()
    raw_fields = data.get("fields", [])
    if not raw_fields:
        raise MapError(f"{path}: no [[fields]]")
    fields = tuple(
        _field(f, f"{path} field {i + 1} ({f.get('name', f.get('series', '?'))})", order)
        for i, f in enumerate(raw_fields)
    )
    workarounds = {
        WORKAROUNDS[k]: float(v) for k, v in data.get("workarounds", {}).items() if k in WORKAROUNDS
    }
    return RegisterMap(
        name=str(meta.get("name", Path(path).stem)),
        source=str(meta["source"]),
        path=Path(path),
        fields=fields,
        unit=meta.get("unit"),
        port=meta.get("port"),
        max_register_fill=int(meta.get("max_register_fill", 0)),
        workarounds=workarounds,
    )


def plan_reads(fields: tuple[MapField, ...], max_count: int = 125, fill: int = 0) -> list[ReadGroup]:
    """Group fields into as few reads as possible.

    Fields of one register kind whose registers touch (or leave a hole of at most
    ``fill`` registers) share a read, up to ``max_count`` registers.
    """
    groups: list[ReadGroup] = []
    for register in ("holding", "input"):
        pending = sorted((f for f in fields if f.register == register), key=lambda f: (f.address, f.count))
        current: list[MapField] = []
        start = end = 0
        for f in pending:
            if current and f.address <= end + fill and max(end, f.end) - start <= max_count:
                current.append(f)
                end = max(end, f.end)
                continue
            if current:
                groups.append(ReadGroup(register, start, end - start, tuple(current)))
            current, start, end = [f], f.address, f.end
        if current:
            groups.append(ReadGroup(register, start, end - start, tuple(current)))
    return groups


def field_value(f: MapField, registers: list[int]) -> float | str | None:
    """The value of one field (scale, then offset, then invert); None for a sentinel or an unknown code."""
    if f.type == "string":
        return str(decode(registers, "string", f.byte_order))
    if is_generic_sentinel(registers, f.type, f.byte_order):
        return None
    raw = decode(registers, f.type, f.byte_order)
    if f.values is not None:
        return f.values.get(int(raw))
    value = float(raw) * f.scale + f.offset
    return -value if f.invert else value


def group_values(group: ReadGroup, registers: list[int]) -> dict[MapField, float | str | None]:
    base = group.address
    return {f: field_value(f, registers[f.address - base : f.end - base]) for f in group.fields}
