"""Disk full for 60 s under 1 telegram/s + 500 MQTT messages/s (issue 15): nothing accepted is lost.

The real collector runs in this process (``collector.runtime.Collector`` with a site config):
a P1 device reads a simulated meter over TCP (1 telegram/s, meter clock = real time) and an MQTT
device is subscribed to a real mosquitto, where 50 Tasmota plugs publish 500 messages/s in all
(QoS 1; each message numbered, with a Total counter that rises and a Power). The SQLite store
lives on a small tmpfs mounted here (needs root). After ~10 s a filler file takes every free
byte of the tmpfs for 60 s; then it is deleted and the run goes on until everything queued is
committed. The collector is stopped cleanly and the store is counted against what was sent.

Run: .venv/bin/python bench/faults.py [--full-s 60]
Results go to the "## faults" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402
from buurtwatt.config import parse_config  # noqa: E402
from buurtwatt.series import Series  # noqa: E402
from buurtwatt.store.base import Resolution  # noqa: E402
from buurtwatt.store.sqlite import SqliteStore  # noqa: E402
from collector.health import DeviceHealth  # noqa: E402
from collector.runtime import Collector  # noqa: E402
from sim.p1 import SimMeter, TcpSimulator  # noqa: E402
from tests.mqtt.helpers import shipped_queue_settings  # noqa: E402
from tests.services import free_port, start_mosquitto, wait_until  # noqa: E402

PLUGS = 50
RATE = 500  # MQTT messages/s over all plugs
TOTAL_STEP_KWH = 0.00001  # each message adds 0.01 Wh to its plug's Total (0.36 kW at 10 messages/s)
# The store's own files must fit beside the filler once it is gone: about 25 bytes a raw reading
# (~2.5 MB for this run) plus the WAL, which SQLite lets grow to ~4 MB between checkpoints and to
# one spool chunk (20,000 readings) after the outage. 16 MB leaves room for all of it.
TMPFS_SIZE = "16m"


def site_config(disk: Path, p1_port: int, broker: int, health_port: int) -> str:
    return f"""
[site]
name = "Faults"
id = "faults"

[store]
type = "sqlite"
path = "{disk / "store.sqlite"}"

[collector]
health_port = {health_port}

[[devices]]
type = "p1"
name = "meter"
host = "127.0.0.1"
tcp_port = {p1_port}

[[devices]]
type = "mqtt"
name = "plugs"
broker = "mqtt://127.0.0.1:{broker}"
client_id = "buurtwatt-bench-faults"

[[devices.subscriptions]]
topic = "faults/+/SENSOR"
format = "tasmota"
device = "{{1}}"
"""


class Telegrams(threading.Thread):
    """One telegram a second on the second; the meter clock is the real clock."""

    def __init__(self, sim: TcpSimulator) -> None:
        super().__init__(daemon=True, name="p1-telegrams")
        self.sim = sim
        self.meter = SimMeter(start=float(int(time.time())) + 1, interval=1.0)
        self.sent = 0
        self.failed = 0
        self.first_kwh: float | None = None
        self.last_kwh = 0.0
        self.halt = threading.Event()

    def kwh(self) -> float:
        """Import as the telegram says it: two registers with 3 decimals (whole Wh)."""
        return round(self.meter.import_t1, 3) + round(self.meter.import_t2, 3)

    def run(self) -> None:
        while not self.halt.is_set():
            # the meter's next timestamp is meter.now + 1; send it when the real clock gets there
            self.halt.wait(max(0.0, self.meter.now + self.meter.interval - time.time()))
            telegram = self.meter.telegram()
            try:
                self.sim.send(telegram)
            except OSError:
                self.failed += 1  # no client: this telegram never reached the collector
                continue
            self.sent += 1
            if self.first_kwh is None:
                self.first_kwh = self.kwh()
            self.last_kwh = self.kwh()


class Plugs:
    """PLUGS Tasmota plugs, RATE QoS 1 messages/s in all; plug k's n-th message has Power n."""

    def __init__(self, port: int) -> None:
        self.sent = [0] * PLUGS
        self.acked = 0
        self.halt = threading.Event()
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=f"faults-load-{os.getpid()}")
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.thread = threading.Thread(target=self._run, daemon=True, name="mqtt-load")

    @property
    def total(self) -> int:
        return sum(self.sent)

    def _on_publish(self, *_: Any) -> None:
        self.acked += 1  # paho's network thread only

    def _run(self) -> None:
        start = time.monotonic()
        published = 0
        while not self.halt.is_set():
            due = int((time.monotonic() - start) * RATE)
            while published < due and not self.halt.is_set():
                k = published % PLUGS
                n = self.sent[k] + 1
                payload = json.dumps({"ENERGY": {"Total": round(n * TOTAL_STEP_KWH, 5), "Power": n}})
                info = self.client.publish(f"faults/plug{k:02d}/SENSOR", payload, qos=1)
                if info.rc != 0:
                    raise RuntimeError(f"publish failed: {info.rc}")
                self.sent[k] = n
                published += 1
            time.sleep(0.005)

    def stop(self) -> None:
        self.halt.set()
        self.thread.join(10)
        wait_until(lambda: self.acked == self.total, 60, "the broker to acknowledge every message")
        self.client.disconnect()
        self.client.loop_stop()


def fill(disk: Path) -> Path:
    """Write until the file system says it is full."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with open(filler, "ab", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    # the last pages too, so that SQLite cannot grow even by one page
    with open(filler, "ab", buffering=0) as f:
        for size in (4096, 512, 1):
            while True:
                try:
                    f.write(b"\0" * size)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler


def tree_readings(h: DeviceHealth) -> int:
    """Readings the gate passed for a device and the devices behind it (each plug is a child)."""
    return h.readings + sum(tree_readings(c) for c in list(h.children.values()))


def tree_drops(h: DeviceHealth) -> int:
    return sum(h.drops.values()) + sum(tree_drops(c) for c in list(h.children.values()))


def health(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
        return json.load(r)


def samples(store: SqliteStore, series: Series) -> int:
    return sum(r.count for r in store.read(str(series), 0, 4e9, Resolution.MIN1))


def increase(store: SqliteStore, series: Series) -> float:
    return sum(r.value or 0 for r in store.read(str(series), 0, 4e9, Resolution.HOUR))


def all_drops(devices: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Drops by device name, the devices behind a device (plugs) included."""
    out: dict[str, dict[str, int]] = {}
    for d in devices:
        out[d["name"]] = d.get("drops", {})
        out.update(all_drops(d.get("children", [])))
    return out


class Watcher(threading.Thread):
    """Reads /health every 0.25 s: the writer's states and messages, the spool's peak."""

    def __init__(self, port: int, collector: Collector, disk: Path, verbose: bool) -> None:
        super().__init__(daemon=True, name="health-watch")
        self.disk, self.verbose = disk, verbose
        self.port, self.collector = port, collector
        self.halt = threading.Event()
        self.states: list[tuple[float, str, str]] = []  # (time, state, message) at each change
        self.spool_peak = 0
        self.last: dict[str, Any] = {}

    def run(self) -> None:
        n = 0
        while not self.halt.wait(0.25):
            n += 1
            if self.verbose and n % 8 == 0:
                p = self.collector.pipeline
                print(
                    f"{time.strftime('%H:%M:%S')} committed={p.committed} spooled={p.spooled} "
                    f"writer={p.health.state.value} devices="
                    f"{[(d, h.state.value, tree_readings(h)) for d, h in self.collector.devices.items()]} "
                    f"disk={shutil.disk_usage(self.disk).used / 1e6:.1f} MB",
                    flush=True,
                )
            try:
                h = health(self.port)
            except OSError:
                continue
            self.last = h
            writer = h["store"]["writer"]
            self.spool_peak = max(self.spool_peak, writer["spooled"], self.collector.pipeline.spooled)
            state = (writer["state"], writer.get("message") or "")
            if not self.states or self.states[-1][1:] != state:
                self.states.append((time.time(), *state))


def run(full_s: float, before_s: float, size: str, verbose: bool = False) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-faults-"))
    disk = folder / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    port = free_port()
    broker = start_mosquitto(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n{shipped_queue_settings()}", port=port
    )
    p1 = TcpSimulator()
    hp = free_port()
    config = parse_config(site_config(disk, p1.port, broker.port, hp), base=folder)
    collector = Collector(config)
    result: dict[str, Any] = {"size": size, "full_s": full_s, "load": os.getloadavg()[0]}
    try:
        collector.start()
        p1.wait_client(timeout=30)
        plugs_health = collector.devices["plugs"]
        wait_until(lambda: plugs_health.state.value == "ok", 30, "the MQTT device to connect")
        time.sleep(0.5)  # SUBACK follows CONNACK
        watcher = Watcher(hp, collector, disk, verbose)
        watcher.start()
        telegrams = Telegrams(p1)
        plugs = Plugs(broker.port)
        telegrams.start()
        plugs.thread.start()
        time.sleep(before_s)
        result["db_before_mb"] = sum(f.stat().st_size for f in disk.iterdir()) / 1e6
        filled_at = time.time()
        filler = fill(disk)
        result["filler_mb"] = filler.stat().st_size / 1e6
        time.sleep(full_s)
        filler.unlink()
        freed_at = time.time()
        result["spooled_at_free"] = collector.pipeline.spooled
        # the spool is written once the writer's backoff (at most 10 s) comes round
        wait_until(lambda: collector.pipeline.spooled == 0, 60, "the spool to be written")
        result["caught_up_s"] = time.time() - freed_at
        time.sleep(3)  # a little normal running after the outage
        telegrams.halt.set()
        telegrams.join(5)
        plugs.stop()
        meter_h = collector.devices["meter"]
        # every message the broker took reaches the source; every reading the gate passed is committed
        wait_until(
            lambda: tree_readings(plugs_health) + tree_drops(plugs_health) >= 2 * plugs.total,
            60,
            "every MQTT message to reach the collector",
        )
        wait_until(
            lambda: collector.pipeline.committed == tree_readings(meter_h) + tree_readings(plugs_health),
            60,
            "every accepted reading to be committed",
        )
        time.sleep(1.0)  # a last /health look after the outage
        watcher.halt.set()
        watcher.join(5)
        final = health(hp)
        result["stopped_clean"] = collector.stop()
        result["db_after_mb"] = sum(f.stat().st_size for f in disk.iterdir()) / 1e6
        store = SqliteStore(disk / "store.sqlite", site="faults", readonly=True)
        try:
            meter_w = samples(store, Series("meter", "import_w"))
            meter_kwh = increase(store, Series("meter", "import_kwh"))
            plug_power = [samples(store, Series(f"plug{k:02d}", "power_w")) for k in range(PLUGS)]
            plug_kwh = [increase(store, Series(f"plug{k:02d}", "energy_kwh")) for k in range(PLUGS)]
        finally:
            store.close()
        # the writer's states from the filling of the disk up to its first ok after that
        outage: list[tuple[float, str, str]] = []
        for change in (s for s in watcher.states if s[0] >= filled_at):
            outage.append(change)
            if change[1] == "ok":
                break
        result.update(
            telegrams_sent=telegrams.sent,
            telegrams_unsent=telegrams.failed,
            telegrams_stored=meter_w,
            meter_true_kwh=telegrams.last_kwh - (telegrams.first_kwh or 0.0),
            meter_stored_kwh=meter_kwh,
            messages_sent=plugs.total,
            messages_stored=sum(plug_power),
            plugs_short=[
                (k, plugs.sent[k] - plug_power[k]) for k in range(PLUGS) if plug_power[k] != plugs.sent[k]
            ],
            plug_true_kwh=sum(round((n - 1) * TOTAL_STEP_KWH, 5) for n in plugs.sent),
            plug_stored_kwh=sum(plug_kwh),
            outage_states=[(round(t - filled_at, 1), s, m) for t, s, m in outage],
            writer_after=final["store"]["writer"]["state"],
            writer_after_message=final["store"]["writer"].get("message") or "",
            spool_peak=watcher.spool_peak,
            writer_drops=final["store"]["writer"].get("drops", {}),
            device_drops=all_drops(final["devices"]),
            store_counts=final["store"]["writer"]["store_counts"],
            committed=final["committed"],
            readings_accepted=tree_readings(meter_h) + tree_readings(plugs_health),
        )
        return result
    finally:
        if not collector.stopping.is_set():
            collector.stop()
        p1.close()
        broker.close()
        subprocess.run(["umount", "-l", str(disk)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def lines_for(r: dict[str, Any]) -> list[str]:
    def ok(good: bool) -> str:
        return "ok" if good else "MISSED"

    lost_t = r["telegrams_sent"] - r["telegrams_stored"]
    lost_m = r["messages_sent"] - r["messages_stored"]
    kwh_m_ok = abs(r["meter_stored_kwh"] - r["meter_true_kwh"]) < 1e-6
    kwh_p_ok = abs(r["plug_stored_kwh"] - r["plug_true_kwh"]) < 1e-6
    degraded = [s for s in r["outage_states"] if s[1] == "degraded"]
    reason = degraded[0][2] if degraded else "(never degraded)"
    after = " ".join(filter(None, (r["writer_after"], r["writer_after_message"])))
    drops = {k: v for k, v in r["writer_drops"].items() if v}
    for name, d in r["device_drops"].items():
        drops.update({f"{name}:{k}": v for k, v in d.items() if v})
    return [
        f"The real collector in-process (P1 over TCP at 1 telegram/s, meter clock = real time; MQTT: "
        f"{PLUGS} Tasmota plugs on mosquitto with the shipped queue settings, {RATE} QoS 1 messages/s "
        f"in all) writing SQLite on a {r['size']} tmpfs. A filler file took every free byte for "
        f"{r['full_s']:.0f} s; then it was deleted. Store files (database + WAL) before the outage "
        f"{r['db_before_mb']:.1f} MB, after the clean stop {r['db_after_mb']:.1f} MB; filler "
        f"{r['filler_mb']:.1f} MB. The writer retries with a backoff of 0.5 s doubling to 10 s, so the "
        "spool goes in up to 10 s after space returns. Telegrams the simulator could not send (no "
        f"client): {r['telegrams_unsent']}. Load average at the start: {r['load']:.1f}.",
        "",
        "| figure | result | target |",
        "|---|---|---|",
        f"| P1 telegrams sent / stored (import_w samples in the minute rollups) | "
        f"{r['telegrams_sent']:,} / {r['telegrams_stored']:,}: {lost_t:,} lost | 0 lost {ok(lost_t == 0)} |",
        f"| MQTT messages published / stored (power_w samples) | {r['messages_sent']:,} / "
        f"{r['messages_stored']:,}: {lost_m:,} lost | 0 lost {ok(lost_m == 0)} |",
        f"| P1 import_kwh: stored increase vs true | {r['meter_stored_kwh']:.6f} / "
        f"{r['meter_true_kwh']:.6f} kWh "
        f"| exact {ok(kwh_m_ok)} |",
        f"| plugs energy_kwh: stored increase vs true | {r['plug_stored_kwh']:.6f} / "
        f"{r['plug_true_kwh']:.6f} kWh "
        f"| exact {ok(kwh_p_ok)} |",
        f"| writer during the outage | {' -> '.join(f'{s} at +{t} s' for t, s, _ in r['outage_states'])}; "
        f"reason: {reason} | degraded with the reason {ok(bool(degraded) and 'full' in reason)} |",
        f"| writer after | {after}; spool written "
        f"{r['caught_up_s']:.1f} s after space returned | ok {ok(r['writer_after'] == 'ok')} |",
        f"| spooled readings, peak | {r['spool_peak']:,} (at the moment space returned: "
        f"{r['spooled_at_free']:,}) | under spool_max_readings (200,000) {ok(r['spool_peak'] < 200_000)} |",
        f"| dropped (spool_full, device refusals) | {drops or 'none'} | none {ok(not drops)} |",
        f"| committed / accepted by the gate; store said | {r['committed']:,} / {r['readings_accepted']:,}; "
        f"{r['store_counts']} | equal, 0 duplicates "
        f"{ok(r['committed'] == r['readings_accepted'] and not r['store_counts'].get('duplicates'))} |",
        f"| clean stop | {r['stopped_clean']} | True {ok(r['stopped_clean'])} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-s", type=float, default=60, help="seconds the disk stays full")
    parser.add_argument("--before-s", type=float, default=10, help="seconds of normal running first")
    parser.add_argument("--size", default=TMPFS_SIZE, help="tmpfs size")
    parser.add_argument("--verbose", action="store_true", help="print progress every 2 s")
    parser.add_argument("--dry", action="store_true", help="print only; RESULTS.md unchanged")
    args = parser.parse_args()
    result = run(args.full_s, args.before_s, args.size, args.verbose)
    if result["plugs_short"]:
        print("plugs with fewer stored than sent:", result["plugs_short"])
    lines = lines_for(result)
    print("\n".join(lines))
    if not args.dry:
        write_section("faults", lines)


if __name__ == "__main__":
    main()
