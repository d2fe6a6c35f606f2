"""``/health`` (JSON) and ``/metrics`` (Prometheus text) on a loopback port."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from buurtwatt.health_report import flat_devices
from collector.health import State

if TYPE_CHECKING:
    from collector.runtime import Collector

log = logging.getLogger(__name__)
STATES = tuple(s.value for s in State)


class _HealthMetrics:
    """Turns the health snapshot into Prometheus metrics at scrape time."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    def collect(self):  # noqa: ANN201 - prometheus_client's collector protocol
        health = self.collector.health()
        state = GaugeMetricFamily(
            "buurtwatt_device_state", "1 for the device's current state", labels=["device", "state"]
        )
        readings = CounterMetricFamily("buurtwatt_device_readings", "readings accepted", labels=["device"])
        drops = CounterMetricFamily(
            "buurtwatt_device_dropped", "input refused or dropped, by reason", labels=["device", "reason"]
        )
        events = CounterMetricFamily(
            "buurtwatt_device_events",
            "worth knowing, nothing lost (clock_off, counter_reset)",
            labels=["device", "event"],
        )
        reconnects = CounterMetricFamily("buurtwatt_device_reconnects", "reconnects", labels=["device"])
        last = GaugeMetricFamily(
            "buurtwatt_device_last_reading_seconds", "time of the newest reading", labels=["device"]
        )
        for d in flat_devices(health["devices"]):
            for s in STATES:
                state.add_metric([d["name"], s], 1.0 if d["state"] == s else 0.0)
            readings.add_metric([d["name"]], d["readings"])
            reconnects.add_metric([d["name"]], d["reconnects"])
            for reason, n in d["drops"].items():
                drops.add_metric([d["name"], reason], n)
            for event, n in d["events"].items():
                events.add_metric([d["name"], event], n)
            if d["last_reading"]:
                last.add_metric([d["name"]], d["last_reading"])
        yield from (state, readings, drops, events, reconnects, last)
        yield GaugeMetricFamily(
            "buurtwatt_committed_readings", "readings committed to the store", value=health["committed"]
        )
        writer = health["store"].get("writer") or {}
        writer_state = GaugeMetricFamily(
            "buurtwatt_store_writer_state", "1 for the writer's state", labels=["state"]
        )
        for s in STATES:
            writer_state.add_metric([s], 1.0 if writer.get("state") == s else 0.0)
        yield writer_state
        writer_drops = CounterMetricFamily(
            "buurtwatt_store_writer_dropped", "readings the writer lost, by reason", labels=["reason"]
        )
        for reason, n in (writer.get("drops") or {}).items():
            writer_drops.add_metric([reason], n)
        yield writer_drops
        if isinstance(writer.get("spooled"), int):
            yield GaugeMetricFamily(
                "buurtwatt_store_spooled_readings",
                "readings kept in memory until the store takes them",
                value=writer["spooled"],
            )
        outbox = health["store"].get("outbox") or {}
        for key in ("depth", "oldest_age_s", "dropped_raw"):
            if isinstance(outbox.get(key), int | float):
                yield GaugeMetricFamily(f"buurtwatt_outbox_{key}", f"outbox {key}", value=outbox[key])


class HealthServer:
    def __init__(self, collector: Collector, host: str, port: int) -> None:
        registry = CollectorRegistry()
        registry.register(_HealthMetrics(collector))

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                if self.path.split("?")[0] == "/health":
                    body = json.dumps(collector.health()).encode()
                    ctype = "application/json"
                elif self.path.split("?")[0] == "/metrics":
                    body, ctype = generate_latest(registry), "text/plain; version=0.0.4"
                else:
                    self.send_error(404, "try /health or /metrics")
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # keep the log for state changes only
                pass

        try:
            self.server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise OSError(
                f"cannot serve /health on {host}:{port}: {exc.strerror}. "
                "Choose another port with [collector] health_port in the config."
            ) from None
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="health-http", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/health"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
