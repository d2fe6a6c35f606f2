"""A small typed registry: outer layers add named things, the core looks them up.

The core owns each registry (device types, CLI commands, ...); the outer layers (sources,
pages, simulators) register into it, so the core never imports them (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownName(LookupError):
    """A name nobody registered; the message lists the known names."""


class Registry(Generic[T]):
    """Named items of one kind, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # in messages: "unknown device type 'x'; known types: ..."
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> None:
        """Add ``item`` as ``name``. Registering the same item again is a no-op (a re-imported module)."""
        known = self._items.get(name)
        if known is not None and known != item:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none (nothing registered them)"
            raise UnknownName(f"unknown {self.kind} {name!r}; known types: {known}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)
