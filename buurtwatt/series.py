"""A series: one quantity of one device, written ``DEVICE:QUANTITY``.

This is the only place that builds or splits that string; everything else passes
``Series`` values around and calls ``str()`` where a name is stored or shown.
"""

from __future__ import annotations

from typing import NamedTuple

from buurtwatt.vocabulary import QUANTITIES, Quantity, UnknownSeries

SEPARATOR = ":"


class Series(NamedTuple):
    """A series name; a tuple so it is cheap to build, hash and compare."""

    device: str
    quantity: str

    def __str__(self) -> str:
        return f"{self.device}{SEPARATOR}{self.quantity}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    @property
    def name(self) -> str:
        """The stored name, ``DEVICE:QUANTITY``."""
        return str(self)

    @property
    def known(self) -> bool:
        """True when the quantity is in the vocabulary."""
        return self.quantity in QUANTITIES

    @property
    def spec(self) -> Quantity:
        """The vocabulary entry; raises :class:`UnknownSeries` for an unknown quantity."""
        try:
            return QUANTITIES[self.quantity]
        except KeyError:
            raise UnknownSeries(
                f"unknown quantity {self.quantity!r} in series {self}; "
                f"known quantities: {', '.join(sorted(QUANTITIES))}"
            ) from None

    @classmethod
    def parse(cls, text: str | Series) -> Series:
        """``"meter:import_kwh"`` -> ``Series("meter", "import_kwh")``; a ``Series`` passes through.

        Only the shape is checked here; use :attr:`spec` to require a known quantity.
        """
        if isinstance(text, Series):
            return text
        device, sep, quantity = str(text).rpartition(SEPARATOR)
        if not sep or not device or not quantity:
            raise UnknownSeries(
                f"series {text!r} must look like DEVICE{SEPARATOR}QUANTITY, e.g. meter{SEPARATOR}import_kwh"
            )
        return cls(device, quantity)


def known_series(text: str | Series) -> Series:
    """Parse a series name and require its quantity to be in the vocabulary."""
    series = Series.parse(text)
    _ = series.spec  # raises UnknownSeries, naming the known quantities
    return series
