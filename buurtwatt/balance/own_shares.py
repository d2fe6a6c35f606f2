"""The building's own part of the collective roof, from the share register.

When the register marks a participant as the building's organisation, its holdings on a day are
the building's shares; ``[balance.collective] shares_held`` is then left out (the register
refuses both together, as that would count the same kWh twice).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from buurtwatt.balance.config import BalanceConfig

if TYPE_CHECKING:  # buurtwatt.config imports the balance package: no import at run time
    from buurtwatt.config import SiteConfig

log = logging.getLogger(__name__)


_CACHE: dict[tuple[tuple[str, float], ...], object] = {}


def _register(files: tuple[tuple[str, float], ...], config: SiteConfig):  # noqa: ANN202 - Register | None
    # keyed by the files' modification times: an edited register is read again
    from buurtwatt.shares.register import RegisterError, load_register

    if files in _CACHE:
        return _CACHE[files]
    shares = config.shares
    try:
        found = load_register(shares.participants, shares.holdings, config.installations, shares.payments)
    except (RegisterError, OSError) as exc:
        log.warning("the building's own shares: the register cannot be read (%s)", exc)
        found = None
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[files] = found
    return found


def _stamp(path: Path | None) -> tuple[str, float]:
    try:
        return (str(path), path.stat().st_mtime) if path else ("", 0.0)
    except OSError:
        return (str(path), -1.0)


def with_own_shares(config: SiteConfig, on: date) -> BalanceConfig:
    """``config.balance`` with the organisation's shares on ``on`` as the collective part."""
    cfg = config.balance
    coll = cfg.collective
    shares = config.shares
    if coll is None or coll.shares_held or not (shares.participants and shares.holdings):
        return cfg
    files = tuple(_stamp(p) for p in (shares.participants, shares.holdings, shares.payments))
    register = _register(files, config)
    inst = next((i for i in config.installations if i.name == coll.installation), None)
    if register is None or register.organisation is None or inst is None:
        return cfg
    held = register.shares_on(inst.name, on).get(register.organisation, 0)
    own = coll.model_copy(update={"shares_held": held, "shares_total": inst.shares_issued})
    return cfg.model_copy(update={"collective": own})
