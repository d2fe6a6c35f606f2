"""Building a paho-mqtt 2.x client from a broker URL, shared by the source, publisher, CLI and simulator."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

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


@dataclass(frozen=True)
class Session:
    """How the broker treats our session: kept (persistent) for ``expiry`` seconds, or clean.

    A kept session means the broker holds QoS 1 messages for us while we are away and
    remembers our subscriptions; it is found again by the client id, so that must stay
    the same from one run to the next.
    """

    protocol: str = "3.1.1"  # or "5"
    expiry: int = 0  # seconds; 0 = clean session

    @property
    def persistent(self) -> bool:
        return self.expiry > 0

    def subscriptions(self, filters: list[tuple[str, int]]) -> list[tuple[str, int | SubscribeOptions]]:
        """What to pass to ``Client.subscribe``.

        Subscribing again on every connect is harmless and covers a broker that lost the
        session. With MQTT 5 a renewed subscription does not resend retained messages.
        """
        if self.protocol != "5":
            return list(filters)
        return [(topic, SubscribeOptions(qos=qos, retainHandling=1)) for topic, qos in filters]

    def connect_args(self) -> dict[str, object]:
        """Keyword arguments for ``Client.connect_async``."""
        if self.protocol != "5":
            return {}  # MQTT 3.1.1 sets clean_session on the Client itself
        properties = Properties(PacketTypes.CONNECT)
        if self.persistent:
            properties.SessionExpiryInterval = self.expiry
        # paho's default cleans the first connect only; a restarted collector must resume
        return {"clean_start": not self.persistent, "properties": properties}


def make_client(
    broker: Broker,
    client_id: str,
    username: str | None = None,
    password: str | None = None,
    ca_file: Path | None = None,
    session: Session | None = None,
    manual_ack: bool = False,
) -> Client:
    """A client with VERSION2 callbacks, TLS when asked and reconnect backoff up to 60 s.

    With ``manual_ack`` the caller acknowledges each QoS 1 message itself (``client.ack``).
    """
    session = session or Session()
    if session.protocol == "5":
        client = Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=manual_ack,
        )
    else:
        client = Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=not session.persistent,
            protocol=MQTTProtocolVersion.MQTTv311,
            manual_ack=manual_ack,
        )
    if broker.tls:
        client.tls_set(ca_certs=str(ca_file) if ca_file else None, cert_reqs=ssl.CERT_REQUIRED)
    if username:
        client.username_pw_set(username, password)
    client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
    return client


# CONNACK reasons that a person must fix; paho gives MQTT 3 codes as MQTT 5 reason names
REFUSED_CREDENTIALS = {"Bad user name or password", "Not authorized"}
