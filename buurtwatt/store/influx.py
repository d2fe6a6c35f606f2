"""The InfluxDB store (1.x, 2.x, 3.x): a durable local outbox in front, InfluxQL reads behind.

Writing: readings go through the shared rollup code (rollup.py) into a local working file at
``config.outbox`` (series state and the recent rollup buckets, sqlite_db.py). In the same
transaction the outbox queues the raw points as records and marks the touched rollup buckets;
a sender thread turns due buckets into records (a bucket goes out when it closes or after its
level's hold time, see outbox.py) and delivers everything as line protocol (influx_sender.py).
The collector therefore computes the rollups itself: no Flux task is needed, and the same code
serves every InfluxDB version.

Reading: InfluxQL on ``/query``, shaped into the same rows as the SQLite store (shape.py).

Schema in InfluxDB (millisecond timestamps; tags ``site`` and ``device`` only):

- ``buurtwatt``: raw points, one float field per quantity (``import_kwh=1234.567``). A raw
  point is stored when the value changed or a heartbeat passed, as in the SQLite store.
- ``buurtwatt_1m``, ``buurtwatt_15m``, ``buurtwatt_1h``, ``buurtwatt_1d``: rollups, the point
  time is the bucket start (1d: local midnight). Per quantity ``<q>_n`` (integer sample count),
  ``<q>_min``, ``<q>_max``, ``<q>_first``, ``<q>_last``, and ``<q>_sum`` for gauges or
  ``<q>_inc`` (increase within the bucket, never negative) for counters. 1-minute points also
  carry ``<q>_last_ts`` (integer, ms) in the bucket that holds the series' newest sample, so
  latest() sees a steady value that the raw heartbeat filter did not store again.

Example InfluxQL for Grafana: ``SELECT "import_kwh_inc" FROM "buurtwatt_1d" WHERE "site"='x'
AND "device"='meter'`` gives the daily energy taken from the grid.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from buurtwatt.config import InfluxStoreConfig
from buurtwatt.readings import Reading
from buurtwatt.series import Series
from buurtwatt.store.base import Resolution, Row, TimeLike, to_ts
from buurtwatt.store.influx_http import (
    LAST_TS_SUFFIX,
    MEASUREMENTS,
    RAW_MEASUREMENT,
    InfluxHttp,
    ql_ident,
    ql_string,
)
from buurtwatt.store.influx_sender import Sender
from buurtwatt.store.outbox import Outbox
from buurtwatt.store.registry import register_backend
from buurtwatt.store.rollup import Batch
from buurtwatt.store.shape import Bucket, bucket_row, mark_gaps, months_from_days
from buurtwatt.store.sqlite import DEFAULT_CADENCE
from buurtwatt.store.sqlite_db import RollupDb
from buurtwatt.timeutil import AMSTERDAM
from buurtwatt.vocabulary import QUANTITIES, Quantity, UnknownSeries


class InfluxStore:
    """See the module docstring. ``readonly`` (the dashboard) reads only: no outbox, no sender."""

    kind = "influxdb"

    def __init__(
        self,
        config: InfluxStoreConfig,
        site: str = "default",
        tz: str = AMSTERDAM,
        readonly: bool = False,
        *,
        slow_retry_s: float = 60.0,
        retry_max_s: float = 30.0,
        rollup_hold_s: dict[str, float] | None = None,
    ) -> None:
        self.config = config
        self.site = site
        self.tz = tz
        self.readonly = readonly
        self.heartbeat = config.heartbeat_s
        self.cadence = {**DEFAULT_CADENCE, **config.cadence}
        self.http = InfluxHttp(config)
        self._site_q = ql_string(site)
        self._write_lock = threading.Lock()
        self.local: RollupDb | None = None
        self.outbox: Outbox | None = None
        self.sender: Sender | None = None
        if readonly:
            return
        self.outbox = Outbox(
            config.outbox, site, int(config.outbox_max_mb * 1024 * 1024), hold_s=rollup_hold_s
        )
        self.local = RollupDb(
            config.outbox, site=site, tz=tz, heartbeat_s=config.heartbeat_s, cadence=self.cadence
        )
        self.outbox.open()
        self.sender = Sender(
            self.outbox, self.http, config.batch_size, slow_retry_s=slow_retry_s, retry_max_s=retry_max_s
        )
        self.sender.start()

    # --- writing -----------------------------------------------------------------------
    def write(self, readings: Sequence[Reading]) -> Batch:
        """Commit to the local outbox (durable on return); the sender delivers it soon after."""
        if self.local is None or self.outbox is None or self.sender is None:
            raise PermissionError("this store was opened read-only")
        with self._write_lock:
            try:
                result = self.local.write(readings, self.outbox.after_write)
            except BaseException:
                self.outbox.rolled_back()
                raise
            self.outbox.committed()
        self.sender.written()
        return result

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything written so far, every rollup bucket included, is in InfluxDB;
        False if that took too long."""
        return self.sender.flush(timeout) if self.sender else True

    # --- reading -----------------------------------------------------------------------
    def _where(self, device: str) -> str:
        return f"{ql_ident('site')}={self._site_q} AND {ql_ident('device')}={ql_string(device)}"

    def read(
        self, series: str, start: TimeLike, end: TimeLike, resolution: Resolution = Resolution.RAW
    ) -> list[Row]:
        parsed = Series.parse(series)
        device, q = parsed.device, parsed.spec
        t0, t1 = to_ts(start), to_ts(end)
        if resolution is Resolution.RAW:
            # same bounds as the SQLite store: integer milliseconds, start inclusive
            span = f"time >= {int(t0 * 1000)}ms AND time < {int(t1 * 1000)}ms"
            query = (
                f"SELECT {ql_ident(q.name)} FROM {ql_ident(RAW_MEASUREMENT)} "
                f"WHERE {self._where(device)} AND {span}"
            )
            points = [(ts / 1000.0, float(v)) for ts, v in self._values(query) if v is not None]
            return mark_gaps(points, self.heartbeat + self.cadence.get(q.name, 0.0))
        level = "1d" if resolution is Resolution.MONTH else resolution.value
        buckets = self._buckets(device, q, level, t0, t1)
        if resolution is Resolution.MONTH:
            return months_from_days(q, buckets, self.tz)
        return [bucket_row(q, b) for b in buckets]

    def _buckets(self, device: str, q: Quantity, level: str, t0: float, t1: float) -> list[Bucket]:
        suffixes = ("_n", "_sum", "_min", "_max", "_first", "_last", "_inc")
        wanted = [s for s in suffixes if s != ("_sum" if q.is_counter else "_inc")]
        fields = ",".join(ql_ident(q.name + s) for s in wanted)
        span = f"time >= {math.ceil(t0 * 1000)}ms AND time < {math.ceil(t1 * 1000)}ms"
        query = f"SELECT {fields} FROM {ql_ident(MEASUREMENTS[level])} WHERE {self._where(device)} AND {span}"
        out: list[Bucket] = []
        for ts, *values in self._values(query):
            got = dict(zip(wanted, values, strict=True))
            n = got.get("_n")
            if n is None:
                continue
            out.append(
                (
                    ts / 1000.0 if ts % 1000 else ts // 1000,
                    int(n),
                    _f(got.get("_sum")),
                    _f(got.get("_min")),
                    _f(got.get("_max")),
                    _f(got.get("_first")),
                    _f(got.get("_last")),
                    _f(got.get("_inc")),
                )
            )
        return out

    def _values(self, query: str) -> list[list[Any]]:
        series = self.http.query(query)[0]
        return series[0].get("values", []) if series else []

    def latest(self, series: Iterable[str]) -> dict[str, Row]:
        names = [n for n in dict.fromkeys(series) if _known(n)]
        # live series answer from the last two days cheaply; only the silent ones search all time
        out = self._latest(names, "AND time > now() - 2d ")
        missing = [n for n in names if n not in out]
        if missing:
            out.update(self._latest(missing, ""))
        return out

    def _latest(self, names: list[str], span: str) -> dict[str, Row]:
        if not names:
            return {}
        statements = []
        for name in names:
            device, qname = Series.parse(name)
            statements.append(
                f"SELECT {ql_ident(qname + '_last')},{ql_ident(qname + LAST_TS_SUFFIX)} "
                f"FROM {ql_ident(MEASUREMENTS['1m'])} WHERE {self._where(device)} {span}"
                "ORDER BY time DESC LIMIT 1"
            )
        out: dict[str, Row] = {}
        for name, result in zip(names, self.http.query(";".join(statements)), strict=True):
            if not result or not result[0].get("values"):
                continue
            ts, value, last_ts = result[0]["values"][0]
            if value is None:
                continue
            when = (last_ts if last_ts is not None else ts) / 1000.0
            v = float(value)
            out[name] = Row(when, v, v, v, 1, v)
        return out

    def series_names(self) -> list[str]:
        # Every sample lands in a day bucket, so the small day measurement names every series;
        # day buckets are held back for minutes, so the last two days of minutes add new ones.
        names: set[str] = set()
        for table, since in (("1d", ""), ("1m", " AND time > now() - 2d")):
            query = (
                f"SELECT count(*) FROM {ql_ident(MEASUREMENTS[table])} "
                f"WHERE {ql_ident('site')}={self._site_q}{since} GROUP BY {ql_ident('device')}"
            )
            for s in self.http.query(query)[0]:
                device = s.get("tags", {}).get("device")
                for column, count in zip(s["columns"], s["values"][0], strict=True):
                    if device and column.startswith("count_") and column.endswith("_n") and count:
                        qname = column[len("count_") : -len("_n")]
                        if qname in QUANTITIES:
                            names.add(str(Series(device, qname)))
        return sorted(names)

    def sites(self) -> list[str]:
        # tag values are index metadata: cheap on any measurement; minutes arrive first
        query = f"SHOW TAG VALUES FROM {ql_ident(MEASUREMENTS['1m'])} WITH KEY = {ql_ident('site')}"
        return sorted({v[1] for s in self.http.query(query)[0] for v in s.get("values", [])})

    # --- health ------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        config = self.config
        out: dict[str, Any] = {
            "kind": self.kind,
            "site": self.site,
            "url": config.url,
            "api": config.api,
            "database": config.database
            if config.api != "v2"
            else f"{config.bucket} (InfluxQL db {config.database})",
        }
        if self.sender is None or self.outbox is None or self.local is None:
            reachable = self.http.ping()
            out.update(ok=reachable, reachable=reachable, state="ok" if reachable else "unreachable")
            return out
        out.update(self.sender.status())
        out["outbox"] = self.outbox.status()
        out["working_file"] = self.local.status()
        out["newest"] = (
            self.local.con()
            .execute("SELECT max(last_ts) FROM series WHERE site=?", (self.site,))
            .fetchone()[0]
        )
        out["ok"] = self.sender.state in ("ok", "starting")
        return out

    def close(self, timeout: float = 3.0) -> None:
        """Send what can be sent within ``timeout`` s, then stop; the rest waits on disk."""
        if self.sender is not None:
            if self.sender.state == "ok":
                self.sender.flush(timeout)
            self.sender.stop(timeout=2.0)  # a request still in flight is abandoned; its lines stay queued
        if self.outbox is not None:
            self.outbox.close()
        if self.local is not None:
            self.local.close()
        self.http.close()


def _known(name: str) -> bool:
    try:
        return Series.parse(name).known
    except UnknownSeries:
        return False


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def open_influx(config: InfluxStoreConfig, site: str, tz: str, readonly: bool) -> InfluxStore:
    """The opener the registry calls with the store section of the config."""
    return InfluxStore(config, site=site, tz=tz, readonly=readonly)


register_backend("influxdb", open_influx, "InfluxDB 1.x, 2.x or 3.x, with a durable local outbox")
