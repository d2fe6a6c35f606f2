"""The one path every reading takes: validate, convert units, then commit to the store.

Sources call :meth:`Pipeline.emit` from their own threads. A single writer thread
commits whatever has arrived as soon as it can (at least once per
``commit_interval``), so a telegram is readable within a fraction of a second and
a crash loses at most what arrived since the last commit.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from buurtwatt.readings import Reading
from buurtwatt.store.base import Store
from buurtwatt.units import UnitError, convert
from buurtwatt.vocabulary import QUANTITIES
from collector.health import DeviceHealth, State

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, store: Store, commit_interval: float = 0.5) -> None:
        self.store = store
        self.commit_interval = commit_interval
        self.health = DeviceHealth(name="store", type=getattr(store, "kind", "store"))
        self._queue: queue.SimpleQueue[tuple[DeviceHealth, list[Reading]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self.committed = 0
        self.last_commit: float | None = None
        self._watchers: list[Callable[[Sequence[Reading]], None]] = []

    def watch(self, callback: Callable[[Sequence[Reading]], None]) -> None:
        """Call ``callback`` with every committed batch (in the writer thread: keep it quick)."""
        self._watchers.append(callback)

    # --- called by sources -------------------------------------------------------------
    def emitter(self, health: DeviceHealth):
        """The ``emit`` function for one source: normalises, counts, queues."""

        def emit(readings: Sequence[Reading]) -> None:
            good = self.normalise(readings, health)
            if good:
                health.count_readings(len(good), max(r.ts for r in good))
                self._queue.put((health, good))

        return emit

    @staticmethod
    def normalise(readings: Sequence[Reading], health: DeviceHealth) -> list[Reading]:
        """Readings in vocabulary units; anything else is dropped and counted."""
        good: list[Reading] = []
        for r in readings:
            q = QUANTITIES.get(r.quantity)
            if q is None:
                health.drop("unknown_quantity", detail=r.quantity)
                continue
            if not isinstance(r.value, int | float) or not math.isfinite(r.value):
                health.drop("not_a_number", detail=f"{r.series}={r.value!r}")
                continue
            if r.unit is not None and r.unit != q.unit:
                try:
                    r = replace(r, value=convert(float(r.value), r.unit, q.unit), unit=None)
                except UnitError as exc:
                    health.drop("bad_unit", detail=str(exc))
                    continue
            good.append(r)
        return good

    # --- the writer ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                item = self._queue.get(timeout=self.commit_interval)
            except queue.Empty:
                continue
            batch: list[Reading] = []
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.extend(item[1])
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit(batch)
        self._stopped.set()

    def _commit(self, batch: list[Reading]) -> None:
        backoff = 0.5
        while True:
            try:
                self.store.write(batch)
            except Exception as exc:  # the store's own problem (disk full, locked): retry, keep the batch
                self.health.set_state(State.ERROR, f"cannot write to the store: {exc}")
                if self._stopped.wait(backoff):
                    return
                backoff = min(backoff * 2, 10)
                continue
            self.committed += len(batch)
            self.last_commit = time.time()
            self.health.count_readings(len(batch))
            self.health.set_state(State.OK)
            for callback in self._watchers:
                try:
                    callback(batch)
                except Exception:  # a republisher's problem must not stop storing
                    log.exception("a reading watcher failed")
            return

    def stop(self, timeout: float = 4.0) -> bool:
        """Commit what is queued and stop the writer; True when everything was committed."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True
