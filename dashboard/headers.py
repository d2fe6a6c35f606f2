"""Security headers on every response: a Content-Security-Policy that Dash and Plotly can live
with, who may show the dashboard in a frame, no MIME sniffing, no Referer.

- Scripts: only our own files. Dash's few inline scripts (the renderer's start) are allowed by
  their hash, worked out from the page as served, so a change to the index page cannot
  silently break or widen the policy. Plotly builds functions at run time, hence
  ``'unsafe-eval'``; Dash and Plotly set inline styles, hence ``'unsafe-inline'`` for styles
  only.
- Frames: any page may be framed by the dashboard itself. ``/scherm`` (the wall screen) may
  also be framed by the sites in ``[dashboard] frame_ancestors``, so a neighbourhood website
  can embed it; the admin and participant pages never can. ``X-Frame-Options`` says the same
  where it can (``SAMEORIGIN``); it cannot name another site, so where other sites may frame
  the page it is left out and the CSP decides.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence

import flask

EMBEDDABLE = ("/scherm",)
_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
_DATA_TYPE = re.compile(r"""type\s*=\s*["']?application/json""", re.IGNORECASE)


def inline_script_hashes(page: str) -> list[str]:
    """CSP sources for the inline scripts a page runs (data blocks and external files need none)."""
    found = []
    for script in _INLINE_SCRIPT.finditer(page):
        attrs, body = script.group("attrs"), script.group("body")
        if "src=" in attrs.lower() or _DATA_TYPE.search(attrs) or not body:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        found.append(f"'sha256-{digest}'")
    return sorted(set(found))


def policy(script_hashes: Sequence[str], ancestors: Sequence[str]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self' 'unsafe-eval'", *script_hashes]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            " ".join(["frame-ancestors", *ancestors]),
        ]
    )


def ancestors(path: str, embedders: Sequence[str]) -> list[str]:
    """Who may frame ``path``: the dashboard itself, and for the wall screen the configured sites."""
    allowed = ["'self'"]
    if path.startswith(EMBEDDABLE):
        allowed += [origin for origin in embedders if origin not in allowed]
    return allowed


def install(server: flask.Flask, embedders: Sequence[str]) -> None:
    """Add the headers to every response. Register after compression: Flask runs the last
    registered hook first, so this one still sees the page uncompressed."""

    def add_headers(response: flask.Response) -> flask.Response:
        hashes: list[str] = []
        if response.mimetype == "text/html" and not response.direct_passthrough:
            hashes = inline_script_hashes(response.get_data(as_text=True))
        frame = ancestors(flask.request.path, embedders)
        response.headers["Content-Security-Policy"] = policy(hashes, frame)
        if frame == ["'self'"]:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    server.after_request(add_headers)
