"""The participant's yearly statement as a PDF: ``/mijn/<token>/jaaroverzicht-<year>.pdf``.

Only the link's own participant gets it. Anything else gets the app's index page, which
shows the 404 like any unknown address, and counts as a failed token attempt. When the
statement cannot be made now (a refused register, a broken factors file) a valid link gets
a short text with HTTP 503, never a 500.
"""

from __future__ import annotations

import logging
import time

import dash
import flask

from buurtwatt.shares.statement import NoStatement
from dashboard import shares_adapter
from dashboard.context import current
from dashboard.i18n import t
from dashboard.lang import request_language

log = logging.getLogger(__name__)


def statement_url(token: str, year: int) -> str:
    return f"/mijn/{token}/jaaroverzicht-{year}.pdf"


def _unavailable() -> flask.Response:
    text = t("mine.unavailable", request_language())
    return flask.Response(text, status=503, mimetype="text/plain", headers={"Cache-Control": "no-store"})


def statement_download(token: str, year: int) -> flask.Response | str:
    ctx = current()
    pid = shares_adapter.participant_id(ctx, token)
    if pid is None or not 2000 <= year <= time.localtime().tm_year:
        return dash.get_app().index()
    if shares_adapter.register(ctx) is None:
        return _unavailable()
    try:
        pdf = shares_adapter.statement(ctx, pid, year, time.time())
    except NoStatement:  # a year without shares or production: say so, serve no empty PDF
        text = t("mine.no_statement", request_language(), year=year)
        return flask.Response(text, status=404, mimetype="text/plain", headers={"Cache-Control": "no-store"})
    except Exception:  # one broken input must not become an HTTP 500
        log.exception("cannot make the %d statement of participant %s", year, pid)
        return _unavailable()
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
