"""A HomeWizard meter that cannot be reached gives one line naming the host and the fix, not
urllib3's retry internals. Real sockets: a closed port on this machine, a server that never answers."""

from __future__ import annotations

import socket

import pytest

from collector.p1.transports import HomeWizardTransport, LinkLost


def read_error(host: str, timeout_s: float = 5.0) -> str:
    transport = HomeWizardTransport(host, timeout_s=timeout_s)
    transport.open()
    try:
        with pytest.raises(LinkLost) as lost:
            transport.read()
    finally:
        transport.close()
    return str(lost.value)


def test_a_refused_connection_names_the_host_and_the_local_api() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    message = read_error(f"127.0.0.1:{port}")
    assert message.startswith(f"127.0.0.1:{port} refused the connection")
    assert "Local API" in message and "\n" not in message
    assert "HTTPConnectionPool" not in message and "Max retries" not in message


def test_a_meter_that_never_answers_names_the_wait() -> None:
    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        host = f"127.0.0.1:{server.getsockname()[1]}"
        message = read_error(host, timeout_s=0.5)
    assert message == f"{host} did not answer within 0.5 s: is the meter on and on this network?"
