"""The alert loop: observe, find problems, send what the book says. Runs in the dashboard process,
so a dead collector is noticed too."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from buurtwatt.alerts.book import AlertBook, Message
from buurtwatt.alerts.channels import ChannelError, send_email, send_push
from buurtwatt.alerts.config import AlertsConfig
from buurtwatt.alerts.rules import Observation, problems
from buurtwatt.config import SiteConfig
from buurtwatt.health_report import flat_devices, health_url
from buurtwatt.i18n import t
from buurtwatt.series import Series
from buurtwatt.store.base import Resolution, Store

log = logging.getLogger(__name__)
Sender = Callable[[str, str, str], None]  # (title, body, tags)


MBUS_SILENT_MINUTES = 130.0  # a DSMR 4 meter passes its gas meter's value on once an hour


def slow_devices(config: SiteConfig) -> dict[str, float]:
    """M-Bus meters behind a smart meter (gas, water): silent for an hour is normal for them."""
    out: dict[str, float] = {}
    for device in config.devices:
        for key in ("gas_name", "water_name"):
            name = getattr(device, key, None)
            if isinstance(name, str) and name:
                out[name] = MBUS_SILENT_MINUTES
    return out


def fetch_health(url: str, timeout: float = 5) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - configured URL
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def render(message: Message, lang: str, tz: tzinfo) -> tuple[str, str]:
    """Title and text of one message, from the catalogue (Dutch by default)."""
    a = message.alert
    values = dict(a.values)
    if values.get("since_ts") is not None:
        values["since"] = datetime.fromtimestamp(values["since_ts"], tz).strftime("%H:%M")
    title = t(f"alert.{a.kind}.title", lang, **values)
    key = "alert.start" if message.event == "start" else "alert.end"
    body = t(f"alert.{a.kind}.{message.event}", lang, **values)
    at = a.started if message.event == "start" else (a.ended or a.started)
    when = datetime.fromtimestamp(at, tz).strftime("%d-%m-%Y %H:%M")
    return t(key, lang, title=title), f"{body}\n\n{t('alert.when', lang, when=when)}"


class AlertRunner:
    """Checks every ``check_every_s``; ``active()`` and ``recent()`` feed the admin page."""

    def __init__(
        self,
        config: SiteConfig,
        store: Store | None,
        senders: list[Sender] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.cfg: AlertsConfig = config.alerts
        self.store = store
        self.clock = clock
        self.url = config.alerts.collector_health_url or health_url(config) or ""
        self.senders = senders if senders is not None else self._channels()
        state = Path(self.cfg.state_file) if self.cfg.state_file else None
        self.state_path = state
        quiet = self.cfg.quiet_minutes * 60
        self.book = AlertBook.load(state, quiet) if state else AlertBook(quiet)
        self.slow = slow_devices(config)
        self.down_since: float | None = None
        self._last_refused: tuple[float, int] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.checks = 0
        self.failed_sends = 0

    def _channels(self) -> list[Sender]:
        out: list[Sender] = []
        for mail in self.cfg.email:
            out.append(lambda title, body, _tags, ch=mail: send_email(ch, title, body))
        for push in self.cfg.push:
            out.append(lambda title, body, tags, ch=push: send_push(ch, title, body, tags))
        return out

    # --- observing --------------------------------------------------------------------------
    def observe(self) -> Observation:
        now = self.clock()
        health = fetch_health(self.url)
        if health is None:
            self.down_since = self.down_since or now
        else:
            self.down_since = None
        obs = Observation(
            now=now, health=health, collector_down_since=self.down_since, slow_devices=self.slow
        )
        obs.refused_per_minute = self._refused_rate(health, now)
        if self.store is not None:
            self._observe_store(obs)
        return obs

    def _refused_rate(self, health: dict[str, Any] | None, now: float) -> float | None:
        if health is None:
            return None
        total = sum(sum(d.get("drops", {}).values()) for d in flat_devices(health.get("devices", [])))
        last, self._last_refused = self._last_refused, (now, total)
        if last is None or now <= last[0] or total < last[1]:  # first look, or the collector restarted
            return None
        return (total - last[1]) / ((now - last[0]) / 60)

    def _observe_store(self, obs: Observation) -> None:
        assert self.store is not None
        try:
            status = self.store.status()
            obs.newest_data = status.get("newest")
            where = Path(status.get("path") or getattr(self.config.store, "path", ".")).resolve().parent
            usage = shutil.disk_usage(where)
            obs.disk_free_pct = 100 * usage.free / usage.total
            obs.co2_high = self._co2_high(obs.now)
        except Exception as exc:  # an unreadable store is for the stale rule, not a crash
            log.warning("alerts: cannot read the store: %s", exc)

    def _co2_high(self, now: float) -> dict[str, float]:
        assert self.store is not None
        window = self.cfg.co2_minutes * 60
        high: dict[str, float] = {}
        for name in self.store.series_names():
            series = Series.parse(name)
            if series.quantity != "co2_ppm":
                continue
            rows = [r for r in self.store.read(name, now - window, now, Resolution.MIN1) if r.count]
            # the whole window must be covered: a sensor that just came back is not "15 minutes"
            if len(rows) < window / 60 * 0.8:
                continue
            lowest = min((r.min if r.min is not None else r.value) for r in rows)
            if lowest > self.cfg.co2_ppm_above:
                high[series.device] = lowest
        return high

    # --- one round ----------------------------------------------------------------------------
    def check(self) -> list[Message]:
        obs = self.observe()
        with self._lock:
            messages = self.book.update(problems(obs, self.cfg), obs.now)
            if self.state_path:
                self.book.save(self.state_path)
        for message in messages:
            self._send(message)
        self.checks += 1
        return messages

    def _send(self, message: Message) -> None:
        title, body = render(message, self.cfg.language, self.config.site.tz)
        tags = "warning" if message.event == "start" else "white_check_mark"
        log.warning("alert %s: %s", message.event, title)
        for send in self.senders:
            try:
                send(title, body, tags)
            except ChannelError as exc:
                self.failed_sends += 1
                log.error("alert not delivered: %s", exc)

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(vars(a)) for a in self.book.active.values()]

    def recent(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(vars(a)) for a in self.book.recent]

    # --- thread -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:  # alerts must keep running whatever one round hits
                log.exception("alerts: one check failed")
            self._stop.wait(self.cfg.check_every_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
