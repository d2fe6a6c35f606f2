"""From bytes to readings: framing, decoding and the guards that keep bad data out of the store.

Guards, in order: the frame must be whole; the CRC must match (DSMR 4/5, BE); a
counter must not go backwards for the same meter serial, nor jump more than the
connection could deliver (what DSMR 2.2/3, without CRC, relies on); on a meter
without CRC a new serial must repeat before it is believed. Gas is emitted once
per capture time. Times come from the meter clock unless it is missing or too far
off, then from the receive time, and each such fallback is counted.
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
BAD_REASONS = frozenset(
    {
        "truncated",
        "bad_crc",
        "unparsable",
        "unknown_spec",
        "serial_unconfirmed",
    }
)


@dataclass(slots=True)
class Outcome:
    """What became of one telegram (or of bytes that were not one)."""

    offset: int
    readings: list[Reading] = field(default_factory=list)
    telegram: MeterTelegram | None = None
    reason: str | None = None  # set when the telegram gave no readings
    detail: str = ""
    time: float | None = None  # the time used for the electricity readings
    partial_drops: list[tuple[str, str]] = field(default_factory=list)  # e.g. gas dropped, power kept

    @property
    def bad(self) -> bool:
        return self.reason in BAD_REASONS


@dataclass
class _MeterState:
    serial: str | None
    time: float
    meter_time: float | None
    counters: dict[str, float]


class TelegramStream:
    """Feed bytes with their receive time, get one :class:`Outcome` per telegram."""

    def __init__(
        self,
        device: str = "meter",
        gas_device: str = "gas",
        spec: str = "auto",
        interval_s: float = 0.0,
        max_clock_skew_s: float | None = 86400.0,
        parser: str = "fast",
        report_leading: bool = False,
        live: bool = False,
    ) -> None:
        self.device = device
        self.gas_device = gas_device
        self.decoder = Decoder(spec, parser)
        self.framer = TelegramFramer(report_leading)
        self.interval_s = interval_s
        self.max_clock_skew_s = max_clock_skew_s
        # live: bytes come from a meter now, so readings carry their receive time and the
        # collector's gate judges the meter clock (a replayed file has no such thing)
        self.live = live
        self.stats: Counter[str] = Counter()  # everything counted: good, reasons, time fallbacks
        self._last: _MeterState | None = None
        self._pending_serial: tuple[str | None, int] = (None, 0)
        self._last_emit = float("-inf")
        self._last_body: bytes | None = None
        self._gas_key: tuple[str, float] | None = None
        self._clock_offset: float | None = None

    # -- bytes in ------------------------------------------------------------------------
    def feed(self, data: bytes, received: float) -> list[Outcome]:
        return [self._handle(item, received) for item in self.framer.feed(data)]

    def finish(self, received: float) -> list[Outcome]:
        return [self._handle(item, received) for item in self.framer.finish()]

    def reconnected(self) -> None:
        """A new connection: half a telegram from the old one must not glue onto the new one."""
        self.framer.reset()

    def _handle(self, item: Frame | Broken, received: float) -> Outcome:
        if isinstance(item, Broken):
            return self._count(Outcome(item.offset, reason=item.reason, detail=item.detail))
        if item.body == self._last_body:  # HomeWizard polled faster than the meter sends
            return self._count(Outcome(item.offset, reason="repeat", detail="same telegram as before"))
        try:
            telegram = self.decoder.decode(item)
        except BadTelegram as exc:
            return self._count(Outcome(item.offset, reason=exc.reason, detail=exc.detail))
        outcome = self._accept(item.offset, telegram, received)
        if not outcome.bad:
            self._last_body = item.body
        return self._count(outcome)

    def _count(self, outcome: Outcome) -> Outcome:
        self.stats[outcome.reason or "good"] += 1
        return outcome

    # -- telegram to readings ------------------------------------------------------------
    def _time(self, telegram: MeterTelegram, received: float) -> tuple[float, float]:
        """(time for the electricity readings, shift to apply to gas capture times)."""
        if telegram.meter_time is None:
            self.stats["time_from_receive_no_clock"] += 1
            return received, 0.0
        skew = received - telegram.meter_time
        if self.max_clock_skew_s is not None and abs(skew) > self.max_clock_skew_s:
            if self.stats["time_from_receive_clock_off"] == 0:
                log.warning("meter clock is %.0f s off the receive time; using the receive time", -skew)
            self.stats["time_from_receive_clock_off"] += 1
            # keep one offset while it holds, so telegrams that arrive together keep their spacing
            if self._clock_offset is None or abs(skew - self._clock_offset) > 60:
                self._clock_offset = skew
            return telegram.meter_time + self._clock_offset, self._clock_offset
        self._clock_offset = None
        return telegram.meter_time, 0.0

    def _accept(self, offset: int, telegram: MeterTelegram, received: float) -> Outcome:
        ts, gas_shift = self._time(telegram, received)
        out = Outcome(offset, telegram=telegram, time=ts)
        last = self._last
        no_crc = telegram.spec == "v2_2"
        if last is not None and telegram.serial == last.serial:
            if (
                telegram.meter_time is not None
                and last.meter_time is not None
                and telegram.meter_time == last.meter_time
            ):
                out.reason, out.detail = "repeat", "meter time did not advance"
                return out
        elif last is not None and no_crc:
            # without a CRC a changed serial may be a corrupt one: believe it after a few telegrams
            pending, seen = self._pending_serial
            seen = seen + 1 if pending == telegram.serial else 1
            self._pending_serial = (telegram.serial, seen)
            if seen < SERIAL_CONFIRMATIONS:
                out.reason = "serial_unconfirmed"
                out.detail = f"serial changed {last.serial} -> {telegram.serial}; waiting for confirmation"
                return out
        if last is not None and telegram.serial != last.serial:
            log.info("meter serial changed %s -> %s: counters restart", last.serial, telegram.serial)
        self._pending_serial = (None, 0)
        self._last = _MeterState(telegram.serial, ts, telegram.meter_time, dict(telegram.counters))
        # a meter clock that jumped ahead and back must not thin out everything after it
        if not 0 <= ts - self._last_emit < self.interval_s:
            self._last_emit = ts
            out.readings = self._electricity(telegram, ts, received if self.live else None)
        gas = self._gas(telegram, gas_shift, out)
        if gas:
            out.readings.append(gas)
        if not out.readings:
            out.reason = "thinned"  # interval_s keeps this one out; not a fault
        return out

    def _electricity(self, telegram: MeterTelegram, ts: float, received: float | None) -> list[Reading]:
        dev, serial = self.device, telegram.serial
        if ts != telegram.meter_time:
            received = None  # already the receive time (no clock, or a clock far off)
        out = [
            Reading(dev, name, ts, value, meter=serial, received=received)
            for name, value in telegram.counters.items()
        ]
        out += [Reading(dev, name, ts, value, received=received) for name, value in telegram.gauges.items()]
        return out

    def _gas(self, telegram: MeterTelegram, shift: float, out: Outcome) -> Reading | None:
        gas = telegram.gas
        if gas is None:
            return None
        captured = gas.captured + shift
        key = (gas.meter, captured)
        if self._gas_key is not None and gas.meter == self._gas_key[0] and captured <= self._gas_key[1]:
            return None  # the same capture repeats in every telegram until the next one
        self._gas_key = key
        return Reading(self.gas_device, "gas_m3", captured, gas.m3, meter=gas.meter)
