"""``buurtwatt demo``: simulated devices, the real collector and the real dashboard.

The simulators speak the real protocols on loopback (DSMR over TCP, SunSpec over
Modbus TCP, Tasmota/Shelly/Zigbee2MQTT/ESPHome over MQTT), configured by the
same ``config/demo.toml`` the collector reads, so the demo runs every code path a
real building does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from buurtwatt.cli import this_command
from buurtwatt.config import SiteConfig
from buurtwatt.i18n import cli_language
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import parse_when
from sim.demo.broker import DemoBroker
from sim.demo.history import GAS_SERIAL, METER_SERIAL, OWN_INVERTER, ROOF, Totals, write_history
from sim.demo.model import LAT, LON, OWN_KWP, ROOF_KWP, moment
from sim.demo.texts import t

log = logging.getLogger("buurtwatt.demo")

DEMO_ADMIN_PASSWORD = "demo"  # printed on screen; the demo only listens on 127.0.0.1 by default
DEMO_PARTICIPANTS = ("P001", "P017")


def demo_links_path(tokens_path: Path) -> Path:
    """Where the demo keeps the plain tokens of its printed links."""
    return tokens_path.with_name("demo-links.json")


class DemoError(RuntimeError):
    """Something the person running the demo can fix; the message says how."""


def say(text: str) -> None:
    print(text, flush=True)


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class Ports:
    """Every port the demo needs, read from the config."""

    dashboard: int
    health: int
    p1: int
    inverters: dict[str, int]
    mqtt: int
    mqtt_host: str = "127.0.0.1"

    @classmethod
    def from_config(cls, config: SiteConfig, dashboard_port: int | None) -> Ports:
        p1 = next((d for d in config.devices if d.type == "p1"), None)
        mqtt = next((d for d in config.devices if d.type == "mqtt"), None)
        if p1 is None or mqtt is None or getattr(p1, "host", None) is None:
            raise DemoError(t("demo.needs_devices", cli_language(config.dashboard.language)))
        broker = urlsplit(mqtt.broker)
        return cls(
            dashboard=dashboard_port or config.dashboard.port,
            health=config.collector.health_port,
            p1=p1.tcp_port,
            inverters={d.name: d.port for d in config.devices if d.type == "sunspec"},
            mqtt=broker.port or 1883,
            mqtt_host=broker.hostname or "127.0.0.1",
        )

    def check(self, host: str, lang: str) -> None:
        wanted = [
            (t("demo.what.dashboard", lang), host, self.dashboard, "--port N"),
            (t("demo.what.health", lang), "127.0.0.1", self.health, "[collector] health_port"),
            (t("demo.what.p1", lang), "127.0.0.1", self.p1, "tcp_port (p1)"),
            (t("demo.what.mqtt", lang), self.mqtt_host, self.mqtt, "broker (mqtt)"),
        ]
        wanted += [
            (t("demo.what.inverter", lang, name=name), "127.0.0.1", port, f"port ({name})")
            for name, port in self.inverters.items()
        ]
        for what, h, port, how in wanted:
            if not port_free(h, port):
                raise DemoError(t("demo.port_taken", lang, port=port, what=what, how=how))


@dataclass
class Demo:
    config: SiteConfig
    config_path: Path
    host: str = "127.0.0.1"
    dashboard_port: int | None = None
    seed: int = 42
    reset: bool = False
    processes: list[subprocess.Popen] = field(default_factory=list)
    stoppers: list[Any] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def lang(self) -> str:
        return cli_language(self.config.dashboard.language)

    # --- the store and its year of history ----------------------------------------------------
    def prepare_store(self) -> SqliteStore:
        store_cfg = self.config.store
        if store_cfg.type != "sqlite":
            raise DemoError(t("demo.needs_sqlite", self.lang))
        if self.reset:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{store_cfg.path}{suffix}").unlink()
            tokens = self.config.shares.tokens_path if self.config.shares.holdings else None
            if tokens:
                for path in (tokens, demo_links_path(tokens)):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
            say(t("demo.reset", self.lang, path=store_cfg.path))
        store = SqliteStore(
            store_cfg.path,
            site=self.config.site.id,
            tz=self.config.site.timezone,
            heartbeat_s=store_cfg.heartbeat_s,
            cadence=store_cfg.cadence,
            raw_retention_days=store_cfg.raw_retention_days,
        )
        started = time.monotonic()
        last = [0.0]

        def progress(share: float) -> None:
            if share - last[0] >= 0.2 or share >= 1:
                last[0] = share
                say(t("demo.progress", self.lang, share=f"{share:4.0%}"))

        say(t("demo.history", self.lang))
        first_day = self.config.site.started
        since = parse_when(first_day, self.config.site.timezone) if first_day else None
        n = write_history(store, time.time(), seed=self.seed, since=since, progress=progress)
        say(t("demo.history_done", self.lang, count=f"{n:,}", seconds=f"{time.monotonic() - started:.0f}"))
        return store

    # --- simulators ---------------------------------------------------------------------------
    def start_simulators(self, store: SqliteStore, ports: Ports) -> None:
        from sim.modbus import SunSpecSimulator
        from sim.p1 import SimMeter, TcpSimulator

        totals, _ = Totals.from_store(store)
        v = totals.values
        seed = self.seed
        meter = SimMeter(
            version="5",
            serial=METER_SERIAL,
            gas_serial=GAS_SERIAL,
            start=time.time(),
            interval=1.0,
            profile=lambda ts: moment(ts, seed).net_grid_w,
            import_t1=v["meter:import_t1_kwh"],
            import_t2=v["meter:import_t2_kwh"],
            export_t1=v["meter:export_t1_kwh"],
            export_t2=v["meter:export_t2_kwh"],
            gas_m3=v["gas:gas_m3"],
            gas_m3_per_h=moment(time.time(), seed).gas_m3_per_h,
        )
        p1 = TcpSimulator(port=ports.p1)
        self.stoppers.append(p1.close)
        threading.Thread(target=self._send_telegrams, args=(meter, p1), name="demo-p1", daemon=True).start()

        peaks = {OWN_INVERTER: OWN_KWP * 1000, ROOF: ROOF_KWP * 1000}
        for name, port in ports.inverters.items():
            attr = "own_pv_w" if name == OWN_INVERTER else "roof_pv_w"
            inverter = SunSpecSimulator(
                "float" if name == ROOF else "int",
                port=port,
                serial=f"DEMO-{name.upper()}",
                profile=lambda ts, a=attr: getattr(moment(ts, seed), a),
                peak_w=peaks.get(name, 10_000),
                latitude=LAT,
                longitude=LON,
                energy_wh=v.get(f"{name}:energy_kwh", 0.0) * 1000,
                follow_sun=True,
            )
            inverter.start()
            self.stoppers.append(inverter.stop)

        broker = DemoBroker(ports.mqtt_host, ports.mqtt)
        started = broker.start()
        self.stoppers.append(broker.stop)  # also when it did not listen: the process and folder go
        if not started:
            raise DemoError(
                t("demo.broker_failed", self.lang, kind=broker.kind, where=f"{ports.mqtt_host}:{ports.mqtt}")
            )
        say(t("demo.broker", self.lang, kind=broker.kind, where=f"{ports.mqtt_host}:{ports.mqtt}"))
        from sim.demo.plugs import demo_mqtt_simulator

        sim = demo_mqtt_simulator(f"mqtt://{ports.mqtt_host}:{ports.mqtt}", v, seed)
        sim.start()
        self.stoppers.insert(0, sim.stop)

    def _send_telegrams(self, meter: Any, sink: Any) -> None:
        """One telegram a second, like a DSMR 5 meter; nobody listening is fine."""
        while not self.stopping.is_set():
            telegram = meter.telegram()
            with contextlib.suppress(ConnectionError, OSError):
                sink.send(telegram)
            self.stopping.wait(max(0.0, meter.now - time.time()) or 1.0)

    # --- the dashboard -------------------------------------------------------------------------
    def start_dashboard(self, port: int) -> str:
        from werkzeug.security import generate_password_hash

        env = dict(os.environ)
        env.setdefault("BUURTWATT_ADMIN_HASH", generate_password_hash(DEMO_ADMIN_PASSWORD))
        cmd = [
            *this_command(),  # the dashboard under the same program the demo runs in
            "dashboard",
            "--config",
            str(self.config_path),
            "--host",
            self.host,
            "--port",
            str(port),
        ]
        self.processes.append(subprocess.Popen(cmd, env=env))
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        url = f"http://{shown}:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.processes[-1].poll() is not None:
                raise DemoError(t("demo.dashboard_stopped", self.lang))
            with contextlib.suppress(OSError), urllib.request.urlopen(url + "/", timeout=2):
                return url
            time.sleep(0.3)
        raise DemoError(t("demo.dashboard_timeout", self.lang, url=url))

    def participant_links(self, base: str) -> list[str]:
        shares = self.config.shares
        if not shares.holdings or not shares.participants:
            return []
        from buurtwatt.shares.ledger import open_register
        from buurtwatt.shares.tokens import TokenStore

        register = open_register(self.config)
        tokens = TokenStore(shares.tokens_path)
        # only hashes are kept in tokens.json; the demo keeps its two links in plain text beside
        # it, so the links it prints stay the same across restarts (a real site never does this)
        kept_path = demo_links_path(shares.tokens_path)
        try:
            kept: dict[str, str] = json.loads(kept_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            kept = {}
        links = []
        for pid in DEMO_PARTICIPANTS:
            if pid not in register.participants:
                continue
            token = kept.get(pid)
            if not token or tokens.verify_token(token) != pid:
                token = kept[pid] = tokens.issue(pid)
            links.append(f"{base}/mijn/{token}  ({pid}, {register.participants[pid].name})")
        tokens.issue_missing(register.participants)
        kept_path.parent.mkdir(parents=True, exist_ok=True)
        kept_path.write_text(json.dumps(kept, indent=1), encoding="utf-8")
        kept_path.chmod(0o600)
        return links

    # --- the whole ---------------------------------------------------------------------------------
    def run(self) -> int:
        from collector.runtime import Collector

        ports = Ports.from_config(self.config, self.dashboard_port)
        ports.check(self.host, self.lang)
        store = self.prepare_store()
        say(t("demo.devices", self.lang))
        self.start_simulators(store, ports)
        collector = Collector(self.config, store=store)
        collector.start()
        self.stoppers.insert(0, collector.stop)
        say(t("demo.dashboard", self.lang))
        url = self.start_dashboard(ports.dashboard)
        lang = self.lang
        pages = [
            ("demo.screen", "/scherm"),
            ("demo.now", "/"),
            ("demo.history_page", "/historie"),
            ("demo.co2", "/co2"),
            ("demo.coach", "/coach"),
        ]
        width = (
            max(
                len(t(k, lang))
                for k in (*(p[0] for p in pages), "demo.admin", "demo.participant", "demo.health")
            )
            + 2
        )
        lines = ["", t("demo.running", lang)]
        lines += [f"{t(key, lang):<{width}}{url}{path}" for key, path in pages]
        lines.append(
            f"{t('demo.admin', lang):<{width}}{url}/beheer   "
            + t("demo.password", lang, password=DEMO_ADMIN_PASSWORD)
        )
        lines += [f"{t('demo.participant', lang):<{width}}{link}" for link in self.participant_links(url)]
        lines += [
            f"{t('demo.health', lang):<{width}}http://127.0.0.1:{ports.health}/health",
            "",
            t("demo.stop_hint", lang),
        ]
        say("\n".join(lines))
        self.stopping.wait()
        return 0

    def stop(self) -> None:
        self.stopping.set()
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for stop in self.stoppers:
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                log.debug("stopping: %s", exc)
        for proc in self.processes:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_demo(
    config: SiteConfig, config_path: Path, host: str, port: int | None, seed: int, reset: bool
) -> int:
    demo = Demo(config, config_path, host=host, dashboard_port=port, seed=seed, reset=reset)

    def _stop(signum: int, _frame: Any) -> None:
        demo.stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        return demo.run()
    except DemoError as exc:
        print(t("demo.error", demo.lang, message=exc), file=sys.stderr)
        return 2
    finally:
        say(t("demo.stopping", demo.lang))
        demo.stop()
        say(t("demo.stopped", demo.lang))
