"""Unit conversion, done once in the core so sources may report what the device says.

A conversion is ``value * scale + offset``; the gate looks it up once per series
(:func:`conversion`) and applies it per reading without another lookup.
"""

from __future__ import annotations

# Spellings devices use for one unit, mapped to the vocabulary's spelling.
_ALIASES: dict[str, str] = {
    "m³": "m3",
    "dm³": "dm3",
    "L": "l",
    "C": "°C",
    "degC": "°C",
    "℃": "°C",
    "ppm": "ppm",
    "lux": "lx",
    "percent": "%",
}

# Each unit as (base unit, factor to the base): W, Wh, m3, V, A, Hz, °C-less scales.
_SCALE: dict[str, tuple[str, float]] = {
    "mW": ("W", 1e-3),
    "W": ("W", 1.0),
    "kW": ("W", 1e3),
    "MW": ("W", 1e6),
    "Wh": ("Wh", 1.0),
    "kWh": ("Wh", 1e3),
    "MWh": ("Wh", 1e6),
    "l": ("m3", 1e-3),
    "dm3": ("m3", 1e-3),
    "m3": ("m3", 1.0),
    "mV": ("V", 1e-3),
    "V": ("V", 1.0),
    "kV": ("V", 1e3),
    "mA": ("A", 1e-3),
    "A": ("A", 1.0),
    "kA": ("A", 1e3),
    "Hz": ("Hz", 1.0),
    "mHz": ("Hz", 1e-3),
    "g/kWh": ("g/kWh", 1.0),
    "kg/kWh": ("g/kWh", 1e3),
    "g/Wh": ("g/kWh", 1e3),
    "lx": ("lx", 1.0),
    "klx": ("lx", 1e3),
    "%": ("%", 1.0),
    "ppm": ("ppm", 1.0),
    "s": ("s", 1.0),
    "ms": ("s", 1e-3),
}

# Temperatures need an offset: (scale, offset) to °C.
_TEMPERATURE: dict[str, tuple[float, float]] = {
    "°C": (1.0, 0.0),
    "K": (1.0, -273.15),
    "°F": (5 / 9, -32 * 5 / 9),
    "F": (5 / 9, -32 * 5 / 9),
}


class UnitError(ValueError):
    pass


def canonical(unit: str) -> str:
    """The vocabulary's spelling of ``unit`` (``m³`` -> ``m3``)."""
    return _ALIASES.get(unit, unit)


def conversion(from_unit: str | None, to_unit: str) -> tuple[float, float]:
    """``(scale, offset)`` so that ``value * scale + offset`` is in ``to_unit``.

    ``None`` or the same unit means the value is already right: ``(1.0, 0.0)``.
    Raises :class:`UnitError` for units that do not convert (kWh to W).
    """
    if from_unit is None:
        return 1.0, 0.0
    src, dst = canonical(from_unit), canonical(to_unit)
    if src == dst:
        return 1.0, 0.0
    if src in _TEMPERATURE and dst in _TEMPERATURE:
        s1, o1 = _TEMPERATURE[src]
        s2, o2 = _TEMPERATURE[dst]
        # to °C, then from °C to the target: (v*s1 + o1 - o2) / s2
        return s1 / s2, (o1 - o2) / s2
    a, b = _SCALE.get(src), _SCALE.get(dst)
    if a is None or b is None or a[0] != b[0]:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}")
    return a[1] / b[1], 0.0


def convert(value: float, from_unit: str | None, to_unit: str) -> float:
    """Convert ``value`` from ``from_unit`` to ``to_unit``; ``None`` means already right."""
    scale, offset = conversion(from_unit, to_unit)
    return value * scale + offset
