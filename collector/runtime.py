"""The collector process: every configured device in its own thread, one store writer,
a health endpoint, and a clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from buurtwatt.backoff import Backoff
from buurtwatt.backup_schedule import DailyBackup
from buurtwatt.config import SiteConfig
from buurtwatt.config_base import DeviceConfig
from buurtwatt.device_types import DEVICE_TYPES
from buurtwatt.store import Store, open_store
from collector import device_types  # noqa: F401  (registers p1, sunspec, modbus, mqtt)
from collector.health import DeviceHealth, State
from collector.health_http import HealthServer
from collector.pipeline import Pipeline
from collector.source import SourceContext

log = logging.getLogger("buurtwatt.collector")


class Collector:
    def __init__(self, config: SiteConfig, store: Store | None = None) -> None:
        self.config = config
        self.store = store or open_store(config)
        c = config.collector
        self.pipeline = Pipeline(
            self.store,
            c.commit_interval_s,
            max_clock_skew_s=c.max_clock_skew_s,
            counter_reset_after=c.counter_reset_after,
            spool_max_readings=c.spool_max_readings,
        )
        self.stopping = threading.Event()
        self.devices: dict[str, DeviceHealth] = {}
        self._threads: list[threading.Thread] = []
        self.started = time.time()
        self.health_server: HealthServer | None = None

    # --- devices -------------------------------------------------------------------------
    def _run_device(self, device: DeviceConfig, health: DeviceHealth) -> None:
        """Run one source; if it ever crashes, log it and start it again after a pause."""
        backoff = Backoff(initial=2, maximum=60)
        ctx = SourceContext(
            emit=self.pipeline.emitter(health, device),
            health=health,
            stopping=self.stopping,
            watch=self.pipeline.watch,
        )
        while not self.stopping.is_set():
            try:
                source = DEVICE_TYPES.get(device.type).source(device, self.config)
                source.run(ctx)
                return
            except Exception as exc:  # a bug in a source must never stop the other devices
                log.exception("%s: the %s source stopped unexpectedly; restarting", device.name, device.type)
                health.set_state(State.ERROR, f"source crashed: {exc}")
                health.count_reconnect()
                if not ctx.sleep(backoff.next()):
                    return

    def start(self) -> None:
        self.pipeline.start()
        for device in self.config.devices:
            if not device.enabled:
                continue
            health = DeviceHealth(name=device.name, type=device.type)
            self.devices[device.name] = health
            thread = threading.Thread(
                target=self._run_device, args=(device, health), name=f"source-{device.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        c = self.config.collector
        self.health_server = HealthServer(self, c.health_host, c.health_port)
        self.health_server.start()
        if self.config.backup.folder is not None:  # the daily backup, while collecting
            DailyBackup(self.config, self.stopping).start()
        log.info(
            "collector started for site %s with %d device(s); health on %s",
            self.config.site.id,
            len(self.devices),
            self.health_server.url,
        )

    def stop(self, timeout: float = 4.5) -> bool:
        """Stop sources, commit everything queued, close the store. True when all went in time."""
        deadline = time.monotonic() + timeout
        self.stopping.set()
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic() - 1.5))
        ok = self.pipeline.stop(max(0.5, deadline - time.monotonic() - 0.5))
        flush = getattr(self.store, "flush", None)
        if flush:
            flush(timeout=max(0.1, deadline - time.monotonic() - 0.2))
        self.store.close()
        if self.health_server:
            self.health_server.stop()
        log.info("collector stopped; %d readings committed", self.pipeline.committed)
        return ok

    def run(self, seconds: float | None = None) -> int:
        """Run until SIGTERM/SIGINT or for ``seconds``; exit code 0 on a clean stop."""

        def _signal(signum: int, _frame: Any) -> None:
            log.info("received %s, stopping", signal.Signals(signum).name)
            self.stopping.set()

        signal.signal(signal.SIGTERM, _signal)
        signal.signal(signal.SIGINT, _signal)
        self.start()
        self.stopping.wait(seconds)
        return 0 if self.stop() else 1

    # --- health ---------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        devices = [h.snapshot() for h in self.devices.values()]
        try:
            store_status = self.store.status()
        except Exception as exc:  # an unreachable database is a state to show, not a crash
            store_status = {"ok": False, "error": str(exc)}
        writer = self.pipeline.health.snapshot()
        writer["spooled"] = self.pipeline.spooled
        writer["spool_max"] = self.pipeline.spool_max
        writer["store_counts"] = dict(self.pipeline.store_counts)
        store_status["writer"] = writer
        ok = all(d["state"] in (State.OK.value, State.ASLEEP.value) for d in devices)
        # a plug behind an MQTT broker may go offline by itself; refused readings are a fault
        ok = ok and not any(d["state"] == State.DEGRADED.value for d in _all(devices))
        ok = ok and writer["state"] in (State.OK.value, State.STARTING.value)
        return {
            "site": self.config.site.id,
            "status": "ok" if ok and store_status.get("ok", True) else "degraded",
            "started": self.started,
            "now": time.time(),
            "committed": self.pipeline.committed,
            "last_commit": self.pipeline.last_commit,
            "devices": devices,
            "store": store_status,
        }


def _all(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Devices and the devices found behind them (MQTT plugs, a gas meter)."""
    out = []
    for d in devices:
        out.append(d)
        out += _all(d.get("children", []))
    return out
