"""Unit conversion, done once in the core so sources may report what the device says."""

from __future__ import annotations

# factor to multiply by, keyed (from, to)
_FACTORS: dict[tuple[str, str], float] = {
    ("Wh", "kWh"): 1e-3,
    ("MWh", "kWh"): 1e3,
    ("kW", "W"): 1e3,
    ("mW", "W"): 1e-3,
    ("kV", "V"): 1e3,
    ("mA", "A"): 1e-3,
    ("dm3", "m3"): 1e-3,
    ("l", "m3"): 1e-3,
    ("kg/kWh", "g/kWh"): 1e3,
}


class UnitError(ValueError):
    pass


def convert(value: float, from_unit: str | None, to_unit: str) -> float:
    """Convert ``value`` from ``from_unit`` to ``to_unit``; ``None`` means already right."""
    if from_unit is None or from_unit == to_unit:
        return value
    try:
        return value * _FACTORS[(from_unit, to_unit)]
    except KeyError:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}") from None
