"""The store backends: each backend module registers itself here, everything else asks here.

``open_store``, the contract tests (tests/store/test_contract.py) and the docs list of store
types read :func:`backends`; the config's store types must match it (a test checks). Adding a
backend: one module in ``buurtwatt/store/`` that calls :func:`register_backend` at import, its
config model in the ``StoreConfig`` union of ``buurtwatt/config.py``, and one parameter in the
contract test.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from buurtwatt.store.base import Store

# (the store section of the config, site id, site time zone, readonly) -> a store
Opener = Callable[[Any, str, str, bool], "Store"]


@dataclass(frozen=True, slots=True)
class Backend:
    kind: str  # the config's ``store.type``
    opener: Opener
    summary: str  # one line for docs and ``check-config``


_BACKENDS: dict[str, Backend] = {}
_loaded = False


def register_backend(kind: str, opener: Opener, summary: str) -> None:
    """Called once by each backend module when it is imported."""
    known = _BACKENDS.get(kind)
    if known is not None and known.opener is not opener:
        raise ValueError(f"store backend {kind!r} is registered twice")
    _BACKENDS[kind] = Backend(kind, opener, summary)


def _load() -> None:
    """Import every module of the store package once, so every backend has registered."""
    global _loaded
    if _loaded:
        return
    import buurtwatt.store as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _loaded = True


def backends() -> dict[str, Backend]:
    """Every registered backend by kind, in registration order."""
    _load()
    return dict(_BACKENDS)


def backend(kind: str) -> Backend:
    found = backends().get(kind)
    if found is None:
        raise ValueError(f"unknown store type {kind!r}; known: {', '.join(backends())}")
    return found
