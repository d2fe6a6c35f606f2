"""The sender: one background thread that moves outbox records to InfluxDB, oldest first.

It alone turns the outbox's backend-neutral records into line protocol (``lines``).

- A batch is deleted from the outbox only after the server answered 2xx.
- Server down, overloaded or slow (connection errors, 408, 429, 5xx): back off and send the
  same lines again.
- Wrong credentials, database or bucket (401, 403, 404, ...): say so once, show it in
  ``status()``, and try again only every ``slow_retry_s``. It never spins.
- Bad lines (400): InfluxDB 1.x and 2.x write the good lines of a batch and refuse the rest,
  so the batch is dropped and counted; resending could never help.
- While a backlog drains, batches go out back to back; new readings queue behind them.
- Once a second, also while InfluxDB is away, it queues the rollup buckets that are due
  (``Outbox.materialise``); ``flush`` queues all of them first.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from buurtwatt.backoff import Backoff
from buurtwatt.store.influx_http import (
    CONFIG,
    REJECTED,
    TOO_LARGE,
    TRANSIENT,
    InfluxError,
    InfluxHttp,
    lp_key,
    record_line,
)
from buurtwatt.store.outbox import Batch, Outbox

log = logging.getLogger(__name__)

CAP_CHECK_S = 1.0  # also how often due rollup buckets become lines (the shortest hold time is 5 s)
PRUNE_EVERY_S = 600.0


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        http: InfluxHttp,
        batch_size: int,
        *,
        slow_retry_s: float = 60.0,
        retry_max_s: float = 30.0,
    ) -> None:
        self.outbox = outbox
        self.http = http
        self.batch_size = batch_size
        self.slow_retry_s = slow_retry_s
        self.backoff = Backoff(initial=0.5, maximum=retry_max_s)
        self.state = "starting"
        self.message = "not connected yet"
        self.reachable: bool | None = None
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.last_sent_at: float | None = None
        self.attempts = 0  # write requests made, for tests and status
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._cond = threading.Condition()
        self._write_gen = 0  # bumped after every committed write
        self._drained_gen = -1  # the write generation the outbox was last seen empty at
        self._next_attempt = 0.0
        self._target_ready = False
        self._limit = batch_size
        self._last_cap_check = 0.0
        self._last_prune = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="influx-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    # --- signals from the store --------------------------------------------------------
    def written(self) -> None:
        with self._cond:
            self._write_gen += 1
        self._wake.set()

    def flush(self, timeout: float) -> bool:
        """Wait until everything written before this call is in InfluxDB; False on timeout."""
        deadline = time.monotonic() + timeout
        self.outbox.materialise(everything=True)
        with self._cond:
            # a new generation: only a look at the outbox after the lines above were queued counts
            self._write_gen += 1
            target = self._write_gen
            self._next_attempt = 0.0  # one immediate attempt, even when backing off
            self._wake.set()
            while self._drained_gen < target:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._cond.wait(min(left, 0.5))
        return True

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # --- the loop ----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # the sender must outlive any surprise; the outbox keeps the data
                log.exception("outbox sender: unexpected error; retrying in 5 s")
                self._stopping.wait(5.0)

    def _step(self) -> None:
        now = time.monotonic()
        if now - self._last_cap_check >= CAP_CHECK_S:
            self._last_cap_check = now
            self.outbox.materialise()  # first, so the cap sees the records it adds
            self.outbox.enforce_cap()
        if now < self._next_attempt:
            self._wait(min(self._next_attempt - now, CAP_CHECK_S))
            return
        with self._cond:
            generation = self._write_gen
        batch = self.outbox.oldest(self._limit)
        if batch is None:
            with self._cond:
                self._drained_gen = generation
                self._cond.notify_all()
            self._maybe_prune(now)
            self._wait(CAP_CHECK_S)
            return
        if not self._target_ready:
            self._ensure_target()
        body = "\n".join(self.lines(batch)).encode()
        self.attempts += 1
        try:
            self.http.write(body)
        except InfluxError as exc:
            self._failed(exc, batch)
            return
        self._set_state("ok", "sending", reachable=True)  # before confirm: the log names the backlog
        self.outbox.confirm(batch)
        self.last_sent_at = time.time()
        self.backoff.reset()
        self._limit = self.batch_size

    def lines(self, batch: Batch) -> list[str]:
        """The batch in line protocol."""
        site = lp_key(self.outbox.site)
        return [*batch.legacy_lines, *(record_line(r, site) for r in batch.records)]

    def _wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _ensure_target(self) -> None:
        try:
            done = self.http.ensure_target()
        except InfluxError as exc:
            # not fatal: the write that follows tells whether it matters
            log.debug("could not check the InfluxDB database: %s", exc)
            return
        except Exception:  # e.g. the untested 2.x DBRP path: never let it block sending
            log.exception("could not check or create the InfluxDB database/DBRP mapping; sending anyway")
            self._target_ready = True
            return
        self._target_ready = True
        if done:
            log.info("%s", done)

    def _failed(self, exc: InfluxError, batch: Any) -> None:
        self.last_error, self.last_error_at = str(exc), time.time()
        kind = exc.kind
        url = self.http.base
        if kind == TRANSIENT:
            delay = self.backoff.next()
            self._next_attempt = time.monotonic() + delay
            problem = str(exc) if exc.status is None else f"InfluxDB at {url} answered {exc}"
            self._set_state(
                "unreachable",
                f"{problem}; readings wait in the outbox and are sent when it is back",
                reachable=exc.status is not None,
            )
        elif kind == TOO_LARGE and self._limit > 1:
            self._limit = max(1, self._limit // 2)
        elif kind in (REJECTED, TOO_LARGE):
            self.outbox.reject(batch)
            log.error(
                "InfluxDB at %s refused %d lines as invalid (%s); they were dropped",
                url,
                len(batch.legacy_lines) + len(batch.records),
                exc,
            )
        else:
            assert kind == CONFIG
            self._target_ready = False  # a database may have gone: check it again next time
            self._next_attempt = time.monotonic() + self.slow_retry_s
            self._set_state(
                "refused",
                f"InfluxDB at {url} refused the data ({exc}): check the url, api, "
                f"database/bucket and credentials in the store config; retrying every "
                f"{self.slow_retry_s:g} s, readings wait in the outbox",
                reachable=True,
            )

    def _set_state(self, state: str, message: str, reachable: bool | None) -> None:
        self.reachable = reachable
        # one log line per change of state; a new reason for a refusal is a change too
        changed = state != self.state or (state == "refused" and message != self.message)
        previous, self.state, self.message = self.state, state, message
        if not changed:
            return
        if state == "ok":
            if previous != "starting":
                log.warning(
                    "InfluxDB at %s accepts data again; sending the %d waiting lines, oldest first",
                    self.http.base,
                    self.outbox.depth,
                )
        elif state == "refused":
            log.error("%s", message)
        else:
            log.warning("%s", message)

    def _maybe_prune(self, now: float) -> None:
        # only while the sender keeps up, so no unsent rollup line can still need an old bucket
        if now - self._last_prune < PRUNE_EVERY_S:
            return
        self._last_prune = now
        deleted = self.outbox.prune_local_rollups()
        log.debug("pruned %d local rollup buckets", deleted)

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "message": self.message,
            "reachable": self.reachable,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_sent_at": self.last_sent_at,
            "write_requests": self.attempts,
        }
