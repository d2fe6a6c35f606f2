"""The ``p1`` source: one transport, one telegram stream, reconnect forever, report health."""

from __future__ import annotations

import logging
import time
from typing import Any

from buurtwatt.backoff import Backoff
from buurtwatt.config_base import SecretMissing
from collector.health import State
from collector.p1.config import P1Config
from collector.p1.specs import SERIAL_AUTO, SERIAL_DEFAULT, SerialSetting
from collector.p1.stream import Outcome, TelegramStream
from collector.p1.transports import (
    AccessDenied,
    HomeWizardTransport,
    LinkLost,
    ReplayFinished,
    ReplayTransport,
    SerialTransport,
    TcpTransport,
)
from collector.source import SourceContext

log = logging.getLogger(__name__)

Transport = SerialTransport | TcpTransport | HomeWizardTransport | ReplayTransport


class _NoTelegrams(LinkLost):
    """Serial auto-detection: no good telegram with this setting."""


def serial_settings(config: P1Config) -> list[SerialSetting]:
    """The settings to try, in order. Explicit keys win over the spec's default."""
    if all(value == "auto" for value in (config.baud, config.parity, config.bytesize, config.spec)):
        return list(SERIAL_AUTO)
    base = SERIAL_DEFAULT.get(config.spec, SERIAL_AUTO[0])
    return [
        SerialSetting(
            baudrate=base.baudrate if config.baud == "auto" else int(config.baud),
            bytesize=base.bytesize if config.bytesize == "auto" else int(config.bytesize),
            parity=base.parity if config.parity == "auto" else str(config.parity),
        )
    ]


class P1Source:
    """Reads one P1 meter. Constructed as ``P1Source(device_config, site_config)``."""

    def __init__(self, config: P1Config, site: Any = None) -> None:
        self.config = config
        self.site = site
        self.stream = TelegramStream(
            device=config.name,
            gas_device=config.gas_name,
            spec=config.spec,
            interval_s=config.interval_s,
            max_clock_skew_s=config.max_clock_skew_s,
            live=config.replay is None,
        )
        self._settings = serial_settings(config) if config.port else []
        self._setting = 0
        self._locked = False  # serial setting proven by a good telegram

    # -- transports ----------------------------------------------------------------------
    def make_transport(self) -> Transport:
        c = self.config
        if c.port:
            return SerialTransport(c.port, self._settings[self._setting])
        if c.host:
            return TcpTransport(c.host, c.tcp_port)
        if c.homewizard:
            token = c.token.require() if c.token is not None else None
            verify = c.verify if isinstance(c.verify, bool) else str(c.verify)
            return HomeWizardTransport(c.homewizard, c.api, token, verify, c.poll_s)
        assert c.replay is not None
        return ReplayTransport(c.replay)

    # -- the loop ------------------------------------------------------------------------
    def run(self, ctx: SourceContext) -> None:
        health = ctx.health
        backoff = Backoff(initial=1.0, maximum=60.0)
        first = True
        while not ctx.stopping.is_set():
            if not first:
                health.count_reconnect()
            first = False
            try:
                transport = self.make_transport()
                transport.open()
            except SecretMissing as exc:
                health.set_state(State.ERROR, str(exc))
                if not ctx.sleep(60):
                    return
                continue
            except (OSError, ValueError) as exc:  # pyserial's SerialException is an OSError
                health.set_state(State.OFFLINE, f"cannot open {self._describe()}: {exc}")
                if not ctx.sleep(backoff.next()):
                    return
                continue
            self.stream.reconnected()
            try:
                self._pump(ctx, transport, backoff)
            except ReplayFinished as exc:
                self._report_all(ctx, self.stream.finish(time.time()))
                health.set_state(State.OK, str(exc))
                ctx.stopping.wait()
                return
            except AccessDenied as exc:
                health.set_state(State.ERROR, str(exc))
                transport.close()
                if not ctx.sleep(max(60.0, backoff.next())):
                    return
                continue
            except _NoTelegrams as exc:
                self._setting = (self._setting + 1) % len(self._settings)
                log.info("%s: %s; trying %s", self.config.name, exc, self._settings[self._setting])
                health.set_state(State.OFFLINE, str(exc))
                transport.close()
                continue
            except (LinkLost, OSError) as exc:
                health.set_state(State.OFFLINE, f"{transport.name}: {exc}")
            finally:
                transport.close()
            if not ctx.sleep(backoff.next()):
                return

    def _describe(self) -> str:
        c = self.config
        return c.port or (f"tcp://{c.host}:{c.tcp_port}" if c.host else c.homewizard or str(c.replay))

    def _pump(self, ctx: SourceContext, transport: Transport, backoff: Backoff) -> None:
        opened = last_data = time.monotonic()
        good = False
        probing = bool(self.config.port) and len(self._settings) > 1 and not self._locked
        pace = self.config.replay_interval_s if self.config.replay else 0.0
        while not ctx.stopping.is_set():
            data = transport.read()
            now = time.monotonic()
            if data:
                last_data = now
                for outcome in self.stream.feed(data, time.time()):
                    self._report(ctx, outcome)
                    if outcome.telegram is not None and not good:
                        good = True
                        self._locked = True
                        backoff.reset()
                        ctx.health.set_state(State.OK, f"reading {transport.name}")
                    if pace and outcome.readings and not ctx.sleep(pace):
                        return
            elif now - last_data > self.config.silence_s:
                raise LinkLost(f"no data for {self.config.silence_s:.0f} s (half-open link?)")
            if probing and not good and now - opened > self.config.probe_s:
                raise _NoTelegrams(
                    f"no valid telegram at {self._settings[self._setting]} within {self.config.probe_s:.0f} s"
                )

    def _report_all(self, ctx: SourceContext, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self._report(ctx, outcome)

    def _report(self, ctx: SourceContext, outcome: Outcome) -> None:
        if outcome.bad:
            ctx.health.drop(outcome.reason or "bad", 1, outcome.detail)
        for reason, detail in outcome.partial_drops:
            ctx.health.drop(reason, 1, detail)
        if outcome.readings:
            ctx.emit(outcome.readings)  # the gate counts them
        fallbacks = {k: v for k, v in self.stream.stats.items() if k.startswith("time_from_receive")}
        if fallbacks:
            ctx.health.set_events(fallbacks)
