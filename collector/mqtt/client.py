"""Building a paho-mqtt 2.x client from a broker URL, shared by the source, publisher, CLI and simulator."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion

RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 60


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool

    @classmethod
    def parse(cls, url: str) -> Broker:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"broker {url!r} must look like mqtt://HOST:1883 or mqtts://HOST:8883")
        tls = parts.scheme == "mqtts"
        return cls(parts.hostname, parts.port or (8883 if tls else 1883), tls)

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def make_client(
    broker: Broker,
    client_id: str,
    username: str | None = None,
    password: str | None = None,
    ca_file: Path | None = None,
) -> Client:
    """A client with VERSION2 callbacks, TLS when asked and reconnect backoff up to 60 s."""
    client = Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    if broker.tls:
        client.tls_set(ca_certs=str(ca_file) if ca_file else None, cert_reqs=ssl.CERT_REQUIRED)
    if username:
        client.username_pw_set(username, password)
    client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
    return client


# CONNACK reasons that a person must fix; paho gives MQTT 3 codes as MQTT 5 reason names
REFUSED_CREDENTIALS = {"Bad user name or password", "Not authorized"}
