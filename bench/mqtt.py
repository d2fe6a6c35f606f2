"""Benchmark of the mqtt source (issue 5): messages/s from mosquitto into the SQLite store.

20 simulated Tasmota plugs publish ``tele/<plug>/SENSOR`` (QoS 0) from two publisher
processes to a local mosquitto. The collector path is the real one: MqttSource (paho,
VERSION2) -> Pipeline (validation, unit conversion, one writer) -> SqliteStore with rollups.

1. Flood: every plug publishes as fast as it can; throughput = messages / time until the
   store committed the readings of the last one.
2. Paced: 20 plugs at 250 messages/s each (5,000/s) for 10 s; the backlog must stay small.
3. Restarts (issue 15): 10 plugs at 500 QoS 1 messages/s while the source is stopped and
   started 10 times, against mosquitto with the queue settings of deploy/mosquitto; every
   message must be committed exactly once.

Run: .venv/bin/python bench/mqtt.py [--messages N] [--only restarts]   (N per plug, default 5000)
Results go to the "## mqtt" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results import write_section  # noqa: E402
from buurtwatt.store.sqlite import SqliteStore  # noqa: E402
from collector.health import DeviceHealth  # noqa: E402
from collector.mqtt.config import MqttConfig  # noqa: E402
from collector.mqtt.source import MqttSource  # noqa: E402
from collector.pipeline import Pipeline  # noqa: E402
from collector.source import SourceContext  # noqa: E402
from sim.mqtt import tasmota_energy  # noqa: E402
from tests.mqtt.helpers import LoadPublisher, shipped_queue_settings  # noqa: E402
from tests.services import free_port, start_mosquitto, wait_until  # noqa: E402

PLUGS = 20
PUBLISHERS = 2
READINGS_PER_MESSAGE = 4  # power, total, voltage, current
TARGET = 5000


def publish(port: int, plugs: list[str], per_plug: int, rate: float | None, go: mp.Event) -> None:  # type: ignore[valid-type]
    """One publisher process: ``per_plug`` messages for each plug, paced at ``rate`` msg/s if given."""
    from paho.mqtt.client import Client
    from paho.mqtt.enums import CallbackAPIVersion

    client = Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{plugs[0]}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    payloads = {
        p: [tasmota_energy(p, 50 + (i % 97), 10 + i / 1000, 230, 0.5, 1.7e9)[1] for i in range(200)]
        for p in plugs
    }
    go.wait()
    start = time.monotonic()
    info = None
    sent = 0
    for i in range(per_plug):
        for plug in plugs:
            info = client.publish(f"tele/{plug}/SENSOR", payloads[plug][i % 200], qos=0)
            sent += 1
        if rate:
            ahead = start + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    if info:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def run_case(port: int, per_plug: int, rate_per_process: float | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bw-bench-mqtt-") as folder:
        store = SqliteStore(Path(folder) / "bench.sqlite", site="bench")
        pipeline = Pipeline(store, commit_interval=0.5)
        pipeline.start()
        health = DeviceHealth(name="mqtt", type="mqtt")
        ctx = SourceContext(emit=pipeline.emitter(health), health=health)
        config = MqttConfig.model_validate(
            {
                "type": "mqtt",
                "name": "mqtt",
                "broker": f"mqtt://127.0.0.1:{port}",
                "subscriptions": [{"topic": "tele/+/SENSOR", "format": "tasmota", "device": "{1}"}],
            }
        )
        source = threading.Thread(target=MqttSource(config).run, args=(ctx,))
        source.start()
        while health.state.value != "ok":
            time.sleep(0.05)
        time.sleep(0.3)
        plugs = [f"plug-{i:02d}" for i in range(PLUGS)]
        go = mp.Event()
        procs = [
            mp.Process(target=publish, args=(port, plugs[k::PUBLISHERS], per_plug, rate_per_process, go))
            for k in range(PUBLISHERS)
        ]
        for p in procs:
            p.start()
        time.sleep(1.0)  # publishers connected
        messages = PLUGS * per_plug
        expected = messages * READINGS_PER_MESSAGE
        start = time.monotonic()
        go.set()
        backlog_max = 0.0
        last_count, last_progress = 0, start
        # done when everything is committed, or nothing new arrived for 3 s after the publishers ended
        while (
            pipeline.committed < expected
            and time.monotonic() - last_progress < 3
            or any(p.is_alive() for p in procs)
            and time.monotonic() - start < 150
        ):
            time.sleep(0.02)
            now = time.monotonic()
            if pipeline.committed != last_count:
                last_count, last_progress = pipeline.committed, now
            if rate_per_process:
                should = min(messages, (now - start) * rate_per_process * PUBLISHERS)
                backlog_max = max(backlog_max, should - pipeline.committed / READINGS_PER_MESSAGE)
            if pipeline.committed >= expected:
                break
        elapsed = last_progress - start
        for p in procs:
            p.join(30)
        ctx.stopping.set()
        source.join(10)
        pipeline.stop()
        latest = store.latest(["plug-00:power_w"])
        store.close()
        received = pipeline.committed / READINGS_PER_MESSAGE
        return {
            "messages": messages,
            "received": received,
            "seconds": elapsed,
            "rate": received / elapsed,
            "backlog_max": backlog_max,
            "dropped": health.dropped,
            "stored_latest": 1.0 if latest else 0.0,
        }


def run_restarts(port: int, restarts: int = 10, rate: float = 500) -> dict[str, float]:
    """Stop and start the source under QoS 1 load; count what the store got, and how often."""
    values: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bw-bench-mqtt-") as folder:
        store = SqliteStore(Path(folder) / "bench.sqlite", site="bench")
        pipeline = Pipeline(store, commit_interval=0.5)
        pipeline.start()
        config = MqttConfig.model_validate(
            {
                "type": "mqtt",
                "name": "mqtt",
                "broker": f"mqtt://127.0.0.1:{port}",
                "client_id": "buurtwatt-bench-restarts",
                "subscriptions": [{"topic": "restart/+/SENSOR", "format": "tasmota", "device": "{1}"}],
            }
        )
        health = DeviceHealth(name="mqtt", type="mqtt")
        emit = pipeline.emitter(health)

        def record(readings: list) -> None:
            values.extend(r.value for r in readings)
            emit(readings)

        def one_run(until: Callable[[], bool]) -> None:
            ctx = SourceContext(emit=record, health=health)
            thread = threading.Thread(target=MqttSource(config).run, args=(ctx,))
            thread.start()
            wait_until(lambda: health.state.value == "ok", 30, "the source to connect")
            wait_until(until, 120, "the run's messages")
            ctx.stopping.set()
            thread.join(30)

        # a first run leaves the session's subscription at the broker
        one_run(lambda: True)
        time.sleep(0.5)  # SUBACK follows CONNACK; nothing is published yet, so nothing is at stake
        start = time.monotonic()
        with LoadPublisher(port, "restart/plug{}/SENSOR", rate=rate) as load:
            for _ in range(restarts):
                have = len(values)
                one_run(lambda: len(values) >= have + 100)  # noqa: B023
                sent = load.sent
                wait_until(lambda: load.sent >= sent + rate / 2, 60, "messages while away")  # noqa: B023
            ctx = SourceContext(emit=record, health=health)
            thread = threading.Thread(target=MqttSource(config).run, args=(ctx,))
            thread.start()
            load.stop()
            wait_until(lambda: len(values) >= load.sent, 120, "every message")
            time.sleep(1.0)  # anything stored twice would come now
            ctx.stopping.set()
            thread.join(30)
        elapsed = time.monotonic() - start
        pipeline.stop()
        committed = pipeline.committed
        store.close()
    got = [int(v) for v in values]
    return {
        "sent": load.sent,
        "restarts": restarts,
        "seconds": elapsed,
        "lost": len(set(range(load.sent)) - set(got)),
        "twice": len(got) - len(set(got)),
        "committed": committed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="messages per plug in the flood")
    parser.add_argument(
        "--only", choices=["restarts"], help="run one case and print it (RESULTS.md unchanged)"
    )
    args = parser.parse_args()
    if args.only == "restarts":
        print(restarts_line(restarts_case()))
        return
    load_before = os.getloadavg()[0]
    port = free_port()
    # no per-client queue limit: a slow subscriber must not lose QoS 0 messages in the broker
    broker = start_mosquitto(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n", port=port
    )
    try:
        flood = run_case(broker.port, args.messages, None)
        paced = run_case(broker.port, 2500, TARGET / PUBLISHERS)  # 10 s at 5,000/s
    finally:
        broker.stop()
    restarts = restarts_case()
    ok = "ok" if flood["rate"] >= TARGET else "MISSED"
    # keeping up: never more than 1 s of messages plus one commit interval behind
    kept_up = "ok" if paced["backlog_max"] <= TARGET * 1.5 else "MISSED"
    lost = lambda r: f"{r['messages'] - r['received']:,.0f}"  # noqa: E731
    lines = [
        f"{PLUGS} Tasmota plugs on {PUBLISHERS} publisher processes, QoS 0, mosquitto on the same machine; "
        "path: MqttSource -> Pipeline -> SqliteStore (rollups on write). 4 readings per message. "
        f"Load average at the start: {load_before:.1f} (other work on the machine lowers the figures). "
        "The backlog counts what is not yet committed; the writer commits every 0.5 s.",
        "",
        "| case | messages | result | target | lost |",
        "|---|---|---|---|---|",
        f"| flood (as fast as possible) | {flood['messages']:,.0f} | {flood['rate']:,.0f} messages/s "
        f"({flood['rate'] * READINGS_PER_MESSAGE:,.0f} readings/s) | >= {TARGET:,} messages/s {ok} "
        f"| {lost(flood)} |",
        f"| paced at {TARGET:,}/s for 10 s | {paced['messages']:,.0f} | {paced['rate']:,.0f} messages/s, "
        f"largest backlog {paced['backlog_max']:,.0f} messages | keeps up {kept_up} | {lost(paced)} |",
        restarts_line(restarts),
    ]
    print("\n".join(lines))
    write_section("mqtt", lines)


def restarts_case() -> dict[str, float]:
    port = free_port()
    broker = start_mosquitto(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n{shipped_queue_settings()}", port=port
    )
    try:
        return run_restarts(broker.port)
    finally:
        broker.close()


def restarts_line(r: dict[str, float]) -> str:
    ok = "ok" if r["lost"] == 0 and r["twice"] == 0 else "MISSED"
    return (
        f"| {r['restarts']:.0f} source restarts at 500 QoS 1 messages/s (shipped mosquitto queues) "
        f"| {r['sent']:,.0f} | {r['sent'] - r['lost']:,.0f} stored once, {r['twice']:,.0f} twice, "
        f"{r['seconds']:.1f} s | zero loss, no duplicates {ok} | {r['lost']:,.0f} |"
    )


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
