"""Who is asking, and over what: the client address and scheme, believed from a reverse proxy
only when the direct peer is one of ``[dashboard] trusted_proxies``.

Without the list, ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are ignored: anyone can send
them, and a limiter keyed on a header the client chooses limits nothing. With it, the client
is the right-most address in ``X-Forwarded-For`` that is not itself a trusted proxy (the
left-most entries are whatever the client wrote). WSGI middleware, so ``request.remote_addr``
and ``request.is_secure`` are right for every part of the dashboard.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """Rewrites ``REMOTE_ADDR`` and ``wsgi.url_scheme`` from a trusted proxy's headers."""

    def __init__(self, app: WSGIApp, networks: Sequence[IPNetwork]) -> None:
        self.app, self.networks = app, tuple(networks)

    def trusted(self, text: str | None) -> bool:
        found = _address(text or "")
        return found is not None and any(found in net for net in self.networks)

    def client(self, peer: str, forwarded: str) -> str:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        for hop in reversed(hops):
            if _address(hop) is None:
                return peer  # a garbled chain: believe only the socket
            if not self.trusted(hop):
                return str(_address(hop))
        return str(_address(hops[0])) if hops else peer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR", "")
        if self.trusted(peer):
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded:
                environ["REMOTE_ADDR"] = self.client(peer, forwarded)
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
