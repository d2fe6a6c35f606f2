"""Speaking to InfluxDB: line protocol, InfluxQL quoting, and a small HTTP client.

- Writes: for 1.x (``api = "v1"``) a POST to ``/write?db=&rp=&precision=ms`` with the
  username/password as basic auth; for 2.x and 3.x influxdb-client's synchronous write API
  with the token (3.x accepts the v2 write API; its database plays the bucket).
- Reads: always InfluxQL on ``/query`` with ``epoch=ms``, which 1.x, 2.x (through a DBRP
  mapping) and 3.x all answer, so the dashboard never depends on Flux.

Every failure is an :class:`InfluxError` whose ``kind`` tells the sender what to do.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import urllib3

from buurtwatt.config import InfluxStoreConfig
from buurtwatt.config_base import SecretMissing

log = logging.getLogger(__name__)

# what a failed request means for the sender
TRANSIENT = "transient"  # server down, overloaded or slow: back off and send the same lines again
CONFIG = "config"  # credentials, database or bucket wrong: will not work until someone fixes it
REJECTED = "rejected"  # the lines themselves are bad (400): resending cannot help
TOO_LARGE = "too_large"  # 413: send fewer lines at a time


class InfluxError(RuntimeError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def kind(self) -> str:
        s = self.status
        if s is None or s in (408, 429) or s >= 500:
            return TRANSIENT
        if s == 413:
            return TOO_LARGE
        if s in (400, 422):
            return REJECTED
        return CONFIG


# --- line protocol ---------------------------------------------------------------------
# InfluxDB 1.x reads a backslash literally unless a comma, '=' or space follows it (verified on
# 1.6.7: "\\\\" stays two backslashes), so backslashes are left alone. Site ids and device names
# are restricted by the config anyway; a newline could never be part of a line.
_KEY_ESCAPES = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ ", "\n": "\\n"})
_MEASUREMENT_ESCAPES = str.maketrans({",": "\\,", " ": "\\ ", "\n": "\\n"})


def lp_measurement(name: str) -> str:
    return name.translate(_MEASUREMENT_ESCAPES)


def lp_key(text: str) -> str:
    """A tag key, tag value or field key."""
    return text.translate(_KEY_ESCAPES)


def lp_float(value: float) -> str:
    return repr(float(value))  # repr round-trips exactly


def lp_int(value: int) -> str:
    return f"{int(value)}i"


# --- outbox records as lines ----------------------------------------------------------
RAW_MEASUREMENT = "buurtwatt"
MEASUREMENTS: dict[str, str] = {level: f"buurtwatt_{level}" for level in ("1m", "15m", "1h", "1d")}
LAST_TS_SUFFIX = "_last_ts"  # on 1-minute points: time (ms) of the series' newest sample, for latest()
_INT_FIELDS = ("n", "last_ts")


def record_line(record: Any, site_tag: str) -> str:
    """One outbox record (see outbox.py) as one line; ``site_tag`` is ``lp_key(site)``."""
    if record.kind == "raw":
        fields = ",".join(f"{lp_key(q)}={lp_float(v)}" for q, v in record.values.items())
        measurement = RAW_MEASUREMENT
    else:
        fields = ",".join(
            f"{lp_key(q)}_{name}={lp_int(v) if name in _INT_FIELDS else lp_float(v)}"
            for q, aggregate in record.values.items()
            for name, v in aggregate.items()
        )
        measurement = MEASUREMENTS[record.level]
    tags = f"site={site_tag},device={lp_key(record.device)}"
    return f"{lp_measurement(measurement)},{tags} {fields} {record.ts_ms}"


# --- InfluxQL --------------------------------------------------------------------------
def ql_ident(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ql_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- HTTP ------------------------------------------------------------------------------
class InfluxHttp:
    """One InfluxDB server as the config names it. Thread-safe (urllib3 pools)."""

    def __init__(self, config: InfluxStoreConfig) -> None:
        self.config = config
        self.base = config.url.rstrip("/")
        self._pool = urllib3.PoolManager(
            num_pools=2, maxsize=8, retries=False, timeout=urllib3.Timeout(total=config.timeout_s)
        )
        self._v2_client: Any = None
        self._v2_write: Any = None

    # --- credentials -------------------------------------------------------------------
    def _token(self) -> str | None:
        if self.config.token is None:
            return None
        try:
            return self.config.token.require()
        except SecretMissing as exc:
            raise InfluxError(f"InfluxDB token missing: {exc}", status=401) from None

    def _headers(self) -> dict[str, str]:
        token = self._token()
        if token is not None:
            return {"Authorization": f"Token {token}"}
        if self.config.api == "v1" and self.config.username:
            password = ""
            if self.config.password is not None:
                try:
                    password = self.config.password.require()
                except SecretMissing as exc:
                    raise InfluxError(f"InfluxDB password missing: {exc}", status=401) from None
            return urllib3.make_headers(basic_auth=f"{self.config.username}:{password}")
        return {}

    # --- raw requests ------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> urllib3.BaseHTTPResponse:
        url = f"{self.base}{path}?{urlencode(params)}"
        try:
            response = self._pool.request(
                method, url, body=body, headers={**self._headers(), **(headers or {})}
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise InfluxError(f"cannot reach InfluxDB at {self.base}: {_reason(exc)}") from None
        if response.status >= 300:
            raise InfluxError(f"HTTP {response.status}: {_error_text(response.data)}", status=response.status)
        return response

    def ping(self) -> bool:
        try:
            self._pool.request("GET", f"{self.base}/ping", timeout=min(self.config.timeout_s, 3.0))
            return True
        except (urllib3.exceptions.HTTPError, OSError):
            return False

    # --- writing -----------------------------------------------------------------------
    def write(self, body: bytes) -> None:
        """Send line protocol with millisecond timestamps; raises InfluxError."""
        if self.config.api == "v1":
            params = {"db": self.config.database, "precision": "ms"}
            if self.config.retention_policy:
                params["rp"] = self.config.retention_policy
            self._request("POST", "/write", params, body, {"Content-Type": "text/plain; charset=utf-8"})
            return
        self._write_v2(body)

    def _write_v2(self, body: bytes) -> None:
        from influxdb_client import WritePrecision
        from influxdb_client.rest import ApiException

        # InfluxDB 3 has databases only: its v2-compatible write takes the database as the bucket
        bucket = self.config.database if self.config.api == "v3" else self.config.bucket
        try:
            self._writer().write(
                bucket=bucket, org=self.config.org, record=body, write_precision=WritePrecision.MS
            )
        except ApiException as exc:
            raise InfluxError(f"HTTP {exc.status}: {_error_text(exc.body)}", status=exc.status) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise InfluxError(f"cannot reach InfluxDB at {self.base}: {_reason(exc)}") from None

    def _client(self) -> Any:
        if self._v2_client is None:
            from influxdb_client import InfluxDBClient

            self._v2_client = InfluxDBClient(
                url=self.base,
                token=self._token() or "",
                org=self.config.org,
                timeout=int(self.config.timeout_s * 1000),
            )
        return self._v2_client

    def _writer(self) -> Any:
        if self._v2_write is None:
            from influxdb_client.client.write_api import SYNCHRONOUS

            self._v2_write = self._client().write_api(write_options=SYNCHRONOUS)
        return self._v2_write

    # --- reading -----------------------------------------------------------------------
    def query(self, statements: str, method: str = "GET") -> list[list[dict[str, Any]]]:
        """Run InfluxQL; one list of series per statement. A missing database reads as empty."""
        params = {"q": statements, "epoch": "ms", "db": self.config.database}
        if self.config.retention_policy and self.config.api != "v3":
            params["rp"] = self.config.retention_policy
        if method == "POST":
            body = urlencode(params).encode()
            response = self._request(
                "POST", "/query", {}, body, {"Content-Type": "application/x-www-form-urlencoded"}
            )
        else:
            response = self._request("GET", "/query", params)
        try:
            answer = json.loads(response.data)
        except ValueError:
            raise InfluxError(f"InfluxDB sent something that is not JSON: {response.data[:200]!r}") from None
        if "error" in answer:
            raise InfluxError(f"InfluxQL error: {answer['error']}", status=400)
        out: list[list[dict[str, Any]]] = []
        for result in answer.get("results", []):
            error = result.get("error")
            if error and not error.startswith("database not found"):
                raise InfluxError(f"InfluxQL error: {error}", status=400)
            out.append(result.get("series", []) if not error else [])
        return out

    # --- making the target exist -------------------------------------------------------
    def ensure_target(self) -> str | None:
        """Create what writes and InfluxQL reads need; a sentence saying what was done, or None."""
        if self.config.api == "v1":
            names = {row[0] for s in self.query("SHOW DATABASES")[0] for row in s.get("values", [])}
            if self.config.database in names:
                return None
            self.query(f"CREATE DATABASE {ql_ident(self.config.database)}", method="POST")
            return f"created InfluxDB database {self.config.database!r}"
        if self.config.api == "v2":
            return self._ensure_dbrp()
        return None  # InfluxDB 3 creates a database on its first write

    def _ensure_dbrp(self) -> str | None:
        # Only InfluxDB 2.x needs (and has) DBRP mappings; no 2.x server is available in this
        # environment, so this path is not exercised by the tests.
        from influxdb_client.domain.dbrp_create import DBRPCreate
        from influxdb_client.rest import ApiException
        from influxdb_client.service.dbr_ps_service import DBRPsService

        config = self.config
        rp = config.retention_policy or "autogen"
        try:
            service = DBRPsService(self._client().api_client)
            found = service.get_dbr_ps(org=config.org, db=config.database, rp=rp)
            if found.content:
                return None
            bucket = self._client().buckets_api().find_bucket_by_name(config.bucket)
            if bucket is None:
                raise InfluxError(f"bucket {config.bucket!r} not found in org {config.org!r}", status=404)
            mapping = DBRPCreate(
                org=config.org,
                bucket_id=bucket.id,
                database=config.database,
                retention_policy=rp,
                default=True,
            )
            service.post_dbrp(dbrp_create=mapping)
        except ApiException as exc:
            raise InfluxError(f"HTTP {exc.status}: {_error_text(exc.body)}", status=exc.status) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise InfluxError(f"cannot reach InfluxDB at {self.base}: {_reason(exc)}") from None
        return f"created DBRP mapping {config.database}/{rp} -> bucket {config.bucket!r} for InfluxQL reads"

    def close(self) -> None:
        if self._v2_client is not None:
            self._v2_client.close()
            self._v2_client = self._v2_write = None
        self._pool.clear()


def _error_text(body: bytes | str | None) -> str:
    if not body:
        return "no details"
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            text = str(parsed.get("error") or parsed.get("message") or text)
    except ValueError:
        pass
    return text.strip()[:300]


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return text[:200]
