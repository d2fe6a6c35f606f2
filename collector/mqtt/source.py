"""The ``mqtt`` source: one broker connection feeding many devices.

paho's network thread receives messages and turns them into readings (see
:mod:`collector.mqtt.intake`); this source's own thread hands them to the core in
batches, checks for silent devices and watches the connection. paho reconnects by
itself with a backoff from 1 to 60 s; subscriptions are renewed in ``on_connect``
because a broker restart without persistence forgets them.

The session is persistent (same client id, clean start off, a session expiry, QoS 1
subscriptions): while this source is stopped the broker queues what arrives, and
hands it over on the next connect, before the CONNACK callback even runs.

A message is acknowledged (PUBACK) only once it is in the pending batch, and the
batch always reaches the core, also on stop. On stop, messages that arrive once
closing has begun are neither kept nor acknowledged: the broker keeps them for the
next run. Closing waits until the broker has handled our last PUBACK (see
:meth:`MqttSource._close`), so a graceful restart stores every message exactly once.
After a dropped connection a message whose PUBACK was lost comes again: at least
once, as MQTT QoS 1 promises.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.reasoncodes import ReasonCode

from buurtwatt.backoff import Backoff
from buurtwatt.config import SiteConfig
from buurtwatt.readings import Reading
from collector.health import State
from collector.mqtt.client import REFUSED_CREDENTIALS, Broker, Session, make_client
from collector.mqtt.config import MqttConfig
from collector.mqtt.intake import Intake
from collector.mqtt.publish import ReadingPublisher
from collector.source import SourceContext

FLUSH_INTERVAL_S = 0.1  # readings wait at most this long before the core gets them
CLOSE_TIMEOUT_S = 5.0  # on stop, for each broker round trip (see MqttSource._close)
ACK_BARRIER_TOPIC = "buurtwatt-ack-barrier"  # never published to: only unsubscribed from


class MqttSource:
    def __init__(self, config: MqttConfig, site: SiteConfig | None = None) -> None:
        self.config = config
        self.site_id = site.site.id if site else "site"
        self.broker = Broker.parse(config.broker)
        # stable from run to run: the broker finds our session (and queued messages) by it
        self.client_id = config.client_id or f"buurtwatt-{self.site_id}-{config.name}"
        self.session = Session(config.protocol, config.session_expiry)
        self._pending: list[Reading] = []
        self._pending_lock = threading.Lock()
        self._closing = False  # set under _pending_lock just before DISCONNECT is queued
        self._disconnected = threading.Event()
        self._acks_done = threading.Event()
        self._connected_once = False
        self._refused = False
        self.intake: Intake | None = None
        self.publisher: ReadingPublisher | None = None
        self._publish_own = True  # without the collector core (the CLI), publish what we read

    def _password(self, ctx: SourceContext) -> str | None | bool:
        """The password, None when none is configured, False when stopping before it appeared."""
        if not self.config.password:
            return None
        backoff = Backoff(5, 60)
        while True:
            value = self.config.password.get()
            if value is not None:
                return value
            where = self.config.password.describe()
            ctx.health.set_state(State.ERROR, f"MQTT password not found: set {where}")
            if not ctx.sleep(backoff.next()):
                return False

    def run(self, ctx: SourceContext) -> None:
        password = self._password(ctx)
        if password is False:
            return
        publish = self.config.publish
        intake = self.intake = Intake(
            self.config.subscriptions,
            ctx.health,
            self.config.max_message_bytes,
            ignore_prefix=publish.prefix if publish.enabled else None,
        )
        client = make_client(
            self.broker,
            self.client_id,
            self.config.username,
            password if isinstance(password, str) else None,
            self.config.ca_file,
            self.session,
            manual_ack=True,
        )
        if publish.enabled:
            self.publisher = ReadingPublisher(client, self.site_id, publish)
            self.publisher.prepare()
            if ctx.watch:  # in the collector: republish every device's readings, not just ours
                ctx.watch(self.publisher.publish)
                self._publish_own = False
        self._wire(client, ctx, intake)
        ctx.health.set_state(State.STARTING, f"connecting to {self.broker}")
        client.connect_async(
            self.broker.host, self.broker.port, keepalive=self.config.keepalive, **self.session.connect_args()
        )
        client.loop_start()
        try:
            while ctx.sleep(FLUSH_INTERVAL_S):
                self._flush(ctx)
                intake.check_stale(time.time())
        finally:
            if self.publisher:
                self.publisher.stopping()
            self._close(client)
            self._flush(ctx)

    def _close(self, client: Client) -> None:
        """Disconnect so that every message we kept is acknowledged at the broker, and no other.

        paho closes its socket right after writing DISCONNECT. With messages still arriving
        (unread data), that close resets the connection, and the broker may throw away our
        last PUBACKs with it: those messages would come again next run. So first a round
        trip: the broker handles a client's packets in order, so once it answers an
        UNSUBSCRIBE (of a filter we never use) it has handled every PUBACK sent before.
        """
        with self._pending_lock:  # from here on messages stay with the broker (see above)
            self._closing = True
        if client.is_connected():
            self._acks_done.clear()
            client.unsubscribe(f"{ACK_BARRIER_TOPIC}/{self.client_id}")
            self._acks_done.wait(CLOSE_TIMEOUT_S)
            self._disconnected.clear()
            client.disconnect()
            self._disconnected.wait(CLOSE_TIMEOUT_S)  # paho writes DISCONNECT in its own thread
        else:
            client.disconnect()
        client.loop_stop()

    def _flush(self, ctx: SourceContext) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
        if batch:
            ctx.emit(batch)  # the core counts them on ctx.health
            if self.publisher and self._publish_own:
                self.publisher.publish(batch)

    def _wire(self, client: Client, ctx: SourceContext, intake: Intake) -> None:
        health = ctx.health

        def on_connect(
            client: Client, userdata: Any, flags: ConnectFlags, reason: ReasonCode, properties: Any
        ) -> None:
            if reason.is_failure:
                if str(reason) in REFUSED_CREDENTIALS:
                    self._refused = True
                    who = f"user {self.config.username!r}" if self.config.username else "anonymous clients"
                    health.set_state(
                        State.ERROR,
                        f"the broker {self.broker} refused {who} ({reason}); "
                        "check username and password in the config and on the broker",
                    )
                else:
                    health.set_state(
                        State.ERROR, f"the broker {self.broker} refused the connection: {reason}"
                    )
                return
            self._refused = False
            if self._connected_once:
                health.count_reconnect()
            self._connected_once = True
            # made again on every connect: a broker without persistence forgets them on restart
            client.subscribe(self.session.subscriptions(intake.filters()))
            if self.publisher:
                self.publisher.connected()
            health.set_state(State.OK, f"connected to {self.broker}")

        def on_disconnect(
            client: Client, userdata: Any, flags: DisconnectFlags, reason: ReasonCode, properties: Any
        ) -> None:
            self._disconnected.set()
            if not ctx.stopping.is_set() and not self._refused:
                health.set_state(State.OFFLINE, f"lost the connection to {self.broker} ({reason}); retrying")

        def on_connect_fail(client: Client, userdata: Any) -> None:
            if not self._refused:
                hint = (
                    " (check the ca_file: the broker's certificate must be signed by it)"
                    if self.broker.tls
                    else ""
                )
                health.set_state(State.OFFLINE, f"cannot reach the broker {self.broker}{hint}; retrying")

        def on_message(client: Client, userdata: Any, message: MQTTMessage) -> None:
            try:
                topic = message.topic
            except UnicodeDecodeError:  # paho would let this end its network thread
                health.drop("topic not UTF-8")
                client.ack(message.mid, message.qos)  # unreadable for good: the broker need not resend it
                return
            with self._pending_lock:  # held through the ack: no PUBACK after our DISCONNECT
                if self._closing:
                    return
                readings = intake.receive(topic, message.payload, bool(message.retain), time.time())
                self._pending.extend(readings)
                client.ack(message.mid, message.qos)

        def on_unsubscribe(client: Client, userdata: Any, mid: int, reasons: Any, properties: Any) -> None:
            self._acks_done.set()  # the only UNSUBSCRIBE we send is the one in _close

        client.on_connect = on_connect
        client.on_unsubscribe = on_unsubscribe
        client.on_disconnect = on_disconnect
        client.on_connect_fail = on_connect_fail
        client.on_message = on_message
