"""From bytes to readings: framing, decoding and the protocol guards only P1 can apply.

Guards, in order: the frame must be whole; the CRC must match (DSMR 4/5, BE); on a
meter without CRC a new serial must repeat before it is believed (a corrupt digit
would otherwise look like a meter swap). Everything else — units, known quantities,
counter plausibility, the meter clock against the receive time — is the gate's
(``collector/pipeline.py``): the stream emits what the telegram said, with its unit.

Times: ``ts`` is the meter clock when the telegram has one (DSMR 4/5, BE), else the
receive time. On a live link (``live=True``) readings timed by the meter clock also
carry ``received``, so the gate can catch a clock that is off. Files and replays are
history: their receive time says nothing about the meter clock, so they carry none.
Gas and water are emitted once per capture time.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from buurtwatt.readings import Reading
from collector.p1.decoder import BadTelegram, Decoder, MeterTelegram
from collector.p1.framing import Broken, Frame, TelegramFramer

log = logging.getLogger(__name__)

SERIAL_CONFIRMATIONS = 3  # telegrams in a row before a new serial counts, without CRC

# reasons that mean "this telegram was bad" (counted as drops in health)
BAD_REASONS = frozenset({"truncated", "bad_crc", "unparsable", "unknown_spec", "serial_unconfirmed"})


@dataclass(slots=True)
class Outcome:
    """What became of one telegram (or of bytes that were not one)."""

    offset: int
    line: int = 1  # line of the telegram's first byte in the stream
    readings: list[Reading] = field(default_factory=list)
    telegram: MeterTelegram | None = None
    reason: str | None = None  # set when the telegram gave no readings
    detail: str = ""
    time: float | None = None  # the time of the electricity readings
    partial_drops: list[tuple[str, str]] = field(default_factory=list)  # a value lost, the rest kept

    @property
    def bad(self) -> bool:
        return self.reason in BAD_REASONS


class TelegramStream:
    """Feed bytes with their receive time, get one :class:`Outcome` per telegram."""

    def __init__(
        self,
        device: str = "meter",
        gas_device: str = "gas",
        spec: str = "auto",
        interval_s: float = 0.0,
        parser: str = "fast",
        report_leading: bool = False,
        live: bool = False,
        water_device: str = "water",
    ) -> None:
        self.devices = {"gas_m3": gas_device, "water_m3": water_device}
        self.device = device
        self.decoder = Decoder(spec, parser)
        self.framer = TelegramFramer(report_leading)
        self.interval_s = interval_s
        self.live = live
        self.stats: Counter[str] = Counter()  # everything counted: good, reasons, time from receive
        self._serial: str | None = None
        self._seen = False
        self._meter_time: float | None = None
        self._pending_serial: tuple[str | None, int] = (None, 0)
        self._last_emit = float("-inf")
        self._last_body: bytes | None = None
        self._captures: dict[str, tuple[str, float]] = {}  # quantity -> (meter, capture time) last emitted

    @property
    def garbage_bytes(self) -> int:
        """Bytes between telegrams that were no part of one (noise, a wrong baud rate, junk)."""
        return self.framer.garbage_bytes

    # -- bytes in ------------------------------------------------------------------------
    def feed(self, data: bytes, received: float) -> list[Outcome]:
        return [self._handle(item, received) for item in self.framer.feed(data)]

    def idle(self, received: float) -> list[Outcome]:
        """No bytes came for a while: see :meth:`TelegramFramer.idle`."""
        return [self._handle(item, received) for item in self.framer.idle()]

    def finish(self, received: float) -> list[Outcome]:
        return [self._handle(item, received) for item in self.framer.finish()]

    def reconnected(self) -> None:
        """A new connection: half a telegram from the old one must not glue onto the new one."""
        self.framer.reset()

    def _handle(self, item: Frame | Broken, received: float) -> Outcome:
        if isinstance(item, Broken):
            return self._count(Outcome(item.offset, item.line, reason=item.reason, detail=item.detail))
        if item.body == self._last_body:  # HomeWizard polled faster than the meter sends
            return self._count(Outcome(item.offset, item.line, reason="repeat", detail="same telegram"))
        try:
            telegram = self.decoder.decode(item)
        except BadTelegram as exc:
            return self._count(Outcome(item.offset, item.line, reason=exc.reason, detail=exc.detail))
        outcome = self._accept(item, telegram, received)
        if not outcome.bad:
            self._last_body = item.body
        return self._count(outcome)

    def _count(self, outcome: Outcome) -> Outcome:
        self.stats[outcome.reason or "good"] += 1
        for reason, _ in outcome.partial_drops:
            self.stats[reason] += 1
        return outcome

    # -- telegram to readings ------------------------------------------------------------
    def _accept(self, frame: Frame, telegram: MeterTelegram, received: float) -> Outcome:
        clock = telegram.meter_time
        if clock is None:
            self.stats["time_from_receive_no_clock"] += 1
        ts = clock if clock is not None else received
        out = Outcome(frame.offset, frame.line, telegram=telegram, time=ts)
        out.partial_drops.extend(telegram.problems)
        same_meter = self._seen and telegram.serial == self._serial
        if same_meter and clock is not None and clock == self._meter_time:
            # the same second twice (a reconnect, a gateway that repeats): once is enough. A clock that
            # jumps back or ahead is not judged here: the gate compares it with the receive time
            out.reason, out.detail = "repeat", "meter time did not advance"
            return out
        if self._seen and not same_meter:
            if not self.decoder.spec_has_crc(telegram.spec):
                # without a CRC a changed serial may be a corrupt one: believe it after a few telegrams
                pending, seen = self._pending_serial
                seen = seen + 1 if pending == telegram.serial else 1
                self._pending_serial = (telegram.serial, seen)
                if seen < SERIAL_CONFIRMATIONS:
                    out.reason = "serial_unconfirmed"
                    out.detail = (
                        f"serial changed {self._serial} -> {telegram.serial}; waiting for confirmation"
                    )
                    return out
            log.info("meter serial changed %s -> %s: counters restart", self._serial, telegram.serial)
        self._pending_serial = (None, 0)
        self._seen, self._serial, self._meter_time = True, telegram.serial, clock
        stamp = received if self.live and clock is not None else None
        elapsed = ts - self._last_emit
        if elapsed >= self.interval_s or elapsed < 0:  # < 0: the clock went back; thin from there
            self._last_emit = ts
            out.readings = self._electricity(telegram, ts, stamp)
        # an M-Bus capture is judged by the meter's own clock: it lags the receive time by design
        # (up to an hour on DSMR 4), so its receive time is shifted by the same lag
        lag_base = (received - clock) if self.live and clock is not None else None
        out.readings.extend(self._mbus(telegram, lag_base))
        if not out.readings:
            out.reason = "thinned"  # interval_s keeps this one out; not a fault
        return out

    def _electricity(self, telegram: MeterTelegram, ts: float, received: float | None) -> list[Reading]:
        dev, serial = self.device, telegram.serial
        out = [
            Reading(dev, name, ts, value, meter=serial, unit=unit, received=received)
            for name, (value, unit) in telegram.counters.items()
        ]
        out += [
            Reading(dev, name, ts, value, unit=unit, received=received)
            for name, (value, unit) in telegram.gauges.items()
        ]
        return out

    def _mbus(self, telegram: MeterTelegram, clock_offset: float | None) -> list[Reading]:
        """M-Bus readings; ``clock_offset`` is receive time minus meter time (None: not live)."""
        out = []
        for m in telegram.mbus:
            key = (m.meter, m.captured)
            if self._captures.get(m.quantity) == key:
                continue  # the same capture repeats in every telegram until the next one
            self._captures[m.quantity] = key
            out.append(
                Reading(
                    self.devices[m.quantity],
                    m.quantity,
                    m.captured,
                    m.value,
                    meter=m.meter,
                    unit=m.unit,
                    received=None if clock_offset is None else m.captured + clock_offset,
                )
            )
        return out
