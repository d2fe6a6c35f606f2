"""The participant's yearly statement as a PDF: ``/mijn/<token>/jaaroverzicht-<year>.pdf``.

Only the link's own participant gets it. Anything else gets the app's index page, which
shows the 404 like any unknown address, and counts as a failed token attempt.
"""

from __future__ import annotations

import time

import dash
import flask

from dashboard import shares_adapter
from dashboard.context import current


def statement_url(token: str, year: int) -> str:
    return f"/mijn/{token}/jaaroverzicht-{year}.pdf"


def statement_download(token: str, year: int) -> flask.Response | str:
    ctx = current()
    pid = shares_adapter.participant_id(ctx, token, flask.request.remote_addr or "?")
    this_year = time.localtime().tm_year
    pdf = shares_adapter.statement(ctx, pid, year, time.time()) if pid and 2000 <= year <= this_year else None
    if pdf is None:
        return dash.get_app().index()
    return flask.Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename=jaaroverzicht-{year}.pdf",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def register(server: flask.Flask) -> None:
    server.add_url_rule("/mijn/<token>/jaaroverzicht-<int:year>.pdf", "bw_statement", statement_download)
